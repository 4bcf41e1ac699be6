//! Failure files of scenario runs: the engine's format ([`asynclife_sim::explore::Failure`]),
//! filled with the scenario file, the subsystem, its variant and workload.

use crate::registry::{Registered, Registry};
use crate::scenario::{workload_value_error, Scenario, ScenarioError};
use asynclife_sim::subsystem::UnknownVariant;
use asynclife_sim::{Report, SimConfig};
use std::fmt;
use std::path::{Path, PathBuf};

pub use asynclife_sim::explore::{format_hash, Failure, FailureFileError, HARNESS_VERSION};

/// Records a failing run of `scenario` under `variant`.
pub fn of_scenario(
    scenario: &Scenario,
    variant: &str,
    config: &SimConfig,
    report: &Report,
) -> Failure {
    let mut failure = Failure::of_run(config, report);
    failure.scenario = Some(scenario.path.clone());
    failure.subsystem = Some(scenario.subsystem.clone());
    failure.variant = Some(variant.to_string());
    failure.workload = scenario.workload.clone();
    failure
}

/// A scenario's failure file that its registry cannot run: the file and why. Its text is
/// whole (a wrapped error's text included); [`source`](std::error::Error::source) gives the
/// wrapped error.
#[derive(Debug)]
pub enum FailureCheckError {
    /// The file names neither a test nor a subsystem.
    NoOrigin {
        /// The file.
        path: PathBuf,
    },
    /// The file names a subsystem the registry does not have.
    UnknownSubsystem {
        /// The file.
        path: PathBuf,
        /// The name it gives.
        name: String,
        /// The names the registry has.
        known: Vec<&'static str>,
    },
    /// The file names a variant its subsystem does not have.
    UnknownVariant {
        /// The file.
        path: PathBuf,
        /// The variant, and the subsystem's.
        source: UnknownVariant,
    },
    /// The subsystem refuses the file's workload: the file and the field.
    Workload(ScenarioError),
}

impl fmt::Display for FailureCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureCheckError::NoOrigin { path } => write!(
                f,
                "{}: the failure file names neither a test nor a subsystem",
                path.display()
            ),
            FailureCheckError::UnknownSubsystem { path, name, known } => write!(
                f,
                "{}: unknown subsystem '{name}' (this program knows: {})",
                path.display(),
                known.join(", ")
            ),
            FailureCheckError::UnknownVariant { path, source } => {
                write!(f, "{}: {source}", path.display())
            }
            FailureCheckError::Workload(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for FailureCheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FailureCheckError::UnknownVariant { source, .. } => Some(source),
            FailureCheckError::Workload(e) => Some(e),
            FailureCheckError::NoOrigin { .. } | FailureCheckError::UnknownSubsystem { .. } => None,
        }
    }
}

/// Checks a scenario's failure file read from `path` as `replay`, `shrink` and `trace` do
/// before they run anything: it names a subsystem of `registry`, one of its variants and a
/// workload the subsystem accepts; gives the subsystem. Every error names the file, and the
/// field where there is one. (A test's failure file, `failure.test`, names no subsystem:
/// only its test can run it.)
pub fn check_scenario(
    path: &Path,
    failure: &Failure,
    registry: Registry<'_>,
) -> Result<&'static dyn Registered, FailureCheckError> {
    let Some(name) = &failure.subsystem else {
        return Err(FailureCheckError::NoOrigin {
            path: path.to_path_buf(),
        });
    };
    let subsystem = registry
        .find(name)
        .ok_or_else(|| FailureCheckError::UnknownSubsystem {
            path: path.to_path_buf(),
            name: name.clone(),
            known: registry.names(),
        })?;
    if let Some(variant) = &failure.variant {
        subsystem
            .check_variant(variant)
            .map_err(|source| FailureCheckError::UnknownVariant {
                path: path.to_path_buf(),
                source,
            })?;
    }
    subsystem
        .validate_workload(&failure.workload)
        .map_err(|e| FailureCheckError::Workload(workload_value_error(path, None, &e)))?;
    Ok(subsystem)
}
