//! Shared by the integration tests: loading this crate's scenario files and running them.

#![allow(dead_code)] // each test binary uses its own part of this module

use asynclife_pidclean::{PidClean, Workload};
use asynclife_sim::fault::FaultPlan;
use asynclife_sim::subsystem::run;
use asynclife_sim::{Report, SimConfig, SimSection};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A scenario file, in the shape the harness (`src/scenario/file.rs`) reads.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub subsystem: String,
    pub description: String,
    #[serde(default = "fixed")]
    pub variant: String,
    #[serde(default = "thousand")]
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
    #[serde(skip)]
    pub path: PathBuf,
}

/// The `[expect]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub verdict: Option<String>,
    pub fails: Option<String>,
}

fn fixed() -> String {
    "fixed".into()
}

fn thousand() -> u64 {
    1_000
}

/// `scenarios/pidclean/`, from this crate's directory.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/pidclean")
}

/// Every scenario file, by file name.
pub fn scenario_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("scenarios/pidclean exists")
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    paths
}

/// Reads one scenario file; panics with the file's name on a parse error.
pub fn load_path(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).expect("readable scenario");
    let mut scenario: Scenario =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    scenario.path = path.to_path_buf();
    scenario
}

/// Reads `scenarios/pidclean/<name>.toml`.
pub fn load(name: &str) -> Scenario {
    load_path(&scenario_dir().join(format!("{name}.toml")))
}

impl Scenario {
    /// The scenario's engine configuration for `seed`, as the harness builds it. The trace
    /// is hashed but not kept, to keep sweeps fast.
    pub fn config(&self, seed: u64) -> SimConfig {
        let mut config = self.sim.config(seed, &self.faults);
        config.record_trace = false;
        config
    }

    /// The seeds of a default sweep, at least `min` of them.
    pub fn seeds_at_least(&self, min: u64) -> std::ops::Range<u64> {
        self.first_seed..self.first_seed + self.seeds.max(min)
    }

    /// Runs one seed of the scenario with `variant`.
    pub fn run(&self, variant: &str, seed: u64) -> Report {
        run::<PidClean>(self.config(seed), &self.workload, variant).expect("a known variant")
    }

    /// The file's name without its extension.
    pub fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Violation names of a report, for messages.
pub fn names(report: &Report) -> Vec<String> {
    report
        .violations
        .iter()
        .map(|v| v.kind.to_string())
        .collect()
}
