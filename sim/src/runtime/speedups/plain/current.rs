//! The kernel of the simulation running on this thread, plainly: an `Rc` in a `RefCell`,
//! cloned for every call (see `fast/current.rs`).

use super::super::super::kernel::Kernel;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Kernel>>> = const { RefCell::new(None) };
}

/// Makes `kernel` the current one until [`leave`].
///
/// # Panics
/// If a kernel is current already.
pub(crate) fn enter(kernel: Rc<Kernel>) {
    // Checked with the cell released: the panic hook reads it.
    assert!(
        !is_set(),
        "a simulation cannot run inside another simulation on the same thread"
    );
    CURRENT.set(Some(kernel));
}

/// Clears the current kernel and drops this side's reference.
pub(crate) fn leave() {
    let kernel = CURRENT.take();
    assert!(kernel.is_some(), "left a simulation that was not entered");
    drop(kernel);
}

/// Runs `f` on the current kernel; `None` if there is none. `f` runs with the cell released,
/// so it may reach the current kernel again.
pub(crate) fn with<R>(f: impl FnOnce(&Kernel) -> R) -> Option<R> {
    get().map(|kernel| f(&kernel))
}

/// A new reference to the current kernel, if there is one.
pub(crate) fn get() -> Option<Rc<Kernel>> {
    CURRENT.with_borrow(Option::clone)
}

/// Whether a kernel is current.
pub(crate) fn is_set() -> bool {
    CURRENT.with_borrow(Option::is_some)
}
