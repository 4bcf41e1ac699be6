//! A list of words that a waker may change while the kernel's state is in use: the wake list
//! and the live-waker counts. A `RefCell` would do, but these are touched several times in
//! every step (each wake, each waker clone and drop), and its borrow flag was a measured 3% of
//! the cleanup storm.
//!
//! Soundness rests on one rule, which this type enforces by its interface: the list is only
//! ever reached inside [`WordList::with`], whose closures are this crate's own and call no code
//! that could reach the list again: they push, index, swap and compare plain integers, and the
//! step loop's `schedule_woken` moves woken task ids into the run queue and the trace, calling
//! no waker. So no two mutable references to the list ever exist at once. Debug builds check
//! the rule anyway.

use std::cell::UnsafeCell;

pub(crate) struct WordList<T> {
    words: UnsafeCell<Vec<T>>,
    #[cfg(debug_assertions)]
    in_use: std::cell::Cell<bool>,
}

impl<T: Copy> WordList<T> {
    pub(crate) fn new(words: Vec<T>) -> WordList<T> {
        WordList {
            words: UnsafeCell::new(words),
            #[cfg(debug_assertions)]
            in_use: std::cell::Cell::new(false),
        }
    }

    /// Runs `f` on the list. `f` must not reach this list again (see the module's rule): it is
    /// given plain integers only, and it must call nothing that wakes, clones or drops a waker.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Vec<T>) -> R) -> R {
        #[cfg(debug_assertions)]
        assert!(!self.in_use.replace(true), "a word list was re-entered");
        // SAFETY: the list is `!Sync` (UnsafeCell), so only this thread reaches it, and only
        // through `with`, whose closures do not re-enter it: this is the only reference.
        let result = f(unsafe { &mut *self.words.get() });
        #[cfg(debug_assertions)]
        self.in_use.set(false);
        result
    }

    pub(crate) fn into_inner(self) -> Vec<T> {
        self.words.into_inner()
    }
}
