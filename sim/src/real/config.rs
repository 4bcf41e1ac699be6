//! The configuration of a real run: the time scale, the store, and the lag probe.

use crate::config::{millis, ConfigError};
use crate::env::ASYNCLIFE_REDIS_URL;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How a real run goes. Plain serde data; durations are wall-clock milliseconds, except
/// where a field says it is scaled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RealConfig {
    /// The seed of the workload's draws (`rt::random_*`); the schedule is the OS's.
    pub seed: u64,
    /// How many real seconds one second of the code under test lasts: at 0.01 a 5 s grace
    /// takes 50 ms. Applies to `rt`'s time, the children's delays and the store's TTLs.
    pub time_scale: f64,
    /// The Redis server for `rt::kv` (`redis://127.0.0.1:6379/0`); `None`: in memory.
    /// [`RealConfig::from_env`] takes it from `ASYNCLIFE_REDIS_URL`.
    pub redis_url: Option<String>,
    /// How often the lag probe asks to wake.
    #[serde(with = "millis", rename = "lag_probe_period_ms")]
    pub lag_probe_period: Duration,
    /// A wake-up of the lag probe later than this is a `blocked-executor` finding. On the
    /// wall clock, not scaled, as asyncio's `slow_callback_duration` (and the simulation's
    /// default threshold) is: the OS's scheduling noise is not scaled either, and on a busy
    /// machine with a hundred children starting it reaches tens of milliseconds. So at a
    /// small time scale a single short hold hides below it; the probe's maximum still shows it.
    #[serde(with = "millis", rename = "blocked_lag_threshold_ms")]
    pub blocked_lag_threshold: Duration,
    /// How long the run waits, after the main future returned, before its end checks: time
    /// for the watchers to record the exits the OS has already seen.
    #[serde(with = "millis", rename = "settle_ms")]
    pub settle: Duration,
}

impl Default for RealConfig {
    fn default() -> Self {
        RealConfig {
            seed: 0,
            time_scale: 0.01,
            redis_url: None,
            lag_probe_period: Duration::from_millis(1),
            blocked_lag_threshold: Duration::from_millis(100),
            settle: Duration::from_millis(20),
        }
    }
}

impl RealConfig {
    /// The defaults, with the Redis server `ASYNCLIFE_REDIS_URL` names, if it is set.
    pub fn from_env() -> RealConfig {
        RealConfig {
            redis_url: std::env::var(ASYNCLIFE_REDIS_URL)
                .ok()
                .filter(|url| !url.is_empty()),
            ..RealConfig::default()
        }
    }

    /// Checks what the types cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(self.time_scale.is_finite() && self.time_scale > 0.0 && self.time_scale <= 1_000.0) {
            return Err(ConfigError::new(
                "time_scale",
                "must be a number above 0 and at most 1000",
            ));
        }
        let positive = [
            ("lag_probe_period_ms", self.lag_probe_period),
            ("blocked_lag_threshold_ms", self.blocked_lag_threshold),
        ];
        for (field, value) in positive {
            if value.is_zero() {
                return Err(ConfigError::new(field, "must be at least 1"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_scales_are_named() {
        assert_eq!(RealConfig::default().validate(), Ok(()));
        for time_scale in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e6] {
            let config = RealConfig {
                time_scale,
                ..RealConfig::default()
            };
            assert_eq!(config.validate().unwrap_err().field, "time_scale");
        }
    }
}
