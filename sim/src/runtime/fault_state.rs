//! The run's fault state: its concrete plan, how often each point was hit, and whether faults
//! are healed. A leaf: the kernel's glue (tracing what it injects) is in `faults.rs`.

use crate::fault::{FaultDecision, FaultPlan};
use crate::time::Instant;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

pub(crate) struct FaultState {
    /// The concrete plan of this run (swarm already drawn).
    pub(crate) plan: FaultPlan,
    hits: BTreeMap<String, u64>,
    /// Faults are off for the rest of the run (the liveness phase).
    healed: bool,
}

impl FaultState {
    pub(crate) fn new(plan: FaultPlan) -> FaultState {
        FaultState {
            plan,
            hits: BTreeMap::new(),
            healed: false,
        }
    }

    /// Counts one hit of `point` at `now` and decides it, drawing from `rng`; every hit
    /// proceeds once healed, or with an empty plan (which counts nothing).
    pub(crate) fn decide(
        &mut self,
        point: &str,
        now: Instant,
        rng: &mut ChaCha8Rng,
    ) -> FaultDecision {
        if self.healed || self.plan.is_empty() {
            return FaultDecision::PROCEED;
        }
        let hit = {
            let count = self.hits.entry(point.to_string()).or_insert(0);
            *count += 1;
            *count
        };
        self.plan.decide(point, hit, now, rng)
    }

    /// Whether faults are off for the rest of the run.
    pub(crate) fn is_healed(&self) -> bool {
        self.healed
    }

    /// Turns faults off; true if they were on.
    pub(crate) fn heal(&mut self) -> bool {
        !std::mem::replace(&mut self.healed, true)
    }
}
