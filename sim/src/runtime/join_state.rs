//! A task's result as the kernel keeps it in the task's slot, with who waits for it and
//! whether its handle is gone; and [`JoinError`], why a task produced no value. A leaf: the
//! kernel's glue (waking the joiner, reporting a lost panic) is in `join.rs`.

use std::any::Any;
use std::fmt;
use std::num::NonZeroU32;
use std::task::Waker;

/// Why a task produced no value. Its `Display` and `Debug` are tokio's (`task 3 panicked with
/// message "boom"`, `JoinError::Cancelled(Id(3))`); the id is the task's in the run.
#[derive(Clone, PartialEq, Eq)]
pub struct JoinError {
    repr: JoinErrorRepr,
    /// The task's id: its index in a simulation, tokio's task id outside one.
    id: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum JoinErrorRepr {
    /// The panic's message, and whether its payload was a string (else the message says it
    /// was not).
    Panic {
        message: String,
        string_payload: bool,
    },
    Cancelled,
}

impl JoinError {
    pub(crate) fn panic(id: u64, message: String, string_payload: bool) -> JoinError {
        JoinError {
            repr: JoinErrorRepr::Panic {
                message,
                string_payload,
            },
            id,
        }
    }

    pub(crate) fn cancelled(id: u64) -> JoinError {
        JoinError {
            repr: JoinErrorRepr::Cancelled,
            id,
        }
    }

    /// The id of the task that failed: its index in a simulation (the trace's `#N`), tokio's
    /// task id outside one.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Panic { .. })
    }

    /// The task was aborted.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Cancelled)
    }

    /// The panic message, when the task panicked.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            JoinErrorRepr::Panic { message, .. } => Some(message),
            JoinErrorRepr::Cancelled => None,
        }
    }

    /// The panic's payload, as tokio's `JoinError::into_panic` gives it. The engine keeps a
    /// panic's message, not its payload: this is a `Box<String>` of the message, whatever the
    /// task panicked with.
    ///
    /// # Panics
    /// If the task was aborted, as tokio's does.
    pub fn into_panic(self) -> Box<dyn std::any::Any + Send + 'static> {
        self.try_into_panic()
            .expect("`JoinError` reason is not a panic.")
    }

    /// The panic's payload (see [`JoinError::into_panic`]), or the error itself when the task
    /// was aborted.
    pub fn try_into_panic(self) -> Result<Box<dyn std::any::Any + Send + 'static>, JoinError> {
        match self.repr {
            JoinErrorRepr::Panic { message, .. } => Ok(Box::new(message)),
            JoinErrorRepr::Cancelled => Err(self),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id;
        match &self.repr {
            JoinErrorRepr::Panic {
                message,
                string_payload: true,
            } => write!(f, "task {id} panicked with message {message:?}"),
            JoinErrorRepr::Panic { .. } => write!(f, "task {id} panicked"),
            JoinErrorRepr::Cancelled => write!(f, "task {id} was cancelled"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id;
        match &self.repr {
            JoinErrorRepr::Panic {
                message,
                string_payload: true,
            } => write!(f, "JoinError::Panic(Id({id}), {message:?}, ...)"),
            JoinErrorRepr::Panic { .. } => write!(f, "JoinError::Panic(Id({id}), ...)"),
            JoinErrorRepr::Cancelled => write!(f, "JoinError::Cancelled(Id({id}))"),
        }
    }
}

impl std::error::Error for JoinError {}

/// A task's output, type-erased in the kernel; `Box` of a zero-sized output allocates nothing.
/// Only the task's own handle takes it back, by a checked `downcast` to the type it was
/// spawned with.
pub(crate) type Output = Box<dyn Any + Send>;

/// A task's result and its handle's state, in the task's slot.
#[derive(Default)]
pub(crate) struct JoinState {
    result: Option<Result<Output, JoinError>>,
    /// The handle has returned the result: polling it again is a bug in the caller.
    returned: bool,
    joiner: Option<Waker>,
    handle_dropped: bool,
    /// The join set (and key in it) the task belongs to, until it finishes.
    member_of: Option<Membership>,
}

/// A join set member's set and key. The set is kept plus one, so that an
/// `Option<Membership>` takes no more room than the pair (a join state fits in 64 bytes).
#[derive(Clone, Copy)]
struct Membership {
    key: u64,
    set_plus_one: NonZeroU32,
}

impl Membership {
    fn new(set: u32, key: u64) -> Membership {
        let set_plus_one = set
            .checked_add(1)
            .and_then(NonZeroU32::new)
            .expect("fewer than 2^32 - 1 join sets in one run");
        Membership { key, set_plus_one }
    }

    fn set(self) -> u32 {
        self.set_plus_one.get() - 1
    }
}

/// What finishing a task leaves to do once the state is released: wake the joiner, tell the
/// join set, and drop a result that came too late (its drop may call back into the kernel).
pub(crate) struct Leftovers {
    pub(crate) joiner: Option<Waker>,
    /// The join set and the key in it.
    pub(crate) member_of: Option<(u32, u64)>,
    pub(crate) unused: Option<Result<Output, JoinError>>,
}

/// Where a handle's poll stands.
pub(crate) enum Polled {
    /// The handle returned the result already: polling it again is the caller's bug.
    AlreadyReturned,
    Ready(Result<Output, JoinError>),
    Pending,
}

impl JoinState {
    /// Files `result` as the task's, unless it has one (then it is left over, unused).
    pub(crate) fn finish(&mut self, result: Result<Output, JoinError>) -> Leftovers {
        let unused = if self.result.is_none() {
            self.result = Some(result);
            None
        } else {
            Some(result)
        };
        Leftovers {
            joiner: self.joiner.take(),
            member_of: self.member_of.take().map(|m| (m.set(), m.key)),
            unused,
        }
    }

    /// Makes the task member `key` of join set `set`.
    pub(crate) fn set_member_of(&mut self, set: u32, key: u64) {
        debug_assert!(
            self.result.is_none() && self.member_of.is_none(),
            "a member joins its set when it is spawned"
        );
        self.member_of = Some(Membership::new(set, key));
    }

    /// The handle's poll: the result, taken once.
    pub(crate) fn poll(&mut self) -> Polled {
        if self.returned {
            return Polled::AlreadyReturned;
        }
        match self.result.take() {
            Some(result) => {
                self.returned = true;
                Polled::Ready(result)
            }
            None => Polled::Pending,
        }
    }

    /// Whether the registered joiner is `waker` already.
    pub(crate) fn joiner_will_wake(&self, waker: &Waker) -> bool {
        self.joiner.as_ref().is_some_and(|w| w.will_wake(waker))
    }

    /// Registers `waker` as the joiner, returning the one it replaces.
    pub(crate) fn replace_joiner(&mut self, waker: Waker) -> Option<Waker> {
        self.joiner.replace(waker)
    }

    /// The handle is dropped: the result nobody will take, and the joiner, to drop.
    pub(crate) fn drop_handle(&mut self) -> (Option<Result<Output, JoinError>>, Option<Waker>) {
        self.handle_dropped = true;
        (self.result.take(), self.joiner.take())
    }

    /// Whether the handle is gone.
    pub(crate) fn is_handle_dropped(&self) -> bool {
        self.handle_dropped
    }

    /// Whether the task has a result, or its handle took it.
    pub(crate) fn is_finished(&self) -> bool {
        self.returned || self.result.is_some()
    }

    /// The message of a panic result that a live handle has not observed yet.
    pub(crate) fn unobserved_panic(&self) -> Option<String> {
        if self.handle_dropped {
            // Reported when the handle was dropped, or at the panic if it was gone by then.
            return None;
        }
        match &self.result {
            Some(Err(e)) => e.panic_message().map(str::to_string),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_membership_takes_the_room_of_its_pair_and_gives_back_what_it_was_given() {
        assert_eq!(
            std::mem::size_of::<Option<Membership>>(),
            std::mem::size_of::<(u64, u32)>()
        );
        for (set, key) in [(0, 0), (7, u64::MAX), (u32::MAX - 1, 1 << 40)] {
            let member = Membership::new(set, key);
            assert_eq!((member.set(), member.key), (set, key));
        }
    }
}
