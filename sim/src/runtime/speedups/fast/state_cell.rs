//! The cell that holds the kernel's state: exclusive borrows, with foreign code fenced off;
//! unchecked in release builds.
//!
//! A `RefCell` (the plain side's) checked and counted every borrow, several a step. Two kinds of code can reach
//! the state, and this cell treats them apart:
//! - The kernel's own code never borrows the state while it holds it (invariant 1 of
//!   `kernel.rs`). Debug builds, and so every test, check this as the `RefCell` did.
//! - Code that is not the kernel's (a waker that is not one of the engine's own, when it is
//!   cloned, woken or dropped; a closure given to `kv::inspect`) runs under a borrow only
//!   inside [`StateCell::lend`]. While the state is lent, any borrow panics, in every build,
//!   before a second reference exists. Elsewhere it runs with the state released.
//!
//! So at most one guard exists at a time, and the references a guard hands out are tied to it
//! by the borrow checker: never two `&mut State` at once.

use super::super::reached_while_lent;
use std::cell::{Cell, UnsafeCell};
use std::ops::{Deref, DerefMut};

pub(crate) struct StateCell<T> {
    value: UnsafeCell<T>,
    /// Code that is not the kernel's is running under a borrow (see `lend`).
    lent: Cell<bool>,
    #[cfg(debug_assertions)]
    borrowed: Cell<bool>,
}

/// Exclusive access to the state until dropped.
pub(crate) struct StateGuard<'a, T> {
    cell: &'a StateCell<T>,
}

impl<T> StateCell<T> {
    pub(crate) fn new(value: T) -> StateCell<T> {
        StateCell {
            value: UnsafeCell::new(value),
            lent: Cell::new(false),
            #[cfg(debug_assertions)]
            borrowed: Cell::new(false),
        }
    }

    /// The state, exclusively.
    ///
    /// # Panics
    /// While the state is lent: code that is not the kernel's tried to reach the kernel while
    /// the kernel was using its state (from a waker, say). In debug builds also when the state
    /// is borrowed already, which would be a bug in the kernel.
    #[inline]
    pub(crate) fn borrow_mut(&self) -> StateGuard<'_, T> {
        if self.lent.get() {
            reached_while_lent();
        }
        #[cfg(debug_assertions)]
        assert!(
            !self.borrowed.replace(true),
            "the kernel's state is already borrowed (a kernel bug: see kernel.rs, invariant 1)"
        );
        StateGuard { cell: self }
    }

    /// Runs `f`, code that is not the kernel's, while the state may be borrowed: a borrow from
    /// inside `f` panics instead of aliasing the one in use.
    pub(crate) fn lend<R>(&self, f: impl FnOnce() -> R) -> R {
        /// Puts the flag back, also when `f` panics (the engine catches a task's panics and
        /// goes on).
        struct Restore<'a>(&'a Cell<bool>, bool);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                self.0.set(self.1);
            }
        }
        let _restore = Restore(&self.lent, self.lent.replace(true));
        f()
    }

    pub(crate) fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T> Deref for StateGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this guard is the only one (see the module's argument), and the reference
        // lives no longer than the borrow of the guard.
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> DerefMut for StateGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the guard is borrowed mutably for as long as the reference.
        unsafe { &mut *self.cell.value.get() }
    }
}

#[cfg(debug_assertions)]
impl<T> Drop for StateGuard<'_, T> {
    fn drop(&mut self) {
        self.cell.borrowed.set(false);
    }
}
