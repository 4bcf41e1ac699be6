//! The engine's side of fault injection: the run's concrete plan, hit counts, and healing.

use super::kernel::State;
use crate::fault::{FaultDecision, FaultOutcome, FaultPlan};
use crate::trace::EventKind;
use std::collections::BTreeMap;

pub(crate) struct FaultState {
    /// The concrete plan of this run (swarm already drawn).
    pub(crate) plan: FaultPlan,
    hits: BTreeMap<String, u64>,
    /// Faults are off for the rest of the run (the liveness phase).
    pub(crate) healed: bool,
}

impl FaultState {
    pub(crate) fn new(plan: FaultPlan) -> FaultState {
        FaultState {
            plan,
            hits: BTreeMap::new(),
            healed: false,
        }
    }
}

impl State {
    /// Decides one hit of a fault point and traces any fault it injects.
    pub(crate) fn decide_fault(&mut self, point: &str) -> FaultDecision {
        if self.faults.healed || self.faults.plan.is_empty() {
            return FaultDecision::PROCEED;
        }
        let hit = {
            let count = self.faults.hits.entry(point.to_string()).or_insert(0);
            *count += 1;
            *count
        };
        let now = self.now;
        let decision = self
            .faults
            .plan
            .decide(point, hit, now, &mut self.fault_rng);
        if decision.outcome != FaultOutcome::Proceed {
            let task = self.current;
            self.recorder.push(
                now,
                task,
                EventKind::Fault {
                    point: point.to_string(),
                    outcome: decision.outcome.to_string(),
                },
            );
        }
        decision
    }

    /// Whether faults are off for the rest of the run.
    pub(crate) fn is_healed(&self) -> bool {
        self.faults.healed
    }

    pub(crate) fn heal(&mut self) {
        if !self.faults.healed {
            self.faults.healed = true;
            let (now, task) = (self.now, self.current);
            self.recorder.push(
                now,
                task,
                EventKind::User {
                    message: "faults healed".into(),
                },
            );
        }
    }
}
