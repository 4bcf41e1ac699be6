//! Action metadata: the one schema every outcome of `ActionTracker::start` returns, and its
//! validation (seed 000 phase 2.1, "unified action metadata schema").

use crate::error::ErrorKind;
use asynclife_sim::Instant;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The key under which metadata carries its actions: the plural, as creation writes it
/// (seed 000 #1: the workflow used to read `active_action`).
pub const ACTIVE_ACTIONS: &str = "active_actions";

/// Where an action is in its life. `Running` is the only non-terminal status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Its task is alive (working, or waiting out a retry's backoff).
    Running,
    /// It succeeded.
    Completed,
    /// It failed for good: a permanent error, or transient ones until the attempts ran out.
    Failed,
    /// `cancel`, `cancel_domain` or shutdown stopped it.
    Cancelled,
    /// Its deadline passed first and its task was cancelled.
    TimedOut,
}

impl ActionStatus {
    /// Every status but `Running`.
    pub fn is_terminal(self) -> bool {
        self != ActionStatus::Running
    }

    /// The status's name, as metadata spells it.
    pub fn name(self) -> &'static str {
        match self {
            ActionStatus::Running => "running",
            ActionStatus::Completed => "completed",
            ActionStatus::Failed => "failed",
            ActionStatus::Cancelled => "cancelled",
            ActionStatus::TimedOut => "timed_out",
        }
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One action, as the tracker reports it and the conversation context keeps it.
///
/// The fields mirror the seed's dictionary; `error_kind` and `error_message` are options
/// because the legacy failure shape had a message and no kind, and [`ActionMetadata::validate`]
/// must be able to say so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionInfo {
    /// The handler that started it (`VoiceSynthesisHandler`).
    pub handler: String,
    /// The action's name, unique within its session (`synthesis-3-1`).
    pub action: String,
    /// Its domain (`voice_synthesis`, `audio`, `timer`).
    pub domain: String,
    /// The conversation session it belongs to.
    pub session: String,
    /// When it was started.
    pub started_at: Instant,
    /// The tracker's id of its task; `None` only for an action that failed to start.
    pub task_id: Option<u64>,
    /// Where it is in its life.
    pub status: ActionStatus,
    /// Attempts begun so far (0 for an action that failed to start).
    pub attempts: u32,
    /// The failure's class, for `failed` and `timed_out`.
    pub error_kind: Option<ErrorKind>,
    /// The failure's message, for `failed` and `timed_out`.
    pub error_message: Option<String>,
    /// When it reached its terminal status.
    pub finished_at: Option<Instant>,
}

/// What `ActionTracker::start` returns, for every outcome: the started (or refused) action
/// under [`ACTIVE_ACTIONS`], keyed by its name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionMetadata {
    /// The unified section: action name to its info.
    pub active_actions: BTreeMap<String, ActionInfo>,
    /// The legacy failure section (seed 000 #4); the unified schema leaves it empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_actions: Vec<ActionInfo>,
}

/// Why metadata does not fit the unified schema: the action concerned (empty for the
/// metadata as a whole) and the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataError {
    /// The action concerned, or empty.
    pub action: String,
    /// The rule broken, with the values involved.
    pub rule: String,
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.action.is_empty() {
            f.write_str(&self.rule)
        } else {
            write!(f, "action '{}': {}", self.action, self.rule)
        }
    }
}

impl std::error::Error for MetadataError {}

impl ActionMetadata {
    /// Metadata holding one action.
    pub fn single(info: ActionInfo) -> ActionMetadata {
        let mut active_actions = BTreeMap::new();
        active_actions.insert(info.action.clone(), info);
        ActionMetadata {
            active_actions,
            recent_actions: Vec::new(),
        }
    }

    /// The section stored under `key`, as a lookup in the seed's dictionary: only
    /// [`ACTIVE_ACTIONS`] exists, and only when it holds something.
    pub fn section(&self, key: &str) -> Option<&BTreeMap<String, ActionInfo>> {
        (key == ACTIVE_ACTIONS && !self.active_actions.is_empty()).then_some(&self.active_actions)
    }

    /// Checks the unified schema: one non-empty `active_actions` section, no legacy section,
    /// and every entry consistent with its status.
    pub fn validate(&self) -> Result<(), MetadataError> {
        let whole = |rule: &str| MetadataError {
            action: String::new(),
            rule: rule.to_string(),
        };
        if !self.recent_actions.is_empty() {
            return Err(whole(&format!(
                "legacy 'recent_actions' section with {} entries",
                self.recent_actions.len()
            )));
        }
        if self.active_actions.is_empty() {
            return Err(whole("no 'active_actions' section"));
        }
        for (name, info) in &self.active_actions {
            validate_info(name, info).map_err(|rule| MetadataError {
                action: name.clone(),
                rule,
            })?;
        }
        Ok(())
    }
}

/// The rules of one entry, keyed by `name`.
pub fn validate_info(name: &str, info: &ActionInfo) -> Result<(), String> {
    if name != info.action {
        return Err(format!(
            "keyed as '{name}' but names itself '{}'",
            info.action
        ));
    }
    for (field, value) in [
        ("handler", &info.handler),
        ("action", &info.action),
        ("domain", &info.domain),
        ("session", &info.session),
    ] {
        if value.is_empty() {
            return Err(format!("empty {field}"));
        }
    }
    let has_error = info.error_kind.is_some() || info.error_message.is_some();
    match info.status {
        ActionStatus::Running => {
            if info.task_id.is_none() || info.attempts == 0 {
                return Err("running without a task or an attempt".into());
            }
            if has_error || info.finished_at.is_some() {
                return Err("running with an error or a finish time".into());
            }
            return Ok(());
        }
        ActionStatus::Failed | ActionStatus::TimedOut => {
            if info.error_kind.is_none() || info.error_message.is_none() {
                return Err(format!(
                    "{} without an error kind and message (kind {:?})",
                    info.status, info.error_kind
                ));
            }
        }
        ActionStatus::Completed | ActionStatus::Cancelled => {
            if has_error {
                return Err(format!("{} with an error", info.status));
            }
        }
    }
    if info.task_id.is_none() && !(info.status == ActionStatus::Failed && info.attempts == 0) {
        return Err(format!("{} without a task", info.status));
    }
    match info.finished_at {
        Some(at) if at >= info.started_at => Ok(()),
        Some(at) => Err(format!(
            "finished at {at}, before it started at {}",
            info.started_at
        )),
        None => Err(format!("{} without a finish time", info.status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running() -> ActionInfo {
        ActionInfo {
            handler: "TimerHandler".into(),
            action: "timer-1".into(),
            domain: "timer".into(),
            session: "s1".into(),
            started_at: Instant::from_millis(10),
            task_id: Some(1),
            status: ActionStatus::Running,
            attempts: 1,
            error_kind: None,
            error_message: None,
            finished_at: None,
        }
    }

    fn failed_at_start() -> ActionInfo {
        ActionInfo {
            task_id: None,
            status: ActionStatus::Failed,
            attempts: 0,
            error_kind: Some(ErrorKind::Permission),
            error_message: Some("denied".into()),
            finished_at: Some(Instant::from_millis(10)),
            ..running()
        }
    }

    #[test]
    fn running_and_failed_at_start_both_validate() {
        assert_eq!(ActionMetadata::single(running()).validate(), Ok(()));
        assert_eq!(ActionMetadata::single(failed_at_start()).validate(), Ok(()));
    }

    #[test]
    fn the_legacy_failure_shape_is_rejected() {
        let legacy = ActionMetadata {
            active_actions: BTreeMap::new(),
            recent_actions: vec![ActionInfo {
                error_kind: None,
                ..failed_at_start()
            }],
        };
        let err = legacy.validate().unwrap_err();
        assert!(err.rule.contains("recent_actions"), "{err}");
        assert!(ActionMetadata::default().validate().is_err());
    }

    #[test]
    fn entries_must_fit_their_status() {
        let no_kind = ActionInfo {
            error_kind: None,
            ..failed_at_start()
        };
        assert!(ActionMetadata::single(no_kind).validate().is_err());
        let finished_running = ActionInfo {
            finished_at: Some(Instant::from_millis(20)),
            ..running()
        };
        assert!(ActionMetadata::single(finished_running).validate().is_err());
        let mut wrong_key = ActionMetadata::single(running());
        let info = wrong_key.active_actions.remove("timer-1").unwrap();
        wrong_key.active_actions.insert("timer-2".into(), info);
        assert!(wrong_key.validate().is_err());
    }

    #[test]
    fn only_the_plural_key_finds_the_section() {
        let m = ActionMetadata::single(running());
        assert!(m.section(ACTIVE_ACTIONS).is_some());
        assert!(m.section("active_action").is_none());
    }
}
