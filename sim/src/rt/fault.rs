//! Fault points: named places in the code under test where the run's fault plan may inject a
//! delay, an error, a crash, or a message-level fault.
//!
//! Outside a simulation there is no plan: every point proceeds at once.

use super::time::sleep;
use crate::fault::FaultOutcome;
use crate::runtime::context;
use std::fmt;
use std::future::pending;
use std::time::Duration;

/// An error injected at a fault point: which point, and the error's kind (as the plan names
/// it: `timeout`, `network`, `permission`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectedError {
    /// The fault point.
    pub point: String,
    /// The error's kind.
    pub kind: String,
}

impl fmt::Display for InjectedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "injected {} error at {}", self.kind, self.point)
    }
}

impl std::error::Error for InjectedError {}

/// What happens to a message at a delivery point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Deliver it once, now.
    Deliver,
    /// Lose it.
    Drop,
    /// Deliver it twice.
    Duplicate,
    /// Hold it until its requester's deadline has passed by this margin.
    Late(Duration),
}

/// A fault point for a call: proceeds (after an injected delay, if any), fails with an
/// injected error, or crashes the calling task (it never resumes). Message-level rules (drop,
/// duplicate, late) do not apply to calls and proceed; use [`delivery`] for messages.
pub async fn point(name: &str) -> Result<(), InjectedError> {
    delivery(name).await.map(|_| ())
}

/// A fault point for a message: as [`point`], and also tells the caller whether to deliver,
/// drop, duplicate or hold the message.
pub async fn delivery(name: &str) -> Result<Delivery, InjectedError> {
    // The kernel is not held across an await: the future stays `Send`.
    let Some(decision) = context::try_current().map(|k| k.with_state(|st| st.decide_fault(name)))
    else {
        return Ok(Delivery::Deliver);
    };
    match decision.outcome {
        FaultOutcome::Proceed => Ok(Delivery::Deliver),
        FaultOutcome::Delay(d) => {
            sleep(d).await;
            Ok(Delivery::Deliver)
        }
        FaultOutcome::Error(kind) => Err(InjectedError {
            point: name.to_string(),
            kind,
        }),
        FaultOutcome::CrashTask => {
            abort_current_task();
            // The task is dropped when this poll returns; it never resumes.
            pending::<()>().await;
            unreachable!("a crashed task is never polled again")
        }
        FaultOutcome::CrashProcess(pattern) => {
            context::current().with_state(|st| st.crash_processes(&pattern));
            Ok(Delivery::Deliver)
        }
        FaultOutcome::Drop => Ok(Delivery::Drop),
        FaultOutcome::Duplicate => Ok(Delivery::Duplicate),
        FaultOutcome::Late(margin) => Ok(Delivery::Late(margin)),
    }
}

/// Turns every fault off for the rest of the run: the liveness phase, in which the system
/// must recover and the end checks must hold.
pub fn heal() {
    if let Some(kernel) = context::try_current() {
        kernel.with_state(|st| st.heal());
    }
}

/// Whether faults have been healed (always true outside a simulation).
pub fn is_healed() -> bool {
    context::try_current().is_none_or(|k| k.with_state(|st| st.is_healed()))
}

fn abort_current_task() {
    context::current().abort_current();
}
