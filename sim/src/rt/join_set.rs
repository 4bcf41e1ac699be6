//! A set of tasks joined in completion order, like tokio's `JoinSet`.
//!
//! A member that finishes queues its key, so a wake-up costs one poll of the member that
//! finished, not a poll of every member: joining N tasks is O(N), not O(N²). Members live in
//! a slab whose slots are reused, with a generation in each key so that a stale wake-up never
//! reaches a later member. In a simulation the queue lives in the kernel, which queues a
//! member's key when its task finishes; on tokio it is shared, behind a mutex, and each member
//! is polled with a waker of its own that queues its key, first when it is spawned. Either
//! way a member is queued when it finishes, even before the set is first awaited: results
//! come in the order tasks finished, as from tokio's own `JoinSet`.

use super::task::{spawn, AbortHandle, JoinError, JoinHandle};
use crate::runtime::context;
use crate::runtime::kernel::Kernel;
use std::borrow::Cow;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Owns a set of spawned tasks. `join_next` yields results as tasks finish; dropping the set
/// aborts the tasks still in it.
pub struct JoinSet<T> {
    /// Members by slot; a joined member's slot is reused by a later spawn.
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
    /// Keys being examined by `poll_join_next`; kept to reuse its allocation.
    scratch: Vec<u64>,
    notify: Notify,
}

/// Where members' wake-ups go.
enum Notify {
    /// In a simulation: the kernel keeps the set's queue and fills it as members finish.
    Sim { run_id: u64, set: u32 },
    /// On tokio: a shared queue, and one `Arc` waker per member.
    Shared(Arc<ReadyQueue>),
}

/// One slot: its generation (bumped when its member is joined, so that a stale wake-up of the
/// old member never reaches a new one) and its member.
struct Slot<T> {
    generation: u32,
    member: Option<Member<T>>,
}

struct Member<T> {
    handle: JoinHandle<T>,
    /// On tokio, the waker that queues this member's key; in a simulation the kernel queues
    /// it, and a queued member is always finished.
    waker: Option<Waker>,
    /// On tokio, a result the handle gave at once when it was spawned (another thread ran
    /// the task already); its key is queued.
    early: Option<Result<T, JoinError>>,
}

/// A member's key: its slot and the slot's generation when it joined the set.
fn key(slot: u32, generation: u32) -> u64 {
    u64::from(generation) << 32 | u64::from(slot)
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

impl ReadyQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, ReadyInner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
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
            let mut inner = self.queue.lock();
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
        let notify = context::with_current(|kernel| Notify::Sim {
            run_id: kernel.run_id(),
            set: kernel.new_join_set(),
        })
        .unwrap_or_else(|| Notify::Shared(Arc::default()));
        JoinSet {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            scratch: Vec::new(),
            notify,
        }
    }
}

impl Notify {
    /// Runs `f` on the kernel of the set's run.
    ///
    /// # Panics
    /// If the set is used outside the simulation it was made in.
    fn with_kernel<R>(run_id: u64, f: impl FnOnce(&Kernel) -> R) -> R {
        context::with_current(|kernel| (kernel.run_id() == run_id).then(|| f(kernel)))
            .flatten()
            .expect("a JoinSet made in a simulation is used inside it")
    }

    /// Enrols a new member: in a simulation its task is told its set and key, and `None` is
    /// returned; on tokio, the member's own waker.
    fn enrol<T>(&self, key: u64, handle: &JoinHandle<T>) -> Option<Waker> {
        match self {
            Notify::Sim { run_id, set } => {
                let task = handle
                    .sim_id()
                    .expect("a simulated set spawns simulated tasks");
                Notify::with_kernel(*run_id, |kernel| {
                    kernel.add_join_set_member(*set, key, task);
                });
                None
            }
            Notify::Shared(queue) => Some(Waker::from(Arc::new(MemberWaker {
                key,
                queue: queue.clone(),
            }))),
        }
    }

    /// Makes `parent` the waiter and moves the keys that woke into `into` (empty).
    fn take_ready(&self, parent: &Waker, into: &mut Vec<u64>) {
        match self {
            Notify::Sim { run_id, set } => {
                Notify::with_kernel(*run_id, |kernel| kernel.take_ready(*set, parent, into));
            }
            Notify::Shared(queue) => {
                let mut inner = queue.lock();
                if !inner.parent.as_ref().is_some_and(|w| w.will_wake(parent)) {
                    inner.parent = Some(parent.clone());
                }
                std::mem::swap(&mut inner.ready, into);
            }
        }
    }

    /// Puts `keys` back at the front of the queue; leaves `keys` empty.
    fn requeue_front(&self, keys: &mut Vec<u64>) {
        match self {
            Notify::Sim { run_id, set } => {
                Notify::with_kernel(*run_id, |kernel| kernel.requeue_front(*set, keys));
            }
            Notify::Shared(queue) => {
                let mut inner = queue.lock();
                keys.append(&mut inner.ready);
                std::mem::swap(&mut inner.ready, keys);
            }
        }
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet::default()
    }

    /// Spawns a named task into the set; the handle aborts it.
    #[track_caller]
    pub fn spawn<F>(&mut self, name: impl Into<Cow<'static, str>>, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let mut handle = spawn(name, future);
        let abort = handle.abort_handle();
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    member: None,
                });
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 members")
            }
        };
        let entry = &mut self.slots[slot as usize];
        let key = key(slot, entry.generation);
        let waker = self.notify.enrol(key, &handle);
        let early = waker.as_ref().and_then(|w| register(&mut handle, w));
        self.slots[slot as usize].member = Some(Member {
            handle,
            waker,
            early,
        });
        self.len += 1;
        abort
    }

    /// Waits for the next task to finish and returns its result; `None` when the set is empty.
    /// Among tasks finished by the same step, the one whose completion woke the set first
    /// comes first.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// The result of a task that has finished, if any, without waiting; `None` when the set
    /// is empty or no member has finished.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        match self.poll_join_next(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(result) => result,
            Poll::Pending => None,
        }
    }

    /// Aborts every task and waits for them all to end.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Removes every task from the set without aborting it: the tasks run on, detached, as
    /// after dropping their handles (tokio's `JoinSet::detach_all`). A detached member that
    /// finishes later is not joined: its slot's generation has moved on.
    pub fn detach_all(&mut self) {
        for slot in 0..self.slots.len() {
            let entry = &self.slots[slot];
            if entry.member.is_some() {
                let slot = u32::try_from(slot).expect("fewer than 2^32 members");
                self.remove(key(slot, entry.generation));
            }
        }
    }

    /// The member with this key, if it is still in the set.
    fn member_mut(&mut self, key: u64) -> Option<&mut Member<T>> {
        let slot = self.slots.get_mut((key & u64::from(u32::MAX)) as usize)?;
        if u64::from(slot.generation) != key >> 32 {
            return None; // joined already: a stale wake-up
        }
        slot.member.as_mut()
    }

    fn remove(&mut self, key: u64) {
        let slot_index = (key & u64::from(u32::MAX)) as u32;
        let slot = &mut self.slots[slot_index as usize];
        slot.member = None;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(slot_index);
        self.len -= 1;
    }

    fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        // The candidates: members that woke, in the order they woke.
        let mut candidates = std::mem::take(&mut self.scratch);
        debug_assert!(candidates.is_empty());
        self.notify.take_ready(cx.waker(), &mut candidates);
        for i in 0..candidates.len() {
            let key = candidates[i];
            let Some(member) = self.member_mut(key) else {
                continue;
            };
            let polled = match member.early.take() {
                Some(result) => Poll::Ready(result),
                None => {
                    let waker = member.waker.as_ref().unwrap_or(Waker::noop());
                    Pin::new(&mut member.handle).poll(&mut Context::from_waker(waker))
                }
            };
            debug_assert!(
                polled.is_ready() || member.waker.is_some(),
                "the kernel queues a simulated member only once it has finished"
            );
            if let Poll::Ready(result) = polled {
                self.remove(key);
                // Keys not examined yet go back to the front of the queue for the next call.
                if i + 1 < candidates.len() {
                    candidates.drain(..=i);
                    self.notify.requeue_front(&mut candidates);
                    cx.waker().wake_by_ref();
                }
                candidates.clear();
                self.scratch = candidates;
                return Poll::Ready(Some(result));
            }
        }
        candidates.clear();
        self.scratch = candidates;
        Poll::Pending
    }
}

/// On tokio: polls a new member's handle with its waker, so that it is queued when it
/// finishes; its result if it has finished already (queued at once).
#[inline(never)]
fn register<T>(handle: &mut JoinHandle<T>, waker: &Waker) -> Option<Result<T, JoinError>> {
    match Pin::new(handle).poll(&mut Context::from_waker(waker)) {
        Poll::Ready(result) => {
            waker.wake_by_ref();
            Some(result)
        }
        Poll::Pending => None,
    }
}

impl<T> JoinSet<T> {
    /// Aborts every task in the set. They stay in it until joined.
    pub fn abort_all(&self) {
        for member in self.slots.iter().filter_map(|s| s.member.as_ref()) {
            member.handle.abort();
        }
    }

    /// Number of tasks not yet joined.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether every task has been joined.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
        if let Notify::Sim { run_id, set } = self.notify {
            context::with_current(|kernel| {
                if kernel.run_id() == run_id {
                    kernel.drop_join_set(set);
                }
            });
        }
    }
}
