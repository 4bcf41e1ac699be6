//! Session ids and the names derived from them: store keys and agent process names.
//!
//! A session's state is two keys, `session:{id}` (a hash, with the `agentPid` field) and
//! `agent:{id}:pid` (a string). The tombstone `ended:{id}` is not session state: it is the
//! marker an end leaves so that a spawn worker that comes later knows, and it must outlive
//! the session's keys (bounded by its own TTL).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The field of `session:{id}` that holds the agent's PID.
pub const PID_FIELD: &str = "agentPid";
/// The field of `session:{id}` that holds the session's status.
pub const STATUS_FIELD: &str = "status";

/// A session's id, as `start_session` hands it out.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(String);

impl SessionId {
    /// The `n`-th session's id (`s0007`): fixed width, so ids sort in creation order.
    pub fn numbered(n: u64) -> SessionId {
        SessionId(format!("s{n:04}"))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `session:{id}`.
    pub fn session_key(&self) -> String {
        format!("session:{}", self.0)
    }

    /// `agent:{id}:pid`.
    pub fn pid_key(&self) -> String {
        format!("agent:{}:pid", self.0)
    }

    /// `ended:{id}`.
    pub fn tombstone_key(&self) -> String {
        format!("ended:{}", self.0)
    }

    /// The name of the session's agent process, `agent-{id}`.
    pub fn agent_name(&self) -> String {
        format!("agent-{}", self.0)
    }

    /// The session an agent process belongs to, from its name.
    pub fn of_agent(process_name: &str) -> Option<SessionId> {
        process_name
            .strip_prefix("agent-")
            .filter(|id| !id.is_empty())
            .map(|id| SessionId(id.to_string()))
    }

    /// The session a PID key belongs to, from the key.
    pub fn of_pid_key(key: &str) -> Option<SessionId> {
        key.strip_prefix("agent:")
            .and_then(|rest| rest.strip_suffix(":pid"))
            .map(|id| SessionId(id.to_string()))
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SessionId {
    fn from(id: &str) -> SessionId {
        SessionId(id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_derive_from_the_id_and_back() {
        let id = SessionId::numbered(7);
        assert_eq!(id.as_str(), "s0007");
        assert_eq!(id.session_key(), "session:s0007");
        assert_eq!(id.pid_key(), "agent:s0007:pid");
        assert_eq!(id.tombstone_key(), "ended:s0007");
        assert_eq!(SessionId::of_agent(&id.agent_name()), Some(id.clone()));
        assert_eq!(SessionId::of_pid_key(&id.pid_key()), Some(id));
        assert_eq!(SessionId::of_agent("agent-"), None);
        assert_eq!(SessionId::of_agent("worker-1"), None);
        assert_eq!(SessionId::of_pid_key("agent:s1:other"), None);
    }
}
