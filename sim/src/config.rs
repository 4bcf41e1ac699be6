//! The configuration of one run: seed, scheduling policy, bounds and detector thresholds.

use crate::fault::FaultPlan;
use crate::runtime::Policy;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Everything that decides how a run goes, besides the code under test.
///
/// Plain serde data: scenario files carry it under `[sim]` (durations in milliseconds there).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// The seed of every random choice in the run.
    pub seed: u64,
    /// How the next task to poll is chosen among the runnable ones.
    pub policy: Policy,
    /// The run stops with a `hang` violation after this many scheduling steps.
    pub max_steps: u64,
    /// The run stops with a `hang` violation when virtual time would pass this bound.
    #[serde(with = "millis", rename = "max_virtual_time_ms")]
    pub max_virtual_time: Duration,
    /// The run stops with a `budget` violation once it has produced this many trace events
    /// (spawns, polls, wakes, timers, store and process calls), which bounds its memory and
    /// its time whatever the workload's size: a spawn past the budget is refused (its future
    /// dropped unpolled) and the run stops after the poll that made it.
    pub max_events: u64,
    /// A poll that holds the executor longer than this is a `blocked-executor` violation
    /// (100 ms by default, asyncio's `slow_callback_duration`).
    #[serde(with = "millis", rename = "blocked_poll_threshold_ms")]
    pub blocked_poll_threshold: Duration,
    /// A poll that takes longer than this on the wall clock (a `std::thread::sleep`, a heavy
    /// synchronous call, a blocking lock inside async code) is reported as a
    /// `wall-blocked-poll` warning beside the verdict (1 s by default; zero turns it off).
    /// The wall clock never reaches the trace, the hash or the verdict, unless
    /// [`wall_poll_is_finding`](Self::wall_poll_is_finding) is set.
    #[serde(with = "millis", rename = "wall_poll_threshold_ms")]
    pub wall_poll_threshold: Duration,
    /// Report a wall-blocked poll as a violation, which fails the run, instead of a warning.
    /// Off by default: the finding would then depend on how loaded the machine is.
    pub wall_poll_is_finding: bool,
    /// Keep every event in the report (the hash is computed either way).
    pub record_trace: bool,
    /// The faults to inject. In swarm mode each seed draws its own concrete plan from it.
    pub faults: FaultPlan,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 0,
            policy: Policy::Random,
            max_steps: 1_000_000,
            max_virtual_time: Duration::from_secs(24 * 3600),
            max_events: DEFAULT_MAX_EVENTS,
            blocked_poll_threshold: Duration::from_millis(100),
            wall_poll_threshold: Duration::from_secs(1),
            wall_poll_is_finding: false,
            record_trace: true,
            faults: FaultPlan::default(),
        }
    }
}

/// The default event budget: 20 million events. Measured (release build, `asynclife run` on
/// every scenario, seeds 0 to 2): the project's largest scenario run records about 8,000 events
/// (`rag/flapping-agent.toml`); a 100,000-session cleanup storm (`storm_profile 100000 1`)
/// records 1.4 million events in 500,000 steps and peaks at 75 MB resident, so 20 million
/// recorded events are about 1 GB. A run that steps hits `max_steps` long before this; the
/// budget stops the runs that do not: a poll that spawns or records without end.
pub const DEFAULT_MAX_EVENTS: u64 = 20_000_000;

impl SimConfig {
    /// The default configuration with this seed.
    pub fn with_seed(seed: u64) -> SimConfig {
        SimConfig {
            seed,
            ..SimConfig::default()
        }
    }

    /// Checks the values that cannot be expressed in the types.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_steps == 0 {
            return Err(ConfigError::new("max_steps", "must be at least 1"));
        }
        if self.max_events == 0 {
            return Err(ConfigError::new("max_events", "must be at least 1"));
        }
        if self.max_virtual_time.is_zero() {
            return Err(ConfigError::new(
                "max_virtual_time_ms",
                "must be at least 1",
            ));
        }
        self.faults.validate().map_err(|e| {
            ConfigError::new(&format!("faults.{}", e.field()), &e.kind().to_string())
        })?;
        if let Policy::Pct { depth, horizon } = self.policy {
            if depth == 0 {
                return Err(ConfigError::new("policy.depth", "must be at least 1"));
            }
            if horizon == Some(0) {
                return Err(ConfigError::new(
                    "policy.horizon",
                    "must be at least 1 (leave it out to measure each seed's length)",
                ));
            }
        }
        Ok(())
    }
}

/// The `[sim]` table of a scenario file: the engine settings a scenario may change (everything
/// else keeps its default; the seed and the fault plan come from elsewhere in the file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimSection {
    /// The scheduling policy (`{ kind = "random" }`, `{ kind = "pct", depth = 3 }`, ...).
    pub policy: Option<Policy>,
    /// The step bound.
    pub max_steps: Option<u64>,
    /// The virtual-time bound, in milliseconds.
    pub max_virtual_time_ms: Option<u64>,
    /// The event budget.
    pub max_events: Option<u64>,
    /// The blocked-executor threshold, in milliseconds.
    pub blocked_poll_threshold_ms: Option<u64>,
    /// The wall-clock threshold of a `wall-blocked-poll` warning, in milliseconds (0: off).
    pub wall_poll_threshold_ms: Option<u64>,
    /// Make a wall-blocked poll a finding instead of a warning.
    pub wall_poll_is_finding: Option<bool>,
}

impl SimSection {
    /// The engine configuration of one seed of a scenario with these settings and `faults`.
    pub fn config(&self, seed: u64, faults: &FaultPlan) -> SimConfig {
        let mut config = SimConfig::with_seed(seed);
        if let Some(policy) = &self.policy {
            config.policy = policy.clone();
        }
        if let Some(steps) = self.max_steps {
            config.max_steps = steps;
        }
        if let Some(events) = self.max_events {
            config.max_events = events;
        }
        if let Some(ms) = self.max_virtual_time_ms {
            config.max_virtual_time = Duration::from_millis(ms);
        }
        if let Some(ms) = self.blocked_poll_threshold_ms {
            config.blocked_poll_threshold = Duration::from_millis(ms);
        }
        if let Some(ms) = self.wall_poll_threshold_ms {
            config.wall_poll_threshold = Duration::from_millis(ms);
        }
        if let Some(is_finding) = self.wall_poll_is_finding {
            config.wall_poll_is_finding = is_finding;
        }
        config.faults = faults.clone();
        config
    }
}

/// A configuration value that is out of range, with the field that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The field, as it is spelled in a scenario file.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    /// The value in `field` is wrong: `message` says how.
    pub fn new(field: &str, message: &str) -> ConfigError {
        ConfigError {
            field: field.to_string(),
            message: message.to_string(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Serde for durations as whole milliseconds.
pub mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    /// Writes the duration as whole milliseconds.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    /// Reads whole milliseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_threshold_is_asyncio_s() {
        let c = SimConfig::default();
        assert!(c.validate().is_ok());
        assert_eq!(c.blocked_poll_threshold, Duration::from_millis(100));
    }

    #[test]
    fn invalid_values_name_their_field() {
        let c = SimConfig {
            max_steps: 0,
            ..SimConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "max_steps");
        let c = SimConfig {
            policy: Policy::pct(0),
            ..SimConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "policy.depth");
        let c = SimConfig {
            max_events: 0,
            ..SimConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "max_events");
    }
}
