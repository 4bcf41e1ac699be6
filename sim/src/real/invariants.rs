//! Invariants registered through `rt::invariant` outside a simulation: kept for the real run
//! on this thread, which checks them once, when it ends.
//!
//! Only end checks run in real mode, and only those of end-only invariants
//! ([`Invariant::is_end_only`]): a step check's bounds are in virtual time, and at a time scale
//! of 0.01 the OS's scheduling noise (a millisecond of timer granularity) is a hundred
//! scaled milliseconds, so they would report the machine, not the code. The others are
//! listed in the report as not checked.

use crate::check::Invariant;
use crate::time::Instant;
use std::cell::RefCell;

thread_local! {
    /// `Some` while a real run is active on this thread.
    static REGISTERED: RefCell<Option<Vec<Box<dyn Invariant>>>> = const { RefCell::new(None) };
}

/// Starts collecting invariants on this thread, for a real run.
pub(crate) fn begin() {
    REGISTERED.with(|r| *r.borrow_mut() = Some(Vec::new()));
}

/// Keeps `invariant` for the end of the real run on this thread; outside one (production
/// code on tokio) nobody would check it, so it is dropped.
pub(crate) fn register(invariant: Box<dyn Invariant>) {
    REGISTERED.with(|r| match r.borrow_mut().as_mut() {
        Some(list) => list.push(invariant),
        None => tracing::debug!(
            target: "asynclife",
            "invariant '{}' registered outside a simulation and a real run: not checked",
            invariant.name()
        ),
    });
}

/// What the end of a real run found: `(name, failure)` per failed check, in registration
/// order, and the names of the invariants real mode does not check.
pub(crate) struct EndChecks {
    pub(crate) failed: Vec<(String, String)>,
    pub(crate) unchecked: Vec<String>,
}

/// Stops collecting and runs the end checks at `now`.
pub(crate) fn check_end(now: Instant) -> EndChecks {
    let registered = REGISTERED
        .with(|r| r.borrow_mut().take())
        .unwrap_or_default();
    let mut checks = EndChecks {
        failed: Vec::new(),
        unchecked: Vec::new(),
    };
    for mut invariant in registered {
        let name = invariant.name().to_string();
        if !invariant.is_end_only() {
            checks.unchecked.push(name);
        } else if let Err(message) = invariant.check_end(now) {
            checks.failed.push((name, message));
        }
    }
    checks
}
