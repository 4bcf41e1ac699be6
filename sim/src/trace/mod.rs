//! The trace: every event of a run, with virtual time and deterministic ids, and its hash.
//!
//! This module imports nothing else of ours but [`crate::time`]: it is plain data that the
//! runtime fills and the renderers read.

mod chrome;
mod event;
mod hash;
mod log;
mod svg;
mod text;

pub use event::{Event, EventKind, TaskId, TaskInfo};
pub use hash::TraceHasher;

use crate::time::Instant;
use log::EventLog;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Everything that happened in one run, in order.
///
/// The hash is order-sensitive and covers every event except source locations (so that moving
/// code does not change the hash of a run that behaves the same).
///
/// The engine records events compactly; [`Trace::events`] builds the list of [`Event`]s the
/// first time it is asked for, so a run whose trace is never read (a passing seed of a sweep)
/// never builds it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "TraceData", into = "TraceData")]
pub struct Trace {
    /// Every task spawned, indexed by its [`TaskId`].
    pub tasks: Vec<TaskInfo>,
    /// Number of events seen, recorded or not.
    pub event_count: u64,
    hash: u64,
    log: EventLog,
    events: OnceLock<Vec<Event>>,
}

/// A trace as it is serialised: its events written out.
#[derive(Serialize, Deserialize)]
struct TraceData {
    tasks: Vec<TaskInfo>,
    events: Vec<Event>,
    event_count: u64,
    hash: u64,
}

impl From<TraceData> for Trace {
    fn from(data: TraceData) -> Trace {
        Trace {
            tasks: data.tasks,
            event_count: data.event_count,
            hash: data.hash,
            log: EventLog::default(),
            events: OnceLock::from(data.events),
        }
    }
}

impl From<Trace> for TraceData {
    fn from(trace: Trace) -> TraceData {
        let events = trace.events().to_vec();
        TraceData {
            tasks: trace.tasks,
            events,
            event_count: trace.event_count,
            hash: trace.hash,
        }
    }
}

impl Trace {
    /// An empty trace with room for `events` events (most runs record thousands: this skips
    /// the first regrowths).
    pub fn with_capacity(events: usize) -> Trace {
        Trace {
            log: EventLog::with_capacity(events),
            ..Trace::default()
        }
    }

    /// An empty trace with room for `tasks` tasks and `events` events.
    pub(crate) fn with_room(tasks: usize, events: usize) -> Trace {
        Trace {
            tasks: Vec::with_capacity(tasks),
            log: EventLog::with_capacity(events),
            ..Trace::default()
        }
    }

    /// A trace of these tasks and events, hashed as the engine hashes a run.
    pub fn from_events(tasks: Vec<TaskInfo>, events: Vec<Event>) -> Trace {
        let mut hasher = TraceHasher::default();
        for event in &events {
            hasher.event(event);
        }
        Trace {
            tasks,
            event_count: events.len() as u64,
            hash: hasher.finish(),
            log: EventLog::default(),
            events: OnceLock::from(events),
        }
    }

    /// The events, in the order they happened. Empty when recording was switched off.
    pub fn events(&self) -> &[Event] {
        self.events.get_or_init(|| self.log.to_events())
    }

    /// The events recorded so far, without fixing the list (the run may still be going on).
    pub(crate) fn events_so_far(&self) -> Vec<Event> {
        match self.events.get() {
            Some(events) => events.clone(),
            None => self.log.to_events(),
        }
    }

    /// Appends an event as the engine records one (without hashing it).
    #[inline(always)]
    pub(crate) fn record(&mut self, at: Instant, task: Option<TaskId>, kind: EventKind) {
        self.log.push(at, task, kind);
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

    /// The trace in the Chrome Trace Event format, for chrome://tracing and ui.perfetto.dev.
    ///
    /// One track per task (`pid` 1, `tid` = task id, named `#id name`) with a slice from its
    /// spawn to its end (or to the last event, if it never ended); blocked polls as red slices
    /// nested in it; faults and user events as instants on it; simulated-process events (and
    /// faults and user events no task caused) on a "processes" track; violations as global
    /// instants. Times are microseconds of virtual time. Polls, wakes, timers and kv calls are
    /// left out. One event per line, the same bytes for the same trace.
    pub fn to_chrome_json(&self) -> String {
        chrome::render(self)
    }

    /// The trace as a self-contained SVG timeline (no scripts, no external resources).
    ///
    /// A time axis in virtual seconds; one lane per task with a bar from spawn to end coloured
    /// by how it ended; blocked polls as red boxes, faults as amber diamonds, user events as
    /// purple ticks, simulated-process events on a lane of their own, and violations as red
    /// lines across every lane, each with a tooltip. Only the first 200 tasks by id get a lane
    /// (a note counts the rest), and marks that would land on the same pixel of a lane are
    /// drawn once, so that the picture stays small for any trace.
    pub fn to_svg(&self) -> String {
        svg::render(self)
    }

    pub(crate) fn set_hash(&mut self, hash: u64) {
        self.hash = hash;
    }
}
