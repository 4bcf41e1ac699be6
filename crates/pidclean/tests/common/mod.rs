//! Shared by the integration tests: loading this crate's scenario files and running them.

#![allow(dead_code)] // each test binary uses its own part of this module

use asynclife_pidclean::{PidClean, Workload};
use asynclife_sim::{Report, ScenarioFile};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A scenario file of this subsystem.
pub type Scenario = ScenarioFile<Workload>;

/// The seeds of a sweep when a file gives no count.
pub const DEFAULT_SEEDS: u64 = 1_000;

/// `scenarios/pidclean/`, from this crate's directory.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/pidclean")
}

/// Every scenario file, by file stem, sorted.
pub fn scenarios() -> Vec<(String, Scenario)> {
    Scenario::read_dir(&scenario_dir())
}

/// Every scenario's name (its file stem), sorted.
pub fn scenario_names() -> Vec<String> {
    scenarios().into_iter().map(|(name, _)| name).collect()
}

/// Reads `scenarios/pidclean/<name>.toml`; panics with the file's name on an error.
pub fn load(name: &str) -> Scenario {
    Scenario::read(&scenario_dir().join(format!("{name}.toml"))).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs one seed of the scenario with `variant`; the trace is hashed but not kept, to keep
/// sweeps fast.
pub fn run(scenario: &Scenario, variant: &str, seed: u64) -> Report {
    scenario.run::<PidClean>(variant, seed, false)
}

/// The seeds of a default sweep, at least `min` of them.
pub fn seeds_at_least(scenario: &Scenario, min: u64) -> Range<u64> {
    let seeds = scenario.seed_range(DEFAULT_SEEDS);
    seeds.start..seeds.start + (seeds.end - seeds.start).max(min)
}

/// Violation names of a report, for messages.
pub fn names(report: &Report) -> Vec<String> {
    report
        .violations
        .iter()
        .map(|v| v.kind.to_string())
        .collect()
}
