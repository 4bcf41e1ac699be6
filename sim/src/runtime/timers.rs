//! Pending timers in virtual time, fired in deadline order (ties in registration order).

use crate::time::Instant;
use crate::trace::TaskId;
use std::collections::BTreeMap;
use std::task::Waker;

/// Identifies one registered timer: its deadline and a sequence number that orders ties.
pub(crate) type TimerKey = (Instant, u64);

pub(crate) struct TimerEntry {
    pub(crate) task: Option<TaskId>,
    pub(crate) waker: Waker,
}

#[derive(Default)]
pub(crate) struct Timers {
    entries: BTreeMap<TimerKey, TimerEntry>,
    next_seq: u64,
}

impl Timers {
    pub(crate) fn insert(&mut self, deadline: Instant, entry: TimerEntry) -> TimerKey {
        let key = (deadline, self.next_seq);
        self.next_seq += 1;
        self.entries.insert(key, entry);
        key
    }

    /// Replaces the waker of a timer that has not fired; false if it has fired already.
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) -> bool {
        match self.entries.get_mut(&key) {
            Some(entry) => {
                if !entry.waker.will_wake(waker) {
                    entry.waker = waker.clone();
                }
                true
            }
            None => false,
        }
    }

    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<TimerEntry> {
        self.entries.remove(&key)
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.entries.first_key_value().map(|(k, _)| k.0)
    }

    /// Removes and returns the earliest timer if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<TimerEntry> {
        match self.entries.first_entry() {
            Some(e) if e.key().0 <= now => Some(e.remove()),
            _ => None,
        }
    }

    pub(crate) fn clear(&mut self) -> Vec<TimerEntry> {
        std::mem::take(&mut self.entries).into_values().collect()
    }
}
