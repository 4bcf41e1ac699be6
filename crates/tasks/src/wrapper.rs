//! The managed-task wrapper (seed 002's `_safe_task_wrapper` + `_task_done_callback`, seed
//! 003's `_execute_task`): waits for a slot, runs the task, and records how it ended.
//!
//! Invariants:
//! 1. Exactly one outcome is recorded per task: COMPLETED, FAILED (an error or a panic, with
//!    its message, and the error count raised once), or CANCELLED when the future is dropped
//!    before it finished (an abort, at any await, or before its first poll).
//! 2. The done path (the guard's drop) always runs and always removes the task from tracking,
//!    whatever the ending; it runs inside the poll or the abort that ended the task.
//! 3. A panic of the task never escapes the wrapper: it is caught at the poll and recorded,
//!    so the task's handle never yields a panic nobody looks at.

use crate::defect::Defect;
use crate::registry::{RunId, RunStatus};
use crate::state::{Inner, Shared};
use asynclife_sim::rt;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::Semaphore;

/// The task body as the manager spawns it. `guard` is created before the task, so that
/// dropping this future unpolled still runs the done path.
pub(crate) async fn managed<F, E>(mut guard: DoneGuard, permits: Option<Arc<Semaphore>>, future: F)
where
    F: Future<Output = Result<(), E>>,
    E: fmt::Display,
{
    // QUEUED until a slot is free (no gate at all under Defect::WarnOnlyLimit).
    let _permit = match permits {
        Some(permits) => Some(
            permits
                .acquire_owned()
                .await
                .expect("the manager never closes its semaphore"),
        ),
        None => None,
    };
    guard.start();
    let outcome = match (CatchUnwind {
        future: Box::pin(future),
    })
    .await
    {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!("panicked: {panic}")),
    };
    guard.finish(outcome);
}

/// Records the run's outcome, and on drop runs the done path (invariants 1 and 2).
pub(crate) struct DoneGuard {
    inner: Arc<Inner>,
    id: RunId,
    settled: bool,
}

impl DoneGuard {
    pub(crate) fn new(inner: Arc<Inner>, id: RunId) -> DoneGuard {
        DoneGuard {
            inner,
            id,
            settled: false,
        }
    }

    fn start(&self) {
        record(&mut self.inner.lock(), &self.id, RunStatus::Running, None);
    }

    fn finish(&mut self, outcome: Result<(), String>) {
        self.settled = true;
        let mut shared = self.inner.lock();
        match outcome {
            Ok(()) => record(&mut shared, &self.id, RunStatus::Completed, None),
            Err(message) => {
                tracing::error!("background task failed: {} - {message}", self.id);
                shared.error_count += 1;
                record(&mut shared, &self.id, RunStatus::Failed, Some(message));
            }
        }
    }
}

impl Drop for DoneGuard {
    fn drop(&mut self) {
        let mut shared = self.inner.lock();
        if !self.settled {
            if self.inner.variant.has(Defect::CancelNotRecorded) {
                // seed 003 `_execute_task`: `except Exception` does not catch CancelledError;
                // only `finally: self.tasks.pop(run.run_id, None)` runs: the run stays RUNNING.
                tracing::debug!("task {} cancelled; status left as it was", self.id);
            } else {
                record(&mut shared, &self.id, RunStatus::Cancelled, None);
            }
        }
        self.inner.untrack(&mut shared, &self.id);
    }
}

fn record(shared: &mut Shared, id: &RunId, to: RunStatus, error: Option<String>) {
    if let Err(e) = shared.registry.transition(id, to, error, rt::now()) {
        // The registry keeps the refusal; the invariants report it.
        tracing::error!("{e}");
    }
}

/// Polls a future and turns a panic inside it into a value (invariant 3). After a panic the
/// future is never polled again, which is what makes `AssertUnwindSafe` sound here.
struct CatchUnwind<F> {
    future: Pin<Box<F>>,
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.future.as_mut();
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => Poll::Ready(Err(rt::panic_message(payload.as_ref()))),
        }
    }
}
