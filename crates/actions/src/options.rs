//! Per-action options: the deadline (default 300 s, seed 000 phase 2.3) and the retry policy
//! with exponential backoff and jitter (phase 2.4).

use crate::error::ErrorKind;
use asynclife_sim::millis;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// How an action is run: its deadline, its retries, and whether its failure is critical.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionOptions {
    /// The whole action, retries and backoff included, is cancelled and recorded
    /// `timed_out` once this has passed since it started.
    #[serde(with = "millis", rename = "timeout_ms")]
    pub timeout: Duration,
    /// How transient failures are retried.
    pub retry: RetryPolicy,
    /// A failure of this action raises a notification whatever its kind.
    pub critical: bool,
}

impl Default for ActionOptions {
    fn default() -> Self {
        ActionOptions {
            timeout: Duration::from_secs(300),
            retry: RetryPolicy::default(),
            critical: false,
        }
    }
}

/// Retries of transient failures: at most `max_attempts` attempts in all, the `n`-th retry
/// waiting `base_delay * factor^(n-1)`, stretched by a random fraction of up to `jitter`.
///
/// A valid policy has `factor >= 1 + jitter`, so that every delay is at least as long as the
/// longest the previous one could have been: the delays grow whatever the draws.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 means no retry.
    pub max_attempts: u32,
    /// The wait before the first retry, before jitter.
    #[serde(with = "millis", rename = "base_delay_ms")]
    pub base_delay: Duration,
    /// Each retry waits this many times as long as the previous one, before jitter.
    pub factor: f64,
    /// The largest random stretch of a wait, as a fraction of it (`0.1`: up to 10 % longer).
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            factor: 2.0,
            jitter: 0.1,
        }
    }
}

/// A retry policy that cannot be used, with the field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The field, as files spell it.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for PolicyError {}

impl RetryPolicy {
    /// Checks what the types cannot say.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let bad = |field, message: String| Err(PolicyError { field, message });
        if self.max_attempts == 0 {
            return bad("max_attempts", "must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return bad(
                "jitter",
                format!("must be within 0..=1, got {}", self.jitter),
            );
        }
        // Written so that a NaN factor fails too.
        let grows = self.factor >= 1.0 + self.jitter && self.factor <= 16.0;
        if !grows {
            return bad(
                "factor",
                format!(
                    "must be within 1 + jitter ({})..=16 so delays grow, got {}",
                    1.0 + self.jitter,
                    self.factor
                ),
            );
        }
        Ok(())
    }

    /// Whether a failure of `kind` on attempt `attempt` (from 1) is retried: transient kinds
    /// only, while attempts remain.
    pub fn should_retry(&self, kind: ErrorKind, attempt: u32) -> bool {
        kind.is_transient() && attempt < self.max_attempts
    }

    /// The wait after attempt `attempt` (from 1) failed, before jitter.
    pub fn base_backoff(&self, attempt: u32) -> Duration {
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        self.base_delay.mul_f64(self.factor.powi(exponent))
    }

    /// The wait after attempt `attempt` failed, for a draw `unit` in `0..=1`.
    pub fn backoff(&self, attempt: u32, unit: f64) -> Duration {
        self.base_backoff(attempt)
            .mul_f64(1.0 + self.jitter * unit.clamp(0.0, 1.0))
    }

    /// The shortest and longest wait after attempt `attempt` failed.
    pub fn backoff_bounds(&self, attempt: u32) -> (Duration, Duration) {
        (self.backoff(attempt, 0.0), self.backoff(attempt, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            factor: 2.0,
            jitter: 0.5,
        }
    }

    #[test]
    fn delays_grow_exponentially_within_the_jitter() {
        let p = policy();
        assert_eq!(p.backoff(1, 0.0), Duration::from_millis(100));
        assert_eq!(p.backoff(2, 0.0), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(600));
        for attempt in 1..4 {
            let (_, longest) = p.backoff_bounds(attempt);
            let (next_shortest, _) = p.backoff_bounds(attempt + 1);
            assert!(next_shortest >= longest, "attempt {attempt}");
        }
    }

    #[test]
    fn only_transient_kinds_are_retried_and_only_while_attempts_remain() {
        let p = policy();
        assert!(p.should_retry(ErrorKind::Network, 3));
        assert!(!p.should_retry(ErrorKind::Network, 4));
        assert!(!p.should_retry(ErrorKind::Permission, 1));
        assert!(!p.should_retry(ErrorKind::Other, 1));
    }

    #[test]
    fn invalid_policies_name_their_field() {
        let p = RetryPolicy {
            factor: 1.2,
            ..policy()
        };
        assert_eq!(p.validate().unwrap_err().field, "factor");
        let p = RetryPolicy {
            max_attempts: 0,
            ..policy()
        };
        assert_eq!(p.validate().unwrap_err().field, "max_attempts");
        assert_eq!(RetryPolicy::default().validate(), Ok(()));
    }

    proptest::proptest! {
        #[test]
        fn valid_policies_give_delays_within_bounds_that_grow(
            base_ms in 1u64..10_000,
            jitter in 0.0f64..=1.0,
            extra in 0.0f64..4.0,
            attempt in 1u32..10,
            unit in 0.0f64..=1.0,
        ) {
            let p = RetryPolicy {
                max_attempts: 10,
                base_delay: Duration::from_millis(base_ms),
                factor: 1.0 + jitter + extra,
                jitter,
            };
            proptest::prop_assert!(p.validate().is_ok());
            let (shortest, longest) = p.backoff_bounds(attempt);
            let delay = p.backoff(attempt, unit);
            proptest::prop_assert!(shortest <= delay && delay <= longest);
            // Float rounding may cost a nanosecond when factor == 1 + jitter exactly.
            let (next_shortest, _) = p.backoff_bounds(attempt + 1);
            proptest::prop_assert!(next_shortest + Duration::from_micros(1) >= longest);
        }
    }

    #[test]
    fn options_read_from_toml_with_defaults() {
        let o: ActionOptions = toml::from_str("timeout_ms = 5000").unwrap();
        assert_eq!(o.timeout, Duration::from_secs(5));
        assert_eq!(o.retry, RetryPolicy::default());
    }
}
