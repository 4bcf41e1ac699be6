//! Pending timers in virtual time, fired in deadline order (ties in registration order).
//!
//! Binary heaps of keys over a slab of entries: insertion and firing are O(log n) with small
//! constants, and cancelling (a dropped `Sleep`) just empties the slab slot; the heap skips
//! empty slots when it reaches them. A heap key packs (deadline, sequence, slot) into one
//! `u128`, so that every comparison in a heap is a single integer comparison.
//!
//! Two heaps: timers due within [`NEAR`] of their registration (ticks, short sleeps, most
//! timeouts) and the rest (long grace periods, TTLs). A new short timer is usually the
//! earliest of all; in one heap it would climb past every long one on the way in and sink past
//! them again on the way out. The earliest timer is the earlier of the two tops.

use crate::time::Instant;
use crate::trace::TaskId;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;

/// Identifies one registered timer: its slot in the slab and the sequence number it was given
/// (a reused slot has a new sequence number, so a stale key never touches a newer timer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: u32,
    seq: u32,
}

pub(crate) struct TimerEntry {
    pub(crate) task: Option<TaskId>,
    pub(crate) waker: Waker,
}

struct Slot {
    seq: u32,
    entry: Option<TimerEntry>,
}

/// Deadline in the high 64 bits, then the sequence number, then the slot: the heap's order is
/// deadline order, ties in registration order.
fn heap_key(deadline: Instant, seq: u32, slot: u32) -> Reverse<u128> {
    Reverse(u128::from(deadline.as_nanos()) << 64 | u128::from(seq) << 32 | u128::from(slot))
}

fn unpack(key: u128) -> (Instant, u32, u32) {
    (
        Instant::from_nanos((key >> 64) as u64),
        (key >> 32) as u32,
        key as u32,
    )
}

/// Timers due within this long of their registration go to the near heap.
const NEAR: u64 = 1_000_000_000;

pub(crate) struct Timers {
    near: BinaryHeap<Reverse<u128>>,
    far: BinaryHeap<Reverse<u128>>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    next_seq: u32,
    /// Heap records whose timer was cancelled, not yet dropped from their heap.
    cancelled: usize,
    /// No heap record, live or cancelled, is due before this many nanoseconds: a lower bound,
    /// lowered by every insertion and made exact whenever the tops are looked at, so that
    /// "is a timer due now?", asked at every step, is one comparison.
    none_before: u64,
}

impl Default for Timers {
    fn default() -> Timers {
        Timers {
            near: BinaryHeap::new(),
            far: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            cancelled: 0,
            none_before: u64::MAX,
        }
    }
}

impl Timers {
    /// Registers `entry` to fire at `deadline`; `now` is the current instant.
    #[inline]
    pub(crate) fn insert(
        &mut self,
        now: Instant,
        deadline: Instant,
        entry: TimerEntry,
    ) -> TimerKey {
        let seq = self.next_seq;
        self.next_seq = seq
            .checked_add(1)
            .expect("fewer than 2^32 timers in one run");
        let slot = match self.free.pop() {
            Some(slot) => {
                let s = &mut self.slots[slot as usize];
                s.seq = seq;
                // A free slot's entry is empty. Were it not, its waker would leak rather than
                // be dropped here, with the kernel's state borrowed (see `state_cell.rs`).
                debug_assert!(s.entry.is_none());
                std::mem::forget(s.entry.replace(entry));
                slot
            }
            None => {
                self.slots.push(Slot {
                    seq,
                    entry: Some(entry),
                });
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 timers at once")
            }
        };
        let key = heap_key(deadline, seq, slot);
        self.none_before = self.none_before.min(deadline.as_nanos());
        if deadline.as_nanos().saturating_sub(now.as_nanos()) < NEAR {
            self.near.push(key);
        } else {
            self.far.push(key);
        }
        TimerKey { slot, seq }
    }

    fn entry_mut(&mut self, key: TimerKey) -> Option<&mut Slot> {
        self.slots
            .get_mut(key.slot as usize)
            .filter(|s| s.seq == key.seq && s.entry.is_some())
    }

    /// The waker of a timer that has not fired; `None` once it has fired (or was cancelled).
    pub(crate) fn waker_mut(&mut self, key: TimerKey) -> Option<&mut Waker> {
        self.entry_mut(key)
            .and_then(|s| s.entry.as_mut())
            .map(|entry| &mut entry.waker)
    }

    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<TimerEntry> {
        let entry = self.entry_mut(key)?.entry.take();
        // The slot is freed when the heap reaches it, so its heap record never dangles.
        self.cancelled += 1;
        entry
    }

    /// The earliest key of both heaps, and whether it is the near heap's.
    #[inline]
    fn top(&self) -> Option<(bool, u128)> {
        match (self.near.peek(), self.far.peek()) {
            (Some(&Reverse(n)), Some(&Reverse(f))) => {
                Some(if n < f { (true, n) } else { (false, f) })
            }
            (Some(&Reverse(n)), None) => Some((true, n)),
            (None, Some(&Reverse(f))) => Some((false, f)),
            (None, None) => None,
        }
    }

    fn pop_top(&mut self, near: bool) {
        if near {
            self.near.pop();
        } else {
            self.far.pop();
        }
    }

    /// Drops heap records of cancelled timers from the tops of the heaps.
    #[inline(always)]
    fn skip_cancelled(&mut self) {
        // Every record is live: the common case, checked inline without touching the slab.
        if self.cancelled != 0 {
            self.drop_cancelled_tops();
        }
    }

    /// `skip_cancelled`'s loop, out of line.
    #[inline(never)]
    fn drop_cancelled_tops(&mut self) {
        while let Some((near, key)) = self.top() {
            let (_, seq, slot) = unpack(key);
            let s = &self.slots[slot as usize];
            if s.seq == seq && s.entry.is_some() {
                return;
            }
            let reused = s.seq != seq;
            self.pop_top(near);
            self.cancelled -= 1;
            if !reused {
                self.free.push(slot);
            }
        }
    }

    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        self.skip_cancelled();
        self.earliest().map(|(_, key)| unpack(key).0)
    }

    /// The earliest heap record, with `none_before` brought up to its deadline.
    #[inline]
    fn earliest(&mut self) -> Option<(bool, u128)> {
        let top = self.top();
        self.none_before = top.map_or(u64::MAX, |(_, key)| unpack(key).0.as_nanos());
        top
    }

    /// Removes and returns the earliest timer if it is due at `now`.
    #[inline]
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<TimerEntry> {
        // The common case, one comparison: no record, cancelled or not, is due yet, so no
        // live timer is.
        if !self.any_due(now) {
            return None;
        }
        self.pop_due_slow(now)
    }

    /// Whether a timer may be due at `now` (a cancelled one counts until it is dropped).
    #[inline]
    pub(crate) fn any_due(&self, now: Instant) -> bool {
        now.as_nanos() >= self.none_before
    }

    fn pop_due_slow(&mut self, now: Instant) -> Option<TimerEntry> {
        self.skip_cancelled();
        match self.earliest() {
            Some((near, key)) if unpack(key).0 <= now => {
                let slot = unpack(key).2;
                self.pop_top(near);
                self.free.push(slot);
                self.earliest();
                self.slots[slot as usize].entry.take()
            }
            _ => None,
        }
    }

    /// Removes every timer and returns the pending ones' entries.
    pub(crate) fn clear(&mut self) -> Vec<TimerEntry> {
        let pending = self.slots.drain(..).filter_map(|s| s.entry).collect();
        self.reset();
        pending
    }

    /// Back to empty, as new, keeping the allocations.
    pub(crate) fn reset(&mut self) {
        self.near.clear();
        self.far.clear();
        self.slots.clear();
        self.free.clear();
        self.next_seq = 0;
        self.cancelled = 0;
        self.none_before = u64::MAX;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn entry() -> TimerEntry {
        TimerEntry {
            task: None,
            waker: Waker::noop().clone(),
        }
    }

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn fires_in_deadline_then_registration_order() {
        let mut t = Timers::default();
        let order: Vec<_> = [(30, 1), (10, 2), (10, 3)]
            .into_iter()
            .map(|(ms, task)| {
                t.insert(
                    Instant::ZERO,
                    at(ms),
                    TimerEntry {
                        task: Some(TaskId(task)),
                        ..entry()
                    },
                )
            })
            .collect();
        assert_eq!(order.len(), 3);
        assert_eq!(t.next_deadline(), Some(at(10)));
        let fired: Vec<_> = std::iter::from_fn(|| t.pop_due(at(100)))
            .map(|e| e.task.unwrap().0)
            .collect();
        assert_eq!(fired, [2, 3, 1]);
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn many_timers_fire_in_deadline_then_registration_order() {
        // Deadlines near and far, many equal, inserted while earlier ones fire, against a sort
        // of the same (deadline, registration) pairs.
        let mut t = Timers::default();
        let mut expected = Vec::new();
        let mut fired = Vec::new();
        let mut now = 0u64;
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for round in 0..50u32 {
            for i in 0..20u32 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let deadline = now + 1 + (state % 40) * (NEAR / 10);
                let id = round * 100 + i;
                t.insert(
                    Instant::from_nanos(now),
                    Instant::from_nanos(deadline),
                    TimerEntry {
                        task: Some(TaskId(id)),
                        ..entry()
                    },
                );
                expected.push((deadline, id));
            }
            now += NEAR / 4;
            while let Some(e) = t.pop_due(Instant::from_nanos(now)) {
                fired.push(e.task.unwrap().0);
            }
        }
        while let Some(next) = t.next_deadline() {
            fired.extend(std::iter::from_fn(|| t.pop_due(next)).map(|e| e.task.unwrap().0));
        }
        expected.sort();
        let expected: Vec<u32> = expected.into_iter().map(|(_, id)| id).collect();
        assert_eq!(fired, expected);
    }

    #[test]
    fn a_cancelled_timer_never_fires_and_its_stale_key_is_harmless() {
        let mut t = Timers::default();
        let a = t.insert(Instant::ZERO, at(10), entry());
        assert!(t.remove(a).is_some());
        assert_eq!(t.next_deadline(), None);
        let b = t.insert(Instant::ZERO, at(20), entry());
        assert!(t.remove(a).is_none(), "a stale key touches nothing");
        assert!(t.waker_mut(a).is_none());
        assert!(t.waker_mut(b).is_some());
        assert!(t.pop_due(at(19)).is_none());
        assert!(t.pop_due(at(20)).is_some());
        assert!(t.waker_mut(b).is_none(), "fired");
    }

    #[test]
    fn any_due_never_misses_a_timer_and_is_exact_once_the_tops_are_seen() {
        let mut t = Timers::default();
        assert!(!t.any_due(at(1_000_000)), "nothing registered");
        let early = t.insert(Instant::ZERO, at(10), entry());
        t.insert(Instant::ZERO, at(20), entry());
        t.insert(Instant::ZERO, at(5_000), entry()); // the far heap
        assert!(!t.any_due(at(9)));
        assert!(t.any_due(at(10)));
        // A cancelled record still counts until it is dropped: a bound, never a miss.
        t.remove(early);
        assert!(t.any_due(at(10)));
        assert!(t.pop_due(at(10)).is_none());
        assert!(
            !t.any_due(at(19)),
            "exact once the cancelled top was dropped"
        );
        assert!(t.pop_due(at(20)).is_some());
        assert!(
            !t.any_due(at(4_999)),
            "exact after a pop, across both heaps"
        );
        assert!(t.any_due(at(5_000)));
        // A new earlier timer lowers the bound at once.
        t.insert(at(20), at(30), entry());
        assert!(t.any_due(at(30)));
        assert!(t.pop_due(at(30)).is_some());
        assert!(t.pop_due(at(5_000)).is_some());
        assert!(!t.any_due(at(u64::MAX / 2_000_000)), "empty again");
    }
}
