//! The engine's compact event log: 16 bytes per event, payloads aside, turned into
//! [`Event`]s only when somebody reads them.
//!
//! A run records thousands of events and most runs' traces are never read (a passing seed of a
//! sweep keeps only the hash). Poll, wake, timer, spawn, complete and abort events carry no
//! payload: each is one fixed-size record with no drop glue. The rare events with text
//! (violations, faults, processes, user events) keep their [`EventKind`] in a side table.
//!
//! A dropped log leaves its buffer to the next log made on the same thread: a sweep makes and
//! drops one per seed, and a buffer of tens of kilobytes freed at every seed makes the
//! allocator consolidate its free lists each time.

use super::event::{Event, EventKind, TaskId};
use crate::time::Instant;
use std::cell::Cell;

thread_local! {
    static SPARE_BUFFER: Cell<Vec<RawEvent>> = const { Cell::new(Vec::new()) };
}

/// One event: when, which task (`NO_TASK` for none), and what (a code, or for an event with a
/// payload `PAYLOAD` plus the payload's index shifted past the code's bits).
#[derive(Clone, Copy, Debug)]
struct RawEvent {
    at: u64,
    task: u32,
    kind: u32,
}

const NO_TASK: u32 = u32::MAX;
const CODE_BITS: u32 = 3;
const CODE_MASK: u32 = (1 << CODE_BITS) - 1;
const SPAWN: u32 = 0;
const POLL: u32 = 1;
const WAKE: u32 = 2;
const TIMER_FIRED: u32 = 3;
const COMPLETE: u32 = 4;
const ABORT: u32 = 5;
const PAYLOAD: u32 = 6;

/// Events in order, compactly.
#[derive(Clone, Debug, Default)]
pub(crate) struct EventLog {
    raw: Vec<RawEvent>,
    payloads: Vec<EventKind>,
}

impl EventLog {
    pub(crate) fn with_capacity(events: usize) -> EventLog {
        let mut raw = SPARE_BUFFER.try_with(Cell::take).unwrap_or_default();
        raw.reserve(events);
        EventLog {
            raw,
            payloads: Vec::new(),
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, at: Instant, task: Option<TaskId>, kind: EventKind) {
        let kind = match kind {
            EventKind::Spawn => SPAWN,
            EventKind::Poll => POLL,
            EventKind::Wake => WAKE,
            EventKind::TimerFired => TIMER_FIRED,
            EventKind::Complete => COMPLETE,
            EventKind::Abort => ABORT,
            payload => self.push_payload(payload),
        };
        // A task id of u32::MAX cannot occur: ids count spawns, and the run would run out of
        // memory long before.
        let task = task.map_or(NO_TASK, |t| t.0);
        self.raw.push(RawEvent {
            at: at.as_nanos(),
            task,
            kind,
        });
    }

    #[cold]
    fn push_payload(&mut self, kind: EventKind) -> u32 {
        let index = u32::try_from(self.payloads.len())
            .ok()
            .filter(|&i| i < u32::MAX >> CODE_BITS)
            .expect("fewer than 2^29 events with a payload in one run");
        self.payloads.push(kind);
        index << CODE_BITS | PAYLOAD
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.raw.len()
    }

    /// The events, as the public type.
    pub(crate) fn to_events(&self) -> Vec<Event> {
        self.raw
            .iter()
            .map(|raw| Event {
                at: Instant::from_nanos(raw.at),
                task: (raw.task != NO_TASK).then_some(TaskId(raw.task)),
                kind: match raw.kind & CODE_MASK {
                    SPAWN => EventKind::Spawn,
                    POLL => EventKind::Poll,
                    WAKE => EventKind::Wake,
                    TIMER_FIRED => EventKind::TimerFired,
                    COMPLETE => EventKind::Complete,
                    ABORT => EventKind::Abort,
                    _ => self.payloads[(raw.kind >> CODE_BITS) as usize].clone(),
                },
            })
            .collect()
    }
}

impl Drop for EventLog {
    fn drop(&mut self) {
        let mut raw = std::mem::take(&mut self.raw);
        if raw.capacity() == 0 {
            return;
        }
        raw.clear();
        // Keep the larger of the two buffers; during thread teardown, just free it.
        let _ = SPARE_BUFFER.try_with(|spare| {
            let kept = spare.take();
            spare.set(if kept.capacity() >= raw.capacity() {
                kept
            } else {
                raw
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_comes_back_as_it_went_in() {
        let kinds = [
            EventKind::Spawn,
            EventKind::Poll,
            EventKind::Wake,
            EventKind::TimerFired,
            EventKind::Complete,
            EventKind::Abort,
            EventKind::Panic {
                message: "boom".into(),
            },
            EventKind::Blocked { duration_ns: 7 },
            EventKind::User {
                message: "hello".into(),
            },
            EventKind::Violation {
                kind: "deadlock".into(),
                message: "stuck".into(),
            },
        ];
        let mut log = EventLog::default();
        let mut expected = Vec::new();
        for (i, kind) in kinds.into_iter().enumerate() {
            let task = (i % 3 != 0).then_some(TaskId(i as u32));
            let at = Instant::from_millis(i as u64 * 10);
            expected.push(Event {
                at,
                task,
                kind: kind.clone(),
            });
            log.push(at, task, kind);
        }
        assert_eq!(log.len(), expected.len());
        assert_eq!(log.to_events(), expected);
    }
}
