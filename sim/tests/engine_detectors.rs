//! Every built-in detector, both ways: it fires on a minimal bad program and stays silent on
//! its corrected twin.

use asynclife_sim::{rt, Policy, Report, Sim, SimConfig, Verdict, ViolationKind};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn run<F, Fut>(main: F) -> Report
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    Sim::new(SimConfig::with_seed(3)).run(main)
}

fn kinds(report: &Report) -> Vec<String> {
    report
        .violations
        .iter()
        .map(|v| v.kind.to_string())
        .collect()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn unobserved_panic_fires_when_the_handle_is_dropped_before_the_panic() {
    let report = run(|| async {
        drop(rt::spawn("detached", async {
            rt::sleep(ms(5)).await;
            panic!("lost in a detached task");
        }));
        rt::sleep(ms(10)).await;
    });
    assert_eq!(kinds(&report), ["unobserved-panic"]);
    let v = &report.violations[0];
    assert_eq!(v.task.as_ref().unwrap().name, "detached");
    assert!(
        v.message.contains("lost in a detached task"),
        "{}",
        v.message
    );
    assert!(v
        .task
        .as_ref()
        .unwrap()
        .location
        .contains("engine_detectors.rs"));
}

#[test]
fn unobserved_panic_fires_when_the_handle_is_dropped_after_the_panic() {
    let report = run(|| async {
        let handle = rt::spawn("forgotten", async { panic!("boom") });
        rt::sleep(ms(10)).await;
        drop(handle);
    });
    assert_eq!(kinds(&report), ["unobserved-panic"]);
}

#[test]
fn unobserved_panic_fires_when_the_handle_is_never_awaited() {
    let report = run(|| async {
        let handle = rt::spawn("never-awaited", async { panic!("boom") });
        rt::sleep(ms(10)).await;
        std::mem::forget(handle);
    });
    assert_eq!(kinds(&report), ["unobserved-panic"]);
    assert!(report.violations[0].message.contains("never awaited"));
}

#[test]
fn unobserved_panic_is_silent_when_the_panic_is_awaited() {
    let report = run(|| async {
        let handle = rt::spawn("observed", async { panic!("boom") });
        let err = handle.await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.panic_message(), Some("boom"));
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.violations);
}

#[test]
fn a_panic_never_aborts_the_run() {
    let report = run(|| async {
        let panicky = rt::spawn("panicky", async { panic!("first") });
        let after = rt::spawn("after", async { 7 });
        assert!(panicky.await.is_err());
        assert_eq!(after.await.unwrap(), 7);
    });
    assert_eq!(report.verdict, Verdict::Pass);
}

#[test]
fn main_panicking_is_a_finding() {
    let report = run(|| async {
        assert_eq!(1 + 1, 3, "arithmetic");
    });
    assert_eq!(kinds(&report), ["main-panicked"]);
    assert!(report.violations[0].message.contains("arithmetic"));
}

#[test]
fn leaked_task_fires_for_a_task_alive_after_main_returns() {
    let report = run(|| async {
        drop(rt::spawn("health-probe", async {
            let mut tick = rt::interval(ms(10));
            loop {
                tick.tick().await;
            }
        }));
        rt::sleep(ms(25)).await;
    });
    assert_eq!(kinds(&report), ["leaked-task"]);
    assert_eq!(
        report.violations[0].task.as_ref().unwrap().name,
        "health-probe"
    );
}

#[test]
fn leaked_task_is_silent_when_the_task_is_stopped() {
    let report = run(|| async {
        let probe = rt::spawn("health-probe", async {
            let mut tick = rt::interval(ms(10));
            loop {
                tick.tick().await;
            }
        });
        rt::sleep(ms(25)).await;
        probe.abort();
        assert!(probe.await.unwrap_err().is_cancelled());
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.violations);
}

#[test]
fn blocked_executor_fires_on_a_synchronous_sleep() {
    let report = run(|| async {
        let cleanup = rt::spawn("cleanup", async {
            rt::blocking(Duration::from_secs(5));
        });
        cleanup.await.unwrap();
    });
    assert_eq!(kinds(&report), ["blocked-executor"]);
    let v = &report.violations[0];
    assert!(v.message.contains("5000 ms"), "{}", v.message);
    assert_eq!(v.task.as_ref().unwrap().name, "cleanup");
    assert_eq!(report.stats.max_poll_hold_ns, 5_000_000_000);
}

#[test]
fn blocked_executor_is_silent_on_an_async_sleep_and_under_the_threshold() {
    let report = run(|| async {
        let cleanup = rt::spawn("cleanup", async {
            rt::sleep(Duration::from_secs(5)).await;
            rt::blocking(ms(100)); // at the threshold, not above it
        });
        cleanup.await.unwrap();
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.violations);
}

#[test]
fn blocked_executor_delays_every_other_task() {
    let lateness = Arc::new(Mutex::new(Duration::ZERO));
    let seen = lateness.clone();
    let report = run(move || async move {
        let probe = rt::spawn("probe", async move {
            let due = rt::now() + ms(10);
            rt::sleep_until(due).await;
            *seen.lock().unwrap() = rt::now() - due;
        });
        rt::spawn("cleanup", async { rt::blocking(Duration::from_secs(5)) })
            .await
            .unwrap();
        probe.await.unwrap();
    });
    assert!(report.has(&ViolationKind::BlockedExecutor));
    assert!(*lateness.lock().unwrap() >= Duration::from_millis(4_990));
}

/// A future that returns Pending and drops its waker: nobody can ever wake it.
struct Forgetful;
impl Future for Forgetful {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Pending
    }
}

#[test]
fn never_woken_fires_on_a_future_that_drops_its_waker() {
    let report = run(|| async {
        let stuck = rt::spawn("stuck", Forgetful);
        rt::sleep(ms(10)).await;
        drop(stuck);
    });
    // Not also a leaked task: one finding for one cause.
    assert_eq!(kinds(&report), ["never-woken"]);
    let v = &report.violations[0];
    assert_eq!(v.task.as_ref().unwrap().name, "stuck");
    assert!(
        v.message.contains("returned Pending at 0.000000s"),
        "{}",
        v.message
    );
}

/// A task parked for ever until it is aborted (`std::future::pending()` in a task that a
/// shutdown aborts, as tokio's own `JoinSet::abort_all` test does) is not stuck: the abort
/// ends it, and the verdict on a never-woken task waits for the end of the run.
#[test]
fn never_woken_is_silent_on_a_parked_task_that_is_aborted() {
    let report = run(|| async {
        let parked = rt::spawn("parked", std::future::pending::<()>());
        rt::sleep(ms(10)).await;
        parked.abort();
        assert!(parked.await.unwrap_err().is_cancelled());
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.violations);
}

#[test]
fn never_woken_is_silent_when_a_sender_holds_the_waker() {
    let report = run(|| async {
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let waiter = rt::spawn("waiter", async move { rx.await.unwrap() });
        rt::sleep(ms(10)).await;
        tx.send(5).unwrap();
        assert_eq!(waiter.await.unwrap(), 5);
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.violations);
}

#[test]
fn deadlock_fires_when_tasks_wait_on_each_other() {
    let report = run(|| async {
        let (tx_a, rx_a) = tokio::sync::oneshot::channel::<()>();
        let (tx_b, rx_b) = tokio::sync::oneshot::channel::<()>();
        let a = rt::spawn("a", async move {
            rx_b.await.ok();
            tx_a.send(()).ok();
        });
        let b = rt::spawn("b", async move {
            rx_a.await.ok();
            tx_b.send(()).ok();
        });
        a.await.unwrap();
        b.await.unwrap();
    });
    assert_eq!(kinds(&report), ["deadlock"]);
    let message = &report.violations[0].message;
    assert!(
        message.contains("'a'") && message.contains("'b'"),
        "{message}"
    );
}

#[test]
fn deadlock_is_silent_when_one_side_goes_first() {
    let report = run(|| async {
        let (tx_a, rx_a) = tokio::sync::oneshot::channel::<()>();
        let (tx_b, rx_b) = tokio::sync::oneshot::channel::<()>();
        let a = rt::spawn("a", async move {
            tx_a.send(()).ok();
            rx_b.await.ok();
        });
        let b = rt::spawn("b", async move {
            rx_a.await.ok();
            tx_b.send(()).ok();
        });
        a.await.unwrap();
        b.await.unwrap();
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.violations);
}

#[test]
fn hang_fires_on_the_step_bound_and_on_the_time_bound() {
    let config = SimConfig {
        max_steps: 1_000,
        ..SimConfig::with_seed(1)
    };
    let spin = Sim::new(config).run(|| async {
        loop {
            rt::yield_now().await;
        }
    });
    assert_eq!(kinds(&spin), ["hang"]);
    assert!(spin.violations[0].message.contains("step bound"));

    let config = SimConfig {
        max_virtual_time: Duration::from_secs(60),
        ..SimConfig::with_seed(1)
    };
    let wait = Sim::new(config).run(|| async {
        rt::sleep(Duration::from_secs(3600)).await;
    });
    assert_eq!(kinds(&wait), ["hang"]);
}

#[test]
fn hang_is_silent_within_the_bounds() {
    let config = SimConfig {
        max_steps: 1_000,
        max_virtual_time: Duration::from_secs(60),
        policy: Policy::Fifo,
        ..SimConfig::with_seed(1)
    };
    let report = Sim::new(config).run(|| async {
        for _ in 0..100 {
            rt::yield_now().await;
        }
        rt::sleep(Duration::from_secs(59)).await;
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.violations);
}
