//! Joining simulated tasks: each task's result is kept in its slot of the kernel's task table
//! until its handle takes it, with who waits for it and whether the handle is gone. A handle is
//! only (run, task): spawning allocates nothing for it, and nothing in it is shared between
//! threads.

use super::context;
use super::join_state::{JoinError, Leftovers, Output, Polled};
use super::kernel::{Kernel, State};
use super::waker;
use crate::check::ViolationKind;
use crate::trace::TaskId;
use std::any::TypeId;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Does what finishing a task left to do, once the state is released: drops a result that
/// came too late, tells the task's join set, and wakes whoever awaits its handle.
fn run_leftovers(kernel: &Kernel, leftovers: Leftovers) {
    drop(leftovers.unused);
    if let Some((set, key)) = leftovers.member_of {
        kernel.join_set_member_finished(set, key);
    }
    if let Some(joiner) = leftovers.joiner {
        waker::wake_from_kernel(kernel, joiner);
    }
}

impl State {
    fn finish(&mut self, task: TaskId, result: Result<Output, JoinError>) -> Leftovers {
        self.joins[task.index()].finish(result)
    }

    /// Makes `task` member `key` of join set `set` (see `join_sets.rs`).
    pub(crate) fn set_member_of(&mut self, task: TaskId, set: u32, key: u64) {
        self.joins[task.index()].set_member_of(set, key);
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
        run_leftovers(self, finished);
    }

    /// Records cancellation as the task's result, unless it has one.
    pub(crate) fn cancel_task(&self, task: TaskId) {
        let finished = self
            .state
            .borrow_mut()
            .finish(task, Err(JoinError::cancelled(task.index() as u64)));
        run_leftovers(self, finished);
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
            (finished, st.joins[task.index()].is_handle_dropped())
        };
        run_leftovers(self, finished);
        handle_dropped
    }

    fn poll_join(&self, task: TaskId, waker: &Waker) -> Poll<Result<Output, JoinError>> {
        let mut st = self.state.borrow_mut();
        let join = &mut st.joins[task.index()];
        match join.poll() {
            Polled::AlreadyReturned => {
                drop(st); // the caller's bug: the panic hook runs with the state released
                panic!("JoinHandle polled after completion (task {task})");
            }
            Polled::Ready(result) => Poll::Ready(result),
            Polled::Pending => {
                if !join.joiner_will_wake(waker) {
                    let previous = join.replace_joiner(waker::clone_under_state(self, waker));
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
            st.joins[task.index()].drop_handle()
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
        self.state.borrow_mut().joins[task.index()].is_finished()
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
