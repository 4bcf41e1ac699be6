//! The cell that holds the kernel's state, plainly: a `RefCell`, which checks every borrow in
//! every build, plus the same lending rule as the fast side's (see `fast/state_cell.rs`).

use super::super::reached_while_lent;
use std::cell::{Cell, RefCell, RefMut};
use std::ops::{Deref, DerefMut};

pub(crate) struct StateCell<T> {
    value: RefCell<T>,
    /// Code that is not the kernel's is running under a borrow (see `lend`).
    lent: Cell<bool>,
}

/// Exclusive access to the state until dropped.
pub(crate) struct StateGuard<'a, T> {
    value: RefMut<'a, T>,
}

impl<T> StateCell<T> {
    pub(crate) fn new(value: T) -> StateCell<T> {
        StateCell {
            value: RefCell::new(value),
            lent: Cell::new(false),
        }
    }

    /// The state, exclusively.
    ///
    /// # Panics
    /// While the state is lent, or borrowed already (a bug in the kernel).
    pub(crate) fn borrow_mut(&self) -> StateGuard<'_, T> {
        if self.lent.get() {
            reached_while_lent();
        }
        let value = self.value.try_borrow_mut().unwrap_or_else(|_| {
            panic!(
                "the kernel's state is already borrowed (a kernel bug: see kernel.rs, invariant 1)"
            )
        });
        StateGuard { value }
    }

    /// Runs `f`, code that is not the kernel's, while the state may be borrowed: a borrow from
    /// inside `f` panics.
    pub(crate) fn lend<R>(&self, f: impl FnOnce() -> R) -> R {
        let previous = self.lent.replace(true);
        let restore = RestoreOnDrop(&self.lent, previous);
        let result = f();
        drop(restore);
        result
    }

    pub(crate) fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

/// Puts the lending flag back, also when `f` panics.
struct RestoreOnDrop<'a>(&'a Cell<bool>, bool);

impl Drop for RestoreOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set(self.1);
    }
}

impl<T> Deref for StateGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for StateGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}
