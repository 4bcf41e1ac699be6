//! asynclife-actions: the fire-and-forget action tracker of seed 000.
