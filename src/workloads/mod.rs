//! Workloads of the harness itself (not of a subsystem): used by benchmarks and engine tests.

mod cleanup_storm;
mod cleanup_storm_tokio;

pub use cleanup_storm::{cleanup_storm, cleanup_storm_joined, Joins};
pub use cleanup_storm_tokio::cleanup_storm_tokio;
