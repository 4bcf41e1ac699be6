//! The action tracker: starts fire-and-forget actions, returns their metadata in the unified
//! schema, and offers cancellation, metrics, notifications and shutdown (seed 000
//! `execute_fire_and_forget_action` and its phase 2 and 3 additions).

use crate::context::ConversationContext;
use crate::defect::Variant;
use crate::error::{ActionError, ErrorKind};
use crate::lock::lock;
use crate::manager::ContextManager;
use crate::metadata::{ActionInfo, ActionMetadata, ActionStatus};
use crate::metrics::{Metrics, Notification};
use crate::state::{Running, Shared, State};
use crate::supervisor::{supervise, LiveGuard};
use crate::watched::Watched;
use asynclife_sim::rt::{self, fault};
use asynclife_sim::Instant;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};

pub use crate::event::{ActionEvent, Observer};
pub use crate::request::{ActionKey, ActionRequest};
pub use crate::state::{ActionTracker, LiveTask};

/// The fault point every start passes: an error there refuses the start.
pub const START_POINT: &str = "actions.start";

impl ActionTracker {
    /// The reference tracker, recording into `contexts`.
    pub fn new(contexts: ContextManager) -> ActionTracker {
        ActionTracker::build(contexts, Variant::Fixed, None)
    }

    /// A tracker running `variant`'s code, telling `observer` what happens.
    pub fn build(
        contexts: ContextManager,
        variant: Variant,
        observer: Option<Observer>,
    ) -> ActionTracker {
        let (tx, rx) = mpsc::unbounded_channel();
        let state = State {
            running: BTreeMap::new(),
            metrics: Metrics::new(),
            notify: Some(tx),
            stopping: Vec::new(),
            next_task_id: 1,
            closed: false,
        };
        ActionTracker {
            shared: Arc::new(Shared {
                variant,
                contexts,
                observer,
                state: Watched::new(state),
                live: Watched::new(BTreeMap::new()),
                attempts_alive: AtomicUsize::new(0),
                no_attempt_alive: Notify::new(),
                notifications: Mutex::new(Some(rx)),
            }),
        }
    }

    /// The variant this tracker runs.
    pub fn variant(&self) -> Variant {
        self.shared.variant
    }

    /// The context manager it records into.
    pub fn contexts(&self) -> &ContextManager {
        &self.shared.contexts
    }

    /// The receiver of critical-failure notifications; `None` after the first call. It
    /// ends after [`ActionTracker::shutdown`].
    pub fn take_notifications(&self) -> Option<mpsc::UnboundedReceiver<Notification>> {
        lock(&self.shared.notifications).take()
    }

    /// Metrics per domain.
    pub fn metrics(&self) -> Metrics {
        self.shared.state.read().metrics.clone()
    }

    /// Runs `f` on the metrics per domain, without copying them. `f` must not call back into
    /// the tracker's state (reading the live table is fine).
    pub(crate) fn with_metrics<R>(&self, f: impl FnOnce(&Metrics) -> R) -> R {
        f(&self.shared.state.read().metrics)
    }

    /// The running actions' info, by key.
    pub fn running(&self) -> Vec<ActionInfo> {
        let st = self.shared.state.read();
        st.running.values().map(|r| r.info.clone()).collect()
    }

    /// The task id of the running action `key`, if it is running.
    pub fn running_task(&self, key: &ActionKey) -> Option<u64> {
        let st = self.shared.state.read();
        st.running.get(key).and_then(|r| r.info.task_id)
    }

    /// How many actions are running.
    pub fn running_count(&self) -> usize {
        self.shared.state.read().running.len()
    }

    /// How many times the tracker's state, live table and contexts have been written to:
    /// unchanged means none of them changed (take it before reading them).
    pub(crate) fn changes(&self) -> u64 {
        self.shared.state.writes() + self.shared.live.writes() + self.shared.contexts.changes()
    }

    /// Runs `f` on the table of live action tasks: one entry per task whose future has not
    /// been dropped yet (it ran to its end, or was aborted), whatever the tracker recorded.
    pub fn with_live<R>(&self, f: impl FnOnce(&BTreeMap<ActionKey, LiveTask>) -> R) -> R {
        f(&self.shared.live.read())
    }

    /// Starts an action: passes the [`START_POINT`] fault point, spawns a task that runs
    /// `action_fn(attempt)` (attempts from 1) with retries and the deadline, and returns the
    /// action's metadata: `running`, or `failed` if the start was refused (an injected
    /// error, a name already running in the session, a bad retry policy, a closed tracker).
    pub async fn start<F, Fut>(&self, request: ActionRequest, action_fn: F) -> ActionMetadata
    where
        F: Fn(u32) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ActionError>> + Send + 'static,
    {
        if let Err(injected) = fault::point(START_POINT).await {
            return self.refuse(request, ActionError::from(injected));
        }
        if let Err(error) = self.admit(&request) {
            return self.refuse(request, error);
        }
        let key = request.key();
        let now = rt::now();
        let deadline = now + request.options.timeout;
        let info = {
            let mut st = self.shared.state.write();
            let task_id = st.next_task_id;
            st.next_task_id += 1;
            let info = running_info(&request, now, task_id);
            st.metrics
                .entry(request.domain.clone())
                .or_default()
                .started += 1;
            st.running.insert(
                key.clone(),
                Running {
                    info: info.clone(),
                    options: request.options.clone(),
                    handle: None,
                    attempt: None,
                },
            );
            info
        };
        let task_id = info.task_id.expect("a running action has a task");
        let guard = LiveGuard::enter(self.clone(), key.clone(), task_id, &request.domain);
        let task = supervise(
            self.clone(),
            key.clone(),
            request.options,
            deadline,
            action_fn,
            guard,
        );
        let handle = rt::spawn(format!("action {key}"), task);
        self.attach(&key, handle);
        self.emit(&ActionEvent::Started(info.clone()));
        ActionMetadata::single(info)
    }

    /// Keeps the task's handle for cancellation. On a multi-threaded runtime the task may
    /// already have finished, or been cancelled, before its handle is stored: then aborting
    /// it is right (a no-op for a finished task).
    fn attach(&self, key: &ActionKey, handle: rt::JoinHandle<()>) {
        let mut st = self.shared.state.write();
        match st.running.get_mut(key) {
            Some(running) => running.handle = Some(handle),
            None => handle.abort(),
        }
    }

    /// Why a request cannot start, if it cannot.
    fn admit(&self, request: &ActionRequest) -> Result<(), ActionError> {
        let other = |m: String| Err(ActionError::new(ErrorKind::Other, m));
        if let Err(e) = request.options.retry.validate() {
            return other(format!("invalid retry policy: {e}"));
        }
        let st = self.shared.state.read();
        if st.closed {
            return other("the tracker is shut down".into());
        }
        if st.running.contains_key(&request.key()) {
            return other(format!("action {} is already running", request.key()));
        }
        Ok(())
    }

    /// Cancels a running action: records `cancelled`, then aborts its task. False if it is
    /// not running (finished already, or never started).
    pub fn cancel(&self, session: &str, action: &str) -> bool {
        let key = ActionKey::new(session, action);
        let removed = self.shared.state.write().running.remove(&key);
        match removed {
            Some(running) => {
                let handle = self.record_cancel(running, "cancelled");
                self.keep_stopping(handle);
                true
            }
            None => false,
        }
    }

    /// Cancels every running action of `domain`, in every session; returns how many.
    pub fn cancel_domain(&self, domain: &str) -> usize {
        let removed: Vec<Running> = {
            let mut st = self.shared.state.write();
            let keys: Vec<ActionKey> = st
                .running
                .iter()
                .filter(|(_, r)| r.info.domain == domain)
                .map(|(k, _)| k.clone())
                .collect();
            keys.iter().filter_map(|k| st.running.remove(k)).collect()
        };
        let count = removed.len();
        for running in removed {
            let handle = self.record_cancel(running, "domain cancelled");
            self.keep_stopping(handle);
        }
        count
    }

    /// Keeps an aborted task's handle until the task has stopped.
    fn keep_stopping(&self, handle: Option<rt::JoinHandle<()>>) {
        let mut st = self.shared.state.write();
        st.stopping.retain(|h| !h.is_finished());
        st.stopping.extend(handle);
    }

    /// Refuses new starts, cancels every running action, ends the notifications, and waits
    /// until every action task and every attempt task has stopped.
    pub async fn shutdown(&self) {
        let (removed, stopping): (Vec<Running>, Vec<_>) = {
            let mut st = self.shared.state.write();
            st.closed = true;
            let removed = std::mem::take(&mut st.running).into_values().collect();
            (removed, std::mem::take(&mut st.stopping))
        };
        let mut handles: Vec<_> = removed
            .into_iter()
            .filter_map(|running| self.record_cancel(running, "shutdown"))
            .collect();
        handles.extend(stopping);
        self.shared.state.write().notify = None;
        for handle in handles {
            // Aborted: the result is a cancellation, nothing to look at.
            let _ = handle.await;
        }
        // Each action task aborted its attempt as it was dropped; the attempt's own future
        // goes at the attempt's next turn.
        loop {
            let dropped = self.shared.no_attempt_alive.notified();
            if self.shared.attempts_alive.load(Ordering::SeqCst) == 0 {
                break;
            }
            dropped.await;
        }
    }

    /// The contexts of every session, for inspection.
    pub fn with_contexts<R>(
        &self,
        f: impl FnOnce(&BTreeMap<String, ConversationContext>) -> R,
    ) -> R {
        self.shared.contexts.with_all(f)
    }

    pub(crate) fn emit(&self, event: &ActionEvent) {
        if let Some(observer) = &self.shared.observer {
            observer(event);
        }
    }
}

fn running_info(request: &ActionRequest, now: Instant, task_id: u64) -> ActionInfo {
    ActionInfo {
        handler: request.handler.clone(),
        action: request.action.clone(),
        domain: request.domain.clone(),
        session: request.session.clone(),
        started_at: now,
        task_id: Some(task_id),
        status: ActionStatus::Running,
        attempts: 1,
        error_kind: None,
        error_message: None,
        finished_at: None,
    }
}
