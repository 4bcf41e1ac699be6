//! Retrying a failed send: exponential backoff (1 s, 2 s, 4 s) plus jitter, a bounded number
//! of times.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How failed sends are retried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// The wait before the first retry; each further retry waits twice as long.
    pub base_delay_ms: u64,
    /// Retries after the first attempt (so at most `1 + max_retries` attempts).
    pub max_retries: u32,
    /// Jitter added to each wait, as a fraction of it (0.1: up to 10 % more), so that
    /// requests that failed together do not retry together.
    pub jitter_fraction: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_delay_ms: 1_000,
            max_retries: 3,
            jitter_fraction: 0.1,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based), with `jitter_unit` in `0..=1` choosing
    /// the jitter; `None` once the retries are used up.
    pub fn backoff(&self, retry: u32, jitter_unit: f64) -> Option<Duration> {
        if retry == 0 || retry > self.max_retries {
            return None;
        }
        let base_ms = self.base_delay_ms.saturating_mul(1 << (retry - 1).min(30));
        let jitter_ms =
            (base_ms as f64 * self.jitter_fraction * jitter_unit.clamp(0.0, 1.0)) as u64;
        Some(Duration::from_millis(base_ms + jitter_ms))
    }

    /// The longest the retries can wait in total.
    pub fn max_total_wait(&self) -> Duration {
        (1..=self.max_retries)
            .filter_map(|retry| self.backoff(retry, 1.0))
            .sum()
    }

    /// Checks the values that cannot be expressed in the types.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.jitter_fraction) {
            return Err("retry.jitter_fraction: must be within 0..=1".into());
        }
        if self.max_retries > 16 {
            return Err("retry.max_retries: at most 16".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_one_second_with_bounded_jitter_and_stops() {
        let p = RetryPolicy::default();
        let ms = |retry, unit| p.backoff(retry, unit).map(|d| d.as_millis());
        assert_eq!(
            [ms(1, 0.0), ms(2, 0.0), ms(3, 0.0)],
            [Some(1000), Some(2000), Some(4000)]
        );
        assert_eq!([ms(1, 1.0), ms(3, 1.0)], [Some(1100), Some(4400)]);
        assert_eq!(ms(4, 0.0), None);
        assert_eq!(ms(0, 0.0), None);
        assert_eq!(p.max_total_wait(), Duration::from_millis(7_700));
    }
}
