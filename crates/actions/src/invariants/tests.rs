//! Each invariant's predicate fails on a state that breaks it, and holds on one that keeps it.

use super::accounting::*;
use super::lifecycle::*;
use super::retries::*;
use super::*;
use crate::context::RetentionPolicy;
use crate::error::ErrorKind;
use crate::lock::lock;
use crate::manager::ContextManager;
use crate::metadata::ActionMetadata;
use crate::metadata::{ActionInfo, ActionStatus};
use crate::options::{ActionOptions, RetryPolicy};
use crate::supervisor::LiveGuard;
use crate::tracker::ActionKey;
use crate::tracker::{ActionEvent, ActionRequest};
use std::collections::BTreeMap;

fn probe(retention: RetentionPolicy) -> Probe {
    Probe {
        tracker: ActionTracker::new(ContextManager::new(retention)),
        ledger: Arc::new(Mutex::new(Ledger::default())),
        grace: Duration::from_millis(100),
        sweep_interval: Duration::from_millis(100),
    }
}

fn info(action: &str, status: ActionStatus, task_id: u64) -> ActionInfo {
    ActionInfo {
        handler: "TimerHandler".into(),
        action: action.into(),
        domain: "timer".into(),
        session: "s".into(),
        started_at: Instant::ZERO,
        task_id: Some(task_id),
        status,
        attempts: 1,
        error_kind: (status == ActionStatus::Failed).then_some(ErrorKind::Network),
        error_message: (status == ActionStatus::Failed).then(|| "reset".to_string()),
        finished_at: status.is_terminal().then_some(Instant::from_millis(5)),
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(100),
        factor: 2.0,
        jitter: 0.5,
    }
}

#[test]
fn a_live_task_missing_from_its_context_is_invisible() {
    let p = probe(RetentionPolicy::default());
    assert_eq!(visible_while_running(&p), Ok(()));
    let guard = LiveGuard::enter(p.tracker.clone(), ActionKey::new("s", "a"), 7, "timer");
    assert!(visible_while_running(&p)
        .unwrap_err()
        .contains("does not show it"));
    p.tracker
        .contexts()
        .add_active_action(info("a", ActionStatus::Running, 7));
    assert_eq!(visible_while_running(&p), Ok(()));
    assert_eq!(active_bounded(&p), Ok(()));
    drop(guard);
    assert!(active_bounded(&p)
        .unwrap_err()
        .contains("0 live action tasks"));
    let err = zombies_step(&p, &mut Zombies::default(), Instant::ZERO).unwrap_err();
    assert!(
        err.contains("shows running in its context, but its task ended"),
        "{err}"
    );
}

#[test]
fn a_second_terminal_status_and_an_overdue_action_are_zombies() {
    let p = probe(RetentionPolicy::default());
    let request = ActionRequest {
        session: "s".into(),
        handler: "TimerHandler".into(),
        action: "a".into(),
        domain: "timer".into(),
        options: ActionOptions {
            timeout: Duration::from_millis(1_000),
            ..ActionOptions::default()
        },
    };
    let mut st = Zombies::default();
    {
        let mut ledger = lock(&p.ledger);
        ledger.requested(&request);
        ledger.observe(&ActionEvent::Started(info("a", ActionStatus::Running, 1)));
    }
    p.tracker
        .contexts()
        .add_active_action(info("a", ActionStatus::Completed, 1));
    assert_eq!(
        zombies_step(&p, &mut st, Instant::from_millis(1_100)),
        Ok(())
    );
    let err = zombies_step(&p, &mut st, Instant::from_millis(1_101)).unwrap_err();
    assert!(err.contains("still in the active set"), "{err}");
    let mut st = Zombies::default();
    let done = ActionEvent::Finished(info("a", ActionStatus::Completed, 1));
    lock(&p.ledger).observe(&done);
    lock(&p.ledger).observe(&done);
    let err = zombies_step(&p, &mut st, Instant::ZERO).unwrap_err();
    assert!(err.contains("second terminal status"), "{err}");
}

#[test]
fn a_lost_failure_and_an_unbalanced_count_break_conservation() {
    let p = probe(RetentionPolicy::default());
    let mut st = Failures::default();
    {
        let mut ledger = lock(&p.ledger);
        ledger.requested(&ActionRequest {
            session: "s".into(),
            handler: "TimerHandler".into(),
            action: "a".into(),
            domain: "timer".into(),
            options: ActionOptions::default(),
        });
        let key = ActionKey::new("s", "a");
        ledger.attempt_began(&key, 1, Instant::ZERO);
        ledger.attempt_ended(&key, 1, Instant::ZERO, Err(ErrorKind::Permission));
        ledger.observe(&ActionEvent::Finished(info(
            "a",
            ActionStatus::Completed,
            1,
        )));
    }
    let err = failures_step(&p, &mut st, Instant::ZERO).unwrap_err();
    assert!(err.contains("the failure was lost"), "{err}");
    let mut st = Failures {
        cursor: lock(&p.ledger).events().len(),
        ..Failures::default()
    };
    st.failed_per_domain.insert("timer".into(), 1);
    let err = failures_step(&p, &mut st, Instant::ZERO).unwrap_err();
    assert!(err.contains("counts 0 failures, but 1"), "{err}");
}

#[test]
fn legacy_metadata_breaks_the_schema() {
    let p = probe(RetentionPolicy::default());
    let mut st = Metadata::default();
    lock(&p.ledger).metadata(ActionMetadata::single(info("a", ActionStatus::Running, 1)));
    assert_eq!(metadata_step(&p, &mut st, Instant::ZERO), Ok(()));
    lock(&p.ledger).metadata(ActionMetadata {
        active_actions: BTreeMap::new(),
        recent_actions: vec![info("b", ActionStatus::Failed, 2)],
    });
    let err = metadata_step(&p, &mut st, Instant::ZERO).unwrap_err();
    assert!(err.contains("recent_actions"), "{err}");
}

#[test]
fn the_retry_oracle_accepts_the_policy_and_rejects_the_rest() {
    let key = ActionKey::new("s", "a");
    let at = Instant::from_millis;
    let mut good = AttemptTrack::default();
    assert_eq!(check_attempt(&policy(), &key, 1, at(0), &mut good), Ok(()));
    good.last_end = Some((at(10), Err(ErrorKind::Network)));
    assert_eq!(
        check_attempt(&policy(), &key, 2, at(130), &mut good),
        Ok(())
    );
    good.last_end = Some((at(140), Err(ErrorKind::Timeout)));
    assert_eq!(
        check_attempt(&policy(), &key, 3, at(390), &mut good),
        Ok(())
    );
    assert!(check_attempt(&policy(), &key, 4, at(900), &mut good).is_err());

    let mut permanent = AttemptTrack {
        last: 1,
        last_end: Some((at(10), Err(ErrorKind::Permission))),
        last_delay: None,
    };
    let err = check_attempt(&policy(), &key, 2, at(150), &mut permanent).unwrap_err();
    assert!(err.contains("permanent permission"), "{err}");
    let mut hasty = AttemptTrack {
        last: 1,
        last_end: Some((at(10), Err(ErrorKind::Network))),
        last_delay: None,
    };
    let err = check_attempt(&policy(), &key, 2, at(60), &mut hasty).unwrap_err();
    assert!(err.contains("allows 100..=150 ms"), "{err}");
}

#[test]
fn history_beyond_its_age_fails_retention() {
    let retention = RetentionPolicy {
        max_count: 5,
        max_age: Duration::from_millis(1_000),
    };
    let p = probe(retention.clone());
    p.tracker.contexts().with_context("s", |ctx| {
        ctx.record_finished(
            info("a", ActionStatus::Completed, 1),
            &retention,
            Instant::ZERO,
        );
    });
    assert_eq!(retention_check(&p, Instant::from_millis(1_105)), Ok(()));
    let err = retention_check(&p, Instant::from_millis(1_106)).unwrap_err();
    assert!(err.contains("max_age 1000 ms"), "{err}");
}

fn retention_check(p: &Probe, now: Instant) -> Result<(), String> {
    retention(p, now).map(|_| ())
}
