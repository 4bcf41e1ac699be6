//! Exploring a test's own code: many seeds from `cargo test`, the failing one shrunk and
//! written to a failure file, and replayed bit for bit from the line the failure prints.
//!
//! Layers, as shuttle's: [`check_random`] and [`check_pct`] for the common case, [`Check`] to
//! set seeds, policy, faults and bounds, [`replay`] for a failure file, and under them the
//! pieces the harness's CLI uses too: [`Failure`] (the file format), [`shrink`] (fault plan
//! and schedule), [`first_failing`] (the seed search).

mod check;
mod determinism;
mod failure;
mod files;
mod found;
mod origin;
mod pct_horizon;
mod seeds;
pub mod shrink;
mod warned;

pub use check::{check_pct, check_random, replay, Check, Passed, DEFAULT_SEEDS};
pub use determinism::{compare_runs, run_twice};
pub use failure::{format_hash, Failure, FailureFileError, HARNESS_VERSION};
pub use files::{failures_dir, write_atomically, WriteError};
pub use found::{Found, Replayed, ShrinkSummary};
pub use origin::TestOrigin;
pub use pct_horizon::{measure_pct_horizon, run_pct_measured};
pub use seeds::{first_failing, first_failing_here};
