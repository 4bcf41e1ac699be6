//! Shared by the integration tests: loading `scenarios/rag/*.toml` and running their seeds.
#![allow(dead_code)] // each test binary uses a part of it

use asynclife_rag::{Rag, Workload};
use asynclife_sim::{Report, ScenarioFile};
use std::path::{Path, PathBuf};

/// A scenario file of this subsystem.
pub type Scenario = ScenarioFile<Workload>;

/// The seeds of a sweep when a file gives no count.
pub const DEFAULT_SEEDS: u64 = 100;

/// `scenarios/rag/`.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/rag")
}

/// Every scenario file, sorted by name, parsed.
pub fn scenarios() -> Vec<(String, Scenario)> {
    Scenario::read_dir(&scenario_dir())
}

/// The scenarios made for `fixed`.
pub fn fixed_scenarios() -> Vec<(String, Scenario)> {
    scenarios()
        .into_iter()
        .filter(|(_, s)| s.variant == "fixed")
        .collect()
}

/// Runs one seed of `variant`, without a recorded trace (the hash is kept).
pub fn run(scenario: &Scenario, variant: &str, seed: u64) -> Report {
    scenario.run::<Rag>(variant, seed, false)
}

/// Seeds for sweeps: `ASYNCLIFE_SEEDS` when set, else `default`.
///
/// # Panics
/// If `ASYNCLIFE_SEEDS` is set to something other than a count.
pub fn seed_count(default: u64) -> u64 {
    use asynclife_sim::env::{parsed, ASYNCLIFE_SEEDS};
    parsed(ASYNCLIFE_SEEDS)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or(default)
}
