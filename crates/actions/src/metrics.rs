//! Metrics per domain (seed 000 phase 3.2) and the notifications of critical failures
//! (phase 2.2 and 3.1).

use crate::error::ErrorKind;
use crate::metadata::ActionStatus;
use asynclife_sim::Instant;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counters of one domain's actions. Every started action is counted once in `started`
/// and, once finished, once in exactly one of the terminal counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainMetrics {
    /// Actions started (refused starts included).
    pub started: u64,
    /// Actions that succeeded.
    pub completed: u64,
    /// Actions that failed for good.
    pub failed: u64,
    /// Actions cancelled.
    pub cancelled: u64,
    /// Actions whose deadline passed.
    pub timed_out: u64,
    /// Retries (attempts after the first).
    pub retries: u64,
}

impl DomainMetrics {
    /// Counts one action reaching `status`.
    pub fn count_terminal(&mut self, status: ActionStatus) {
        match status {
            ActionStatus::Running => {}
            ActionStatus::Completed => self.completed += 1,
            ActionStatus::Failed => self.failed += 1,
            ActionStatus::Cancelled => self.cancelled += 1,
            ActionStatus::TimedOut => self.timed_out += 1,
        }
    }

    /// Actions that reached a terminal status.
    pub fn finished(&self) -> u64 {
        self.completed + self.failed + self.cancelled + self.timed_out
    }
}

/// A critical failure, raised for the user (seed 000 phase 3.1: "failure notifications for
/// critical actions").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// The session to tell.
    pub session: String,
    /// The action that failed.
    pub action: String,
    /// Its domain.
    pub domain: String,
    /// The failure's class.
    pub kind: ErrorKind,
    /// The failure's message.
    pub message: String,
    /// When it failed.
    pub at: Instant,
}

/// Metrics of every domain, by name.
pub type Metrics = BTreeMap<String, DomainMetrics>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_terminal_status_has_its_counter() {
        let mut m = DomainMetrics::default();
        for s in [
            ActionStatus::Running,
            ActionStatus::Completed,
            ActionStatus::Failed,
            ActionStatus::Cancelled,
            ActionStatus::TimedOut,
        ] {
            m.count_terminal(s);
        }
        assert_eq!(m.finished(), 4);
    }
}
