//! The tracker's lifecycle, one behaviour at a time, in the simulation: completion, timeout,
//! retries and backoff, cancellation (during backoff too), domain cancellation, refused
//! starts, crashes, notifications and shutdown.

use asynclife_actions::{
    ActionError, ActionOptions, ActionRequest, ActionStatus, ActionTracker, ContextManager,
    ErrorKind, RetentionPolicy, RetryPolicy, Workflow,
};
use asynclife_sim::fault::{FaultKind, FaultPlan, FaultRule};
use asynclife_sim::rt::{self, fault};
use asynclife_sim::{Instant, Sim, SimConfig, Verdict};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn request(session: &str, action: &str, domain: &str, options: ActionOptions) -> ActionRequest {
    ActionRequest {
        session: session.into(),
        handler: "TestHandler".into(),
        action: action.into(),
        domain: domain.into(),
        options,
    }
}

fn options(timeout_ms: u64, max_attempts: u32) -> ActionOptions {
    ActionOptions {
        timeout: ms(timeout_ms),
        retry: RetryPolicy {
            max_attempts,
            base_delay: ms(100),
            factor: 2.0,
            jitter: 0.5,
        },
        critical: false,
    }
}

fn setup() -> (Workflow, ContextManager) {
    let contexts = ContextManager::new(RetentionPolicy::default());
    (
        Workflow::new(ActionTracker::new(contexts.clone())),
        contexts,
    )
}

fn last_status(contexts: &ContextManager, session: &str) -> (ActionStatus, Option<ErrorKind>, u32) {
    let ctx = contexts
        .snapshot(session)
        .expect("the session has a context");
    assert!(
        ctx.active_actions().is_empty(),
        "{:?}",
        ctx.active_actions()
    );
    let info = ctx.recent_actions().back().expect("a finished action");
    (info.status, info.error_kind, info.attempts)
}

fn pass(plan: FaultPlan, main: impl std::future::Future<Output = ()> + 'static) {
    let config = SimConfig {
        faults: plan,
        ..SimConfig::with_seed(3)
    };
    let report = Sim::new(config).run(|| main);
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

#[test]
fn a_hung_action_is_timed_out_and_its_attempt_cancelled() {
    pass(FaultPlan::default(), async {
        let (workflow, contexts) = setup();
        let started = rt::now();
        workflow
            .handle_intent(
                request("s", "hang", "audio", options(500, 1)),
                ms(0),
                |_| async {
                    rt::sleep(Duration::from_secs(3600)).await;
                    Ok(())
                },
            )
            .await;
        rt::sleep(ms(600)).await;
        assert_eq!(
            last_status(&contexts, "s"),
            (ActionStatus::TimedOut, Some(ErrorKind::Timeout), 1)
        );
        let finished = contexts.snapshot("s").unwrap().recent_actions()[0].finished_at;
        assert_eq!(finished, Some(started + ms(500)));
        assert_eq!(workflow.tracker().metrics()["audio"].timed_out, 1);
        workflow
            .tracker()
            .with_live(|live| assert!(live.is_empty()));
    });
}

#[test]
fn transient_failures_are_retried_with_growing_delays_and_permanent_ones_are_not() {
    pass(FaultPlan::default(), async {
        let (workflow, contexts) = setup();
        let begun = Arc::new(Mutex::new(Vec::new()));
        let seen = begun.clone();
        let flaky = move |attempt: u32| {
            seen.lock().unwrap().push(rt::now());
            async move {
                if attempt < 3 {
                    Err(ActionError::new(ErrorKind::Network, "reset"))
                } else {
                    Ok(())
                }
            }
        };
        workflow
            .handle_intent(
                request("s", "flaky", "audio", options(10_000, 3)),
                ms(0),
                flaky,
            )
            .await;
        rt::sleep(ms(2_000)).await;
        assert_eq!(
            last_status(&contexts, "s"),
            (ActionStatus::Completed, None, 3)
        );
        let at = begun.lock().unwrap().clone();
        let (first, second) = (at[1] - at[0], at[2] - at[1]);
        assert!(first >= ms(100) && first <= ms(150), "{first:?}");
        assert!(
            second >= ms(200) && second <= ms(300) && second >= first,
            "{second:?}"
        );
        assert_eq!(workflow.tracker().metrics()["audio"].retries, 2);

        let denied = |_| async { Err(ActionError::new(ErrorKind::Permission, "denied")) };
        workflow
            .handle_intent(
                request("s", "denied", "audio", options(10_000, 3)),
                ms(0),
                denied,
            )
            .await;
        rt::sleep(ms(10)).await;
        assert_eq!(
            last_status(&contexts, "s"),
            (ActionStatus::Failed, Some(ErrorKind::Permission), 1)
        );
    });
}

#[test]
fn a_cancel_during_backoff_records_cancelled_and_stops_the_retries() {
    pass(FaultPlan::default(), async {
        let (workflow, contexts) = setup();
        let attempts = Arc::new(Mutex::new(0u32));
        let count = attempts.clone();
        let failing = move |_| {
            *count.lock().unwrap() += 1;
            async { Err(ActionError::new(ErrorKind::ServiceUnavailable, "down")) }
        };
        workflow
            .handle_intent(
                request("s", "a", "voice_synthesis", options(10_000, 5)),
                ms(0),
                failing,
            )
            .await;
        rt::sleep(ms(50)).await; // inside the first backoff (100..150 ms)
        assert!(workflow.tracker().cancel("s", "a"));
        assert!(!workflow.tracker().cancel("s", "a"), "only once");
        rt::sleep(ms(5_000)).await;
        assert_eq!(*attempts.lock().unwrap(), 1);
        assert_eq!(
            last_status(&contexts, "s"),
            (ActionStatus::Cancelled, None, 1)
        );
        let m = workflow.tracker().metrics()["voice_synthesis"];
        assert_eq!((m.started, m.cancelled, m.failed), (1, 1, 0));
    });
}

#[test]
fn cancel_domain_stops_that_domain_only() {
    pass(FaultPlan::default(), async {
        let (workflow, contexts) = setup();
        let long = |_| async {
            rt::sleep(ms(1_000)).await;
            Ok(())
        };
        for (session, action, domain) in [
            ("s1", "p1", "audio"),
            ("s2", "p2", "audio"),
            ("s1", "t1", "timer"),
        ] {
            workflow
                .handle_intent(
                    request(session, action, domain, options(5_000, 1)),
                    ms(0),
                    long,
                )
                .await;
        }
        assert_eq!(workflow.tracker().cancel_domain("audio"), 2);
        assert_eq!(
            last_status(&contexts, "s2"),
            (ActionStatus::Cancelled, None, 1)
        );
        assert_eq!(contexts.snapshot("s1").unwrap().active_actions().len(), 1);
        rt::sleep(ms(1_100)).await;
        assert_eq!(
            last_status(&contexts, "s1"),
            (ActionStatus::Completed, None, 1)
        );
    });
}

#[test]
fn refused_starts_return_the_unified_schema_and_are_recorded_failed() {
    let plan = FaultPlan::new(vec![FaultRule::at_point(
        "actions.start",
        FaultKind::Error {
            error: "service_unavailable".into(),
        },
    )
    .with_at_hit(2)]);
    pass(plan, async {
        let (workflow, contexts) = setup();
        let long = |_| async {
            rt::sleep(ms(1_000)).await;
            Ok(())
        };
        let first = workflow
            .handle_intent(request("s", "a", "timer", options(5_000, 1)), ms(0), long)
            .await;
        let refused = workflow
            .handle_intent(request("s", "b", "timer", options(5_000, 1)), ms(0), long)
            .await;
        let duplicate = workflow
            .handle_intent(request("s", "a", "timer", options(5_000, 1)), ms(0), long)
            .await;
        for metadata in [&first, &refused, &duplicate] {
            metadata.validate().unwrap();
        }
        let b = &refused.active_actions["b"];
        assert_eq!(
            (b.status, b.error_kind, b.task_id),
            (
                ActionStatus::Failed,
                Some(ErrorKind::ServiceUnavailable),
                None
            )
        );
        assert_eq!(
            duplicate.active_actions["a"].error_kind,
            Some(ErrorKind::Other)
        );
        let ctx = contexts.snapshot("s").unwrap();
        assert_eq!(ctx.active_actions()["a"].status, ActionStatus::Running);
        assert_eq!(ctx.recent_actions().len(), 2);
        let m = workflow.tracker().metrics()["timer"];
        assert_eq!((m.started, m.failed), (3, 2));
        workflow.tracker().shutdown().await;
    });
}

#[test]
fn a_crashed_attempt_is_a_failure_and_critical_failures_are_notified() {
    let plan = FaultPlan::new(vec![FaultRule::at_point("work", FaultKind::Crash)]);
    pass(plan, async {
        let (workflow, contexts) = setup();
        let tracker = workflow.tracker().clone();
        let mut notifications = tracker.take_notifications().unwrap();
        let crashing = |_| async {
            fault::point("work").await?;
            Ok(())
        };
        let critical = ActionOptions {
            critical: true,
            ..options(5_000, 3)
        };
        workflow
            .handle_intent(request("s", "c", "timer", critical), ms(0), crashing)
            .await;
        rt::sleep(ms(1)).await;
        let (status, kind, attempts) = last_status(&contexts, "s");
        assert_eq!(
            (status, kind, attempts),
            (ActionStatus::Failed, Some(ErrorKind::Other), 1)
        );
        let n = notifications.recv().await.unwrap();
        assert_eq!(
            (n.action.as_str(), n.kind, n.at),
            ("c", ErrorKind::Other, Instant::ZERO)
        );
        tracker.shutdown().await;
        assert!(
            notifications.recv().await.is_none(),
            "shutdown ends the notifications"
        );
    });
}

#[test]
fn shutdown_cancels_what_runs_and_refuses_new_starts() {
    pass(FaultPlan::default(), async {
        let (workflow, contexts) = setup();
        let forever = |_| async {
            std::future::pending::<()>().await;
            Ok(())
        };
        workflow
            .handle_intent(
                request("s", "a", "audio", options(60_000, 1)),
                ms(0),
                forever,
            )
            .await;
        workflow.tracker().shutdown().await;
        assert_eq!(
            last_status(&contexts, "s"),
            (ActionStatus::Cancelled, None, 1)
        );
        let late = workflow
            .handle_intent(
                request("s", "b", "audio", options(60_000, 1)),
                ms(0),
                forever,
            )
            .await;
        assert_eq!(late.active_actions["b"].status, ActionStatus::Failed);
        workflow
            .tracker()
            .with_live(|live| assert!(live.is_empty()));
    });
}
