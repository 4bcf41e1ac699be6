//! The reference implementation on real tokio (paused time), through the same `rt` calls:
//! completion, retries, a timeout, a permanent failure with its notification, cancellation
//! and shutdown, recorded in the conversation context as in the simulation.

use asynclife_actions::{
    ActionError, ActionOptions, ActionRequest, ActionStatus, ActionTracker, ContextManager,
    ErrorKind, RetentionPolicy, RetryPolicy, Workflow,
};
use asynclife_sim::rt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn request(action: &str, timeout_ms: u64) -> ActionRequest {
    ActionRequest {
        session: "real".into(),
        handler: "TestHandler".into(),
        action: action.into(),
        domain: "audio".into(),
        options: ActionOptions {
            timeout: ms(timeout_ms),
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay: ms(10),
                factor: 2.0,
                jitter: 0.1,
            },
            critical: false,
        },
    }
}

#[tokio::test(start_paused = true)]
async fn the_tracker_runs_on_tokio() {
    assert!(!rt::in_simulation());
    let contexts = ContextManager::new(RetentionPolicy::default());
    let tracker = ActionTracker::new(contexts.clone());
    let workflow = Workflow::new(tracker.clone());
    let mut notifications = tracker.take_notifications().unwrap();

    let quick = |_| async {
        rt::sleep(ms(20)).await;
        Ok(())
    };
    let tries = Arc::new(AtomicU32::new(0));
    let counter = tries.clone();
    let flaky = move |attempt: u32| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if attempt < 2 {
                Err(ActionError::new(ErrorKind::Network, "reset"))
            } else {
                Ok(())
            }
        }
    };
    let hung = |_| async {
        rt::sleep(Duration::from_secs(3600)).await;
        Ok(())
    };
    let denied = |_| async { Err(ActionError::new(ErrorKind::Permission, "denied")) };
    let long = |_| async {
        rt::sleep(Duration::from_secs(60)).await;
        Ok(())
    };

    for metadata in [
        workflow
            .handle_intent(request("quick", 1_000), ms(0), quick)
            .await,
        workflow
            .handle_intent(request("flaky", 1_000), ms(0), flaky)
            .await,
        workflow
            .handle_intent(request("hung", 100), ms(0), hung)
            .await,
        workflow
            .handle_intent(request("denied", 1_000), ms(0), denied)
            .await,
        workflow
            .handle_intent(request("long", 120_000), ms(0), long)
            .await,
    ] {
        metadata.validate().unwrap();
    }
    rt::sleep(ms(500)).await;
    assert!(tracker.cancel("real", "long"));

    let ctx = contexts.snapshot("real").unwrap();
    assert!(
        ctx.active_actions().is_empty(),
        "{:?}",
        ctx.active_actions()
    );
    let status = |name: &str| {
        ctx.recent_actions()
            .iter()
            .find(|i| i.action == name)
            .map(|i| (i.status, i.attempts))
    };
    assert_eq!(status("quick"), Some((ActionStatus::Completed, 1)));
    assert_eq!(status("flaky"), Some((ActionStatus::Completed, 2)));
    assert_eq!(status("hung"), Some((ActionStatus::TimedOut, 1)));
    assert_eq!(status("denied"), Some((ActionStatus::Failed, 1)));
    assert_eq!(status("long"), Some((ActionStatus::Cancelled, 1)));
    assert_eq!(tries.load(Ordering::SeqCst), 2);

    let m = tracker.metrics()["audio"];
    assert_eq!(
        (
            m.started,
            m.completed,
            m.failed,
            m.cancelled,
            m.timed_out,
            m.retries
        ),
        (5, 2, 1, 1, 1, 1)
    );
    assert_eq!(notifications.recv().await.unwrap().action, "denied");
    tracker.shutdown().await;
    assert!(notifications.recv().await.is_none());
    tracker.with_live(|live| assert!(live.is_empty()));
}
