//! Messages on the bus: ids, payloads, and the scenario a generate request is answered with.

use asynclife_sim::Instant;
use std::fmt;

/// A message's id, unique on its bus. A response names its request's id in `response_to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(pub u64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0)
    }
}

/// One message between two agents.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Unique on the bus.
    pub id: MessageId,
    /// The sending agent.
    pub from: String,
    /// The receiving agent.
    pub to: String,
    /// What it says.
    pub payload: Payload,
    /// For a response, the request it answers.
    pub response_to: Option<MessageId>,
    /// The requester's deadline: set on a request by its sender and copied onto its
    /// responses, so the bus knows when a response would be late.
    pub deadline: Option<Instant>,
}

impl Message {
    /// The payload's kind: `generate_scenario`, `retrieve_documents`, and their `_response`s.
    pub fn kind(&self) -> &'static str {
        self.payload.kind()
    }

    /// Whether this message answers another.
    pub fn is_response(&self) -> bool {
        self.response_to.is_some()
    }
}

/// What a message says.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// A requester asks the scenario generator for a scenario.
    GenerateScenario {
        /// The user's request.
        query: String,
        /// Whether to enrich the scenario with retrieved documents.
        use_rag: bool,
    },
    /// The generator's answer to [`Payload::GenerateScenario`].
    Scenario(Scenario),
    /// The generator asks the retrieval pipeline for documents.
    RetrieveDocuments {
        /// What to retrieve documents about.
        query: String,
    },
    /// The pipeline's answer to [`Payload::RetrieveDocuments`]: documents, or the error it
    /// failed with.
    Documents(Result<Vec<String>, String>),
}

/// A payload kind's names: the kind, as message handlers name it, and the bus's two fault
/// points for it, spelled out once here so that no message has to format them.
#[derive(Debug, PartialEq, Eq)]
pub struct KindNames {
    /// The kind: `generate_scenario`, `retrieve_documents`, and their `_response`s.
    pub kind: &'static str,
    /// `bus.send.<kind>`.
    pub send_point: &'static str,
    /// `bus.deliver.<kind>`.
    pub deliver_point: &'static str,
}

macro_rules! kind_names {
    ($kind:literal) => {
        &KindNames {
            kind: $kind,
            send_point: concat!("bus.send.", $kind),
            deliver_point: concat!("bus.deliver.", $kind),
        }
    };
}

impl Payload {
    /// The kind's names.
    pub fn names(&self) -> &'static KindNames {
        match self {
            Payload::GenerateScenario { .. } => kind_names!("generate_scenario"),
            Payload::Scenario(_) => kind_names!("generate_scenario_response"),
            Payload::RetrieveDocuments { .. } => kind_names!("retrieve_documents"),
            Payload::Documents(_) => kind_names!("retrieve_documents_response"),
        }
    }

    /// The kind, as message handlers and fault points name it.
    pub fn kind(&self) -> &'static str {
        self.names().kind
    }
}

/// A generated scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// The scenario's text.
    pub text: String,
    /// How many retrieved documents it was built from.
    pub documents: usize,
    /// Built with documents, or the fallback and why.
    pub source: Source,
}

/// Where a scenario came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// Built from retrieved documents.
    Rag,
    /// The fallback scenario, built without documents.
    Fallback(FallbackReason),
}

/// Why a request was answered with the fallback scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FallbackReason {
    /// The requester did not ask for RAG, or RAG is disabled.
    RagNotRequested,
    /// The agent's breaker is open (or half-open with its probe in flight).
    BreakerOpen,
    /// Too many requests are pending already.
    PendingFull,
    /// No response came before the request's deadline.
    TimedOut,
    /// The agent answered with an error.
    AgentError,
    /// Every send attempt failed, or the breaker opened while retrying.
    SendFailed,
    /// The documents came, but composing the scenario would have passed the deadline.
    ComposeTimedOut,
}

impl Scenario {
    /// The scenario built from documents.
    pub fn from_documents(query: &str, documents: &[String]) -> Scenario {
        Scenario {
            text: format!("scenario for '{query}' from {} documents", documents.len()),
            documents: documents.len(),
            source: Source::Rag,
        }
    }

    /// The fallback scenario, built without documents.
    pub fn fallback(query: &str, reason: FallbackReason) -> Scenario {
        Scenario {
            text: format!("scenario for '{query}'"),
            documents: 0,
            source: Source::Fallback(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_name_requests_and_their_responses() {
        let request = Payload::RetrieveDocuments { query: "q".into() };
        let response = Payload::Documents(Ok(vec![]));
        assert_eq!(format!("{}_response", request.kind()), response.kind());
        let generate = Payload::GenerateScenario {
            query: "q".into(),
            use_rag: true,
        };
        let scenario = Payload::Scenario(Scenario::fallback("q", FallbackReason::TimedOut));
        assert_eq!(format!("{}_response", generate.kind()), scenario.kind());
    }

    #[test]
    fn fault_points_are_the_bus_prefixes_and_the_kind() {
        let payloads = [
            Payload::RetrieveDocuments { query: "q".into() },
            Payload::Documents(Ok(vec![])),
            Payload::GenerateScenario {
                query: "q".into(),
                use_rag: true,
            },
            Payload::Scenario(Scenario::fallback("q", FallbackReason::TimedOut)),
        ];
        for payload in payloads {
            let names = payload.names();
            assert_eq!(names.send_point, format!("bus.send.{}", names.kind));
            assert_eq!(names.deliver_point, format!("bus.deliver.{}", names.kind));
        }
    }
}
