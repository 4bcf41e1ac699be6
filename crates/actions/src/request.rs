//! What the tracker is asked to start: an action's identity (its key) and the request that
//! names its session, handler, domain and options.

use crate::metadata::ActionInfo;
use crate::options::ActionOptions;
use std::fmt;

/// An action's identity: its session and its name, unique within the session.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionKey {
    /// The session.
    pub session: String,
    /// The action's name.
    pub action: String,
}

impl ActionKey {
    /// The key of `action` in `session`.
    pub fn new(session: impl Into<String>, action: impl Into<String>) -> ActionKey {
        ActionKey {
            session: session.into(),
            action: action.into(),
        }
    }

    /// The key of the action `info` describes.
    pub fn of(info: &ActionInfo) -> ActionKey {
        ActionKey::new(&info.session, &info.action)
    }
}

impl fmt::Display for ActionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.session, self.action)
    }
}

/// What to start: who asks, what, where, and how.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionRequest {
    /// The conversation session the action belongs to.
    pub session: String,
    /// The handler starting it (`VoiceSynthesisHandler`).
    pub handler: String,
    /// The action's name, unique among the session's running actions.
    pub action: String,
    /// Its domain (`voice_synthesis`, `audio`, `timer`).
    pub domain: String,
    /// Deadline and retries.
    pub options: ActionOptions,
}

impl ActionRequest {
    /// The key of the requested action.
    pub fn key(&self) -> ActionKey {
        ActionKey::new(&self.session, &self.action)
    }
}
