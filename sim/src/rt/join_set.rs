//! A set of tasks joined in completion order, like tokio's `JoinSet`.
//!
//! Each member is polled with a waker of its own that queues the member's key, so a wake-up
//! costs one poll of the member that woke, not a poll of every member: joining N tasks is
//! O(N log N), not O(N²).

use super::task::{spawn, JoinError, JoinHandle};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Owns a set of spawned tasks. `join_next` yields results as tasks finish; dropping the set
/// aborts the tasks still in it.
pub struct JoinSet<T> {
    members: BTreeMap<u64, Member<T>>,
    next_key: u64,
    /// Keys of members never polled yet (they have no waker registered).
    unpolled: Vec<u64>,
    notify: Arc<ReadyQueue>,
}

struct Member<T> {
    handle: JoinHandle<T>,
    waker: Waker,
}

/// Keys of members whose task woke them, in wake order, and the waker of whoever awaits
/// `join_next`.
#[derive(Default)]
struct ReadyQueue {
    inner: Mutex<ReadyInner>,
}

#[derive(Default)]
struct ReadyInner {
    ready: Vec<u64>,
    parent: Option<Waker>,
}

struct MemberWaker {
    key: u64,
    queue: Arc<ReadyQueue>,
}

impl Wake for MemberWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let parent = {
            let mut inner = self
                .queue
                .inner
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            inner.ready.push(self.key);
            inner.parent.clone()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet {
            members: BTreeMap::new(),
            next_key: 0,
            unpolled: Vec::new(),
            notify: Arc::default(),
        }
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet::default()
    }

    /// Spawns a named task into the set.
    #[track_caller]
    pub fn spawn<F>(&mut self, name: impl Into<Cow<'static, str>>, future: F)
    where
        F: Future<Output = T> + Send + 'static,
    {
        let handle = spawn(name, future);
        let key = self.next_key;
        self.next_key += 1;
        let waker = Waker::from(Arc::new(MemberWaker {
            key,
            queue: self.notify.clone(),
        }));
        self.members.insert(key, Member { handle, waker });
        self.unpolled.push(key);
    }

    /// Waits for the next task to finish and returns its result; `None` when the set is empty.
    /// Among tasks finished by the same step, the one whose completion woke the set first
    /// comes first.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.members.is_empty() {
            return Poll::Ready(None);
        }
        let ready = {
            let mut inner = self
                .notify
                .inner
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if !inner
                .parent
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                inner.parent = Some(cx.waker().clone());
            }
            std::mem::take(&mut inner.ready)
        };
        let unpolled = std::mem::take(&mut self.unpolled);
        let mut candidates = ready.into_iter().chain(unpolled).peekable();
        while let Some(key) = candidates.next() {
            let Some(member) = self.members.get_mut(&key) else {
                continue; // joined already; a stale wake-up
            };
            let mut member_cx = Context::from_waker(&member.waker);
            if let Poll::Ready(result) = Pin::new(&mut member.handle).poll(&mut member_cx) {
                self.members.remove(&key);
                // Keys not examined yet go back to the queue for the next call.
                let rest: Vec<u64> = candidates.collect();
                if !rest.is_empty() {
                    let mut inner = self
                        .notify
                        .inner
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    let later = std::mem::replace(&mut inner.ready, rest);
                    inner.ready.extend(later);
                    drop(inner);
                    cx.waker().wake_by_ref();
                }
                return Poll::Ready(Some(result));
            }
        }
        Poll::Pending
    }
}

impl<T> JoinSet<T> {
    /// Aborts every task in the set. They stay in it until joined.
    pub fn abort_all(&self) {
        for member in self.members.values() {
            member.handle.abort();
        }
    }

    /// Number of tasks not yet joined.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether every task has been joined.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}
