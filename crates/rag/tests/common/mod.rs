//! Shared by the integration tests: loading `scenarios/rag/*.toml` and running their seeds.
#![allow(dead_code)] // each test binary uses a part of it

use asynclife_rag::{Rag, Workload};
use asynclife_sim::fault::FaultPlan;
use asynclife_sim::subsystem::run;
use asynclife_sim::{Report, SimConfig, SimSection};
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
    #[serde(default = "hundred")]
    pub seeds: u64,
    #[serde(default)]
    pub first_seed: u64,
    #[serde(default)]
    pub sim: SimSection,
    #[serde(default)]
    pub workload: Workload,
    #[serde(default)]
    pub faults: FaultPlan,
    pub expect: Expect,
}

/// The expected outcome.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub verdict: Option<String>,
    pub fails: Option<String>,
}

fn fixed() -> String {
    "fixed".into()
}

fn hundred() -> u64 {
    100
}

/// `scenarios/rag/`.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/rag")
}

/// Every scenario file, sorted by name, parsed.
pub fn scenarios() -> Vec<(String, Scenario)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("scenarios/rag exists")
        .map(|e| e.expect("a readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("a readable file");
            let scenario: Scenario =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (name, scenario)
        })
        .collect()
}

/// The scenarios made for `fixed`.
pub fn fixed_scenarios() -> Vec<(String, Scenario)> {
    scenarios()
        .into_iter()
        .filter(|(_, s)| s.variant == "fixed")
        .collect()
}

impl Scenario {
    /// The run configuration of one seed, without a recorded trace (the hash is kept).
    pub fn config(&self, seed: u64) -> SimConfig {
        let mut config = self.sim.config(seed, &self.faults);
        config.record_trace = false;
        config
    }

    /// Runs one seed of `variant`.
    pub fn run(&self, variant: &str, seed: u64) -> Report {
        run::<Rag>(self.config(seed), &self.workload, variant).expect("a known variant")
    }
}

/// Seeds for sweeps: `ASYNCLIFE_SEEDS` when set, else `default`.
pub fn seed_count(default: u64) -> u64 {
    std::env::var("ASYNCLIFE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
