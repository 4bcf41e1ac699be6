//! The trace: every event of a run, with virtual time and deterministic ids, and its hash.
//!
//! This module imports nothing else of ours but [`crate::time`]: it is plain data that the
//! runtime fills and the renderers read.

mod event;
mod hash;
mod text;

pub use event::{Event, EventKind, TaskId, TaskInfo};
pub use hash::TraceHasher;

use serde::{Deserialize, Serialize};

/// Everything that happened in one run, in order.
///
/// The hash is order-sensitive and covers every event except source locations (so that moving
/// code does not change the hash of a run that behaves the same).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Trace {
    /// Every task spawned, indexed by its [`TaskId`].
    pub tasks: Vec<TaskInfo>,
    /// The events, in the order they happened. Empty when recording was switched off.
    pub events: Vec<Event>,
    /// Number of events seen, recorded or not.
    pub event_count: u64,
    hash: u64,
}

impl Trace {
    /// An empty trace with room for `events` events (most runs record thousands: this skips
    /// the first regrowths).
    pub fn with_capacity(events: usize) -> Trace {
        Trace {
            events: Vec::with_capacity(events),
            ..Trace::default()
        }
    }

    /// The order-sensitive hash of every event.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// The name of a task, or `?` for an id this trace does not know.
    pub fn task_name(&self, id: TaskId) -> &str {
        self.tasks
            .get(id.index())
            .map(|t| t.name.as_ref())
            .unwrap_or("?")
    }

    /// One event per line, virtual time first: the format of snapshots.
    pub fn to_text(&self) -> String {
        text::render(self)
    }

    /// The trace as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a trace always serialises")
    }

    pub(crate) fn set_hash(&mut self, hash: u64) {
        self.hash = hash;
    }
}
