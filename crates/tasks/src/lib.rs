//! asynclife-tasks: managed background tasks with a run registry, seeds 002 and 003.
