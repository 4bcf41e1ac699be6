//! Panics inside simulated tasks: caught at the poll, message kept, nothing printed.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::sync::Once;

/// What the panic hook and `catch` share on one thread.
struct PollPanics {
    /// A task's poll is running on this thread: its panics are caught, and the hook is quiet.
    in_task_poll: Cell<bool>,
    /// Where the last panic in a task's poll was raised.
    last_location: RefCell<Option<String>>,
}

thread_local! {
    static POLL_PANICS: PollPanics = const {
        PollPanics {
            in_task_poll: Cell::new(false),
            last_location: RefCell::new(None),
        }
    };
}

static INSTALL: Once = Once::new();

/// Installs, once per process, a panic hook that stays silent for panics inside a simulated
/// task's poll (they become the task's result, and the report shows them) and defers to the
/// previous hook everywhere else.
pub(crate) fn install_quiet_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if POLL_PANICS.with(|p| p.in_task_poll.get()) {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                POLL_PANICS.with(|p| *p.last_location.borrow_mut() = location);
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
    /// `file:line`; kept out of the trace so that moving code does not change trace hashes.
    pub(crate) location: Option<String>,
}

/// Runs `f` as a task poll: a panic inside is caught and returned.
#[inline]
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, CaughtPanic> {
    let was = POLL_PANICS.with(|p| {
        // A panic the task caught itself (catch_unwind in the code under test) left its
        // location.
        if p.last_location.borrow().is_some() {
            p.last_location.borrow_mut().take();
        }
        p.in_task_poll.replace(true)
    });
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    POLL_PANICS.with(|p| p.in_task_poll.set(was));
    result.map_err(|payload| {
        let location = POLL_PANICS.with(|p| p.last_location.borrow_mut().take());
        CaughtPanic {
            message: payload_message(payload.as_ref()),
            location,
        }
    })
}

pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}
