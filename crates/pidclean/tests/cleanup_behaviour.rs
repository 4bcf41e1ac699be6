//! The cleanup procedure on single sessions whose timing is set exactly: what it reports,
//! how long it takes, and what each entry point leaves behind.

use asynclife_pidclean::journal::{Journal, SharedJournal};
use asynclife_pidclean::{
    Agents, CleanupErrorKind, CleanupReport, CleanupSource, Orchestrator, OrchestratorConfig,
    PidSource, ProcessOutcome, SessionId, Variant, WebhookEvent,
};
use asynclife_sim::fault::{FaultKind, FaultPlan, FaultRule};
use asynclife_sim::rt::{self, kv, process};
use asynclife_sim::world::{ProcessSpec, Signal, TermBehavior};
use asynclife_sim::{Report, Sim, SimConfig, Verdict, ViolationKind};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Every agent behaves the same; the queue holds each job `queue_delay`.
struct SameAgents {
    queue_delay: Duration,
    spec: ProcessSpec,
}

impl Agents for SameAgents {
    fn queue_delay(&self, _: &SessionId) -> Duration {
        self.queue_delay
    }

    fn spec(&self, session: &SessionId) -> ProcessSpec {
        ProcessSpec {
            name: session.agent_name(),
            ..self.spec.clone()
        }
    }
}

/// An agent that connects after 1 s and exits `term_ms` after SIGTERM (never: ignores it).
fn agent(term_ms: Option<u64>) -> ProcessSpec {
    ProcessSpec {
        connect_after: Some(ms(1_000)),
        on_term: term_ms.map_or(TermBehavior::Ignore, |t| TermBehavior::ExitAfter(ms(t))),
        ..ProcessSpec::named("agent")
    }
}

/// Runs `body` against an orchestrator of `variant`, then shuts it down; returns the
/// engine's report and the journal.
fn run<F, Fut>(
    variant: Variant,
    spec: ProcessSpec,
    faults: FaultPlan,
    body: F,
) -> (Report, SharedJournal)
where
    F: FnOnce(Orchestrator) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let journal = Journal::shared();
    let seen = journal.clone();
    let config = SimConfig {
        faults,
        ..SimConfig::with_seed(1)
    };
    let report = Sim::new(config).run(move || async move {
        let agents = Arc::new(SameAgents {
            queue_delay: ms(200),
            spec,
        });
        let orchestrator =
            Orchestrator::start(OrchestratorConfig::default(), variant, agents, seen);
        body(orchestrator.clone()).await;
        let settled = orchestrator.shutdown(Duration::from_secs(60)).await;
        // The seed's fix may leave an agent running, and its job supervising it.
        assert!(settled || variant != Variant::Fixed, "fixed did not settle");
    });
    (report, journal)
}

/// The session's keys, as the store holds them now.
fn keys_of(session: &SessionId) -> Vec<String> {
    kv::inspect(|store, now| {
        [session.session_key(), session.pid_key()]
            .into_iter()
            .filter(|key| store.exists(key, now))
            .collect()
    })
}

#[test]
fn an_agent_that_exits_on_sigterm_is_cleaned_up_in_its_own_exit_time() {
    let slot = Arc::new(Mutex::new(None));
    let out = slot.clone();
    let (report, _) = run(
        Variant::Fixed,
        agent(Some(300)),
        FaultPlan::default(),
        |o| async move {
            let session = o.start_session("ada", "Ashley").await.unwrap();
            rt::sleep(ms(10_000)).await;
            let cleanup = o.end_session(&session).await.unwrap();
            assert!(keys_of(&session).is_empty());
            *out.lock().unwrap() = Some(cleanup);
        },
    );
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    let cleanup: CleanupReport = slot.lock().unwrap().take().unwrap();
    assert_eq!(cleanup.duration(), ms(300));
    assert_eq!(cleanup.waited, ms(300));
    assert_eq!(cleanup.found_in, PidSource::SessionHash);
    assert_eq!(cleanup.signals, [Signal::Term]);
    assert_eq!(cleanup.outcome, ProcessOutcome::Terminated);
    assert!(cleanup.keys_deleted && cleanup.ok);
}

#[test]
fn the_seeds_fix_sleeps_the_whole_grace_whatever_the_agent_does() {
    let slot = Arc::new(Mutex::new(None));
    let out = slot.clone();
    let (report, _) = run(
        Variant::AsDocumented,
        agent(Some(300)),
        FaultPlan::default(),
        |o| async move {
            let session = o.start_session("ada", "Ashley").await.unwrap();
            rt::sleep(ms(10_000)).await;
            *out.lock().unwrap() = Some(o.end_session(&session).await.unwrap());
        },
    );
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    let cleanup: CleanupReport = slot.lock().unwrap().take().unwrap();
    assert_eq!(cleanup.duration(), ms(5_000));
    assert_eq!(cleanup.outcome, ProcessOutcome::Terminated);
}

#[test]
fn an_agent_that_ignores_sigterm_is_killed_after_the_grace() {
    let slot = Arc::new(Mutex::new(None));
    let out = slot.clone();
    let (report, _) = run(
        Variant::Fixed,
        agent(None),
        FaultPlan::default(),
        |o| async move {
            let session = o.start_session("ada", "Ashley").await.unwrap();
            rt::sleep(ms(10_000)).await;
            let event = WebhookEvent {
                event: "room_finished".into(),
                session,
            };
            *out.lock().unwrap() = o.webhook(event).await.unwrap();
        },
    );
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    let cleanup: CleanupReport = slot.lock().unwrap().take().unwrap();
    assert_eq!(cleanup.source, CleanupSource::Webhook);
    assert_eq!(cleanup.duration(), ms(5_000));
    assert_eq!(cleanup.signals, [Signal::Term, Signal::Kill]);
    assert_eq!(cleanup.outcome, ProcessOutcome::Killed);
}

#[test]
fn other_webhook_events_are_ignored() {
    let (report, _) = run(
        Variant::Fixed,
        agent(Some(0)),
        FaultPlan::default(),
        |o| async move {
            let session = o.start_session("ada", "Ashley").await.unwrap();
            let event = WebhookEvent {
                event: "participant_joined".into(),
                session: session.clone(),
            };
            assert_eq!(o.webhook(event).await.unwrap(), None);
            o.end_session(&session).await.unwrap();
        },
    );
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

fn crashing_agent() -> ProcessSpec {
    ProcessSpec {
        crash_after: Some(ms(2_000)),
        ..agent(Some(0))
    }
}

#[test]
fn cleaning_up_an_agent_that_is_already_gone_succeeds() {
    let slot = Arc::new(Mutex::new(None));
    let out = slot.clone();
    let (report, _) = run(
        Variant::Fixed,
        crashing_agent(),
        FaultPlan::default(),
        |o| async move {
            let session = o.start_session("ada", "Ashley").await.unwrap();
            rt::sleep(ms(10_000)).await;
            let cleanup = o.end_session(&session).await.unwrap();
            assert!(keys_of(&session).is_empty());
            *out.lock().unwrap() = Some(cleanup);
        },
    );
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    let cleanup: CleanupReport = slot.lock().unwrap().take().unwrap();
    assert_eq!(cleanup.outcome, ProcessOutcome::AlreadyGone);
    assert_eq!(cleanup.duration(), Duration::ZERO);
}

#[test]
fn dead_process_error_fails_and_leaves_the_keys() {
    let (report, _) = run(
        Variant::DeadProcessError,
        crashing_agent(),
        FaultPlan::default(),
        |o| async move {
            let session = o.start_session("ada", "Ashley").await.unwrap();
            rt::sleep(ms(10_000)).await;
            let err = o.end_session(&session).await.unwrap_err();
            assert!(
                matches!(err.kind, CleanupErrorKind::NoSuchProcess(_)),
                "{err}"
            );
            assert_eq!(keys_of(&session).len(), 2);
            assert!(err.to_string().contains("no such process"));
        },
    );
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

/// Delays the worker's write of the PID (the 1st `kv.set` of the run) by 500 ms, so that an
/// end at 300 ms comes after the spawn (200 ms) and before the PID is stored.
fn slow_pid_write() -> FaultPlan {
    let delay = FaultKind::Delay {
        min_ms: 500,
        max_ms: None,
    };
    FaultPlan::new(vec![FaultRule::at_point("kv.set", delay).with_at_hit(1)])
}

fn end_between_spawn_and_store(variant: Variant) -> (Report, SharedJournal) {
    run(
        variant,
        agent(Some(100)),
        slow_pid_write(),
        |o| async move {
            let session = o.start_session("ada", "Ashley").await.unwrap();
            rt::sleep(ms(300)).await;
            let alive = process::inspect(|table, _| table.iter().any(|p| p.state.is_alive()));
            assert!(alive, "the agent was spawned at 200 ms");
            let cleanup = o.end_session(&session).await.unwrap();
            assert_eq!(cleanup.found_in, PidSource::NotFound);
            rt::sleep(ms(60_000)).await;
            assert!(keys_of(&session).is_empty() || o.variant() != Variant::Fixed);
        },
    )
}

#[test]
fn an_end_before_the_pid_is_stored_is_finished_by_the_spawn_worker() {
    let (report, journal) = end_between_spawn_and_store(Variant::Fixed);
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    let journal = journal.lock().unwrap();
    let by_worker = journal
        .cleanups()
        .iter()
        .find(|c| c.source == CleanupSource::SpawnTombstone)
        .expect("the worker cleaned up");
    assert_eq!(by_worker.found_in, PidSource::Known);
    assert_eq!(by_worker.outcome, ProcessOutcome::Terminated);
}

#[test]
fn the_seeds_fix_orphans_the_agent_of_an_end_before_the_pid_is_stored() {
    let (report, _) = end_between_spawn_and_store(Variant::AsDocumented);
    assert!(
        report.has(&ViolationKind::OrphanProcess),
        "{:#?}",
        report.violations
    );
}

#[test]
fn an_end_while_the_job_is_queued_spawns_nothing() {
    let (report, journal) = run(
        Variant::Fixed,
        agent(Some(0)),
        FaultPlan::default(),
        |o| async move {
            let session = o.start_session("ada", "Ashley").await.unwrap();
            let cleanup = o.end_session(&session).await.unwrap();
            assert_eq!(cleanup.outcome, ProcessOutcome::NoProcess);
            rt::sleep(ms(1_000)).await;
            let spawned = process::inspect(|table, _| table.iter().count());
            assert_eq!(spawned, 0);
            // The tombstone outlives the session's keys, with the session's TTL.
            let ttl = kv::inspect(|store, now| store.ttl(&session.tombstone_key(), now));
            assert!(matches!(ttl, asynclife_sim::world::Ttl::ExpiresIn(_)));
        },
    );
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    assert_eq!(journal.lock().unwrap().cleanups().len(), 1);
}

#[test]
fn a_start_the_store_refuses_is_cleaned_up() {
    let error = FaultKind::Error {
        error: "timeout".into(),
    };
    let faults = FaultPlan::new(vec![FaultRule::at_point("kv.expire", error).with_at_hit(1)]);
    let (report, _) = run(Variant::Fixed, agent(Some(0)), faults, |o| async move {
        let failed = o.start_session("ada", "Ashley").await.unwrap_err();
        let cleanup = failed.cleanup.as_ref().unwrap();
        assert_eq!(cleanup.source, CleanupSource::FailedStart);
        assert!(
            keys_of(&failed.session).is_empty(),
            "the hash without TTL is gone"
        );
        assert!(failed.to_string().contains("timeout"));
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

#[test]
fn an_agent_that_never_connects_fails_the_start_and_is_stopped() {
    let never = ProcessSpec {
        connect_after: None,
        ..agent(None)
    };
    let (report, journal) = run(
        Variant::Fixed,
        never,
        FaultPlan::default(),
        |o| async move {
            let session = o.start_session("ada", "Ashley").await.unwrap();
            rt::sleep(ms(40_000)).await;
            assert!(keys_of(&session).is_empty());
        },
    );
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    let journal = journal.lock().unwrap();
    let failed = &journal.cleanups()[0];
    assert_eq!(failed.source, CleanupSource::FailedStart);
    assert_eq!(failed.outcome, ProcessOutcome::Killed);
}

#[test]
fn health_is_answered_at_once_during_a_cleanup() {
    let (report, _) = run(
        Variant::Fixed,
        agent(None),
        FaultPlan::default(),
        |o| async move {
            let session = o.start_session("ada", "Ashley").await.unwrap();
            rt::sleep(ms(10_000)).await;
            let ending = rt::spawn("end", {
                let o = o.clone();
                async move { o.end_session(&session).await.is_ok() }
            });
            rt::sleep(ms(1_000)).await;
            let asked = rt::now();
            let health = o.health().await;
            assert_eq!(rt::now(), asked);
            assert_eq!(health.active_cleanups, 1);
            assert_eq!(health.sessions_started, 1);
            assert!(ending.await.unwrap());
        },
    );
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}
