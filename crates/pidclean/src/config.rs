//! The orchestrator's configuration: the grace period, the TTLs, the connect timeout and the
//! store's retry policy. Plain serde data with defaults taken from seed 001.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How the orchestrator behaves; every field has the seed's value as its default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrchestratorConfig {
    /// How long a cleanup lets an agent exit after SIGTERM before it sends SIGKILL (seed: 5 s).
    pub grace_ms: u64,
    /// TTL of `agent:{id}:pid` (seed: 2 hours).
    pub pid_ttl_s: u64,
    /// TTL of the `session:{id}` hash, and of the tombstone an end leaves (seed: 2 hours).
    pub session_ttl_s: u64,
    /// How long the spawn worker waits for an agent to connect before it gives up on the
    /// start (seed: the worker monitors stdout for 30 s).
    pub connect_timeout_ms: u64,
    /// Retries of store calls that fail.
    pub store_retry: RetryPolicy,
}

impl Default for OrchestratorConfig {
    fn default() -> Self {
        OrchestratorConfig {
            grace_ms: 5_000,
            pid_ttl_s: 7_200,
            session_ttl_s: 7_200,
            connect_timeout_ms: 30_000,
            store_retry: RetryPolicy::default(),
        }
    }
}

impl OrchestratorConfig {
    /// The grace period.
    pub fn grace(&self) -> Duration {
        Duration::from_millis(self.grace_ms)
    }

    /// The TTL of the PID key.
    pub fn pid_ttl(&self) -> Duration {
        Duration::from_secs(self.pid_ttl_s)
    }

    /// The TTL of the session hash and of the tombstone.
    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.session_ttl_s)
    }

    /// How often the spawn worker refreshes a live agent's keys: a third of the shorter TTL,
    /// so that a key outlives two refreshes that fail.
    pub fn refresh_interval(&self) -> Duration {
        self.pid_ttl().min(self.session_ttl()) / 3
    }

    /// The shortest TTL that a refresh every third of it keeps alive: a refresh may wait
    /// out the store retries' worst case, plus a second for the calls themselves.
    pub fn min_ttl(&self) -> Duration {
        let refresh_takes = self.store_retry.worst_case_backoff() + Duration::from_secs(1);
        Duration::from_secs((refresh_takes * 3).as_secs_f64().ceil() as u64)
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    /// Checks the values the types cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = [
            ("grace_ms", self.grace_ms),
            ("pid_ttl_s", self.pid_ttl_s),
            ("session_ttl_s", self.session_ttl_s),
            ("connect_timeout_ms", self.connect_timeout_ms),
        ];
        for (field, value) in positive {
            if value == 0 {
                return Err(ConfigError::new(field, "must be at least 1"));
            }
        }
        self.store_retry.validate()?;
        let min_ttl = self.min_ttl().as_secs();
        for (field, ttl) in [
            ("pid_ttl_s", self.pid_ttl_s),
            ("session_ttl_s", self.session_ttl_s),
        ] {
            if ttl < min_ttl {
                return Err(ConfigError::new(
                    field,
                    &format!(
                        "must be at least {min_ttl} s: the spawn worker refreshes a live \
                         agent's keys every third of the TTL, and a refresh may wait out the \
                         store retries ({} ms at worst)",
                        self.store_retry.worst_case_backoff().as_millis()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Bounded retries with exponential backoff, for store calls that fail with a transient
/// (injected) error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait after the first failure; it doubles after each further one.
    pub base_backoff_ms: u64,
    /// The longest wait between two attempts.
    pub max_backoff_ms: u64,
}

impl Default for RetryPolicy {
    /// Twelve attempts over about 7 s: a store outage of a few seconds is ridden out, and a
    /// call failing one time in five fails for good with odds of about 4e-9.
    fn default() -> Self {
        RetryPolicy {
            attempts: 12,
            base_backoff_ms: 20,
            max_backoff_ms: 1_000,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failures`-th consecutive failure (1-based).
    pub fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(32);
        let ms = self
            .base_backoff_ms
            .saturating_mul(1u64 << doublings)
            .min(self.max_backoff_ms);
        Duration::from_millis(ms)
    }

    /// The longest a call can take in backoff alone when every attempt fails.
    pub fn worst_case_backoff(&self) -> Duration {
        (1..self.attempts).map(|n| self.backoff(n)).sum()
    }

    /// Checks the values the types cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.attempts == 0 {
            return Err(ConfigError::new(
                "store_retry.attempts",
                "must be at least 1",
            ));
        }
        if self.base_backoff_ms > self.max_backoff_ms {
            return Err(ConfigError::new(
                "store_retry.base_backoff_ms",
                "must not exceed max_backoff_ms",
            ));
        }
        Ok(())
    }
}

pub use asynclife_sim::ConfigError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy::default();
        let ms: Vec<u128> = (1..=8).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(ms, [20, 40, 80, 160, 320, 640, 1_000, 1_000]);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(1));
        assert_eq!(policy.worst_case_backoff(), Duration::from_millis(6_260));
    }

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_field() {
        assert_eq!(OrchestratorConfig::default().validate(), Ok(()));
        let config = OrchestratorConfig {
            grace_ms: 0,
            ..OrchestratorConfig::default()
        };
        assert_eq!(config.validate().unwrap_err().field, "grace_ms");
        let config = OrchestratorConfig {
            store_retry: RetryPolicy {
                attempts: 0,
                ..RetryPolicy::default()
            },
            ..OrchestratorConfig::default()
        };
        assert_eq!(config.validate().unwrap_err().field, "store_retry.attempts");
    }

    /// The defaults' store retries wait 6.3 s at worst: a TTL must cover three refreshes of
    /// 7.3 s each, 22 s. Shorter TTLs let a live agent's keys lapse between refreshes.
    #[test]
    fn a_ttl_too_short_to_refresh_is_refused() {
        let config = OrchestratorConfig::default();
        assert_eq!(config.min_ttl(), Duration::from_secs(22));
        assert_eq!(config.refresh_interval(), Duration::from_secs(2_400));
        let short = OrchestratorConfig {
            pid_ttl_s: 21,
            ..OrchestratorConfig::default()
        };
        let e = short.validate().unwrap_err();
        assert_eq!(e.field, "pid_ttl_s");
        assert!(e.message.contains("at least 22 s"), "{e}");
        let enough = OrchestratorConfig {
            session_ttl_s: 22,
            pid_ttl_s: 22,
            ..OrchestratorConfig::default()
        };
        assert_eq!(enough.validate(), Ok(()));
    }
}
