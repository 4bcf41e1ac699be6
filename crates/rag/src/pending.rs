//! Requests waiting for documents, and the completion guard that lets exactly one of the
//! response, the timeout sweep and the send path complete each of them.
//!
//! Invariants:
//! 1. [`PendingMap::claim`] returns a request at most once: whoever claims it first
//!    completes it, everyone later gets `None` (the completion guard).
//! 2. A claimed request stays in the map until its completion removes it, so the map's size
//!    counts all unfinished work; the sweep only expires unclaimed requests.

use crate::breaker::Permit;
use crate::message::MessageId;
use asynclife_sim::Instant;
use std::collections::BTreeMap;
use std::time::Duration;

/// A generate request waiting for the retrieval agent's documents (the seed's dataclass).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingScenarioRequest {
    /// The id of the `retrieve_documents` message: its response's `response_to`.
    pub id: MessageId,
    /// When the generate request came in.
    pub timestamp: Instant,
    /// How long the requester waits (10 s by default).
    pub timeout: Duration,
    /// Who gets the reply.
    pub requester: String,
    /// The `generate_scenario` message the reply answers.
    pub request: MessageId,
    /// The user's request.
    pub query: String,
    /// The breaker permit the call to the agent holds.
    pub permit: Permit,
}

impl PendingScenarioRequest {
    /// When the requester stops waiting.
    pub fn deadline(&self) -> Instant {
        self.timestamp + self.timeout
    }
}

/// The right, and the duty, to send a request's one reply. Only [`PendingMap::claim`]
/// makes one (and, for the `as-documented` variant, a copy that claims nothing).
#[derive(Debug)]
pub struct Claim {
    request: PendingScenarioRequest,
}

impl Claim {
    /// A claim taken by copying the request instead of claiming it: what the seed's fix
    /// does. Nothing stops another path from completing the same request.
    pub(crate) fn unguarded(request: PendingScenarioRequest) -> Claim {
        Claim { request }
    }

    /// The claimed request.
    pub fn request(&self) -> &PendingScenarioRequest {
        &self.request
    }

    /// Gives the request up to reply to it.
    pub fn into_request(self) -> PendingScenarioRequest {
        self.request
    }
}

#[derive(Debug)]
struct Entry {
    request: PendingScenarioRequest,
    claimed: bool,
}

/// The pending requests, by the id their response will carry.
#[derive(Debug, Default)]
pub struct PendingMap {
    entries: BTreeMap<MessageId, Entry>,
}

impl PendingMap {
    /// Adds a request, unclaimed.
    pub fn insert(&mut self, request: PendingScenarioRequest) {
        let entry = Entry {
            request,
            claimed: false,
        };
        self.entries.insert(entry.request.id, entry);
    }

    /// The request, claimed or not.
    pub fn get(&self, id: MessageId) -> Option<&PendingScenarioRequest> {
        self.entries.get(&id).map(|e| &e.request)
    }

    /// Whether the request is there and unclaimed.
    pub fn is_open(&self, id: MessageId) -> bool {
        self.entries.get(&id).is_some_and(|e| !e.claimed)
    }

    /// The completion guard: the request, if it is there and nobody claimed it yet.
    pub fn claim(&mut self, id: MessageId) -> Option<Claim> {
        let entry = self.entries.get_mut(&id).filter(|e| !e.claimed)?;
        entry.claimed = true;
        Some(Claim {
            request: entry.request.clone(),
        })
    }

    /// Forgets the request (after its reply).
    pub fn remove(&mut self, id: MessageId) -> Option<PendingScenarioRequest> {
        self.entries.remove(&id).map(|e| e.request)
    }

    /// The unclaimed requests whose deadline has come, in id order.
    pub fn expired(&self, now: Instant) -> Vec<MessageId> {
        self.entries
            .values()
            .filter(|e| !e.claimed && now >= e.request.deadline())
            .map(|e| e.request.id)
            .collect()
    }

    /// How many requests are pending, claimed ones included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The earliest deadline among them.
    pub fn oldest_deadline(&self) -> Option<(MessageId, Instant)> {
        self.entries
            .values()
            .map(|e| (e.request.id, e.request.deadline()))
            .min_by_key(|(id, deadline)| (*deadline, *id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: u64, at_ms: u64) -> PendingScenarioRequest {
        PendingScenarioRequest {
            id: MessageId(id),
            timestamp: Instant::from_millis(at_ms),
            timeout: Duration::from_secs(10),
            requester: "client".into(),
            request: MessageId(id + 100),
            query: "q".into(),
            permit: Permit::Normal,
        }
    }

    #[test]
    fn a_request_is_claimed_once_and_the_sweep_skips_claimed_ones() {
        let mut map = PendingMap::default();
        map.insert(request(1, 0));
        map.insert(request(2, 5));
        let now = Instant::from_millis(20_000);
        assert_eq!(map.expired(now), [MessageId(1), MessageId(2)]);
        assert!(map.claim(MessageId(1)).is_some());
        assert!(map.claim(MessageId(1)).is_none());
        assert_eq!(map.expired(now), [MessageId(2)]);
        assert_eq!(map.len(), 2, "a claimed request stays until it is removed");
        assert_eq!(
            map.oldest_deadline(),
            Some((MessageId(1), Instant::from_millis(10_000)))
        );
        map.remove(MessageId(1));
        assert!(map.claim(MessageId(1)).is_none());
        assert!(map.is_open(MessageId(2)));
    }
}
