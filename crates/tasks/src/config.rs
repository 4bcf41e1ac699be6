//! The task manager's settings (seed 002 #4's `background_tasks` block), as serde data.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// How many tasks run at once, how many may wait, and how long shutdown may take.
///
/// The defaults are the seed's: 50 concurrent tasks, 30 s to drain, 10 s to cancel, a monitor
/// every 60 s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManagerConfig {
    /// At most this many managed tasks run at once; later ones wait (QUEUED) for a slot.
    pub max_concurrent: usize,
    /// At most this many tasks wait for a slot; a spawn beyond that is rejected with
    /// [`SpawnError::QueueFull`](crate::SpawnError::QueueFull).
    pub max_queued: usize,
    /// `shutdown` first waits this long for the tasks to finish on their own.
    pub drain_timeout_ms: u64,
    /// Then it cancels the rest and waits at most this long for them to go.
    pub cancel_timeout_ms: u64,
    /// The monitor reports the status this often.
    pub monitor_interval_ms: u64,
}

impl Default for ManagerConfig {
    fn default() -> Self {
        ManagerConfig {
            max_concurrent: 50,
            max_queued: 1_000,
            drain_timeout_ms: 30_000,
            cancel_timeout_ms: 10_000,
            monitor_interval_ms: 60_000,
        }
    }
}

/// A setting out of range, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The field, as spelled in a scenario file.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ManagerConfig {
    /// Checks what the types cannot say.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_concurrent == 0 {
            return Err(ConfigError {
                field: "max_concurrent",
                message: "must be at least 1: no task could ever run",
            });
        }
        if self.cancel_timeout_ms == 0 {
            return Err(ConfigError {
                field: "cancel_timeout_ms",
                message: "must be at least 1: shutdown aborts the tasks left and must wait for \
                          the aborts to take effect, or it returns with them still tracked",
            });
        }
        if self.monitor_interval_ms == 0 {
            return Err(ConfigError {
                field: "monitor_interval_ms",
                message: "must be at least 1",
            });
        }
        Ok(())
    }

    /// The longest `shutdown` may take: drain, then cancel.
    pub fn shutdown_bound(&self) -> Duration {
        Duration::from_millis(self.drain_timeout_ms.saturating_add(self.cancel_timeout_ms))
    }

    pub(crate) fn drain_timeout(&self) -> Duration {
        Duration::from_millis(self.drain_timeout_ms)
    }

    pub(crate) fn cancel_timeout(&self) -> Duration {
        Duration::from_millis(self.cancel_timeout_ms)
    }

    pub(crate) fn monitor_interval(&self) -> Duration {
        Duration::from_millis(self.monitor_interval_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seeds_and_valid() {
        let c = ManagerConfig::default();
        assert_eq!((c.max_concurrent, c.monitor_interval_ms), (50, 60_000));
        assert!(c.validate().is_ok());
        assert_eq!(c.shutdown_bound(), Duration::from_secs(40));
    }

    #[test]
    fn a_zero_limit_is_rejected_with_its_field() {
        let c = ManagerConfig {
            max_concurrent: 0,
            ..ManagerConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "max_concurrent");
    }

    /// A shutdown that waits 0 ms for its aborts returns with every aborted task still
    /// tracked (`runs-terminal`, `no-task-after-shutdown` on `fixed`): refused as input.
    #[test]
    fn a_zero_cancel_timeout_is_rejected_with_its_field() {
        let c = ManagerConfig {
            cancel_timeout_ms: 0,
            ..ManagerConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "cancel_timeout_ms");
        let one = ManagerConfig {
            cancel_timeout_ms: 1,
            ..ManagerConfig::default()
        };
        assert!(one.validate().is_ok());
    }
}
