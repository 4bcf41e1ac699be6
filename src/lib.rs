//! asynclife: the harness's command line, scenario files, registry of subsystems, and sweeps.
//!
//! The engine is the `asynclife-sim` crate; the reference subsystems are the crates under
//! `crates/`. This crate ties them together: it reads scenario files, runs them over many
//! seeds, writes failure files, and replays them.

pub mod bench;
pub mod failure;
pub mod registry;
pub mod scenario;
pub mod sweep;
pub mod workloads;

/// The README's example, compiled and run as a doctest so that it stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
pub mod shrink;
pub mod zoo;
