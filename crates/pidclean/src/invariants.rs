//! The properties every run of the orchestrator must have, registered with the engine.
//!
//! They read the simulated world (process table, store) directly, and the journal for what
//! only the clients know (which sessions they ended, what came back, health latencies) and
//! for the cleanup reports' timings.
//!
//! 1. `no-orphan-agent` (end): every agent spawned for a session that ended was killed (or
//!    exited) and reaped.
//! 2. `pid-discoverable` (every step): while its session has not been ended, a live or
//!    unreaped agent's PID is in `session:{id}.agentPid` or `agent:{id}:pid`, from the
//!    moment the process exists. The only allowance is the spawn worker's write of it (the
//!    store's latency, retries included), which the worker opens in the step that spawns
//!    the agent. Once the session has been ended the tombstone, not the lookup, is what must
//!    find the agent, and invariant 1 judges the outcome.
//! 3. `health-latency` (every step): every health probe is answered within 10 ms of virtual
//!    time of being sent, cleanups or not; a probe still waiting counts as it waits.
//! 4. `cleanup-within-grace` (every step): a cleanup takes at most the grace period plus
//!    [`CLEANUP_EPSILON`], its store calls (latency, retries, backoff) excepted; so N
//!    concurrent cleanups finish within that bound whatever N.
//! 5. `cleanup-prompt` (every step): a cleanup returns within [`CLEANUP_EPSILON`] (plus its
//!    store calls) of its agent's exit: it waits for the exit, not for a fixed time.
//! 6. `pid-key-ttl` (every step): every `agent:{id}:pid` key carries a TTL of at most the
//!    PID TTL (7200 s).
//! 7. `session-keys-removed` (end): no key of an ended session is left, and every key left
//!    (tombstones) carries a TTL within the session bound.
//! 8. `dead-process-cleanup` (end): ending a session whose agent had already exited
//!    succeeds, at the latest when the client retries it after the faults healed.
//! 9. `kill-after-grace` (every step, from the process table): an agent is SIGKILLed only
//!    after a SIGTERM and the whole grace period since it, and never once it has exited
//!    (a stop that sees the exit does not signal it again).

use crate::config::OrchestratorConfig;
use crate::journal::SharedJournal;
use crate::keys::{SessionId, PID_FIELD};
use crate::view::{AgentView, READER_DISCOVERABLE, READER_KEY_TTL};
use asynclife_sim::check::{always, at_end};
use asynclife_sim::rt::{self, kv, process};
use asynclife_sim::world::{ExitStatus, Pid, ProcessState, ProcessTable, Signal, Ttl};
use asynclife_sim::Instant;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// The bound on a health probe's latency.
pub const HEALTH_LATENCY_BOUND: Duration = Duration::from_millis(10);
/// What a cleanup may take beyond the grace period (or its agent's exit), store calls
/// excepted: nothing in the reference, so this is slack for the bookkeeping of a real one.
pub const CLEANUP_EPSILON: Duration = Duration::from_millis(100);

/// Registers the invariants of a run that writes its observations into `journal`.
///
/// # Panics
/// Outside a simulation.
pub fn register(journal: &SharedJournal, config: &OrchestratorConfig) {
    let view = Rc::new(RefCell::new(AgentView::default()));
    rt::invariant(at_end("no-orphan-agent", no_orphan_agent(journal.clone())));
    rt::invariant(always(
        "pid-discoverable",
        pid_discoverable(journal.clone(), view.clone()),
    ));
    rt::invariant(always("health-latency", health_latency(journal.clone())));
    rt::invariant(always(
        "cleanup-within-grace",
        cleanup_within_grace(journal.clone(), config.grace()),
    ));
    rt::invariant(always("cleanup-prompt", cleanup_prompt(journal.clone())));
    rt::invariant(always(
        "pid-key-ttl",
        pid_key_ttl(journal.clone(), view, config.pid_ttl()),
    ));
    let bound = config.pid_ttl().max(config.session_ttl());
    rt::invariant(at_end(
        "session-keys-removed",
        session_keys_removed(journal.clone(), bound),
    ));
    rt::invariant(at_end(
        "dead-process-cleanup",
        dead_process_cleanup(journal.clone()),
    ));
    rt::invariant(always("kill-after-grace", kill_after_grace(config.grace())));
}

type Check = Box<dyn FnMut(Instant) -> Result<(), String>>;

fn no_orphan_agent(journal: SharedJournal) -> Check {
    Box::new(move |_| {
        let journal = journal.lock().expect("journal lock");
        let orphans: Vec<String> = process::inspect(|table, _| {
            table
                .iter()
                .filter(|p| !matches!(p.state, ProcessState::Reaped(_)))
                .filter_map(|p| SessionId::of_agent(p.name).map(|s| (p.pid, s, p.state)))
                .filter(|(_, session, _)| journal.is_ended(session))
                .map(|(pid, session, state)| format!("{pid} of {session} ({state})"))
                .collect()
        });
        match orphans.is_empty() {
            true => Ok(()),
            false => Err(format!(
                "agents of ended sessions were never killed and reaped: {}",
                orphans.join(", ")
            )),
        }
    })
}

fn pid_discoverable(journal: SharedJournal, view: Rc<RefCell<AgentView>>) -> Check {
    Box::new(move |_| {
        let journal = journal.lock().expect("journal lock");
        let mut view = view.borrow_mut();
        let agents = view.read(READER_DISCOVERABLE, &journal);
        let mut at_risk = agents
            .iter_mut()
            .flatten()
            .filter(|a| a.unreaped && !a.ended)
            .filter(|a| !journal.is_writing_pid(&a.session))
            .peekable();
        if at_risk.peek().is_none() {
            return Ok(());
        }
        kv::inspect(|store, now| {
            for agent in at_risk {
                if !agent.discoverable(store, now) {
                    return Err(format!(
                        "agent {} of {} is alive and its PID is neither in {}.{PID_FIELD} \
                         nor in {}: an end now could not find it",
                        agent.pid, agent.session, agent.session_key, agent.pid_key
                    ));
                }
            }
            Ok(())
        })
    })
}

fn health_latency(journal: SharedJournal) -> Check {
    let mut seen = 0;
    Box::new(move |now| {
        let journal = journal.lock().expect("journal lock");
        let latencies = &journal.health_latencies()[seen..];
        seen += latencies.len();
        let pending = journal.pending_probe().map(|due| now - due);
        let worst = latencies.iter().copied().chain(pending).max();
        match worst.filter(|latency| *latency >= HEALTH_LATENCY_BOUND) {
            Some(latency) => Err(format!(
                "a health probe waited {} ms for its answer (bound {} ms): the executor was \
                 not serving requests",
                latency.as_millis(),
                HEALTH_LATENCY_BOUND.as_millis()
            )),
            None => Ok(()),
        }
    })
}

fn cleanup_within_grace(journal: SharedJournal, grace: Duration) -> Check {
    let mut seen = 0;
    let bound = grace + CLEANUP_EPSILON;
    Box::new(move |_| {
        let journal = journal.lock().expect("journal lock");
        let reports = &journal.cleanups()[seen..];
        seen += reports.len();
        for report in reports {
            let own_time = report.duration().saturating_sub(report.store_time);
            if own_time > bound {
                return Err(format!(
                    "cleanup of {} ({:?}) took {} ms besides {} ms of store calls; the bound \
                     is the grace plus {} ms = {} ms, whatever the number of cleanups",
                    report.session,
                    report.source,
                    own_time.as_millis(),
                    report.store_time.as_millis(),
                    CLEANUP_EPSILON.as_millis(),
                    bound.as_millis()
                ));
            }
        }
        Ok(())
    })
}

fn cleanup_prompt(journal: SharedJournal) -> Check {
    let mut seen = 0;
    Box::new(move |_| {
        let journal = journal.lock().expect("journal lock");
        let reports = &journal.cleanups()[seen..];
        seen += reports.len();
        for report in reports {
            let exited_at = match report.pid {
                None => Some(report.started_at),
                Some(pid) => process::inspect(|table, _| exit_instant(table, pid)),
            };
            // Not exited: the cleanup did not stop it, which other invariants judge.
            let Some(exited_at) = exited_at else { continue };
            let exit_wait = exited_at - report.started_at;
            let bound = exit_wait + CLEANUP_EPSILON + report.store_time;
            if report.duration() > bound {
                return Err(format!(
                    "cleanup of {} ({:?}) returned {} ms after it started, but its agent had \
                     exited after {} ms (bound: exit + {} ms + {} ms of store calls)",
                    report.session,
                    report.source,
                    report.duration().as_millis(),
                    exit_wait.as_millis(),
                    CLEANUP_EPSILON.as_millis(),
                    report.store_time.as_millis()
                ));
            }
        }
        Ok(())
    })
}

fn exit_instant(table: &ProcessTable, pid: Pid) -> Option<Instant> {
    table
        .iter()
        .find(|p| p.pid == pid)
        .and_then(|p| p.exited_at)
}

fn pid_key_ttl(journal: SharedJournal, view: Rc<RefCell<AgentView>>, bound: Duration) -> Check {
    Box::new(move |now| {
        let journal = journal.lock().expect("journal lock");
        let mut view = view.borrow_mut();
        for agent in view.read(READER_KEY_TTL, &journal).iter().flatten() {
            check_ttl(&agent.pid_key, agent.key_ttl(now), bound)?;
        }
        Ok(())
    })
}

/// A key's TTL against its bound: missing is fine, persistent or too long is not.
fn check_ttl(key: &str, ttl: Ttl, bound: Duration) -> Result<(), String> {
    match ttl {
        Ttl::Missing => Ok(()),
        Ttl::Persistent => Err(format!("{key} has no TTL: it outlives every session")),
        Ttl::ExpiresIn(left) if left > bound => Err(format!(
            "{key} expires in {} s, beyond the bound of {} s",
            left.as_secs(),
            bound.as_secs()
        )),
        Ttl::ExpiresIn(_) => Ok(()),
    }
}

fn session_keys_removed(journal: SharedJournal, bound: Duration) -> Check {
    Box::new(move |_| {
        let journal = journal.lock().expect("journal lock");
        kv::inspect(|store, now| {
            for session in journal.ends().keys() {
                for key in [session.session_key(), session.pid_key()] {
                    if store.exists(&key, now) {
                        return Err(format!("{key} is left after {session} ended"));
                    }
                }
            }
            for (key, _, expires_at) in store.entries(now) {
                let ttl = expires_at.map_or(Ttl::Persistent, |at| Ttl::ExpiresIn(at - now));
                check_ttl(key, ttl, bound)?;
            }
            Ok(())
        })
    })
}

fn kill_after_grace(grace: Duration) -> Check {
    // The table's state changes only with its write count: between writes, nothing to see.
    let mut checked_at = None;
    Box::new(move |_| {
        process::inspect(|table, _| {
            if checked_at == Some(table.writes()) {
                return Ok(());
            }
            checked_at = Some(table.writes());
            for p in table.iter() {
                let Some(session) = SessionId::of_agent(p.name) else {
                    continue;
                };
                if p.kills_after_exit > 0 {
                    return Err(format!(
                        "agent {} of {session} was sent SIGKILL after it had exited: the stop \
                         did not see the exit",
                        p.pid
                    ));
                }
                if p.state.exit_status() != Some(ExitStatus::Signal(Signal::Kill)) {
                    continue;
                }
                let killed_at = p.exited_at.expect("an exited process has its exit instant");
                match p.first_term_at {
                    None => {
                        return Err(format!(
                            "agent {} of {session} was SIGKILLed at {killed_at} with no \
                             SIGTERM before it",
                            p.pid
                        ))
                    }
                    Some(term_at) if killed_at - term_at < grace => {
                        return Err(format!(
                            "agent {} of {session} was SIGKILLed {} ms after its SIGTERM, \
                             before the grace of {} ms ran out",
                            p.pid,
                            (killed_at - term_at).as_millis(),
                            grace.as_millis()
                        ))
                    }
                    Some(_) => {}
                }
            }
            Ok(())
        })
    })
}

fn dead_process_cleanup(journal: SharedJournal) -> Check {
    Box::new(move |_| {
        let journal = journal.lock().expect("journal lock");
        let failed: Vec<String> = journal
            .ends()
            .iter()
            .filter(|(_, end)| end.agent_already_dead && end.last_ok != Some(true))
            .map(|(session, end)| format!("{session} ({} attempts)", end.attempts))
            .collect();
        match failed.is_empty() {
            true => Ok(()),
            false => Err(format!(
                "ending a session whose agent had already exited failed, even when retried \
                 after the faults healed: {}",
                failed.join(", ")
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_check_accepts_missing_and_bounded_keys_only() {
        let bound = Duration::from_secs(7_200);
        assert!(check_ttl("k", Ttl::Missing, bound).is_ok());
        assert!(check_ttl("k", Ttl::ExpiresIn(bound), bound).is_ok());
        let err = check_ttl("agent:s1:pid", Ttl::Persistent, bound).unwrap_err();
        assert!(
            err.contains("agent:s1:pid") && err.contains("no TTL"),
            "{err}"
        );
        let too_long = Ttl::ExpiresIn(bound + Duration::from_secs(1));
        assert!(check_ttl("k", too_long, bound).is_err());
    }
}
