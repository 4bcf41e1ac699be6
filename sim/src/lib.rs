//! asynclife-sim: the deterministic simulation engine of asynclife.

pub mod fault;
pub mod time;
pub mod world;
