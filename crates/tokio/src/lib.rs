//! tokio's name for asynclife's tokio-shaped module, [`asynclife_sim::tokio`]: a crate whose
//! `Cargo.toml` says
//!
//! ```toml
//! tokio = { package = "asynclife-tokio", version = "0.1" }
//! ```
//!
//! keeps every `tokio::spawn`, `tokio::time::sleep`, `tokio::sync::mpsc`, `tokio::select!`
//! and `#[tokio::test]` of its source as it is, and runs them under the engine in its tests
//! (virtual time, a seeded schedule, the detectors) and on tokio outside a simulation.
//!
//! What stays out of reach: a third-party crate that depends on tokio itself still gets the
//! real tokio (a client library's own timers and tasks); inside a simulation its timer calls
//! fail, and the `foreign-runtime` detector names them. tokio's `net`, `fs`, `io`, `process`
//! and `signal` are not offered: see [`asynclife_sim::tokio`] for the whole list.

pub use asynclife_sim::tokio::*;

/// The engine, for the macros' expansions (`#[tokio::test]` and `tokio::select!` reach it
/// through here when the crate depends on no `asynclife-sim` of its own).
#[doc(hidden)]
pub use asynclife_sim as __engine;
