//! A failure's log line is emitted: by the reference implementation (which also surfaces
//! the failure), and by `swallowed-failure` (which only logs it: seed 000 #5).

use asynclife_actions::{
    ActionError, ActionOptions, ActionRequest, ActionStatus, ActionTracker, ContextManager,
    ErrorKind, RetentionPolicy, Variant, Workflow,
};
use asynclife_sim::{Sim, SimConfig};
use std::time::Duration;
use tracing_test::traced_test;

/// Runs one action that fails with a refused permission under `variant`; returns the
/// recorded status and the failed counter.
fn fail_once(variant: Variant) -> (ActionStatus, u64) {
    let outcome = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = outcome.clone();
    Sim::new(SimConfig::with_seed(9))
        .run(move || async move {
            let contexts = ContextManager::new(RetentionPolicy::default());
            let tracker = ActionTracker::build(contexts.clone(), variant, None);
            let workflow = Workflow::new(tracker.clone());
            let request = ActionRequest {
                session: "s".into(),
                handler: "AudioPlaybackHandler".into(),
                action: "playback-7".into(),
                domain: "audio".into(),
                options: ActionOptions::default(),
            };
            let denied =
                |_| async { Err(ActionError::new(ErrorKind::Permission, "device denied")) };
            workflow
                .handle_intent(request, Duration::ZERO, denied)
                .await;
            asynclife_sim::rt::sleep(Duration::from_millis(1)).await;
            let status = contexts.snapshot("s").unwrap().recent_actions()[0].status;
            *seen.lock().unwrap() = Some((status, tracker.metrics()["audio"].failed));
            tracker.shutdown().await;
        })
        .assert_pass();
    let result = outcome.lock().unwrap().take();
    result.expect("the run reached its end")
}

#[test]
#[traced_test]
fn a_failure_is_logged_and_surfaced() {
    assert_eq!(fail_once(Variant::Fixed), (ActionStatus::Failed, 1));
    assert!(logs_contain("action failed: device denied"));
    assert!(logs_contain("playback-7"));
    assert!(logs_contain("critical action failure: permission"));
}

#[test]
#[traced_test]
fn a_swallowed_failure_is_only_logged() {
    assert_eq!(
        fail_once(Variant::SwallowedFailure),
        (ActionStatus::Completed, 0)
    );
    assert!(logs_contain("action failed: device denied"));
    assert!(!logs_contain("critical action failure"));
}
