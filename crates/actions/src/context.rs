//! The conversation context of one session: its running actions, and the recent history of
//! finished ones, bounded by a retention policy (seed 000 phase 1.3 and 3.3).

use crate::metadata::{ActionInfo, ActionMetadata, ActionStatus};
use asynclife_sim::{millis, Instant};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// How much history a context keeps: at most `max_count` finished actions, none finished
/// longer than `max_age` ago (once the sweeper has passed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionPolicy {
    /// The most finished actions kept per session.
    pub max_count: usize,
    /// How long a finished action is kept.
    #[serde(with = "millis", rename = "max_age_ms")]
    pub max_age: Duration,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            max_count: 50,
            max_age: Duration::from_secs(3600),
        }
    }
}

/// One session's view of its actions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationContext {
    session: String,
    active_actions: BTreeMap<String, ActionInfo>,
    /// Finished actions, oldest first: appended as they finish, so in finish order.
    recent_actions: VecDeque<ActionInfo>,
}

impl ConversationContext {
    /// An empty context for `session`.
    pub fn new(session: impl Into<String>) -> ConversationContext {
        ConversationContext {
            session: session.into(),
            ..ConversationContext::default()
        }
    }

    /// The session.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// The actions the context believes are active, by name.
    pub fn active_actions(&self) -> &BTreeMap<String, ActionInfo> {
        &self.active_actions
    }

    /// The finished actions kept, oldest first.
    pub fn recent_actions(&self) -> &VecDeque<ActionInfo> {
        &self.recent_actions
    }

    /// The active actions as metadata, in the unified schema.
    pub fn metadata(&self) -> ActionMetadata {
        ActionMetadata {
            active_actions: self.active_actions.clone(),
            recent_actions: Vec::new(),
        }
    }

    /// Adds (or replaces) an active action.
    pub fn add_active_action(&mut self, info: ActionInfo) {
        self.active_actions.insert(info.action.clone(), info);
    }

    /// Records that an active action began another attempt. False if it is not active.
    pub fn set_attempts(&mut self, action: &str, attempts: u32) -> bool {
        match self.active_actions.get_mut(action) {
            Some(info) => {
                info.attempts = attempts;
                true
            }
            None => false,
        }
    }

    /// Copies a finished action's status, error, attempts and finish time onto its active
    /// entry, which stays active. False if it is not active.
    pub fn update_action_status(&mut self, finished: &ActionInfo) -> bool {
        match self.active_actions.get_mut(&finished.action) {
            Some(info) => {
                info.status = finished.status;
                info.error_kind = finished.error_kind;
                info.error_message.clone_from(&finished.error_message);
                info.attempts = finished.attempts;
                info.finished_at = finished.finished_at;
                true
            }
            None => false,
        }
    }

    /// Moves an action that reached a terminal status from active to history, then applies
    /// the retention policy. `None` if it is not active or still running.
    pub fn remove_completed_action(
        &mut self,
        action: &str,
        retention: &RetentionPolicy,
        now: Instant,
    ) -> Option<ActionInfo> {
        if self.active_actions.get(action)?.status == ActionStatus::Running {
            return None;
        }
        let info = self.active_actions.remove(action)?;
        self.record_finished(info.clone(), retention, now);
        Some(info)
    }

    /// Appends a finished action to history, then applies the retention policy.
    pub fn record_finished(&mut self, info: ActionInfo, retention: &RetentionPolicy, now: Instant) {
        debug_assert!(info.status.is_terminal(), "history holds finished actions");
        self.recent_actions.push_back(info);
        self.prune(retention, now);
    }

    /// Drops history beyond the count and older than the age; returns how many went.
    pub fn prune(&mut self, retention: &RetentionPolicy, now: Instant) -> usize {
        let before = self.recent_actions.len();
        while self.recent_actions.len() > retention.max_count {
            self.recent_actions.pop_front();
        }
        // Oldest first, so the expired ones are a prefix.
        while self
            .recent_actions
            .front()
            .is_some_and(|oldest| is_expired(oldest, retention, now))
        {
            self.recent_actions.pop_front();
        }
        before - self.recent_actions.len()
    }
}

/// Whether a finished action is older than the policy keeps.
pub fn is_expired(info: &ActionInfo, retention: &RetentionPolicy, now: Instant) -> bool {
    let finished = info.finished_at.unwrap_or(info.started_at);
    now - finished > retention.max_age
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(action: &str, status: ActionStatus, at_ms: u64) -> ActionInfo {
        ActionInfo {
            handler: "AudioPlaybackHandler".into(),
            action: action.into(),
            domain: "audio".into(),
            session: "s".into(),
            started_at: Instant::from_millis(at_ms),
            task_id: Some(1),
            status,
            attempts: 1,
            error_kind: None,
            error_message: None,
            finished_at: status.is_terminal().then_some(Instant::from_millis(at_ms)),
        }
    }

    #[test]
    fn a_finished_action_moves_from_active_to_history() {
        let retention = RetentionPolicy::default();
        let mut ctx = ConversationContext::new("s");
        ctx.add_active_action(info("a", ActionStatus::Running, 0));
        assert!(ctx
            .remove_completed_action("a", &retention, Instant::ZERO)
            .is_none());
        assert!(ctx.update_action_status(&info("a", ActionStatus::Completed, 5)));
        assert!(ctx
            .remove_completed_action("a", &retention, Instant::from_millis(5))
            .is_some());
        assert!(ctx.active_actions().is_empty());
        assert_eq!(ctx.recent_actions()[0].status, ActionStatus::Completed);
    }

    proptest::proptest! {
        #[test]
        fn history_never_exceeds_its_policy(
            max_count in 1usize..6,
            max_age_ms in 1u64..1_000,
            gaps_ms in proptest::collection::vec(0u64..300, 0..40),
        ) {
            let retention = RetentionPolicy {
                max_count,
                max_age: Duration::from_millis(max_age_ms),
            };
            let mut ctx = ConversationContext::new("s");
            let mut now_ms = 0;
            for (i, gap) in gaps_ms.into_iter().enumerate() {
                now_ms += gap;
                let now = Instant::from_millis(now_ms);
                let done = info(&format!("a{i}"), ActionStatus::Completed, now_ms);
                ctx.record_finished(done, &retention, now);
                proptest::prop_assert!(ctx.recent_actions().len() <= max_count);
                let oldest = ctx.recent_actions().front().expect("the newest is kept");
                proptest::prop_assert!(!is_expired(oldest, &retention, now));
            }
        }
    }

    #[test]
    fn history_is_bounded_by_count_and_age() {
        let retention = RetentionPolicy {
            max_count: 2,
            max_age: Duration::from_millis(100),
        };
        let mut ctx = ConversationContext::new("s");
        for (i, at) in [0u64, 50, 60].into_iter().enumerate() {
            let done = info(&format!("a{i}"), ActionStatus::Failed, at);
            ctx.record_finished(done, &retention, Instant::from_millis(at));
        }
        assert_eq!(ctx.recent_actions().len(), 2);
        assert_eq!(ctx.prune(&retention, Instant::from_millis(155)), 1);
        assert_eq!(ctx.recent_actions()[0].action, "a2");
    }
}
