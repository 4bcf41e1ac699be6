//! Shared by the integration tests: loading this crate's scenario files and running seeds.

#![allow(dead_code)] // each test binary uses part of it

use asynclife_sim::{Report, ScenarioFile};
use asynclife_tasks::{Tasks, Workload};
use std::path::{Path, PathBuf};

/// A scenario file of this subsystem.
pub type Scenario = ScenarioFile<Workload>;

/// `scenarios/tasks/` at the workspace root.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/tasks")
}

/// Every scenario file, by file stem, sorted.
pub fn scenarios() -> Vec<(String, Scenario)> {
    Scenario::read_dir(&scenario_dir())
}

/// The scenario named `stem`.
pub fn scenario(stem: &str) -> Scenario {
    scenarios()
        .into_iter()
        .find(|(s, _)| s == stem)
        .unwrap_or_else(|| panic!("no scenario {stem}"))
        .1
}

/// Runs one seed of `scenario` with `variant`, without keeping the trace's events.
pub fn run_seed(scenario: &Scenario, variant: &str, seed: u64) -> Report {
    scenario.run::<Tasks>(variant, seed, false)
}
