//! The engine's side of fault injection, as the kernel's state does it: deciding a fault
//! point's hit and healing, each traced. The fault state itself is in `fault_state.rs`.

use super::kernel::State;
use crate::fault::{FaultDecision, FaultOutcome};
use crate::trace::EventKind;

impl State {
    /// Decides one hit of a fault point and traces any fault it injects.
    pub(crate) fn decide_fault(&mut self, point: &str) -> FaultDecision {
        let now = self.now;
        let decision = self.faults.decide(point, now, &mut self.fault_rng);
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
        self.faults.is_healed()
    }

    /// Turns faults off for the rest of the run, tracing it the first time.
    pub(crate) fn heal(&mut self) {
        if self.faults.heal() {
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
