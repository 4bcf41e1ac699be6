//! asynclife-pidclean: the session orchestrator with agent PID cleanup of seed 001.
