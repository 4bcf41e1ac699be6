//! What the bus and the generator report about themselves, for invariants and for tracing:
//! events handed to an [`Observer`] at the moment they happen. Observing never changes
//! what the code does.

use crate::breaker::{Admission, BreakerInput, BreakerState};
use crate::message::{Message, MessageId};
use asynclife_sim::Instant;
use std::sync::Arc;

/// One thing that happened, at `at`.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// A message was put on the bus (a reply counts here, whatever becomes of it later).
    Posted {
        /// When.
        at: Instant,
        /// The message.
        message: &'a Message,
    },
    /// A message is being handed to its agent's handler (twice for a duplicate).
    Delivered {
        /// When.
        at: Instant,
        /// The message.
        message: &'a Message,
    },
    /// A breaker took one input.
    Breaker {
        /// When.
        at: Instant,
        /// Whose breaker.
        agent: &'a str,
        /// The input.
        input: BreakerInput,
        /// The admission, for an acquire.
        admission: Option<Admission>,
        /// The state after the input.
        state: BreakerState,
    },
    /// A response changed the state of its pending request (it completed it, or started
    /// completing it).
    ResponseApplied {
        /// When.
        at: Instant,
        /// The pending request (the id of the message the response answers).
        request: MessageId,
        /// The request's deadline.
        deadline: Instant,
    },
    /// The timeout sweep ran: every unclaimed request whose deadline had come by `at` is
    /// completed with the fallback now.
    Swept {
        /// When.
        at: Instant,
    },
}

/// Receives every [`Event`]. Called synchronously, possibly with the caller's locks held: it
/// must not call back into the bus or the generator.
pub type Observer = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

/// An observer that ignores everything (production use without checks).
pub fn ignore() -> Observer {
    Arc::new(|_: &Event<'_>| {})
}
