//! The simulation the current thread is running, if any: how `rt` finds the engine. Where
//! the kernel is kept is one of the engine's speed-ups (`speedups::current`).

use super::kernel::Kernel;
use super::speedups::current as slot;
use std::marker::PhantomData;
use std::rc::Rc;

/// Makes `kernel` the current simulation until the guard is dropped.
///
/// # Panics
/// Inside another simulation on the same thread.
pub(crate) fn enter(kernel: Rc<Kernel>) -> EnterGuard {
    slot::enter(kernel);
    EnterGuard {
        _this_thread: PhantomData,
    }
}

/// Leaves the simulation on drop; the current kernel's reference is held until then.
#[must_use = "the simulation is left when the guard is dropped"]
pub(crate) struct EnterGuard {
    /// The guard leaves this thread's simulation: it must stay on the thread.
    _this_thread: PhantomData<*const Kernel>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        slot::leave();
    }
}

/// Runs `f` on the current simulation's kernel; `None` outside a simulation.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Kernel) -> R) -> Option<R> {
    slot::with(f)
}

/// The current simulation's kernel, if the thread is inside one.
pub(crate) fn try_current() -> Option<Rc<Kernel>> {
    slot::get()
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
    slot::is_set()
}
