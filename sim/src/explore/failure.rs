//! Failure files: everything needed to replay one failing run bit for bit, anywhere (JSON).
//!
//! One format for every failing run: a scenario's (the harness names the scenario file, the
//! subsystem, its variant and workload) and a [`Check`](crate::Check)'s (it names the test,
//! and embeds the trace, since only the test itself can run its closure again).

use super::files::{self, WriteError};
use super::origin::TestOrigin;
use crate::check::Violation;
use crate::config::{ConfigError, SimConfig};
use crate::fault::FaultPlan;
use crate::report::Report;
use crate::runtime::{Policy, Schedule};
use crate::trace::Trace;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The version of the failure-file format and of the engine that wrote it.
pub const HARNESS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One failing run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    /// The asynclife version that wrote the file.
    pub asynclife_version: String,
    /// The test that found it (a [`Check`](crate::Check)); `None` for a scenario's run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<TestOrigin>,
    /// The scenario file the run came from (for people; replay does not read it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<PathBuf>,
    /// The subsystem, for a scenario's run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsystem: Option<String>,
    /// The variant, for a scenario's run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The seed.
    pub seed: u64,
    /// The engine settings, with the concrete fault plan (swarm already drawn) and the
    /// policy the run used.
    pub sim: SimConfig,
    /// The workload, as the subsystem's struct serialises it (`null` for a test's run).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub workload: serde_json::Value,
    /// Every scheduling decision of the run.
    pub schedule: Schedule,
    /// What fired.
    pub violations: Vec<Violation>,
    /// The hash of the run's trace: a replay must reproduce it.
    pub trace_hash: String,
    /// Events in the trace.
    pub trace_events: u64,
    /// The whole trace, for a test's run (the CLI renders it without running anything).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
}

/// A failure file that cannot be read, or whose settings cannot run: the file and why. Its
/// text is whole (the underlying error's text included); [`source`](std::error::Error::source)
/// gives the underlying error itself.
#[derive(Debug)]
pub enum FailureFileError {
    /// The file cannot be read.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The JSON is not a failure file (its line is the error's).
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        source: serde_json::Error,
    },
    /// The file's engine settings cannot run (`sim.FIELD`).
    Config {
        /// The file.
        path: PathBuf,
        /// The setting and what is wrong with it.
        source: ConfigError,
    },
}

impl FailureFileError {
    /// The file.
    pub fn path(&self) -> &Path {
        match self {
            FailureFileError::Io { path, .. }
            | FailureFileError::Parse { path, .. }
            | FailureFileError::Config { path, .. } => path,
        }
    }

    /// The line, when the JSON itself is wrong.
    pub fn line(&self) -> Option<usize> {
        match self {
            FailureFileError::Parse { source, .. } => Some(source.line()),
            FailureFileError::Io { .. } | FailureFileError::Config { .. } => None,
        }
    }
}

impl fmt::Display for FailureFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path().display();
        match self {
            FailureFileError::Io { source, .. } => {
                write!(f, "{path}: cannot read the file: {source}")
            }
            FailureFileError::Parse { source, .. } => {
                write!(f, "{path}:{}: not a failure file: {source}", source.line())
            }
            FailureFileError::Config { source, .. } => {
                write!(f, "{path}: sim.{}: {}", source.field, source.message)
            }
        }
    }
}

impl std::error::Error for FailureFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FailureFileError::Io { source, .. } => Some(source),
            FailureFileError::Parse { source, .. } => Some(source),
            FailureFileError::Config { source, .. } => Some(source),
        }
    }
}

impl Failure {
    /// A failing run that `config` produced: its seed, the concrete fault plan it drew, its
    /// schedule, violations and hash. The origin (test or scenario) is the caller's to fill.
    pub fn of_run(config: &SimConfig, report: &Report) -> Failure {
        let mut sim = config.clone();
        sim.seed = report.seed;
        sim.faults = FaultPlan {
            swarm: false,
            ..report.fault_plan.clone()
        };
        Failure {
            asynclife_version: HARNESS_VERSION.to_string(),
            test: None,
            scenario: None,
            subsystem: None,
            variant: None,
            seed: report.seed,
            sim,
            workload: serde_json::Value::Null,
            schedule: report.schedule.clone(),
            violations: report.violations.clone(),
            trace_hash: format_hash(report.trace_hash()),
            trace_events: report.trace.event_count,
            trace: None,
        }
    }

    /// The configuration that replays the run: same seed, same concrete plan, and the
    /// recorded schedule.
    pub fn replay_config(&self) -> SimConfig {
        SimConfig {
            seed: self.seed,
            policy: Policy::Replay(self.schedule.clone()),
            ..self.sim.clone()
        }
    }

    /// The name files and messages use: the test's, else the scenario file's stem, else the
    /// subsystem's.
    pub fn name(&self) -> String {
        if let Some(test) = &self.test {
            return test.name.clone();
        }
        let stem = self
            .scenario
            .as_ref()
            .and_then(|s| s.file_stem())
            .map(|s| s.to_string_lossy().into_owned());
        stem.or_else(|| self.subsystem.clone())
            .unwrap_or_else(|| "run".to_string())
    }

    /// Reads a failure file and checks that its settings can run (the same checks as a
    /// scenario file's), so that an edited file is refused with its field named, not run.
    pub fn read(path: &Path) -> Result<Failure, FailureFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| FailureFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Failure::parse(path, &text)
    }

    /// [`Failure::read`] of text already read; `path` is for the messages.
    pub fn parse(path: &Path, text: &str) -> Result<Failure, FailureFileError> {
        let failure: Failure =
            serde_json::from_str(text).map_err(|source| FailureFileError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        failure
            .replay_config()
            .validate()
            .map_err(|source| FailureFileError::Config {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(failure)
    }

    /// Writes the file under `dir` as `NAME[-VARIANT]-seedN.json`, atomically (a temporary
    /// file renamed into place: a kill leaves the old file or the new one, never half of
    /// one); returns its path.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, WriteError> {
        let variant = self
            .variant
            .as_ref()
            .map(|v| format!("-{v}"))
            .unwrap_or_default();
        let path = dir.join(format!(
            "{}{variant}-seed{}.json",
            files::file_stem(&self.name()),
            self.seed
        ));
        let json = serde_json::to_string_pretty(self).expect("a failure always serialises");
        files::write_atomically(&path, (json + "\n").as_bytes())?;
        Ok(path)
    }
}

/// A trace hash as it appears in files and messages: 16 hex digits.
pub fn format_hash(hash: u64) -> String {
    format!("{hash:016x}")
}
