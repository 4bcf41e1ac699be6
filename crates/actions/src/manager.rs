//! The context manager: one conversation context per session, shared by the workflow (which
//! ingests start metadata) and the tracker's completion path (seed 000 #6, phase 1.2), and the
//! sweeper that applies the retention policy to idle sessions (phase 3.3).

use crate::context::{ConversationContext, RetentionPolicy};
use crate::metadata::ActionInfo;
use crate::watched::Watched;
use asynclife_sim::rt;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The conversation contexts of every session. Cheap to clone: clones share the contexts.
#[derive(Clone, Debug)]
pub struct ContextManager {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    retention: RetentionPolicy,
    sessions: Watched<BTreeMap<String, ConversationContext>>,
}

impl ContextManager {
    /// A manager keeping history per `retention`.
    pub fn new(retention: RetentionPolicy) -> ContextManager {
        ContextManager {
            shared: Arc::new(Shared {
                retention,
                sessions: Watched::new(BTreeMap::new()),
            }),
        }
    }

    /// The retention policy.
    pub fn retention(&self) -> &RetentionPolicy {
        &self.shared.retention
    }

    /// Runs `f` on the session's context, creating it if needed.
    pub fn with_context<R>(
        &self,
        session: &str,
        f: impl FnOnce(&mut ConversationContext) -> R,
    ) -> R {
        let mut sessions = self.shared.sessions.write();
        let ctx = sessions
            .entry(session.to_string())
            .or_insert_with(|| ConversationContext::new(session));
        f(ctx)
    }

    /// Runs `f` on every context, by session. For inspection (and the invariants): `f` must
    /// not call back into the manager.
    pub fn with_all<R>(&self, f: impl FnOnce(&BTreeMap<String, ConversationContext>) -> R) -> R {
        f(&self.shared.sessions.read())
    }

    /// How many times the contexts have been written to: unchanged means nothing in them changed.
    pub(crate) fn changes(&self) -> u64 {
        self.shared.sessions.writes()
    }

    /// A copy of one session's context, if it exists.
    pub fn snapshot(&self, session: &str) -> Option<ConversationContext> {
        self.shared.sessions.read().get(session).cloned()
    }

    /// Adds a running action to its session's context.
    pub fn add_active_action(&self, info: ActionInfo) {
        let session = info.session.clone();
        self.with_context(&session, |ctx| ctx.add_active_action(info));
    }

    /// Records a new attempt of an active action.
    pub fn set_attempts(&self, session: &str, action: &str, attempts: u32) {
        self.with_context(session, |ctx| ctx.set_attempts(action, attempts));
    }

    /// Updates an action's status to its terminal one, leaving it active. False if the
    /// session's context does not hold it as active.
    pub fn update_action_status(&self, finished: &ActionInfo) -> bool {
        self.with_context(&finished.session, |ctx| ctx.update_action_status(finished))
    }

    /// Moves a finished action from active to history; an action the context never held
    /// as active (its metadata not ingested yet) goes straight to history, so its outcome
    /// is kept either way.
    pub fn remove_completed_action(&self, finished: &ActionInfo) {
        let retention = &self.shared.retention;
        let now = rt::now();
        self.with_context(&finished.session, |ctx| {
            if ctx
                .remove_completed_action(&finished.action, retention, now)
                .is_none()
            {
                ctx.record_finished(finished.clone(), retention, now);
            }
        });
    }

    /// Records an action that never ran (it failed to start) in its session's history.
    pub fn record_finished(&self, info: ActionInfo) {
        let retention = &self.shared.retention;
        let now = rt::now();
        let session = info.session.clone();
        self.with_context(&session, |ctx| ctx.record_finished(info, retention, now));
    }

    /// Applies the retention policy to every session now; returns how many entries went.
    pub fn prune_all(&self) -> usize {
        let now = rt::now();
        let retention = &self.shared.retention;
        self.shared
            .sessions
            .write()
            .values_mut()
            .map(|ctx| ctx.prune(retention, now))
            .sum()
    }

    /// Spawns the sweeper: prunes every session each `interval`, so that the history of an
    /// idle session ages out too. Abort the handle to stop it.
    pub fn spawn_sweeper(&self, interval: Duration) -> rt::JoinHandle<()> {
        let manager = self.clone();
        rt::spawn("context-sweeper", async move {
            let mut ticks = rt::interval(interval);
            loop {
                ticks.tick().await;
                manager.prune_all();
            }
        })
    }
}
