//! Failure files of scenario runs: the engine's format ([`asynclife_sim::explore::Failure`]),
//! filled with the scenario file, the subsystem, its variant and workload.

use crate::scenario::Scenario;
use asynclife_sim::{Report, SimConfig};

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
