//! The task of one action: runs its attempts, each in a child task so that a crash or a
//! panic is an outcome and not a lost supervisor; retries transient failures with backoff;
//! bounds the whole by the deadline; and records the outcome (seed 000 phase 2.3, 2.4).

use crate::completion::Outcome;
use crate::defect::Variant;
use crate::error::ActionError;
use crate::options::ActionOptions;
use crate::request::ActionKey;
use crate::state::{ActionTracker, LiveTask};
use asynclife_sim::rt;
use asynclife_sim::Instant;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

/// Runs the action `key` to its end and records how it ended. `guard` keeps the action in
/// the live table for exactly as long as this future exists.
pub(crate) async fn supervise<F, Fut>(
    tracker: ActionTracker,
    key: ActionKey,
    options: ActionOptions,
    deadline: Instant,
    action_fn: F,
    guard: LiveGuard,
) where
    F: Fn(u32) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ActionError>> + Send + 'static,
{
    let task_id = guard.task_id;
    let _guard = guard;
    let attempts = run_attempts(&tracker, &key, task_id, &options, &action_fn);
    let outcome = if tracker.variant().has(Variant::NoTimeout) {
        // seed 000 phase 2.3, before it: no timeout management, so "stuck actions consume
        // resources" - a hung attempt keeps the action running for ever.
        attempts.await
    } else {
        // The deadline covers retries and backoff: a retry never extends it. Dropping the
        // attempts future aborts the running attempt (see `AbortOnDrop`).
        match rt::timeout(deadline - rt::now(), attempts).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::TimedOut(options.timeout),
        }
    };
    tracker.finish(&key, outcome);
}

/// Attempts until one succeeds, one fails for good, or the attempts run out.
async fn run_attempts<F, Fut>(
    tracker: &ActionTracker,
    key: &ActionKey,
    task_id: u64,
    options: &ActionOptions,
    action_fn: &F,
) -> Outcome
where
    F: Fn(u32) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ActionError>> + Send + 'static,
{
    let policy = &options.retry;
    let mut attempt = 1;
    loop {
        if attempt > 1 {
            tracker.begin_attempt(key, attempt);
        }
        let alive = AttemptGuard::enter(tracker);
        let run = action_fn(attempt);
        let child = AbortOnDrop(rt::spawn(
            format!("action {key} attempt {attempt}"),
            async move {
                let _alive = alive;
                run.await
            },
        ));
        tracker.attach_attempt(key, task_id, child.0.abort_handle());
        let error = match child.await {
            Ok(Ok(())) => return Outcome::Completed,
            Ok(Err(error)) => error,
            Err(join_error) => ActionError::from_join(&join_error),
        };
        let retry = if tracker.variant().has(Variant::RetryPermanent) {
            // seed 000 phase 2.4 misapplied: "retry logic for transient failures" retries
            // every failure, a refused permission included.
            attempt < policy.max_attempts
        } else {
            policy.should_retry(error.kind, attempt)
        };
        if !retry {
            return Outcome::Failed(error);
        }
        let delay = policy.backoff(attempt, rt::random_range(0.0..=1.0));
        tracker.record_retry(key, attempt, &error, delay);
        rt::sleep(delay).await;
        attempt += 1;
    }
}

/// A child task's handle that aborts the child when dropped: when the action is cancelled
/// or times out, its running attempt stops with it.
struct AbortOnDrop<T>(rt::JoinHandle<T>);

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, rt::JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Counts an attempt task among those alive from its spawn until its future is dropped
/// (it ended, or was aborted), for `shutdown` to wait on.
struct AttemptGuard(ActionTracker);

impl AttemptGuard {
    fn enter(tracker: &ActionTracker) -> AttemptGuard {
        tracker.shared.attempts_alive.fetch_add(1, Ordering::SeqCst);
        AttemptGuard(tracker.clone())
    }
}

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        if self.0.shared.attempts_alive.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.shared.no_attempt_alive.notify_waiters();
        }
    }
}

/// An action's entry in the live table, removed when the guard is dropped with its task's
/// future (the task ended, or was aborted).
pub(crate) struct LiveGuard {
    tracker: ActionTracker,
    key: ActionKey,
    task_id: u64,
}

impl LiveGuard {
    /// Enters `key` in the live table.
    pub(crate) fn enter(
        tracker: ActionTracker,
        key: ActionKey,
        task_id: u64,
        domain: &str,
    ) -> LiveGuard {
        tracker.shared.live.write().insert(
            key.clone(),
            LiveTask {
                task_id,
                domain: domain.to_string(),
                stopping: false,
            },
        );
        LiveGuard {
            tracker,
            key,
            task_id,
        }
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        let mut live = self.tracker.shared.live.write();
        // On a multi-threaded runtime a cancelled task may drop after a new action of the
        // same name started: leave that one's entry alone.
        if live
            .get(&self.key)
            .is_some_and(|t| t.task_id == self.task_id)
        {
            live.remove(&self.key);
        }
    }
}
