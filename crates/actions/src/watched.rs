//! A mutex that counts its writes, so that an invariant can tell "nothing changed since my last
//! look" without rescanning the state it guards.
//!
//! Reading and writing are separate methods and the read guard only derefs immutably, so the
//! type system sees to it that no write escapes the count. The count is bumped while the lock
//! is held: a reader that takes the count before it locks sees, in what it then reads, every
//! write the count reflects (a later write raises the count past it).

use crate::lock::lock;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

#[derive(Debug)]
pub(crate) struct Watched<T> {
    value: Mutex<T>,
    writes: AtomicU64,
}

/// Read access to a [`Watched`] value.
pub(crate) struct ReadGuard<'a, T>(MutexGuard<'a, T>);

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Watched<T> {
    pub(crate) fn new(value: T) -> Watched<T> {
        Watched {
            value: Mutex::new(value),
            writes: AtomicU64::new(0),
        }
    }

    /// Locks for reading: the count does not move.
    pub(crate) fn read(&self) -> ReadGuard<'_, T> {
        ReadGuard(lock(&self.value))
    }

    /// Locks for writing, and counts the write.
    pub(crate) fn write(&self) -> MutexGuard<'_, T> {
        let guard = lock(&self.value);
        self.writes.fetch_add(1, Ordering::SeqCst);
        guard
    }

    /// Writes so far. Take it before reading what it guards.
    pub(crate) fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_counted_and_reads_are_not() {
        let watched = Watched::new(vec![1]);
        assert_eq!(watched.writes(), 0);
        assert_eq!(watched.read().len(), 1);
        assert_eq!(watched.writes(), 0);
        watched.write().push(2);
        assert_eq!(watched.writes(), 1);
        assert_eq!(*watched.read(), [1, 2]);
    }
}
