//! Shared by the integration tests: loading this crate's scenario files and running seeds.

#![allow(dead_code)] // each test binary uses part of it

use asynclife_sim::fault::FaultPlan;
use asynclife_sim::subsystem::run;
use asynclife_sim::{Report, SimConfig, SimSection};
use asynclife_tasks::{Tasks, Workload};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A scenario file, as the harness reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
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

/// The `[expect]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub verdict: Option<String>,
    #[serde(default)]
    pub fails: Option<String>,
}

fn fixed() -> String {
    "fixed".to_string()
}

/// `scenarios/tasks/` at the workspace root.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/tasks")
}

/// Every scenario file, by file stem, sorted.
pub fn scenarios() -> Vec<(String, Scenario)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("scenarios/tasks exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("readable scenario");
            let scenario: Scenario =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, scenario)
        })
        .collect()
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
    let config = SimConfig {
        record_trace: false,
        ..scenario.sim.config(seed, &scenario.faults)
    };
    run::<Tasks>(config, &scenario.workload, variant).expect("a known variant")
}
