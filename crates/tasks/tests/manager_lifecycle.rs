//! The task manager's lifecycle, one behaviour per test, in the simulation (and the same code
//! on real tokio at the end): outcomes recorded, cancellation at every stage, duplicates,
//! the limit, wait_all, status, the monitor and a bounded shutdown.

use asynclife_sim::{rt, Instant, Sim, SimConfig};
use asynclife_tasks::{
    Defect, ManagerConfig, Run, RunId, RunStatus, SpawnError, TaskManager, Variant,
};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config(max_concurrent: usize) -> ManagerConfig {
    ManagerConfig {
        max_concurrent,
        max_queued: 10,
        drain_timeout_ms: 1_000,
        cancel_timeout_ms: 100,
        monitor_interval_ms: 60_000,
    }
}

fn sim<F, Fut>(main: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    Sim::new(SimConfig::with_seed(11)).run(main).assert_pass();
}

fn status_of(manager: &TaskManager, id: &str) -> RunStatus {
    manager.with_registry(|r| r.get(&RunId::from(id)).expect("registered").status)
}

fn error_of(manager: &TaskManager, id: &str) -> Option<String> {
    manager.with_registry(|r| r.get(&RunId::from(id)).unwrap().error.clone())
}

async fn sleep_ok(d: Duration) -> Result<(), String> {
    rt::sleep(d).await;
    Ok(())
}

#[test]
fn success_error_and_panic_are_each_recorded_once_and_counted() {
    sim(|| async {
        let m = TaskManager::new(config(4));
        m.spawn(Run::new("ok", "job"), sleep_ok(ms(5))).unwrap();
        m.spawn(Run::new("err", "job"), async { Err::<(), _>("bad input") })
            .unwrap();
        m.spawn(Run::new("panic", "job"), async {
            rt::sleep(ms(1)).await;
            panic!("validator exploded");
            #[allow(unreachable_code)]
            Ok::<(), String>(())
        })
        .unwrap();
        let report = m.wait_all(ms(100)).await;
        assert!(report.drained);
        assert_eq!(status_of(&m, "ok"), RunStatus::Completed);
        assert_eq!(status_of(&m, "err"), RunStatus::Failed);
        assert_eq!(error_of(&m, "err").as_deref(), Some("bad input"));
        assert_eq!(status_of(&m, "panic"), RunStatus::Failed);
        assert!(error_of(&m, "panic")
            .unwrap()
            .contains("validator exploded"));
        assert_eq!(m.error_count(), 2);
        assert_eq!(m.tracked_count(), 0);
    });
}

#[test]
fn cancel_records_cancelled_before_the_first_poll_while_queued_and_while_running() {
    sim(|| async {
        let m = TaskManager::new(config(1));
        m.spawn(Run::new("running", "job"), sleep_ok(ms(100)))
            .unwrap();
        m.spawn(Run::new("queued", "job"), sleep_ok(ms(100)))
            .unwrap();
        // Not polled yet: the guard exists before the task does.
        m.spawn(Run::new("fresh", "job"), sleep_ok(ms(100)))
            .unwrap();
        assert!(m.cancel(&RunId::from("fresh")));
        settle().await;
        assert_eq!(status_of(&m, "fresh"), RunStatus::Cancelled);
        rt::sleep(ms(10)).await;
        assert_eq!(status_of(&m, "running"), RunStatus::Running);
        assert_eq!(status_of(&m, "queued"), RunStatus::Queued);
        assert!(m.cancel(&RunId::from("queued")));
        assert!(m.cancel(&RunId::from("running")));
        settle().await;
        assert_eq!(status_of(&m, "queued"), RunStatus::Cancelled);
        assert_eq!(status_of(&m, "running"), RunStatus::Cancelled);
        assert_eq!(m.tracked_count(), 0);
        assert!(!m.cancel(&RunId::from("running")), "already gone");
        assert_eq!(m.error_count(), 0, "a cancellation is not an error");
    });
}

#[test]
fn a_duplicate_id_is_rejected_and_never_overwrites() {
    sim(|| async {
        let m = TaskManager::new(config(4));
        m.spawn(Run::new("r", "first"), sleep_ok(ms(50))).unwrap();
        let second = m.spawn(Run::new("r", "second"), sleep_ok(ms(1)));
        assert_eq!(second, Err(SpawnError::DuplicateId(RunId::from("r"))));
        assert_eq!(m.tracked_count(), 1);
        m.wait_all(ms(100)).await;
        let run = m.with_registry(|r| r.get(&RunId::from("r")).unwrap().clone());
        assert_eq!(
            (run.name.as_str(), run.status),
            ("first", RunStatus::Completed)
        );
        // A finished id is not reused either: the registry is history.
        assert!(m.spawn(Run::new("r", "third"), sleep_ok(ms(1))).is_err());
    });
}

#[test]
fn the_limit_queues_then_rejects_beyond_the_queue() {
    sim(|| async {
        let m = TaskManager::new(ManagerConfig {
            max_queued: 2,
            ..config(2)
        });
        let peak = Arc::new(AtomicUsize::new(0));
        let now = Arc::new(AtomicUsize::new(0));
        for i in 0..4 {
            let (peak, now) = (peak.clone(), now.clone());
            m.spawn(Run::new(format!("t{i}"), "job"), async move {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                rt::sleep(ms(10)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                Ok::<(), String>(())
            })
            .unwrap();
        }
        let refused = m.spawn(Run::new("t4", "job"), sleep_ok(ms(1)));
        assert!(matches!(
            refused,
            Err(SpawnError::QueueFull { tracked: 4, .. })
        ));
        rt::sleep(ms(1)).await;
        let s = m.status();
        assert_eq!((s.running, s.queued, s.active_tasks), (2, 2, 4));
        m.wait_all(ms(100)).await;
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(rt::now(), Instant::from_millis(20), "two rounds of two");
    });
}

#[test]
fn wait_all_times_out_then_cancels_what_remains() {
    sim(|| async {
        let m = TaskManager::new(config(4));
        m.spawn(Run::new("quick", "job"), sleep_ok(ms(5))).unwrap();
        m.spawn(Run::new("hung", "job"), sleep_ok(Duration::from_secs(3600)))
            .unwrap();
        let report = m.wait_all(ms(200)).await;
        assert!(!report.drained);
        assert_eq!((report.cancelled, report.remaining), (1, 0));
        assert_eq!(rt::now(), Instant::from_millis(200));
        assert_eq!(status_of(&m, "quick"), RunStatus::Completed);
        assert_eq!(status_of(&m, "hung"), RunStatus::Cancelled);
    });
}

#[test]
fn status_is_a_consistent_snapshot_whatever_the_tasks_states() {
    sim(|| async {
        let m = TaskManager::new(config(1));
        m.spawn(Run::new("a", "job"), sleep_ok(ms(10))).unwrap();
        m.spawn(Run::new("b", "job"), async { Err::<(), _>("x") })
            .unwrap();
        let before = m.status();
        assert_eq!(before.active_tasks, 2);
        assert_eq!(before.tasks.len(), 2);
        assert!(before.tasks.iter().all(|t| t.status == RunStatus::Queued));
        rt::sleep(ms(1)).await;
        let during = m.status();
        assert_eq!(during.running + during.queued, during.active_tasks);
        m.wait_all(ms(100)).await;
        let after = m.status();
        assert_eq!((after.active_tasks, after.error_count), (0, 1));
    });
}

#[test]
fn shutdown_is_bounded_stops_the_monitor_at_once_and_refuses_new_tasks() {
    sim(|| async {
        let m = TaskManager::new(config(2));
        m.start_monitor();
        rt::sleep(ms(5)).await;
        assert!(m.monitor_alive());
        m.spawn(Run::new("hung", "job"), sleep_ok(Duration::from_secs(3600)))
            .unwrap();
        let report = m.shutdown().await;
        assert!(report.elapsed <= m.config().shutdown_bound());
        assert_eq!(
            report.elapsed,
            ms(1_000),
            "the drain timeout, then an instant"
        );
        assert!(report.monitor_stopped, "the monitor heard the signal");
        assert!(!m.monitor_alive());
        assert_eq!(m.tracked_count(), 0);
        assert_eq!(status_of(&m, "hung"), RunStatus::Cancelled);
        let late = m.spawn(Run::new("late", "job"), sleep_ok(ms(1)));
        assert_eq!(late, Err(SpawnError::ShuttingDown(RunId::from("late"))));
    });
}

#[test]
fn unnamed_runs_get_unique_ids_but_the_documented_timestamps_collide() {
    sim(|| async {
        let fixed = TaskManager::new(config(2));
        let a = fixed.background_run(None);
        let b = fixed.background_run(None);
        assert_ne!(a.id, b.id);
        let documented = TaskManager::with_variant(config(2), Variant::AsDocumented);
        let a = documented.background_run(None);
        let b = documented.background_run(None);
        assert_eq!(a.id, b.id, "same instant, same timestamp name");
        assert_eq!(a.id.as_str(), "bg_task_0.000000");
    });
}

#[test]
fn cancel_not_recorded_leaves_the_run_running() {
    sim(|| async {
        let variant = Variant::Defect(Defect::CancelNotRecorded);
        let m = TaskManager::with_variant(config(2), variant);
        m.spawn(Run::new("r", "job"), sleep_ok(ms(100))).unwrap();
        rt::sleep(ms(1)).await;
        m.cancel(&RunId::from("r"));
        settle().await;
        assert_eq!(m.tracked_count(), 0, "the finally clause still untracks it");
        assert_eq!(status_of(&m, "r"), RunStatus::Running);
    });
}

/// The same manager code on real tokio (paused clock: no wall-clock sleeping).
#[tokio::test(start_paused = true)]
async fn the_manager_runs_on_real_tokio() {
    let m = TaskManager::new(config(2));
    m.start_monitor();
    m.spawn(Run::new("ok", "job"), sleep_ok(ms(5))).unwrap();
    m.spawn(Run::new("err", "job"), async { Err::<(), _>("bad") })
        .unwrap();
    m.spawn(Run::new("panic", "job"), async {
        rt::sleep(ms(1)).await;
        panic!("boom");
        #[allow(unreachable_code)]
        Ok::<(), String>(())
    })
    .unwrap();
    m.spawn(Run::new("hung", "job"), sleep_ok(Duration::from_secs(3600)))
        .unwrap();
    let report = m.shutdown().await;
    assert!(report.elapsed <= m.config().shutdown_bound());
    assert_eq!(status_of(&m, "ok"), RunStatus::Completed);
    assert_eq!(status_of(&m, "err"), RunStatus::Failed);
    assert_eq!(status_of(&m, "panic"), RunStatus::Failed);
    assert_eq!(status_of(&m, "hung"), RunStatus::Cancelled);
    assert_eq!((m.error_count(), m.tracked_count()), (2, 0));
    assert!(!m.monitor_alive());
}

/// Lets aborted tasks take their turn: as on tokio, an abort takes effect when the task is
/// next scheduled, and every runnable task runs before virtual time moves.
async fn settle() {
    rt::sleep(std::time::Duration::from_nanos(1)).await;
}
