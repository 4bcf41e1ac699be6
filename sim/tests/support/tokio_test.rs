//! What the ported tokio tests use of the `tokio-test` crate, written for them: a future
//! polled by hand with a waker that counts its wake-ups (`task::spawn`), and the
//! `assert_pending!` / `assert_ready*!` / `assert_ok!` / `assert_err!` macros. Polling by
//! hand works inside a simulation too: the engine's timers keep any waker.

#![allow(dead_code, unused_macros)]

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A future (or any value) with a waker of its own that counts wake-ups.
pub struct Spawn<T> {
    value: Pin<Box<T>>,
    waker: Arc<CountingWaker>,
}

#[derive(Default)]
struct CountingWaker {
    woken: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.woken.fetch_add(1, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.fetch_add(1, Ordering::SeqCst);
    }
}

/// Wraps `value` to be polled by hand (`tokio_test::task::spawn`).
pub fn spawn<T>(value: T) -> Spawn<T> {
    Spawn {
        value: Box::pin(value),
        waker: Arc::default(),
    }
}

impl<T> Spawn<T> {
    /// Runs `f` with a context of this task's waker and the pinned value.
    pub fn enter<F, R>(&mut self, f: F) -> R
    where
        F: FnOnce(&mut Context<'_>, Pin<&mut T>) -> R,
    {
        let waker = Waker::from(self.waker.clone());
        let mut cx = Context::from_waker(&waker);
        f(&mut cx, self.value.as_mut())
    }

    /// Whether the waker was woken since the last poll, and resets that.
    pub fn is_woken(&self) -> bool {
        self.waker.woken.swap(0, Ordering::SeqCst) > 0
    }

    /// How many clones of the waker are alive, besides the task's own.
    pub fn waker_ref_count(&self) -> usize {
        Arc::strong_count(&self.waker) - 1
    }
}

impl<T: Future> Spawn<T> {
    /// Polls the future once.
    pub fn poll(&mut self) -> Poll<T::Output> {
        self.waker.woken.store(0, Ordering::SeqCst);
        self.enter(|cx, f| f.poll(cx))
    }
}

impl<T: Unpin> Deref for Spawn<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Unpin> DerefMut for Spawn<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

macro_rules! assert_pending {
    ($e:expr) => {
        match $e {
            ::std::task::Poll::Pending => {}
            ::std::task::Poll::Ready(v) => panic!("ready; value = {:?}", v),
        }
    };
}

macro_rules! assert_ready {
    ($e:expr) => {
        match $e {
            ::std::task::Poll::Ready(v) => v,
            ::std::task::Poll::Pending => panic!("pending"),
        }
    };
}

macro_rules! assert_ready_ok {
    ($e:expr) => {
        match assert_ready!($e) {
            Ok(v) => v,
            Err(e) => panic!("error = {:?}", e),
        }
    };
}

macro_rules! assert_ready_err {
    ($e:expr) => {
        match assert_ready!($e) {
            Ok(v) => panic!("ok = {:?}", v),
            Err(e) => e,
        }
    };
}

macro_rules! assert_ready_eq {
    ($e:expr, $expect:expr) => {
        assert_eq!(assert_ready!($e), $expect)
    };
}

macro_rules! assert_ok {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => panic!("error = {:?}", e),
        }
    };
}

macro_rules! assert_err {
    ($e:expr) => {
        match $e {
            Ok(v) => panic!("ok = {:?}", v),
            Err(e) => e,
        }
    };
}
