//! The cell that holds the kernel's state: exclusive borrows, with foreign code fenced off.
//!
//! Two kinds of code can reach the state, and this cell treats them apart:
//! - The kernel's own code never borrows the state while it holds it (invariant 1 of
//!   `kernel.rs`); the `RefCell` inside checks it.
//! - Code that is not the kernel's (a waker that is not one of the engine's own, when it is
//!   cloned, woken or dropped; a closure given to `kv::inspect`; a panic hook) runs under a
//!   borrow only inside [`StateCell::lend`]. While the state is lent, any borrow panics with a
//!   message that names the mistake. Elsewhere it runs with the state released.
//!
//! An unchecked cell (an `UnsafeCell` checked in debug builds only) was the engine's until the
//! speed-ups were fenced (`speedups/`): against this one it made no difference the storm bench
//! could see (`benches/README.md`), so the checked cell is the only one.
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

#[cold]
#[inline(never)]
fn reached_while_lent() -> ! {
    panic!(
        "the simulation was reached from a waker or an inspection closure while the engine was \
         using its state; wakers and `inspect` closures must not call into `rt`"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    #[test]
    fn a_borrow_while_lent_panics_and_the_flag_comes_back_after_a_panic() {
        let cell = StateCell::new(1);
        let guard = cell.borrow_mut();
        let inner = catch_unwind(AssertUnwindSafe(|| {
            cell.lend(|| drop(cell.borrow_mut()));
        }));
        assert!(inner.is_err(), "a borrow while lent panics");
        drop(guard);
        *cell.borrow_mut() += 1;
        assert_eq!(cell.into_inner(), 2);
    }

    #[test]
    #[should_panic(expected = "already borrowed")]
    fn a_nested_borrow_panics() {
        let cell = StateCell::new(0);
        let _outer = cell.borrow_mut();
        let _inner = cell.borrow_mut();
    }
}
