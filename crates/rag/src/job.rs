//! The work the generator's handler hands to its worker: a send to retry, a scenario to
//! compose, or the order to stop.

use crate::breaker::Permit;
use crate::message::Message;
use crate::pending::Claim;
use asynclife_sim::Instant;

/// Work the generator's handler hands to the worker.
pub(crate) enum Job {
    /// Send a `retrieve_documents` request, retrying failed sends.
    Send {
        /// The request.
        message: Message,
        /// The breaker permit it holds.
        permit: Permit,
    },
    /// Compose the scenario of a claimed request from its documents, and reply.
    Compose {
        /// The request.
        claim: Claim,
        /// Its documents.
        documents: Vec<String>,
        /// Give up composing (and reply with the fallback) at this instant.
        compose_by: Option<Instant>,
    },
    /// Stop: abort the unfinished tasks and return.
    Stop,
}
