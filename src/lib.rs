//! asynclife: the harness's command line, scenario files, registry of subsystems, and sweeps.
//!
//! The engine is the `asynclife-sim` crate; the reference subsystems are the crates under
//! `crates/`. This crate ties them together: it reads scenario files, runs them over many
//! seeds, writes failure files, and replays them, for any [`Subsystem`] a crate registers
//! ([`cli::main`]).
//!
//! Features: `reference` (on by default) brings the four reference subsystems, the
//! `asynclife` binary and the benchmark tables; a crate that only wants the command line over
//! its own subsystems turns it off (`default-features = false`).
//!
//! [`Subsystem`]: asynclife_sim::subsystem::Subsystem

#[cfg(feature = "reference")]
pub mod bench;
pub mod cli;
pub mod failure;
#[cfg(feature = "reference")]
pub mod reference;
pub mod registry;
pub mod scenario;
pub mod sweep;
#[cfg(feature = "reference")]
pub mod workloads;

pub use registry::{register, Registered, Registry, RegistryError};

/// The README's example, compiled and run as a doctest so that it stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The benchmark notes' example (an async function tested under the engine), run as a doctest.
#[doc = include_str!("../benches/README.md")]
#[cfg(doctest)]
pub struct BenchesReadmeDoctests;
pub mod shrink;
pub mod zoo;
