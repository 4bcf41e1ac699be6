//! Benchmark tables: what `asynclife bench` prints and `benches/cleanup.rs` measures.
//!
//! - [`cleanup`]: cleanup latency of the pidclean orchestrator in virtual time, exact and
//!   deterministic, one row per (variant, concurrent ends);
//! - [`sweep`]: the scenarios whose sweep throughput the README reports;
//! - [`stats`]: percentiles and the millisecond figures the tables print.
//!
//! Wall-clock measurements (criterion's, the sweep rates, the real-process cleanups) live in
//! the binary and in `benches/`: nothing here reads a clock.

pub mod cleanup;
pub mod stats;
pub mod sweep;
