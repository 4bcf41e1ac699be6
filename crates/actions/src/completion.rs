//! The completion path: how an action's terminal status is recorded, exactly once, in the
//! tracker's metrics, the session's conversation context, the log, the notifications and
//! the observer (seed 000 #2, #3, #5 and phase 1.2-1.4, 2.2).

use crate::defect::Variant;
use crate::error::{ActionError, ErrorKind};
use crate::event::ActionEvent;
use crate::metadata::{ActionInfo, ActionMetadata, ActionStatus};
use crate::metrics::Notification;
use crate::options::ActionOptions;
use crate::request::{ActionKey, ActionRequest};
use crate::state::{ActionTracker, Running, State};
use asynclife_sim::{rt, Instant};
use std::collections::BTreeMap;
use std::time::Duration;

/// How an action's task ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An attempt succeeded.
    Completed,
    /// An attempt failed and was not retried.
    Failed(ActionError),
    /// The deadline, this long after the start, passed first.
    TimedOut(Duration),
}

impl ActionTracker {
    /// Records a refused start as a failed action and returns its metadata. The workflow
    /// records it in the context when it ingests the metadata.
    pub(crate) fn refuse(&self, request: ActionRequest, error: ActionError) -> ActionMetadata {
        let now = rt::now();
        let info = ActionInfo {
            handler: request.handler,
            action: request.action,
            domain: request.domain,
            session: request.session,
            started_at: now,
            task_id: None,
            status: ActionStatus::Failed,
            attempts: 0,
            error_kind: Some(error.kind),
            error_message: Some(error.message.clone()),
            finished_at: Some(now),
        };
        tracing::error!(
            session = %info.session, action = %info.action, domain = %info.domain,
            kind = %error.kind, "action failed to start: {}", error.message
        );
        {
            let mut st = self.shared.state.write();
            let metrics = st.metrics.entry(info.domain.clone()).or_default();
            metrics.started += 1;
            metrics.failed += 1;
            notify_if_critical(&mut st, &info, &request.options);
        }
        self.emit(&ActionEvent::Finished(info.clone()));
        if self.variant().has(Variant::InconsistentErrorShape) {
            // seed 000 #4 (base.py:392-404): the error path builds its own shape, a
            // 'recent_actions' list whose error is a bare string without its kind.
            return ActionMetadata {
                active_actions: BTreeMap::new(),
                recent_actions: vec![ActionInfo {
                    error_kind: None,
                    ..info
                }],
            };
        }
        ActionMetadata::single(info)
    }

    /// Records the end of an action's task. A no-op if the action was cancelled first: its
    /// terminal status is already recorded.
    pub(crate) fn finish(&self, key: &ActionKey, outcome: Outcome) {
        let now = rt::now();
        let (status, error) = match outcome {
            Outcome::Completed => (ActionStatus::Completed, None),
            Outcome::Failed(error) => (ActionStatus::Failed, Some(error)),
            Outcome::TimedOut(after) => (
                ActionStatus::TimedOut,
                Some(ActionError::new(
                    ErrorKind::Timeout,
                    format!("no result within {} ms", after.as_millis()),
                )),
            ),
        };
        let (status, error) = match (status, error) {
            (ActionStatus::Failed, Some(e)) if self.variant().has(Variant::SwallowedFailure) => {
                // seed 000 #5: "Action failures logged at ERROR level" and nothing else; the
                // action's task ends normally and is recorded as completed.
                tracing::error!(action = %key, kind = %e.kind, "action failed: {}", e.message);
                (ActionStatus::Completed, None)
            }
            other => other,
        };
        let info = {
            let mut st = self.shared.state.write();
            let Some(running) = st.running.remove(key) else {
                return;
            };
            let info = terminal_info(running.info, status, error.as_ref(), now);
            let metrics = st.metrics.entry(info.domain.clone()).or_default();
            metrics.count_terminal(status);
            notify_if_critical(&mut st, &info, &running.options);
            info
        };
        log_outcome(&info);
        self.update_context(&info);
        self.emit(&ActionEvent::Finished(info));
    }

    /// Records a cancellation of an action already taken out of the running table, then
    /// aborts its task; returns the aborted task's handle.
    pub(crate) fn record_cancel(
        &self,
        running: Running,
        reason: &str,
    ) -> Option<rt::JoinHandle<()>> {
        let info = terminal_info(running.info, ActionStatus::Cancelled, None, rt::now());
        self.shared
            .state
            .write()
            .metrics
            .entry(info.domain.clone())
            .or_default()
            .count_terminal(ActionStatus::Cancelled);
        tracing::info!(
            session = %info.session, action = %info.action, domain = %info.domain,
            "action cancelled: {reason}"
        );
        let key = ActionKey::new(&info.session, &info.action);
        let task_id = info.task_id;
        self.update_context(&info);
        self.emit(&ActionEvent::Finished(info));
        if let Some(attempt) = running.attempt {
            attempt.abort();
        }
        let handle = running.handle?;
        if let Some(task) = self.shared.live.write().get_mut(&key) {
            if Some(task.task_id) == task_id {
                task.stopping = true;
            }
        }
        handle.abort();
        Some(handle)
    }

    /// Keeps the abort handle of the attempt just spawned by the action task `task_id`, so
    /// that a cancel stops it even before its first poll. An attempt of an action that is no
    /// longer running (cancelled while its task was being polled, on another thread) is
    /// aborted at once.
    pub(crate) fn attach_attempt(&self, key: &ActionKey, task_id: u64, attempt: rt::AbortHandle) {
        let mut st = self.shared.state.write();
        match st.running.get_mut(key) {
            Some(running) if running.info.task_id == Some(task_id) => {
                running.attempt = Some(attempt);
            }
            _ => attempt.abort(),
        }
    }

    /// Records that an action begins attempt `attempt` (from 2).
    pub(crate) fn begin_attempt(&self, key: &ActionKey, attempt: u32) {
        if let Some(running) = self.shared.state.write().running.get_mut(key) {
            running.info.attempts = attempt;
        }
        self.shared
            .contexts
            .set_attempts(&key.session, &key.action, attempt);
    }

    /// Records that attempt `attempt` failed and will be retried after `delay`.
    pub(crate) fn record_retry(
        &self,
        key: &ActionKey,
        attempt: u32,
        error: &ActionError,
        delay: Duration,
    ) {
        let mut st = self.shared.state.write();
        if let Some(domain) = st.running.get(key).map(|r| r.info.domain.clone()) {
            st.metrics.entry(domain).or_default().retries += 1;
        }
        tracing::warn!(
            action = %key, kind = %error.kind,
            "action attempt {attempt} failed, retrying in {} ms: {}",
            delay.as_millis(), error.message
        );
    }

    /// Brings the session's context up to date with a terminal status: updates the status,
    /// then moves the action from active to history.
    fn update_context(&self, finished: &ActionInfo) {
        if self.variant().has(Variant::NoCompletionUpdate) {
            // seed 000 #2 (base.py:425-426): "Completion is logged but not tracked in
            // conversation context" - the TODO left the context alone.
            tracing::info!(action = %finished.action, "action finished: {}", finished.status);
            return;
        }
        let contexts = &self.shared.contexts;
        contexts.update_action_status(finished);
        if self.variant().has(Variant::NoCleanup) {
            // seed 000 #3: "Action completes -> logged but not removed from context": the
            // status is updated, the entry stays in active_actions for ever.
            return;
        }
        contexts.remove_completed_action(finished);
    }
}

/// `running` with its terminal status, error and finish time.
fn terminal_info(
    running: ActionInfo,
    status: ActionStatus,
    error: Option<&ActionError>,
    now: Instant,
) -> ActionInfo {
    ActionInfo {
        status,
        error_kind: error.map(|e| e.kind),
        error_message: error.map(|e| e.message.clone()),
        finished_at: Some(now),
        ..running
    }
}

/// Raises a notification for a failed action that is critical by its options or its kind.
fn notify_if_critical(st: &mut State, info: &ActionInfo, options: &ActionOptions) {
    let Some(kind) = info.error_kind else {
        return;
    };
    if info.status != ActionStatus::Failed || !(options.critical || kind.is_critical()) {
        return;
    }
    tracing::error!(
        session = %info.session, action = %info.action, domain = %info.domain,
        "critical action failure: {kind}"
    );
    let notification = Notification {
        session: info.session.clone(),
        action: info.action.clone(),
        domain: info.domain.clone(),
        kind,
        message: info.error_message.clone().unwrap_or_default(),
        at: info.finished_at.unwrap_or(info.started_at),
    };
    if let Some(tx) = &st.notify {
        // A receiver that is gone wants no more notifications.
        let _ = tx.send(notification);
    }
}

/// Logs a terminal status at its level: failures at ERROR, as the seed does, and surfaced.
fn log_outcome(info: &ActionInfo) {
    let message = info.error_message.as_deref().unwrap_or("");
    match info.status {
        ActionStatus::Failed => tracing::error!(
            session = %info.session, action = %info.action, domain = %info.domain,
            kind = ?info.error_kind, attempts = info.attempts, "action failed: {message}"
        ),
        ActionStatus::TimedOut => tracing::warn!(
            session = %info.session, action = %info.action, domain = %info.domain,
            "action timed out: {message}"
        ),
        _ => tracing::debug!(
            session = %info.session, action = %info.action, domain = %info.domain,
            "action {}", info.status
        ),
    }
}
