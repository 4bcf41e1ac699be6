//! A stable, order-sensitive hash of trace events, defined here so that it never changes with a
//! compiler or library version (std's hashers promise no such thing).

use super::event::{Event, EventKind, TaskId};
use crate::time::Instant;

/// Word-at-a-time mixing in the style of FxHash, with a final avalanche.
#[derive(Clone, Debug)]
pub struct TraceHasher {
    state: u64,
}

const SEED: u64 = 0x243f_6a88_85a3_08d3;
const MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher { state: SEED }
    }
}

impl TraceHasher {
    /// Mixes one word in.
    #[inline]
    pub fn word(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    }

    /// Mixes a string in: its length, then its bytes eight at a time.
    pub fn text(&mut self, text: &str) {
        self.word(text.len() as u64);
        for chunk in text.as_bytes().chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.word(u64::from_le_bytes(buf));
        }
    }

    /// Mixes one event in. Always inlined: the engine calls it with a constant kind for its
    /// own events (poll, wake, timer), and the match then folds away.
    #[inline(always)]
    pub fn event(&mut self, event: &Event) {
        self.parts(event.at, event.task, &event.kind);
    }

    /// Mixes in the event made of these parts, as [`TraceHasher::event`] does.
    #[inline(always)]
    pub fn parts(&mut self, at: Instant, task: Option<TaskId>, kind: &EventKind) {
        self.word(at.as_nanos());
        self.word(task.map_or(u64::MAX, |t| u64::from(t.0)));
        match kind {
            EventKind::Spawn => self.word(1),
            EventKind::Poll => self.word(2),
            EventKind::Wake => self.word(3),
            EventKind::TimerFired => self.word(4),
            EventKind::Complete => self.word(5),
            EventKind::Panic { message } => {
                self.word(6);
                self.text(message);
            }
            EventKind::Abort => self.word(7),
            EventKind::Blocked { duration_ns } => {
                self.word(8);
                self.word(*duration_ns);
            }
            EventKind::Fault { point, outcome } => {
                self.word(9);
                self.text(point);
                self.text(outcome);
            }
            EventKind::Process { pid, change } => {
                self.word(10);
                self.word(u64::from(*pid));
                self.text(change);
            }
            EventKind::Kv { command } => {
                self.word(11);
                self.text(command);
            }
            EventKind::User { message } => {
                self.word(12);
                self.text(message);
            }
            EventKind::Violation { kind, message } => {
                self.word(13);
                self.text(kind);
                self.text(message);
            }
        }
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        let mut h = self.state;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at_ms: u64, task: u32, kind: EventKind) -> Event {
        Event {
            at: Instant::from_millis(at_ms),
            task: Some(TaskId(task)),
            kind,
        }
    }

    #[test]
    fn hash_is_order_sensitive() {
        let a = ev(1, 1, EventKind::Poll);
        let b = ev(1, 2, EventKind::Poll);
        let mut ab = TraceHasher::default();
        ab.event(&a);
        ab.event(&b);
        let mut ba = TraceHasher::default();
        ba.event(&b);
        ba.event(&a);
        assert_ne!(ab.finish(), ba.finish());
    }

    #[test]
    fn hash_value_is_stable_across_versions() {
        // A pinned value: if this changes, every recorded failure file stops replaying.
        let mut h = TraceHasher::default();
        h.event(&ev(
            5,
            3,
            EventKind::User {
                message: "hello".into(),
            },
        ));
        assert_eq!(h.finish(), 0x09c2_364d_56ca_166b);
    }
}
