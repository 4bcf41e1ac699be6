//! Helpers shared by the integration tests: the scenario files of `scenarios/actions/`,
//! loaded and run seed by seed.
#![allow(dead_code)] // each test binary uses its own part

use asynclife_actions::{Actions, Workload};
use asynclife_sim::{Report, ViolationKind};
use std::path::{Path, PathBuf};

/// A scenario file of this subsystem.
pub type ScenarioFile = asynclife_sim::ScenarioFile<Workload>;

/// A loaded scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub file: ScenarioFile,
}

/// The folder of this subsystem's scenarios.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/actions")
}

/// Every scenario file's path, sorted.
pub fn scenario_paths() -> Vec<PathBuf> {
    asynclife_sim::scenario_paths(&scenario_dir())
}

/// Parses one scenario file.
pub fn load(path: &Path) -> Result<Scenario, String> {
    let file = ScenarioFile::read(path)?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    Ok(Scenario { name, file })
}

/// Every scenario, parsed.
pub fn scenarios() -> Vec<Scenario> {
    scenario_paths()
        .iter()
        .map(|p| load(p).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// Runs one seed of the scenario with `variant`.
pub fn run_seed(scenario: &Scenario, seed: u64, variant: &str, record_trace: bool) -> Report {
    scenario.file.run::<Actions>(variant, seed, record_trace)
}

/// The first seed in `0..seeds` whose run has a violation named `name`.
pub fn first_seed_caught(
    scenario: &Scenario,
    variant: &str,
    name: &str,
    seeds: u64,
) -> Option<u64> {
    let kind = ViolationKind::from_name(name);
    (0..seeds).find(|&seed| run_seed(scenario, seed, variant, false).has(&kind))
}

/// The violations of a report, one a line.
pub fn describe(report: &Report) -> String {
    report
        .violations
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
