//! Spawning tasks and joining them, in the simulation or on tokio.

use crate::runtime::context;
use crate::runtime::join::SimJoinHandle;
use crate::runtime::kernel::TaskFuture;
use crate::runtime::panic;
pub use crate::runtime::JoinError;
use crate::trace::TaskId;
use pin_project_lite::pin_project;
use std::borrow::Cow;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Spawns a named task and returns its handle.
///
/// Inside a simulation the task gets the next deterministic id, and its name and the caller's
/// location go into the trace. On tokio it is `tokio::spawn` (the name is kept for tracing).
/// The future must be `Send`, as tokio requires, so that the same code runs on both.
#[track_caller]
pub fn spawn<F>(name: impl Into<Cow<'static, str>>, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = Location::caller();
    if !context::in_simulation() {
        return JoinHandle {
            inner: Inner::Tokio(tokio::spawn(future)),
        };
    }
    let wrapped = TaskFuture::new(Completing { future });
    let (run_id, task) = context::with_current(|kernel| {
        (
            kernel.run_id(),
            kernel.spawn(name.into(), location, wrapped),
        )
    })
    .expect("still inside the simulation");
    JoinHandle {
        inner: Inner::Sim(SimJoinHandle::new(run_id, task)),
    }
}

pin_project! {
    /// A spawned future that files its output as its task's result when it is ready (the
    /// engine then marks the task done and never polls it again).
    struct Completing<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Completing<F>
where
    F::Output: Send + 'static,
{
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let output = std::task::ready!(self.project().future.poll(cx));
        context::with_current(|kernel| kernel.complete_current(Box::new(output)));
        Poll::Ready(())
    }
}

/// An owned permission to join a task (await it) or abort it.
///
/// Awaiting gives `Err(JoinError)` if the task panicked or was aborted. Dropping the handle
/// detaches the task; if it panics, nobody will know, and the simulation reports an
/// `unobserved-panic`.
pub struct JoinHandle<T> {
    inner: Inner<T>,
}

enum Inner<T> {
    Sim(SimJoinHandle<T>),
    Tokio(tokio::task::JoinHandle<T>),
}

impl<T> JoinHandle<T> {
    /// Aborts the task. In a simulation its future is dropped at the task's next turn (at
    /// once, from its own poll); awaiting the handle then gives a cancelled `JoinError`. No
    /// effect on a finished task.
    pub fn abort(&self) {
        match &self.inner {
            Inner::Sim(h) => abort_sim(h.run_id, h.task),
            Inner::Tokio(h) => h.abort(),
        }
    }

    /// A handle that can abort the task, and may be cloned and sent anywhere, without the
    /// right to join it (tokio's `JoinHandle::abort_handle`).
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            inner: match &self.inner {
                Inner::Sim(h) => AbortInner::Sim {
                    run_id: h.run_id,
                    task: h.task,
                },
                Inner::Tokio(h) => AbortInner::Tokio(h.abort_handle()),
            },
        }
    }

    /// The handle of a task tokio spawned (`spawn_blocking` outside a simulation).
    pub(crate) fn from_tokio(handle: tokio::task::JoinHandle<T>) -> JoinHandle<T> {
        JoinHandle {
            inner: Inner::Tokio(handle),
        }
    }

    /// Whether the task has finished (completed, panicked or aborted).
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Inner::Sim(h) => h.is_finished(),
            Inner::Tokio(h) => h.is_finished(),
        }
    }

    /// The task's id in the simulation; `None` on tokio.
    pub fn sim_id(&self) -> Option<TaskId> {
        match &self.inner {
            Inner::Sim(h) => Some(h.task),
            Inner::Tokio(_) => None,
        }
    }
}

/// Aborts a simulated task, if its run is the thread's current one.
fn abort_sim(run_id: u64, task: TaskId) {
    context::with_current(|kernel| {
        if kernel.run_id() == run_id {
            kernel.abort(task);
        }
    });
}

/// The right to abort a task, without the right to join it: cloneable, and dropping it does
/// nothing to the task.
#[derive(Clone, Debug)]
pub struct AbortHandle {
    inner: AbortInner,
}

#[derive(Clone, Debug)]
enum AbortInner {
    Sim { run_id: u64, task: TaskId },
    Tokio(tokio::task::AbortHandle),
}

impl AbortHandle {
    /// Aborts the task, as [`JoinHandle::abort`] does.
    pub fn abort(&self) {
        match &self.inner {
            AbortInner::Sim { run_id, task } => abort_sim(*run_id, *task),
            AbortInner::Tokio(h) => h.abort(),
        }
    }

    /// Whether the task has finished (completed, panicked or aborted). Outside its run, the
    /// run is over and so is the task.
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            AbortInner::Sim { run_id, task } => context::with_current(|kernel| {
                (kernel.run_id() == *run_id).then(|| kernel.is_task_finished(*task))
            })
            .flatten()
            .unwrap_or(true),
            AbortInner::Tokio(h) => h.is_finished(),
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Both variants are Unpin: the handle holds no self-references.
        match &mut self.get_mut().inner {
            Inner::Sim(h) => Pin::new(h).poll(cx),
            Inner::Tokio(h) => Pin::new(h).poll(cx).map_err(|e| {
                // tokio's task ids print as numbers.
                let id = e.id().to_string().parse().unwrap_or(0);
                if e.is_panic() {
                    let payload = e.into_panic();
                    let string_payload = payload.is::<&str>() || payload.is::<String>();
                    let message = panic::panic_message(payload.as_ref());
                    JoinError::panic(id, message, string_payload)
                } else {
                    JoinError::cancelled(id)
                }
            }),
        }
    }
}

/// Yields to the scheduler once: the task goes back to the runnable set.
pub async fn yield_now() {
    if context::in_simulation() {
        YieldNow { yielded: false }.await
    } else {
        tokio::task::yield_now().await
    }
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
