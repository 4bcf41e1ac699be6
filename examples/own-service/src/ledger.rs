//! Where every accepted delivery is, and the property that none is lost: once the dispatcher
//! has shut down, each one was delivered or dead-lettered, exactly once.

use std::collections::BTreeMap;

/// The state of one accepted delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted into the queue, not yet taken by a worker.
    Queued,
    /// A worker holds it.
    InFlight,
    /// The endpoint took it, at this attempt.
    Delivered { attempt: u32 },
    /// Given up: too many failed attempts, or shut down before it could be sent.
    DeadLettered { reason: String },
}

/// Every accepted delivery by id, and the ones the full queue refused.
#[derive(Debug, Default)]
pub struct Ledger {
    outcomes: BTreeMap<u64, Outcome>,
    /// Deliveries refused because the queue was full (never accepted).
    pub rejected: u64,
}

impl Ledger {
    /// Records an accepted delivery.
    pub fn accepted(&mut self, id: u64) {
        self.outcomes.insert(id, Outcome::Queued);
    }

    /// Moves a delivery to `outcome`.
    pub fn set(&mut self, id: u64, outcome: Outcome) {
        self.outcomes.insert(id, outcome);
    }

    /// Dead-letters every delivery still queued or in flight (a shutdown that could not wait).
    pub fn dead_letter_unsettled(&mut self, reason: &str) {
        for outcome in self.outcomes.values_mut() {
            if matches!(outcome, Outcome::Queued | Outcome::InFlight) {
                *outcome = Outcome::DeadLettered {
                    reason: reason.to_string(),
                };
            }
        }
    }

    /// How many deliveries were accepted.
    pub fn accepted_count(&self) -> usize {
        self.outcomes.len()
    }

    /// How many were delivered.
    pub fn delivered_count(&self) -> usize {
        let delivered = |o: &&Outcome| matches!(o, Outcome::Delivered { .. });
        self.outcomes.values().filter(delivered).count()
    }

    /// The conservation property after shutdown: nothing still queued or in flight.
    pub fn check_settled(&self) -> Result<(), String> {
        let unsettled: Vec<String> = self
            .outcomes
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Queued | Outcome::InFlight))
            .map(|(id, o)| format!("#{id} {o:?}"))
            .collect();
        if unsettled.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{} of {} accepted deliveries were neither delivered nor dead-lettered after \
             shutdown: {}",
            unsettled.len(),
            self.outcomes.len(),
            unsettled.join(", ")
        ))
    }
}
