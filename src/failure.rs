//! Failure files of scenario runs: the engine's format ([`asynclife_sim::explore::Failure`]),
//! filled with the scenario file, the subsystem, its variant and workload.

use crate::registry::{Registered, Registry};
use crate::scenario::Scenario;
use asynclife_sim::{Report, SimConfig};
use std::path::Path;

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

/// Checks a scenario's failure file read from `path` as `replay`, `shrink` and `trace` do
/// before they run anything: it names a subsystem of `registry`, one of its variants and a
/// workload the subsystem accepts; gives the subsystem. Every error names the file, and the
/// field where there is one. (A test's failure file, `failure.test`, names no subsystem:
/// only its test can run it.)
pub fn check_scenario(
    path: &Path,
    failure: &Failure,
    registry: Registry<'_>,
) -> anyhow::Result<&'static dyn Registered> {
    let Some(name) = &failure.subsystem else {
        anyhow::bail!(
            "{}: the failure file names neither a test nor a subsystem",
            path.display()
        );
    };
    let subsystem = registry.find(name).ok_or_else(|| {
        anyhow::anyhow!(
            "{}: unknown subsystem '{name}' (this program knows: {})",
            path.display(),
            registry.names().join(", ")
        )
    })?;
    if let Some(variant) = &failure.variant {
        subsystem
            .check_variant(variant)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    subsystem
        .validate_workload(&failure.workload)
        .map_err(|e| crate::scenario::workload_value_error(path, None, &e))?;
    Ok(subsystem)
}
