//! Join handles of simulated tasks: the shared slot a task's result goes to, and who looked.

use crate::trace::TaskId;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// Why a task produced no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinError {
    repr: JoinErrorRepr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum JoinErrorRepr {
    Panic(String),
    Cancelled,
}

impl JoinError {
    pub(crate) fn panic(message: String) -> JoinError {
        JoinError {
            repr: JoinErrorRepr::Panic(message),
        }
    }

    pub(crate) fn cancelled() -> JoinError {
        JoinError {
            repr: JoinErrorRepr::Cancelled,
        }
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Panic(_))
    }

    /// The task was aborted.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Cancelled)
    }

    /// The panic message, when the task panicked.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            JoinErrorRepr::Panic(m) => Some(m),
            JoinErrorRepr::Cancelled => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            JoinErrorRepr::Panic(m) => write!(f, "task panicked: {m}"),
            JoinErrorRepr::Cancelled => f.write_str("task was cancelled"),
        }
    }
}

impl std::error::Error for JoinError {}

struct SlotState<T> {
    result: Option<Result<T, JoinError>>,
    /// The handle has returned the result: polling it again is a bug in the caller.
    returned: bool,
    joiner: Option<Waker>,
    handle_dropped: bool,
}

/// The slot a task's result goes to, shared by the task and its handle.
pub(crate) struct JoinSlot<T> {
    state: Mutex<SlotState<T>>,
}

/// What the executor needs of a slot without knowing `T`.
pub(crate) trait Completion {
    /// Records a panic as the result. Returns true if nobody can observe it any more (the
    /// handle is gone): an unobserved panic.
    fn fail_with_panic(&self, message: String) -> bool;
    /// Records cancellation as the result, unless there already is one.
    fn cancel(&self);
    /// The message of a panic result that a live handle has not observed yet.
    fn unobserved_panic(&self) -> Option<String>;
}

impl<T> JoinSlot<T> {
    pub(crate) fn new() -> Arc<JoinSlot<T>> {
        Arc::new(JoinSlot {
            state: Mutex::new(SlotState {
                result: None,
                returned: false,
                joiner: None,
                handle_dropped: false,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SlotState<T>> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores the task's result and wakes whoever waits on the handle.
    pub(crate) fn complete(&self, result: Result<T, JoinError>) {
        let joiner = {
            let mut state = self.lock();
            if state.result.is_none() {
                state.result = Some(result);
            }
            state.joiner.take()
        };
        if let Some(w) = joiner {
            w.wake();
        }
    }
}

impl<T> Completion for JoinSlot<T> {
    fn fail_with_panic(&self, message: String) -> bool {
        self.complete(Err(JoinError::panic(message)));
        self.lock().handle_dropped
    }

    fn cancel(&self) {
        self.complete(Err(JoinError::cancelled()));
    }

    fn unobserved_panic(&self) -> Option<String> {
        let state = self.lock();
        if state.handle_dropped {
            // Reported when the handle was dropped, or at the panic if it was gone by then.
            return None;
        }
        match &state.result {
            Some(Err(e)) => e.panic_message().map(str::to_string),
            _ => None,
        }
    }
}

/// The simulation side of [`crate::rt::JoinHandle`].
pub(crate) struct SimJoinHandle<T> {
    pub(crate) run_id: u64,
    pub(crate) task: TaskId,
    pub(crate) slot: Arc<JoinSlot<T>>,
}

impl<T> SimJoinHandle<T> {
    pub(crate) fn is_finished(&self) -> bool {
        self.slot.lock().result.is_some()
    }
}

impl<T> Future for SimJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.slot.lock();
        assert!(
            !state.returned,
            "JoinHandle polled after completion (task {})",
            self.task
        );
        match state.result.take() {
            Some(result) => {
                state.returned = true;
                Poll::Ready(result)
            }
            None => {
                state.joiner = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for SimJoinHandle<T> {
    fn drop(&mut self) {
        let unobserved = {
            let mut state = self.slot.lock();
            state.handle_dropped = true;
            state.joiner = None;
            match &state.result {
                Some(Err(e)) => e.panic_message().map(str::to_string),
                _ => None,
            }
        };
        if let Some(message) = unobserved {
            super::context::report_unobserved_panic(
                self.run_id,
                self.task,
                message,
                "its handle was dropped",
            );
        }
    }
}
