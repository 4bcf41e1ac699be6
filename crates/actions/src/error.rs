//! Action errors and their classification: timeout, network, permission, service
//! unavailable, other; transient kinds are retried, permanent ones never are.

use asynclife_sim::rt::fault::InjectedError;
use asynclife_sim::rt::JoinError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The class of an action's failure (seed 000 phase 2.2, "error classification").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The action's own call timed out (not the tracker's deadline: that is `timed_out`).
    Timeout,
    /// A connection failed or was reset.
    Network,
    /// The action is not allowed: retrying cannot help.
    Permission,
    /// A backing service (TTS engine, audio device) is down for now.
    ServiceUnavailable,
    /// Anything else, a crash or a panic of the action included.
    Other,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 5] = [
        ErrorKind::Timeout,
        ErrorKind::Network,
        ErrorKind::Permission,
        ErrorKind::ServiceUnavailable,
        ErrorKind::Other,
    ];

    /// The kind's name, as metadata and fault plans spell it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Network => "network",
            ErrorKind::Permission => "permission",
            ErrorKind::ServiceUnavailable => "service_unavailable",
            ErrorKind::Other => "other",
        }
    }

    /// Whether a later attempt may succeed: timeouts, network errors and unavailable
    /// services pass; a refused permission or an unknown failure does not.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::Timeout | ErrorKind::Network | ErrorKind::ServiceUnavailable
        )
    }

    /// Whether a failure of this kind needs the user's attention whatever the action
    /// (seed 000 phase 2.2, "criticality assessment"): a refused permission does.
    pub fn is_critical(self) -> bool {
        self == ErrorKind::Permission
    }

    /// The kind named `name`; unknown names are `Other`, as an unclassified exception is.
    pub fn classify(name: &str) -> ErrorKind {
        name.parse().unwrap_or(ErrorKind::Other)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`ErrorKind::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownErrorKind(pub String);

impl fmt::Display for UnknownErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown error kind '{}'", self.0)
    }
}

impl std::error::Error for UnknownErrorKind {}

impl FromStr for ErrorKind {
    type Err = UnknownErrorKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownErrorKind(s.to_string()))
    }
}

/// Why one attempt of an action failed: its class and a human-readable message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionError {
    /// The class, which decides retries and criticality.
    pub kind: ErrorKind,
    /// What happened, for logs and the conversation context.
    pub message: String,
}

impl ActionError {
    /// An error of this kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ActionError {
        ActionError {
            kind,
            message: message.into(),
        }
    }

    /// The error of an attempt whose task ended without a result: it panicked or was
    /// crashed. Never transient: a crash is not a condition that passes.
    pub fn from_join(error: &JoinError) -> ActionError {
        let message = match error.panic_message() {
            Some(m) => format!("action panicked: {m}"),
            None => "action task crashed".to_string(),
        };
        ActionError::new(ErrorKind::Other, message)
    }
}

impl From<InjectedError> for ActionError {
    /// A fault plan names the kind in free text; the classification names map to their
    /// kinds and anything else is `Other`.
    fn from(e: InjectedError) -> ActionError {
        ActionError::new(ErrorKind::classify(&e.kind), e.to_string())
    }
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for ActionError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_other() {
        for kind in ErrorKind::ALL {
            assert_eq!(kind.name().parse::<ErrorKind>(), Ok(kind));
        }
        assert_eq!(ErrorKind::classify("disk_full"), ErrorKind::Other);
        assert!("disk_full".parse::<ErrorKind>().is_err());
    }

    #[test]
    fn transient_and_permanent_kinds() {
        let transient: Vec<_> = ErrorKind::ALL
            .into_iter()
            .filter(|k| k.is_transient())
            .collect();
        assert_eq!(
            transient,
            [
                ErrorKind::Timeout,
                ErrorKind::Network,
                ErrorKind::ServiceUnavailable
            ]
        );
        assert!(ErrorKind::Permission.is_critical());
        assert!(!ErrorKind::Network.is_critical());
    }

    #[test]
    fn injected_errors_are_classified_by_their_kind() {
        let e = ActionError::from(InjectedError {
            point: "action.audio".into(),
            kind: "service_unavailable".into(),
        });
        assert_eq!(e.kind, ErrorKind::ServiceUnavailable);
        assert!(e.message.contains("action.audio"), "{e}");
    }
}
