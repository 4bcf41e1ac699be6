//! Panics inside simulated tasks: marked as a poll's, caught by the step loop (`sim.rs`),
//! message and place kept, nothing printed.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::sync::Once;

thread_local! {
    /// A task's poll is running on this thread: its panics are the task's, and the hook is
    /// quiet. Apart from the location below so that reading it, twice a step, is a plain
    /// load (a thread-local with a destructor checks its registration at every access).
    static IN_TASK_POLL: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic in a task's poll was raised.
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Installs, once per process, a panic hook that stays silent for panics inside a simulated
/// task's poll (they become the task's result, and the report shows them) and defers to the
/// previous hook everywhere else.
pub(crate) fn install_quiet_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_TASK_POLL.get() {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                LAST_LOCATION.with_borrow_mut(|last| *last = location);
            } else {
                // The kernel may hold its state (a panic in its own code): whatever the hook
                // does, it must not reach the state meanwhile (see `state_cell.rs`).
                match super::context::with_current(|kernel| kernel.state.lend(|| previous(info))) {
                    Some(()) => {}
                    None => previous(info),
                }
            }
        }));
    });
}

/// A caught panic: its message, and where it was raised.
pub(crate) struct CaughtPanic {
    pub(crate) message: String,
    /// Whether the payload was a string (`panic!`'s), or something else (`panic_any`).
    pub(crate) string_payload: bool,
    /// `file:line`; kept out of the trace so that moving code does not change trace hashes.
    pub(crate) location: Option<String>,
}

/// Marks the thread as polling a task, until `leave_poll`: a panic is then the task's, the
/// step loop catches it, and the hook stays quiet (it only notes where it was raised).
#[inline]
pub(crate) fn enter_poll() {
    IN_TASK_POLL.set(true);
}

/// Ends the mark of `enter_poll`; true if it was set, that is if a task's poll was under way.
#[inline]
pub(crate) fn leave_poll() -> bool {
    IN_TASK_POLL.replace(false)
}

/// The panic that unwound a task's poll, with where the hook saw it raised. A location left
/// by a panic the task caught itself is overwritten by the next one's, so it is never
/// reported for another panic (unless that one was re-raised with `resume_unwind`, which
/// skips the hook: then it names the original panic's place, which is where it came from).
pub(crate) fn caught(payload: Box<dyn Any + Send>) -> CaughtPanic {
    CaughtPanic {
        message: panic_message(payload.as_ref()),
        string_payload: payload.is::<&str>() || payload.is::<String>(),
        location: LAST_LOCATION.with_borrow_mut(Option::take),
    }
}

/// A panic payload as text: the message of `panic!("..")` (a `&str` or a `String` payload),
/// or a fixed phrase for any other payload. What a caught panic reports as its message,
/// on the engine, in real mode and in the subsystems alike.
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("lost {}", 3)).unwrap_err();
/// assert_eq!(asynclife_sim::rt::panic_message(payload.as_ref()), "lost 3");
/// ```
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}
