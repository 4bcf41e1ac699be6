//! Helpers shared by the integration tests: the scenario files of `scenarios/actions/`,
//! loaded and run seed by seed.
#![allow(dead_code)] // each test binary uses its own part

use asynclife_actions::{Actions, Workload};
use asynclife_sim::fault::FaultPlan;
use asynclife_sim::subsystem::run;
use asynclife_sim::{Report, SimConfig, SimSection, ViolationKind};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A scenario file, as the harness reads it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub subsystem: String,
    pub description: String,
    #[serde(default = "fixed")]
    pub variant: String,
    #[serde(default)]
    pub seeds: Option<u64>,
    #[serde(default)]
    pub sim: SimSection,
    #[serde(default)]
    pub workload: Workload,
    #[serde(default)]
    pub faults: FaultPlan,
    pub expect: Expect,
}

fn fixed() -> String {
    "fixed".into()
}

/// The `[expect]` table: a verdict, or the invariant that must fire.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub verdict: Option<String>,
    #[serde(default)]
    pub fails: Option<String>,
}

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
    let mut paths: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("scenarios/actions exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
}

/// Parses one scenario file.
pub fn load(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: ScenarioFile =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
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

/// The scenario's engine configuration for `seed`.
pub fn config(scenario: &Scenario, seed: u64, record_trace: bool) -> SimConfig {
    SimConfig {
        record_trace,
        ..scenario.file.sim.config(seed, &scenario.file.faults)
    }
}

/// Runs one seed of the scenario with `variant`.
pub fn run_seed(scenario: &Scenario, seed: u64, variant: &str, record_trace: bool) -> Report {
    run::<Actions>(
        config(scenario, seed, record_trace),
        &scenario.file.workload,
        variant,
    )
    .expect("a known variant")
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
