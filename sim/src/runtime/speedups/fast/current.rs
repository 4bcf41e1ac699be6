//! The kernel of the simulation running on this thread, as a raw pointer: `rt` reads it on
//! every call (every sleep, spawn and wake-up), so that path has no borrow flag and no
//! reference count.

use super::super::super::kernel::Kernel;
use std::cell::Cell;
use std::rc::Rc;

thread_local! {
    /// The kernel, or null. It is set from an `Rc` by [`enter`] and released by [`leave`], so
    /// a non-null pointer always points to a live kernel.
    static CURRENT: Cell<*const Kernel> = const { Cell::new(std::ptr::null()) };
}

/// Makes `kernel` the current one; this side owns the reference until [`leave`].
///
/// # Panics
/// If a kernel is current already.
pub(crate) fn enter(kernel: Rc<Kernel>) {
    CURRENT.with(|c| {
        assert!(
            c.get().is_null(),
            "a simulation cannot run inside another simulation on the same thread"
        );
        c.set(Rc::into_raw(kernel));
    });
}

/// Clears the current kernel and releases the reference [`enter`] took.
pub(crate) fn leave() {
    let raw = CURRENT.with(|c| c.replace(std::ptr::null()));
    assert!(!raw.is_null(), "left a simulation that was not entered");
    // SAFETY: `raw` came from `Rc::into_raw` in `enter`, and this is its only release (the
    // pointer is cleared above, so no later call sees it).
    drop(unsafe { Rc::from_raw(raw) });
}

/// Runs `f` on the current kernel; `None` if there is none.
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(&Kernel) -> R) -> Option<R> {
    let kernel = CURRENT.with(Cell::get);
    // SAFETY: a non-null pointer was set by `enter` from an `Rc` this side owns until `leave`,
    // which `Sim::run` calls (dropping its guard) only after every poll has returned, so the
    // kernel outlives this call.
    unsafe { kernel.as_ref() }.map(f)
}

/// A new reference to the current kernel, if there is one.
pub(crate) fn get() -> Option<Rc<Kernel>> {
    let kernel = CURRENT.with(Cell::get);
    if kernel.is_null() {
        return None;
    }
    // SAFETY: as in `with`, the pointer came from `Rc::into_raw` and this side owns a strong
    // reference until `leave`; the one taken here is owned by the `Rc` returned.
    unsafe {
        Rc::increment_strong_count(kernel);
        Some(Rc::from_raw(kernel))
    }
}

/// Whether a kernel is current.
#[inline]
pub(crate) fn is_set() -> bool {
    !CURRENT.with(Cell::get).is_null()
}
