//! Failure files: everything needed to replay one failing run bit for bit, anywhere, without
//! the scenario file (JSON, under `target/asynclife/failures/`).

use crate::scenario::Scenario;
use asynclife_sim::fault::FaultPlan;
use asynclife_sim::{Policy, Report, Schedule, SimConfig, Violation};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The version of the failure-file format and of the harness that wrote it.
pub const HARNESS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One failing run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    /// The asynclife version that wrote the file.
    pub asynclife_version: String,
    /// The scenario file the run came from (for people; replay does not read it).
    pub scenario: PathBuf,
    /// The subsystem.
    pub subsystem: String,
    /// The variant.
    pub variant: String,
    /// The seed.
    pub seed: u64,
    /// The engine settings, with the concrete fault plan (swarm already drawn) and the
    /// policy the run used.
    pub sim: SimConfig,
    /// The workload, as the subsystem's struct serialises it.
    pub workload: serde_json::Value,
    /// Every scheduling decision of the run.
    pub schedule: Schedule,
    /// What fired.
    pub violations: Vec<Violation>,
    /// The hash of the run's trace: a replay must reproduce it.
    pub trace_hash: String,
    /// Events in the trace.
    pub trace_events: u64,
}

impl Failure {
    /// Records a failing run of `scenario`.
    pub fn new(scenario: &Scenario, variant: &str, config: &SimConfig, report: &Report) -> Failure {
        let mut sim = config.clone();
        sim.faults = FaultPlan {
            swarm: false,
            ..report.fault_plan.clone()
        };
        Failure {
            asynclife_version: HARNESS_VERSION.to_string(),
            scenario: scenario.path.clone(),
            subsystem: scenario.subsystem.clone(),
            variant: variant.to_string(),
            seed: report.seed,
            sim,
            workload: scenario.workload.clone(),
            schedule: report.schedule.clone(),
            violations: report.violations.clone(),
            trace_hash: format_hash(report.trace_hash()),
            trace_events: report.trace.event_count,
        }
    }

    /// The configuration that replays the run: same seed, same concrete plan, and the
    /// recorded schedule.
    pub fn replay_config(&self) -> SimConfig {
        SimConfig {
            policy: Policy::Replay(self.schedule.clone()),
            ..self.sim.clone()
        }
    }

    /// Reads a failure file.
    pub fn read(path: &Path) -> Result<Failure, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the file: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{}:{}: not a failure file: {e}", path.display(), e.line()))
    }

    /// Writes the file under `dir`, named after the scenario, variant and seed; returns its
    /// path.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create the directory: {e}", dir.display()))?;
        let stem = self
            .scenario
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.subsystem.clone());
        let path = dir.join(format!("{stem}-{}-seed{}.json", self.variant, self.seed));
        let json = serde_json::to_string_pretty(self).expect("a failure always serialises");
        std::fs::write(&path, json + "\n")
            .map_err(|e| format!("{}: cannot write the file: {e}", path.display()))?;
        Ok(path)
    }
}

/// A trace hash as it appears in files and messages: 16 hex digits.
pub fn format_hash(hash: u64) -> String {
    format!("{hash:016x}")
}
