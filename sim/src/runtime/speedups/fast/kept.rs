//! Buffers a finished run leaves to the next run on the same thread, one of each type.
//!
//! A sweep runs thousands of seeds per thread, each growing a task table, a run queue, timer
//! heaps, wake lists and an event log from empty. Handing the (emptied) buffers of one run to
//! the next skips those allocations and regrowths, and a buffer of kilobytes freed at every
//! seed no longer makes the allocator consolidate its free lists each time. Whoever keeps a
//! value empties it first (`runtime/spare.rs`, `trace/log.rs`), so the next run's behaviour
//! cannot depend on the previous one; the plain side keeps nothing, and the traces agree.

use std::any::Any;
use std::cell::RefCell;

thread_local! {
    /// At most one value of each type, in the order kept; a handful of entries at most.
    static KEPT: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// The value of type `T` kept on this thread, if there is one (and not during the thread's
/// teardown).
pub(crate) fn take<T: 'static>() -> Option<T> {
    let taken = KEPT
        .try_with(|kept| {
            let mut kept = kept.borrow_mut();
            let at = kept.iter().position(|value| value.is::<T>())?;
            Some(kept.swap_remove(at))
        })
        .ok()
        .flatten()?;
    taken.downcast().ok().map(|value| *value)
}

/// Keeps `value` for the next [`take`] of its type on this thread, in place of any kept
/// before (which is dropped); during the thread's teardown it is dropped instead.
pub(crate) fn keep<T: 'static>(value: T) {
    let replaced = KEPT.try_with(|kept| {
        let mut kept = kept.borrow_mut();
        let old = kept
            .iter()
            .position(|kept| kept.is::<T>())
            .map(|at| kept.swap_remove(at));
        kept.push(Box::new(value));
        old
    });
    // Dropped with the list released: a drop cannot reach it again.
    drop(replaced);
}
