//! asynclife-sim: a deterministic simulation engine for async lifecycle bugs.
//!
//! Code under test is written against [`rt`], a tokio-shaped facade (spawn, sleep, timeout,
//! interval, blocking, randomness). [`Sim::run`] runs it on a single-threaded executor whose
//! clock is virtual and whose every scheduling choice comes from one seed, so a seed replays
//! bit for bit. Outside a simulation the same `rt` calls go to tokio.
//!
//! Module map:
//! - `runtime` (private; its entry point is [`Sim`]): the executor, virtual time, scheduling
//!   policies;
//! - [`rt`]: the facade the code under test calls;
//! - [`check`]: violations, detectors and invariants;
//! - [`trace`]: events, the trace hash, renderers;
//! - [`fault`], [`world`]: fault plans; the simulated process table and key-value store;
//! - [`subsystem`]: the contract a reference subsystem implements to be run by the harness, and
//!   [`ScenarioFile`], the scenario-file schema that its own tests and the harness's loader
//!   both read;
//! - `real` (feature `real`): real mode, the same code on real tokio with real processes and
//!   Redis;
//! - [`explore`]: many seeds of a test's own code ([`Check`], [`check_random`],
//!   [`check_pct`]), failure files, replay and shrink;
//! - [`mod@env`]: the environment variables read.
//!
//! ```
//! use asynclife_sim::{rt, Sim, SimConfig, ViolationKind};
//! use std::time::Duration;
//!
//! // A fire-and-forget task that panics: nobody will ever know, except the detector.
//! let report = Sim::new(SimConfig::with_seed(1)).run(|| async {
//!     drop(rt::spawn("fire-and-forget", async { panic!("lost") }));
//!     rt::sleep(Duration::from_millis(10)).await;
//! });
//! assert!(report.has(&ViolationKind::UnobservedPanic));
//! ```
//!
//! # Reproducing a failure
//! A [`Report`] carries the seed and the [`Schedule`]. The same seed with the default policy
//! gives the same run; `Policy::Replay(report.schedule)` with the same seed gives the identical
//! trace, and [`Report::trace_hash`] proves it.

// Real mode's child watcher (`real/children.rs`, never simulated) uses tokio's `select!`;
// clippy reports the macro's own recursive expansions there, which no `allow` on the
// function reaches. Simulated code in this crate uses no `select!` at all.
#![cfg_attr(feature = "real", allow(clippy::disallowed_macros))]

// The macros reach the engine as `::asynclife_sim`, here too.
extern crate self as asynclife_sim;

pub mod check;
mod config;
pub mod env;
pub mod explore;
pub mod fault;
mod outside_rng;
#[cfg(feature = "real")]
pub mod real;
mod report;
pub mod rt;
mod runtime;
mod scaled_clock;
mod scenario_file;
pub mod subsystem;
pub mod testing;
pub mod time;
pub mod tokio;
pub mod trace;
#[doc(hidden)]
pub mod variant_catalogue;
pub mod world;

pub use asynclife_sim_macros::{select, test};
pub use check::{Violation, ViolationKind};
pub use config::{millis, ConfigError, SimConfig, SimSection, DEFAULT_MAX_EVENTS};
pub use explore::{check_pct, check_random, replay, run_pct_measured, Check};
pub use report::{Report, Stats, Verdict};
pub use runtime::{JoinError, Policy, Schedule, Sim, DEFAULT_PCT_HORIZON, PLAIN_ENGINE};
pub use scenario_file::{
    scenario_paths, seeds_problem, ExpectTable, ScenarioFile, ScenarioFileError,
};
pub use time::Instant;
pub use trace::Trace;
