//! Session cleanup: find the agent's PID, stop the agent (SIGTERM, wait for its exit bounded
//! by the grace period, SIGKILL), reap it, delete the session's keys, and report.
//!
//! Invariants upheld here (the reference variant):
//! 1. Cleanup never blocks the executor: every wait is an `.await`.
//! 2. A cleanup takes, besides its store calls, at most the grace period, and no longer than
//!    the agent takes to exit: it waits for the exit, not for a fixed time.
//! 3. A process that is already gone (reaped by its parent) is not an error.
//! 4. The session's keys are deleted only once the agent is reaped, and never when the PID
//!    could not be looked up: the PID stays discoverable until nobody needs it.
//! 5. Concurrent cleanups share no lock: N of them take as long as the slowest.

use crate::config::OrchestratorConfig;
use crate::defect::{Defect, Variant};
use crate::journal::SharedJournal;
use crate::keys::{SessionId, PID_FIELD};
use crate::store::StoreCalls;
use crate::tombstone::Tombstones;
use asynclife_sim::rt::{self, kv, process};
use asynclife_sim::world::{ExitStatus, Pid, ProcessError, ProcessState, Signal};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub use crate::report::{CleanupReport, CleanupSource, PidSource, ProcessOutcome};

/// Why a cleanup failed; the caller may retry it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CleanupErrorKind {
    /// A store call failed after its retries.
    Store {
        /// What the cleanup was doing.
        step: &'static str,
        /// The last error.
        error: kv::Error,
    },
    /// The process was not there to signal (only the `dead-process-error` variant fails so).
    NoSuchProcess(Pid),
}

/// A failed cleanup: why, and what it did before failing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CleanupError {
    /// Why it failed.
    pub kind: CleanupErrorKind,
    /// What it did.
    pub report: CleanupReport,
}

impl fmt::Display for CleanupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let session = &self.report.session;
        match &self.kind {
            CleanupErrorKind::Store { step, error } => {
                write!(f, "cleanup of {session} failed to {step}: {error}")
            }
            CleanupErrorKind::NoSuchProcess(pid) => {
                write!(f, "cleanup of {session}: no such process {pid}")
            }
        }
    }
}

impl std::error::Error for CleanupError {}

/// Counts a cleanup as active for as long as it lives, even if its task is aborted.
struct Active<'a>(&'a AtomicUsize);

impl<'a> Active<'a> {
    fn enter(count: &'a AtomicUsize) -> Active<'a> {
        count.fetch_add(1, Ordering::Relaxed);
        Active(count)
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The cleanup procedure, shared by the API handlers and the spawn worker.
pub(crate) struct Cleaner {
    pub(crate) config: OrchestratorConfig,
    pub(crate) variant: Variant,
    pub(crate) journal: SharedJournal,
    pub(crate) tombstones: Tombstones,
    serial: tokio::sync::Mutex<()>,
    active: AtomicUsize,
}

impl Cleaner {
    pub(crate) fn new(
        config: OrchestratorConfig,
        variant: Variant,
        journal: SharedJournal,
    ) -> Arc<Cleaner> {
        let tombstones = Tombstones::new(variant, config.session_ttl());
        Arc::new(Cleaner {
            config,
            variant,
            journal,
            tombstones,
            serial: tokio::sync::Mutex::new(()),
            active: AtomicUsize::new(0),
        })
    }

    /// Cleanups in progress.
    pub(crate) fn active(&self) -> usize {
        self.active.load(Ordering::Relaxed)
    }

    /// A fresh account of store calls.
    pub(crate) fn store_calls(&self) -> StoreCalls {
        StoreCalls::new(self.config.store_retry.clone())
    }

    /// Cleans `session` up; `known` is the PID when the caller has it (the spawn worker).
    pub(crate) async fn cleanup(
        &self,
        session: &SessionId,
        source: CleanupSource,
        known: Option<Pid>,
    ) -> Result<CleanupReport, CleanupError> {
        let started_at = rt::now();
        let _active = Active::enter(&self.active);
        // seed 001 edge case 2: "Sequential cleanups (blocking)... Total delay: 5s x N
        // sessions": one cleanup at a time.
        let _serial = if self.variant.has(Defect::SerialCleanup) {
            Some(self.serial.lock().await)
        } else {
            None
        };
        let mut calls = self.store_calls();
        let mut report = CleanupReport::new(session, source, started_at);
        let result = self.run(session, known, &mut calls, &mut report).await;
        report.finished_at = rt::now();
        report.store_time = calls.spent();
        report.store_failures = calls.failed_attempts();
        report.ok = result.is_ok();
        self.journal
            .lock()
            .expect("journal lock")
            .record_cleanup(report.clone());
        match result {
            Ok(()) => Ok(report),
            Err(kind) => Err(CleanupError { kind, report }),
        }
    }

    async fn run(
        &self,
        session: &SessionId,
        known: Option<Pid>,
        calls: &mut StoreCalls,
        report: &mut CleanupReport,
    ) -> Result<(), CleanupErrorKind> {
        // The tombstone goes first: a spawn worker that stores the PID after our lookup
        // will see it. If it cannot be written we still stop what we can find, and fail so
        // that the caller retries.
        let marked = self.tombstones.mark(session, calls).await;
        let pid = match known {
            Some(pid) => {
                report.found_in = PidSource::Known;
                Some(pid)
            }
            None => match self.lookup(session, calls).await {
                Ok(found) => {
                    report.found_in = found.map_or(PidSource::NotFound, |(_, source)| source);
                    found.map(|(pid, _)| pid)
                }
                Err(error) => {
                    report.found_in = PidSource::LookupFailed;
                    // Deleting the keys now would lose the PID of a live agent.
                    let step = "look the PID up";
                    return Err(CleanupErrorKind::Store { step, error });
                }
            },
        };
        report.pid = pid;
        match pid {
            Some(pid) => self.stop(pid, report).await?,
            None => report.outcome = ProcessOutcome::NoProcess,
        }
        self.delete_keys(session, calls).await?;
        report.keys_deleted = true;
        marked.map_err(|error| CleanupErrorKind::Store {
            step: "mark the session ended",
            error,
        })
    }

    /// The PID and where it was: the session hash first, the standalone key as fallback.
    async fn lookup(
        &self,
        session: &SessionId,
        calls: &mut StoreCalls,
    ) -> Result<Option<(Pid, PidSource)>, kv::Error> {
        let session_key = session.session_key();
        let in_hash = calls.run(|| kv::hget(&session_key, PID_FIELD)).await;
        if let Ok(Some(pid)) = in_hash.as_ref().map(|v| parse_pid(v.as_deref())) {
            return Ok(Some((pid, PidSource::SessionHash)));
        }
        let pid_key = session.pid_key();
        let in_key = calls.run(|| kv::get(&pid_key)).await;
        match (in_hash, in_key.map(|v| parse_pid(v.as_deref()))) {
            (_, Ok(Some(pid))) => Ok(Some((pid, PidSource::StandaloneKey))),
            (Ok(_), Ok(None)) => Ok(None),
            // One place did not answer and the other has nothing: the PID may be there.
            (Err(error), Ok(None)) | (_, Err(error)) => Err(error),
        }
    }

    /// SIGTERM, wait for the exit at most the grace period, SIGKILL if still alive, reap.
    async fn stop(&self, pid: Pid, report: &mut CleanupReport) -> Result<(), CleanupErrorKind> {
        if process::signal(pid, Signal::Term).is_err() {
            report.outcome = ProcessOutcome::AlreadyGone;
            // seed 001 edge case 3, before the fix: ProcessLookupError escaped the handler,
            // which returned an error before deleting the session's keys.
            if self.variant.has(Defect::DeadProcessError) {
                return Err(CleanupErrorKind::NoSuchProcess(pid));
            }
            return Ok(());
        }
        report.signals.push(Signal::Term);
        let waited_from = rt::now();
        let exited = self.wait_for_exit(pid).await;
        report.waited = rt::now() - waited_from;
        if let Some(result) = exited {
            report.outcome = ProcessOutcome::Terminated;
            // An error means its parent (the spawn worker) reaped it first: it is gone.
            report.exit_status = result.ok();
            return Ok(());
        }
        report.outcome = ProcessOutcome::Terminated;
        if process::state(pid).is_some_and(ProcessState::is_alive) {
            process::signal(pid, Signal::Kill).expect("an alive process can be signalled");
            report.signals.push(Signal::Kill);
            report.outcome = ProcessOutcome::Killed;
        }
        // It has exited: this returns at once, unless its parent reaped it first.
        report.exit_status = process::wait(pid).await.ok();
        Ok(())
    }

    /// Waits for `pid` to exit, at most the grace period: `Some` (the reaped status, or an
    /// error if someone else reaped it) when it exited, `None` when the grace ran out or
    /// the variant does not wait for the exit at all.
    async fn wait_for_exit(&self, pid: Pid) -> Option<Result<ExitStatus, ProcessError>> {
        let grace = self.config.grace();
        // seed 001 #2, before the fix: `time.sleep(5)` in the handler holds the event loop,
        // so every other request (health included) waits 5 s.
        if self.variant.has(Defect::BlockingCleanup) {
            rt::blocking(grace);
            return None;
        }
        // seed 001 as documented: `await asyncio.sleep(5)`, 5 s whatever the agent does.
        if self.variant.has(Defect::FixedGraceSleep) {
            rt::sleep(grace).await;
            return None;
        }
        rt::timeout(grace, process::wait(pid)).await.ok()
    }

    async fn delete_keys(
        &self,
        session: &SessionId,
        calls: &mut StoreCalls,
    ) -> Result<(), CleanupErrorKind> {
        let (session_key, pid_key) = (session.session_key(), session.pid_key());
        let keys = [session_key.as_str(), pid_key.as_str()];
        match calls.run(|| kv::del(&keys)).await {
            Ok(_) => Ok(()),
            Err(error) => Err(CleanupErrorKind::Store {
                step: "delete the session's keys",
                error,
            }),
        }
    }
}

/// A PID as the store holds it; anything else counts as absent.
fn parse_pid(value: Option<&str>) -> Option<Pid> {
    value.and_then(|v| v.trim().parse::<u32>().ok()).map(Pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_parse_from_their_stored_form_only() {
        assert_eq!(parse_pid(Some("1004")), Some(Pid(1004)));
        assert_eq!(parse_pid(Some(" 1004\n")), Some(Pid(1004)));
        assert_eq!(parse_pid(Some("")), None);
        assert_eq!(parse_pid(Some("-1")), None);
        assert_eq!(parse_pid(None), None);
    }
}
