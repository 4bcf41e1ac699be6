//! Joining simulated tasks: each task's result is kept in its slot of the kernel's task table
//! until its handle takes it, with who waits for it and whether the handle is gone. A handle is
//! only (run, task): spawning allocates nothing for it, and nothing in it is shared between
//! threads.

use super::context;
use super::kernel::{Kernel, State};
use crate::check::ViolationKind;
use crate::trace::TaskId;
use std::any::{Any, TypeId};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Why a task produced no value. Its `Display` and `Debug` are tokio's (`task 3 panicked with
/// message "boom"`, `JoinError::Cancelled(Id(3))`); the id is the task's in the run.
#[derive(Clone, PartialEq, Eq)]
pub struct JoinError {
    repr: JoinErrorRepr,
    /// The task's id: its index in a simulation, tokio's task id outside one.
    id: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum JoinErrorRepr {
    /// The panic's message, and whether its payload was a string (else the message says it
    /// was not).
    Panic {
        message: String,
        string_payload: bool,
    },
    Cancelled,
}

impl JoinError {
    pub(crate) fn panic(id: u64, message: String, string_payload: bool) -> JoinError {
        JoinError {
            repr: JoinErrorRepr::Panic {
                message,
                string_payload,
            },
            id,
        }
    }

    pub(crate) fn cancelled(id: u64) -> JoinError {
        JoinError {
            repr: JoinErrorRepr::Cancelled,
            id,
        }
    }

    /// The id of the task that failed: its index in a simulation (the trace's `#N`), tokio's
    /// task id outside one.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Panic { .. })
    }

    /// The task was aborted.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Cancelled)
    }

    /// The panic message, when the task panicked.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            JoinErrorRepr::Panic { message, .. } => Some(message),
            JoinErrorRepr::Cancelled => None,
        }
    }

    /// The panic's payload, as tokio's `JoinError::into_panic` gives it. The engine keeps a
    /// panic's message, not its payload: this is a `Box<String>` of the message, whatever the
    /// task panicked with.
    ///
    /// # Panics
    /// If the task was aborted, as tokio's does.
    pub fn into_panic(self) -> Box<dyn std::any::Any + Send + 'static> {
        self.try_into_panic()
            .expect("`JoinError` reason is not a panic.")
    }

    /// The panic's payload (see [`JoinError::into_panic`]), or the error itself when the task
    /// was aborted.
    pub fn try_into_panic(self) -> Result<Box<dyn std::any::Any + Send + 'static>, JoinError> {
        match self.repr {
            JoinErrorRepr::Panic { message, .. } => Ok(Box::new(message)),
            JoinErrorRepr::Cancelled => Err(self),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id;
        match &self.repr {
            JoinErrorRepr::Panic {
                message,
                string_payload: true,
            } => write!(f, "task {id} panicked with message {message:?}"),
            JoinErrorRepr::Panic { .. } => write!(f, "task {id} panicked"),
            JoinErrorRepr::Cancelled => write!(f, "task {id} was cancelled"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id;
        match &self.repr {
            JoinErrorRepr::Panic {
                message,
                string_payload: true,
            } => write!(f, "JoinError::Panic(Id({id}), {message:?}, ...)"),
            JoinErrorRepr::Panic { .. } => write!(f, "JoinError::Panic(Id({id}), ...)"),
            JoinErrorRepr::Cancelled => write!(f, "JoinError::Cancelled(Id({id}))"),
        }
    }
}

impl std::error::Error for JoinError {}

/// A task's output, type-erased in the kernel; `Box` of a zero-sized output allocates nothing.
/// Only the task's own handle takes it back, by a checked `downcast` to the type it was
/// spawned with.
pub(crate) type Output = Box<dyn Any + Send>;

/// A task's result and its handle's state, in the task's slot.
#[derive(Default)]
pub(crate) struct JoinState {
    result: Option<Result<Output, JoinError>>,
    /// The handle has returned the result: polling it again is a bug in the caller.
    returned: bool,
    joiner: Option<Waker>,
    handle_dropped: bool,
    /// The join set (and key in it) the task belongs to, until it finishes.
    member_of: Option<Membership>,
}

/// A join set member's set and key. The set is kept plus one, so that an
/// `Option<Membership>` takes no more room than the pair (a join state fits in 64 bytes).
#[derive(Clone, Copy)]
struct Membership {
    key: u64,
    set_plus_one: NonZeroU32,
}

impl Membership {
    fn new(set: u32, key: u64) -> Membership {
        let set_plus_one = set
            .checked_add(1)
            .and_then(NonZeroU32::new)
            .expect("fewer than 2^32 - 1 join sets in one run");
        Membership { key, set_plus_one }
    }

    fn set(self) -> u32 {
        self.set_plus_one.get() - 1
    }
}

impl JoinState {
    /// The message of a panic result that a live handle has not observed yet.
    pub(crate) fn unobserved_panic(&self) -> Option<String> {
        if self.handle_dropped {
            // Reported when the handle was dropped, or at the panic if it was gone by then.
            return None;
        }
        match &self.result {
            Some(Err(e)) => e.panic_message().map(str::to_string),
            _ => None,
        }
    }
}

/// What finishing a task leaves to do once the state is released: wake the joiner, and drop
/// a result that came too late (its drop may call back into the kernel).
struct Finished {
    joiner: Option<Waker>,
    member_of: Option<Membership>,
    unused: Option<Result<Output, JoinError>>,
}

impl Finished {
    fn run(self, kernel: &Kernel) {
        drop(self.unused);
        if let Some(member) = self.member_of {
            kernel.join_set_member_finished(member.set(), member.key);
        }
        if let Some(joiner) = self.joiner {
            super::waker::wake_from_kernel(kernel, joiner);
        }
    }
}

impl State {
    fn finish(&mut self, task: TaskId, result: Result<Output, JoinError>) -> Finished {
        let join = &mut self.joins[task.index()];
        let unused = if join.result.is_none() {
            join.result = Some(result);
            None
        } else {
            Some(result)
        };
        Finished {
            joiner: join.joiner.take(),
            member_of: join.member_of.take(),
            unused,
        }
    }

    /// Makes `task` member `key` of join set `set` (see `join_sets.rs`).
    pub(crate) fn set_member_of(&mut self, task: TaskId, set: u32, key: u64) {
        let join = &mut self.joins[task.index()];
        debug_assert!(
            join.result.is_none() && join.member_of.is_none(),
            "a member joins its set when it is spawned"
        );
        join.member_of = Some(Membership::new(set, key));
    }
}

impl Kernel {
    /// The task being polled returned `output`; whoever awaits its handle is woken.
    pub(crate) fn complete_current(&self, output: Output) {
        let finished = {
            let mut st = self.state.borrow_mut();
            let task = st.current.expect("a task completes during its own poll");
            st.finish(task, Ok(output))
        };
        finished.run(self);
    }

    /// Records cancellation as the task's result, unless it has one.
    pub(crate) fn cancel_task(&self, task: TaskId) {
        let finished = self
            .state
            .borrow_mut()
            .finish(task, Err(JoinError::cancelled(task.index() as u64)));
        finished.run(self);
    }

    /// Records a panic as the task's result. Returns true if nobody can observe it any more
    /// (the handle is gone): an unobserved panic.
    pub(crate) fn fail_with_panic(
        &self,
        task: TaskId,
        message: String,
        string_payload: bool,
    ) -> bool {
        let (finished, handle_dropped) = {
            let mut st = self.state.borrow_mut();
            let error = JoinError::panic(task.index() as u64, message, string_payload);
            let finished = st.finish(task, Err(error));
            (finished, st.joins[task.index()].handle_dropped)
        };
        finished.run(self);
        handle_dropped
    }

    fn poll_join(&self, task: TaskId, waker: &Waker) -> Poll<Result<Output, JoinError>> {
        let mut st = self.state.borrow_mut();
        let join = &mut st.joins[task.index()];
        if join.returned {
            drop(st); // the caller's bug: the panic hook runs with the state released
            panic!("JoinHandle polled after completion (task {task})");
        }
        match join.result.take() {
            Some(result) => {
                join.returned = true;
                Poll::Ready(result)
            }
            None => {
                if !join.joiner.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    let previous = join
                        .joiner
                        .replace(super::waker::clone_under_state(self, waker));
                    drop(st);
                    drop(previous);
                }
                Poll::Pending
            }
        }
    }

    fn drop_handle(&self, task: TaskId) {
        let (result, joiner) = {
            let mut st = self.state.borrow_mut();
            let join = &mut st.joins[task.index()];
            join.handle_dropped = true;
            (join.result.take(), join.joiner.take())
        };
        drop(joiner);
        if let Some(Err(e)) = &result {
            if let Some(message) = e.panic_message() {
                self.report(
                    ViolationKind::UnobservedPanic,
                    Some(task),
                    format!(
                        "task panicked and its handle was dropped without awaiting it: {message}"
                    ),
                );
            }
        }
        drop(result);
    }

    pub(crate) fn is_task_finished(&self, task: TaskId) -> bool {
        let st = self.state.borrow_mut();
        let join = &st.joins[task.index()];
        join.returned || join.result.is_some()
    }
}

/// The simulation side of [`crate::rt::JoinHandle`]: which task of which run.
pub(crate) struct SimJoinHandle<T> {
    pub(crate) run_id: u64,
    pub(crate) task: TaskId,
    /// This handle has returned the task's result: the kernel keeps nothing more for it (the
    /// result is taken, and a finished task has no joiner), so its drop need not tell it.
    returned: bool,
    /// `T`'s type, taken where `T: 'static` is known: the poll checks the output against it
    /// without asking `T: 'static` of every `Future` impl, as tokio's `JoinHandle<T>` does not.
    output_type: TypeId,
    output: PhantomData<fn() -> T>,
}

impl<T> SimJoinHandle<T> {
    pub(crate) fn new(run_id: u64, task: TaskId) -> SimJoinHandle<T>
    where
        T: 'static,
    {
        SimJoinHandle {
            run_id,
            task,
            returned: false,
            output_type: TypeId::of::<T>(),
            output: PhantomData,
        }
    }

    /// Runs `f` on the kernel of the handle's run, if it is the thread's current one.
    fn with_kernel<R>(&self, f: impl FnOnce(&Kernel) -> R) -> Option<R> {
        context::with_current(|kernel| (kernel.run_id == self.run_id).then(|| f(kernel))).flatten()
    }

    /// Whether the task has finished. Outside its run, the run is over and so is the task.
    pub(crate) fn is_finished(&self) -> bool {
        self.with_kernel(|kernel| kernel.is_task_finished(self.task))
            .unwrap_or(true)
    }
}

impl<T> Future for SimJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (task, output_type) = (self.task, self.output_type);
        let polled = self
            .with_kernel(|kernel| kernel.poll_join(task, cx.waker()))
            .unwrap_or_else(|| panic!("JoinHandle of task {task} polled outside its simulation"));
        self.get_mut().returned = polled.is_ready();
        polled.map(|result| {
            result.map(|output| {
                let stored = (*output).type_id();
                assert_eq!(
                    stored, output_type,
                    "task {task}'s output is not its handle's type"
                );
                let raw = Box::into_raw(output).cast::<T>();
                // SAFETY: the box holds a value whose `TypeId` is `T`'s (checked above), so it
                // is a `T`, allocated with `T`'s layout.
                *unsafe { Box::from_raw(raw) }
            })
        })
    }
}

impl<T> Drop for SimJoinHandle<T> {
    fn drop(&mut self) {
        if self.returned {
            return;
        }
        let (run_id, task) = (self.run_id, self.task);
        context::with_current(|kernel| {
            if kernel.run_id == run_id {
                kernel.drop_handle(task);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_membership_takes_the_room_of_its_pair_and_gives_back_what_it_was_given() {
        assert_eq!(
            std::mem::size_of::<Option<Membership>>(),
            std::mem::size_of::<(u64, u32)>()
        );
        for (set, key) in [(0, 0), (7, u64::MAX), (u32::MAX - 1, 1 << 40)] {
            let member = Membership::new(set, key);
            assert_eq!((member.set(), member.key), (set, key));
        }
    }
}
