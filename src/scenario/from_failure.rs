//! A scenario file written for a (shrunk) failure: `shrink --scenario`.

use super::file::SimSection;
use crate::failure::Failure;
use asynclife_sim::{Policy, SimConfig};
use std::fmt;

/// Why a failure cannot be written as a scenario file.
#[derive(Debug)]
pub enum FromFailureError {
    /// The failure records no violation: nothing for the scenario to expect.
    NoViolation,
    /// The failure is a test's: it has no subsystem, variant or workload.
    NotAScenario,
    /// The seed is past the largest integer TOML holds.
    SeedTooLarge {
        /// The seed.
        seed: u64,
    },
    /// A value of the failure has no TOML form.
    Value {
        /// The scenario file's key.
        key: &'static str,
        /// TOML's error.
        source: toml::ser::Error,
    },
    /// The file cannot be written as TOML.
    Toml(toml::ser::Error),
}

impl fmt::Display for FromFailureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FromFailureError::NoViolation => f.write_str("the failure records no violation"),
            FromFailureError::NotAScenario => {
                f.write_str("the failure is a test's, not a scenario's: it has no workload")
            }
            FromFailureError::SeedTooLarge { seed } => write!(
                f,
                "seed {seed} is above {}, the largest integer a TOML file holds: no scenario \
                 file can start at it (the failure file, JSON, replays it)",
                i64::MAX
            ),
            FromFailureError::Value { key, source } => write!(f, "{key}: {source}"),
            FromFailureError::Toml(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for FromFailureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FromFailureError::Value { source, .. } => Some(source),
            FromFailureError::Toml(e) => Some(e),
            FromFailureError::NoViolation
            | FromFailureError::NotAScenario
            | FromFailureError::SeedTooLarge { .. } => None,
        }
    }
}

/// An equivalent scenario file for a (shrunk) failure: its workload, its concrete fault plan,
/// its schedule as a replay policy, its seed, and its first violation as the expectation.
pub fn from_failure(failure: &Failure) -> Result<String, FromFailureError> {
    let expect = failure
        .violations
        .first()
        .map(|v| v.kind.name().to_string())
        .ok_or(FromFailureError::NoViolation)?;
    let (Some(subsystem), Some(variant)) = (&failure.subsystem, &failure.variant) else {
        return Err(FromFailureError::NotAScenario);
    };
    let from = failure
        .scenario
        .as_ref()
        .map_or_else(|| failure.name(), |s| s.display().to_string());
    let defaults = SimConfig::default();
    let sim = SimSection {
        policy: Some(Policy::Replay(failure.schedule.clone())),
        max_steps: Some(failure.sim.max_steps),
        max_virtual_time_ms: Some(failure.sim.max_virtual_time.as_millis() as u64),
        max_events: (failure.sim.max_events != defaults.max_events)
            .then_some(failure.sim.max_events),
        blocked_poll_threshold_ms: Some(failure.sim.blocked_poll_threshold.as_millis() as u64),
        // The wall-clock settings only when the failure changed them.
        wall_poll_threshold_ms: (failure.sim.wall_poll_threshold != defaults.wall_poll_threshold)
            .then_some(failure.sim.wall_poll_threshold.as_millis() as u64),
        wall_poll_is_finding: failure.sim.wall_poll_is_finding.then_some(true),
    };
    let mut doc = toml::Table::new();
    let mut put = |key: &'static str, value: Result<toml::Value, toml::ser::Error>| {
        let value = value.map_err(|source| FromFailureError::Value { key, source })?;
        doc.insert(key.to_string(), value);
        Ok::<(), FromFailureError>(())
    };
    put("subsystem", Ok(subsystem.as_str().into()))?;
    put(
        "description",
        Ok(format!(
            "Shrunk from {from} seed {}: must fail with {expect}.",
            failure.seed
        )
        .into()),
    )?;
    put("variant", Ok(variant.as_str().into()))?;
    put("seeds", Ok(1.into()))?;
    // TOML integers are 64-bit signed: a seed above that cannot be written as one.
    let first_seed = i64::try_from(failure.seed)
        .map_err(|_| FromFailureError::SeedTooLarge { seed: failure.seed })?;
    put("first_seed", Ok(toml::Value::Integer(first_seed)))?;
    put("sim", toml::Value::try_from(&sim))?;
    put("workload", toml::Value::try_from(&failure.workload))?;
    put("faults", toml::Value::try_from(&failure.sim.faults))?;
    let mut expect_table = toml::Table::new();
    expect_table.insert("fails".into(), expect.into());
    put("expect", Ok(toml::Value::Table(expect_table)))?;
    toml::to_string(&doc).map_err(FromFailureError::Toml)
}
