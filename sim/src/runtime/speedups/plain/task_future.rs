//! A task's future, type-erased, plainly: boxed, and shared with the handle that polls it, so
//! that it stays in its task's slot during the poll without an unchecked pointer (see
//! `fast/task_future.rs`).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

type Boxed = Pin<Box<dyn Future<Output = ()>>>;

/// An owned, pinned future of a task.
pub(crate) struct TaskFuture {
    future: Rc<RefCell<Boxed>>,
}

impl TaskFuture {
    pub(crate) fn new<F: Future<Output = ()> + 'static>(future: F) -> TaskFuture {
        TaskFuture {
            future: Rc::new(RefCell::new(Box::pin(future))),
        }
    }

    /// Polls the future.
    #[cfg(test)]
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.future.borrow_mut().as_mut().poll(cx)
    }

    /// A handle that polls the future while this `TaskFuture` stays where it is kept.
    pub(crate) fn poll_handle(&self) -> PollHandle {
        PollHandle {
            future: Rc::clone(&self.future),
        }
    }
}

/// Polls a [`TaskFuture`]; see [`TaskFuture::poll_handle`].
pub(crate) struct PollHandle {
    future: Rc<RefCell<Boxed>>,
}

impl PollHandle {
    /// # Safety
    /// None on this side; the signature is the fast side's, whose contract (nothing else
    /// polls or drops the future meanwhile) this side checks: a second poll panics, and a drop
    /// meanwhile waits for this poll to return.
    #[allow(unsafe_code)]
    pub(crate) unsafe fn poll(self, cx: &mut Context<'_>) -> Poll<()> {
        let mut future = self
            .future
            .try_borrow_mut()
            .unwrap_or_else(|_| panic!("a task's future was polled during its own poll"));
        future.as_mut().poll(cx)
    }
}
