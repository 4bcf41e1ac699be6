//! What a real run found and measured.

use super::lag::Lag;
use super::store::StoreKind;
use crate::check::{Violation, ViolationKind};
use std::time::Duration;

/// The outcome of a real run: its findings (as a simulated run reports them) and what it
/// measured on the wall clock.
#[derive(Clone, Debug)]
pub struct RealReport {
    /// The time scale the run used.
    pub time_scale: f64,
    /// The store `rt::kv` used.
    pub store: StoreKind,
    /// Findings: end-only invariants that failed, `orphan-process` (children never reaped,
    /// confirmed with the OS), `blocked-executor` (the lag probe woke later than the
    /// threshold), `main-panicked`. Their `at` is in scaled time.
    pub violations: Vec<Violation>,
    /// Invariants registered but not checked: those with step checks (see `real`).
    pub unchecked: Vec<String>,
    /// How late the lag probe woke, on the wall clock.
    pub lag: Lag,
    /// The lag above which the run reports `blocked-executor`.
    pub blocked_lag_threshold: Duration,
    /// Child processes spawned.
    pub processes_spawned: usize,
    /// Keys left in the store at the end, in order.
    pub keys_left: Vec<String>,
    /// The run's duration on the wall clock, settling included.
    pub wall_time: Duration,
    /// The same in scaled time (what the code under test saw).
    pub scaled_time: Duration,
}

impl RealReport {
    /// Whether nothing was found.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }

    /// Whether a violation of this kind was found.
    pub fn has(&self, kind: &ViolationKind) -> bool {
        self.violations.iter().any(|v| &v.kind == kind)
    }
}
