//! The simulation the current thread is running, if any: how `rt` finds the engine.

use super::kernel::Kernel;
use crate::check::ViolationKind;
use crate::trace::TaskId;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Kernel>>> = const { RefCell::new(None) };
}

/// Makes `kernel` the current simulation until the guard is dropped.
pub(crate) fn enter(kernel: Rc<Kernel>) -> EnterGuard {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(kernel));
    assert!(
        previous.is_none(),
        "a simulation cannot run inside another simulation on the same thread"
    );
    EnterGuard { _private: () }
}

/// Leaves the simulation on drop.
#[must_use = "the simulation is left when the guard is dropped"]
pub(crate) struct EnterGuard {
    _private: (),
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.borrow_mut().take());
    }
}

/// The current simulation's kernel, if the thread is inside one.
pub(crate) fn try_current() -> Option<Rc<Kernel>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// The current simulation's kernel.
///
/// # Panics
/// Outside a simulation.
#[track_caller]
pub(crate) fn current() -> Rc<Kernel> {
    try_current().expect("this must be called from within a simulation (Sim::run)")
}

/// Whether the thread is inside a simulation.
pub(crate) fn in_simulation() -> bool {
    CURRENT.with(|c| c.borrow().is_some())
}

/// Reports a panic nobody can observe any more (called from a dropped handle).
pub(crate) fn report_unobserved_panic(run_id: u64, task: TaskId, message: String, why: &str) {
    if let Some(kernel) = try_current().filter(|k| k.run_id == run_id) {
        kernel.report(
            ViolationKind::UnobservedPanic,
            Some(task),
            format!("task panicked and {why} without awaiting it: {message}"),
        );
    }
}
