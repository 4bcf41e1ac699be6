//! Benchmark tables: what `asynclife bench` prints and `benches/cleanup.rs` measures.
//!
//! - [`cleanup`]: cleanup latency of the pidclean orchestrator in virtual time, exact and
//!   deterministic, one row per (variant, concurrent ends);
//! - [`real_cleanup`]: cleanup latency of pidclean's own cleanup on real child processes,
//!   on the wall clock, one row per (children kind, concurrent cleanups);
//! - [`sweep`]: the scenarios whose sweep throughput `benches/README.md` reports;
//! - [`stats`]: percentiles and the millisecond figures the tables print.
//!
//! Only `real_cleanup` reads a clock (tokio's, through `rt` outside any simulation); the
//! other wall-clock measurements (criterion's, the sweep rates) live in the binary and in
//! `benches/`.

pub mod cleanup;
pub mod real_cleanup;
pub mod stats;
pub mod sweep;
