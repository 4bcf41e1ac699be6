//! The generator's shared state: what its bus handler and its worker share (the bus, the
//! settings, the pending map, the breakers, the counters), and the send gate's answer.

use crate::breaker::Breakers;
use crate::bus::Bus;
use crate::config::GeneratorConfig;
use crate::defect::Variant;
use crate::job::Job;
use crate::observe::Observer;
use crate::pending::PendingMap;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Counters of a generator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GeneratorStats {
    /// Generate requests received.
    pub accepted: u64,
    /// Replies built from documents.
    pub rag_replies: u64,
    /// Replies with the fallback scenario.
    pub fallback_replies: u64,
    /// Responses that came after their request's deadline, dropped.
    pub late_responses: u64,
    /// Responses in time for requests already completed (duplicates), dropped.
    pub stale_responses: u64,
    /// Requests completed by the timeout sweep.
    pub timeouts: u64,
    /// Send attempts retried.
    pub send_retries: u64,
    /// Requests the breaker turned away.
    pub breaker_rejections: u64,
    /// Requests turned away because the pending map was full.
    pub pending_full: u64,
}

/// What the generator's bus handler and its worker share.
pub(crate) struct Shared {
    pub(crate) bus: Bus,
    pub(crate) config: GeneratorConfig,
    pub(crate) variant: Variant,
    pub(crate) observer: Observer,
    pub(crate) state: Mutex<State>,
    pub(crate) jobs: mpsc::UnboundedSender<Job>,
}

/// The state behind the lock.
pub(crate) struct State {
    pub(crate) pending: PendingMap,
    pub(crate) breakers: Breakers,
    pub(crate) stats: GeneratorStats,
    /// Tasks of the worker not yet joined.
    pub(crate) tasks: usize,
}

/// What a send may do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Go ahead (or: it was posted).
    Go,
    /// The request is already completed: stop quietly.
    Done,
    /// The breaker forbids it now: give up.
    Closed,
}
