//! The runnable tasks, in the order they became runnable, with removal at any position: the
//! scheduling policy picks a task by its position.
//!
//! A `VecDeque` did this, but the random policy removes from the middle, and `VecDeque::remove`
//! spent more on its wrap-around arithmetic than on moving the few ids after the pick (4% of
//! the cleanup storm). Here the ids sit contiguously in a `Vec` after a read offset: taking
//! the front only moves the offset, and a removal moves the shorter side by one place.

use crate::trace::TaskId;

#[derive(Debug, Default)]
pub(crate) struct RunQueue {
    /// The queue is `ids[head..]`.
    ids: Vec<TaskId>,
    head: usize,
}

/// A front offset past which `pop_front` compacts the buffer (once it is also over half of
/// it), so that a queue that never empties keeps a bounded buffer.
const COMPACT_AT: usize = 256;

impl RunQueue {
    pub(crate) fn with_capacity(capacity: usize) -> RunQueue {
        RunQueue {
            ids: Vec::with_capacity(capacity),
            head: 0,
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.ids.len() - self.head
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.ids.len() == self.head
    }

    #[inline]
    pub(crate) fn push_back(&mut self, id: TaskId) {
        self.ids.push(id);
    }

    /// The queue, front first.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[TaskId] {
        &self.ids[self.head..]
    }

    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<TaskId> {
        let id = *self.ids.get(self.head)?;
        self.advance_head();
        Some(id)
    }

    /// Drops the front place from the queue.
    #[inline]
    fn advance_head(&mut self) {
        self.head += 1;
        if self.head == self.ids.len() {
            self.clear();
        } else if self.head >= COMPACT_AT && self.head * 2 >= self.ids.len() {
            self.ids.drain(..self.head);
            self.head = 0;
        }
    }

    /// Removes and returns the id at `index` (from the front); the others keep their order.
    ///
    /// # Panics
    /// If `index` is not below `len()`.
    #[inline]
    pub(crate) fn remove(&mut self, index: usize) -> TaskId {
        let len = self.len();
        assert!(index < len, "run queue index {index} out of {len}");
        if index == 0 {
            return self.pop_front().expect("the queue is not empty");
        }
        let at = self.head + index;
        let id = self.ids[at];
        if index < len / 2 {
            // The ids before it move one place back, into its place.
            self.ids.copy_within(self.head..at, self.head + 1);
            self.advance_head();
        } else {
            self.ids.remove(at);
        }
        id
    }

    pub(crate) fn clear(&mut self) {
        self.ids.clear();
        self.head = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    fn ids(q: &RunQueue) -> Vec<u32> {
        q.as_slice().iter().map(|t| t.0).collect()
    }

    #[test]
    fn removal_keeps_the_order_of_the_rest() {
        let mut q = RunQueue::default();
        for i in 0..6 {
            q.push_back(TaskId(i));
        }
        assert_eq!(q.remove(1), TaskId(1)); // front side moves
        assert_eq!(ids(&q), [0, 2, 3, 4, 5]);
        assert_eq!(q.remove(3), TaskId(4)); // back side moves
        assert_eq!(ids(&q), [0, 2, 3, 5]);
        assert_eq!(q.remove(0), TaskId(0));
        assert_eq!(q.pop_front(), Some(TaskId(2)));
        assert_eq!(ids(&q), [3, 5]);
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn matches_a_vecdeque_under_mixed_operations() {
        // A deterministic mix of pushes, front pops and removals at every position, long
        // enough to cross the compaction threshold several times.
        let (mut q, mut model) = (RunQueue::default(), VecDeque::new());
        let mut x: u64 = 1;
        for step in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match x % 5 {
                0 | 1 => {
                    q.push_back(TaskId(step));
                    model.push_back(TaskId(step));
                }
                2 => assert_eq!(q.pop_front(), model.pop_front()),
                _ if !model.is_empty() => {
                    let index = (x >> 8) as usize % model.len();
                    assert_eq!(Some(q.remove(index)), model.remove(index));
                }
                _ => {}
            }
            assert_eq!(q.len(), model.len());
            assert!(q.as_slice().iter().eq(model.iter()));
            assert!(q.ids.len() <= 2 * COMPACT_AT.max(2 * model.len()) + 1);
        }
    }

    #[test]
    fn an_emptied_queue_starts_over_at_the_front_of_its_buffer() {
        let mut q = RunQueue::default();
        q.push_back(TaskId(1));
        q.push_back(TaskId(2));
        q.pop_front();
        q.pop_front();
        assert!(q.is_empty());
        assert_eq!(q.head, 0);
        assert!(q.ids.is_empty());
    }
}
