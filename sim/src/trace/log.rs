//! The engine's compact event log: 4 bytes per event, payloads aside, turned into [`Event`]s
//! only when somebody reads them.
//!
//! A run records thousands of events and most runs' traces are never read (a passing seed of a
//! sweep keeps only the hash). Poll, wake, timer, spawn, complete and abort events carry no
//! payload: each is one word, the task's id and a code. The instant is not repeated in every
//! event: the clock moves a few hundred times in a run of thousands of events, so a three-word
//! time record is written only when it has moved. The rare events with text (violations,
//! faults, processes, user events), and those of a task whose id does not fit the word, keep
//! their task and [`EventKind`] in a side table.
//!
//! A dropped log leaves its buffer to the next log made on the same thread (through the
//! engine's `speedups::kept`): a sweep makes and drops one per seed, and a buffer of kilobytes
//! freed at every seed makes the allocator consolidate its free lists each time.

use super::event::{Event, EventKind, TaskId};
use crate::runtime::speedups::kept;
use crate::time::Instant;

/// The emptied word buffer of a dropped log, for the next log on the thread.
struct SpareWords(Vec<u32>);

// A word is `operand << CODE_BITS | code`. For the codes of events without a payload the
// operand is the task's id (`NO_TASK` for none); for `WIDE` it is an index into the side
// table; a `TIME` word carries nothing, and the two words after it are the new instant in
// nanoseconds, low half first.
const CODE_BITS: u32 = 3;
const CODE_MASK: u32 = (1 << CODE_BITS) - 1;
const SPAWN: u32 = 0;
const POLL: u32 = 1;
const WAKE: u32 = 2;
const TIMER_FIRED: u32 = 3;
const COMPLETE: u32 = 4;
const ABORT: u32 = 5;
const WIDE: u32 = 6;
const TIME: u32 = 7;
/// The operand of an event with no task; task ids from here up go to the side table.
const NO_TASK: u32 = u32::MAX >> CODE_BITS;

/// Events in order, compactly.
#[derive(Clone, Debug, Default)]
pub(crate) struct EventLog {
    words: Vec<u32>,
    /// The instant of the last event pushed (events before the first time record are at 0).
    last_at: u64,
    /// Events that do not fit one word, by the index in their `WIDE` word.
    wide: Vec<(Option<TaskId>, EventKind)>,
}

impl EventLog {
    /// An empty log with room for about `events` events.
    pub(crate) fn with_capacity(events: usize) -> EventLog {
        let mut words = kept::take::<SpareWords>().map_or_else(Vec::new, |spare| spare.0);
        // Room for a time record every fourth event, about what the engine's runs write.
        words.reserve(events + events / 4 * 3);
        EventLog {
            words,
            last_at: 0,
            wide: Vec::new(),
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, at: Instant, task: Option<TaskId>, kind: EventKind) {
        let code = match kind {
            EventKind::Spawn => SPAWN,
            EventKind::Poll => POLL,
            EventKind::Wake => WAKE,
            EventKind::TimerFired => TIMER_FIRED,
            EventKind::Complete => COMPLETE,
            EventKind::Abort => ABORT,
            kind => return self.push_wide(at, task, kind),
        };
        let operand = match task {
            None => NO_TASK,
            Some(t) if t.0 < NO_TASK => t.0,
            Some(_) => return self.push_wide(at, task, kind),
        };
        self.set_time(at);
        self.words.push(operand << CODE_BITS | code);
    }

    /// Writes a time record if the clock has moved since the last event.
    #[inline(always)]
    fn set_time(&mut self, at: Instant) {
        let at = at.as_nanos();
        if at != self.last_at {
            self.last_at = at;
            self.words
                .extend_from_slice(&[TIME, at as u32, (at >> 32) as u32]);
        }
    }

    #[cold]
    fn push_wide(&mut self, at: Instant, task: Option<TaskId>, kind: EventKind) {
        let index = u32::try_from(self.wide.len())
            .ok()
            .filter(|&i| i < NO_TASK)
            .expect("fewer than 2^29 events with a payload in one run");
        self.wide.push((task, kind));
        self.set_time(at);
        self.words.push(index << CODE_BITS | WIDE);
    }

    #[cfg(test)]
    fn words(&self) -> usize {
        self.words.len()
    }

    /// The events, as the public type.
    pub(crate) fn to_events(&self) -> Vec<Event> {
        let mut events = Vec::with_capacity(self.words.len());
        let mut at = 0;
        let mut words = self.words.iter();
        while let Some(&word) = words.next() {
            let operand = word >> CODE_BITS;
            let task = (operand != NO_TASK).then_some(TaskId(operand));
            let (task, kind) = match word & CODE_MASK {
                SPAWN => (task, EventKind::Spawn),
                POLL => (task, EventKind::Poll),
                WAKE => (task, EventKind::Wake),
                TIMER_FIRED => (task, EventKind::TimerFired),
                COMPLETE => (task, EventKind::Complete),
                ABORT => (task, EventKind::Abort),
                WIDE => self.wide[operand as usize].clone(),
                _ => {
                    let mut half = || u64::from(*words.next().expect("a time record is whole"));
                    at = half() | half() << 32;
                    continue;
                }
            };
            events.push(Event {
                at: Instant::from_nanos(at),
                task,
                kind,
            });
        }
        events
    }
}

impl Drop for EventLog {
    fn drop(&mut self) {
        let mut words = std::mem::take(&mut self.words);
        if words.capacity() == 0 {
            return;
        }
        words.clear();
        // Keep the larger of the two buffers.
        let larger = match kept::take::<SpareWords>() {
            Some(spare) if spare.0.capacity() >= words.capacity() => spare.0,
            _ => words,
        };
        kept::keep(SpareWords(larger));
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
        assert_eq!(log.to_events(), expected);
    }

    #[test]
    fn the_instant_is_written_only_when_it_moves_and_is_read_back_for_every_event() {
        let mut log = EventLog::default();
        let mut expected = Vec::new();
        // Back and forth, across 2^32 ns, and back to 0: the log makes no assumption of order.
        for (at_ns, task) in [(0, 1), (0, 2), (5, 1), (5, 3), (1 << 40, 1), (7, 2), (0, 4)] {
            let at = Instant::from_nanos(at_ns);
            log.push(at, Some(TaskId(task)), EventKind::Poll);
            expected.push(Event {
                at,
                task: Some(TaskId(task)),
                kind: EventKind::Poll,
            });
        }
        // Seven events, and four moves of the clock of three words each.
        assert_eq!(log.words(), 7 + 4 * 3);
        assert_eq!(log.to_events(), expected);
    }

    #[test]
    fn task_ids_too_large_for_a_word_come_back_whole() {
        let mut log = EventLog::default();
        let mut expected = Vec::new();
        for (i, id) in [NO_TASK - 1, NO_TASK, u32::MAX].into_iter().enumerate() {
            let at = Instant::from_millis(i as u64);
            log.push(at, Some(TaskId(id)), EventKind::Wake);
            expected.push(Event {
                at,
                task: Some(TaskId(id)),
                kind: EventKind::Wake,
            });
        }
        assert_eq!(log.to_events(), expected);
    }
}
