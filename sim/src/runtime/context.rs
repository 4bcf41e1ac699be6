//! The simulation the current thread is running, if any: how `rt` finds the engine.

use super::kernel::Kernel;
use std::cell::Cell;
use std::rc::Rc;

thread_local! {
    /// The kernel of the simulation running on this thread, or null. It is set from an `Rc`
    /// that the [`EnterGuard`] owns, and cleared when the guard drops, so a non-null pointer
    /// always points to a live kernel. A plain pointer, because `rt` reads it on every call
    /// (every sleep, spawn and wake-up): no borrow flag and no reference count on that path.
    static CURRENT: Cell<*const Kernel> = const { Cell::new(std::ptr::null()) };
}

/// Makes `kernel` the current simulation until the guard is dropped.
pub(crate) fn enter(kernel: Rc<Kernel>) -> EnterGuard {
    CURRENT.with(|c| {
        assert!(
            c.get().is_null(),
            "a simulation cannot run inside another simulation on the same thread"
        );
        let raw = Rc::into_raw(kernel);
        c.set(raw);
        EnterGuard { raw }
    })
}

/// Leaves the simulation on drop; owns one strong reference to the kernel until then.
#[must_use = "the simulation is left when the guard is dropped"]
pub(crate) struct EnterGuard {
    raw: *const Kernel,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| {
            debug_assert_eq!(c.get(), self.raw);
            c.set(std::ptr::null());
        });
        // SAFETY: `raw` came from `Rc::into_raw` in `enter`, and this is its only release.
        drop(unsafe { Rc::from_raw(self.raw) });
    }
}

/// Runs `f` on the current simulation's kernel; `None` outside a simulation.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Kernel) -> R) -> Option<R> {
    let kernel = CURRENT.with(Cell::get);
    // SAFETY: a non-null pointer was set by `enter` from the `Rc` its guard owns, and is
    // cleared before that guard releases it (see `CURRENT`). The guard lives in `Sim::run`'s
    // frame, below every poll, so it outlives this call.
    unsafe { kernel.as_ref() }.map(f)
}

/// The current simulation's kernel, if the thread is inside one.
pub(crate) fn try_current() -> Option<Rc<Kernel>> {
    let kernel = CURRENT.with(Cell::get);
    if kernel.is_null() {
        return None;
    }
    // SAFETY: as in `with_current`, the pointer came from `Rc::into_raw` and the live guard
    // owns a strong reference; the one taken here is owned by the `Rc` returned.
    unsafe {
        Rc::increment_strong_count(kernel);
        Some(Rc::from_raw(kernel))
    }
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
    !CURRENT.with(Cell::get).is_null()
}
