//! The tokio-shaped module: a service written as a tokio user writes it, with
//! `use asynclife_sim::tokio;` for its imports, runs in a simulation (virtual time, seeded
//! schedule, findings) and on real tokio, unchanged.

use asynclife_sim::tokio;
use asynclife_sim::{Sim, SimConfig, ViolationKind};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::{self, Instant};

/// A small service: a worker that answers requests until its channel closes, a ticker, a
/// join set of jobs, a timeout, `select!`.
async fn service() -> Vec<u32> {
    let (tx, mut rx) = mpsc::channel::<(u32, oneshot::Sender<u32>)>(8);
    let worker = tokio::spawn(async move {
        while let Some((n, reply)) = rx.recv().await {
            time::sleep(Duration::from_millis(10)).await;
            let _ = reply.send(n * 2);
        }
    });
    let mut jobs = JoinSet::new();
    for n in 1..=3 {
        let tx = tx.clone();
        jobs.spawn(async move {
            let (reply, answer) = oneshot::channel();
            tx.send((n, reply)).await.unwrap();
            answer.await.unwrap()
        });
    }
    drop(tx);
    let mut answers = jobs.join_all().await;
    answers.sort_unstable();
    let start = Instant::now();
    let mut ticker = time::interval(Duration::from_millis(100));
    let mut ticks = 0;
    let deadline = time::sleep(Duration::from_millis(350));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = ticker.tick() => ticks += 1,
            _ = &mut deadline => break,
        }
    }
    answers.push(ticks);
    assert!(start.elapsed() >= Duration::from_millis(350));
    let slow = time::timeout(
        Duration::from_millis(5),
        time::sleep(Duration::from_secs(1)),
    );
    assert!(slow.await.is_err(), "the timeout fires first");
    worker.await.unwrap();
    answers
}

#[test]
fn the_service_runs_in_a_simulation_on_virtual_time() {
    let report = Sim::new(SimConfig::with_seed(4)).run(|| async {
        assert_eq!(service().await, vec![2, 4, 6, 4]);
    });
    report.assert_pass();
    // Named after their functions, spawned where the service spawned them.
    let names: Vec<&str> = report.trace.tasks.iter().map(|t| t.name.as_ref()).collect();
    assert!(names.contains(&"service"), "{names:?}");
}

#[test]
fn the_same_service_runs_on_real_tokio() {
    let runtime = tokio::__main_runtime();
    let answers = runtime.block_on(service());
    assert_eq!(answers, vec![2, 4, 6, 4]);
}

#[tokio::test(flavor = "multi_thread", seeds = 20)]
async fn a_tokio_test_runs_under_the_engine_over_seeds() {
    assert!(asynclife_sim::rt::in_simulation());
    assert_eq!(service().await, vec![2, 4, 6, 4]);
}

#[test]
fn a_detached_panic_is_still_found() {
    let report = Sim::new(SimConfig::with_seed(1)).run(|| async {
        drop(tokio::spawn(async { panic!("lost") }));
        tokio::task::yield_now().await;
    });
    assert!(report.has(&ViolationKind::UnobservedPanic), "{report}");
}

#[test]
fn builder_names_a_task_and_spawn_blocking_holds_the_executor() {
    let report = Sim::new(SimConfig::with_seed(2)).run(|| async {
        let named = tokio::task::Builder::new()
            .name("flusher")
            .spawn(async { 7 })
            .unwrap();
        assert_eq!(named.await.unwrap(), 7);
        let blocking = tokio::task::spawn_blocking(|| 40 + 2);
        assert_eq!(blocking.await.unwrap(), 42);
    });
    report.assert_pass();
    assert!(report.trace.tasks.iter().any(|t| t.name == "flusher"));
}

/// `#[tokio::main]` runs its body on tokio's current-thread runtime (production's side).
#[tokio::main]
async fn production_main() -> Vec<u32> {
    assert!(!asynclife_sim::rt::in_simulation());
    service().await
}

#[test]
fn tokio_main_runs_the_service_on_tokio() {
    assert_eq!(production_main(), vec![2, 4, 6, 4]);
}

/// A reset moves a sleep that another task waits on: the waiter is woken at the new deadline,
/// as on tokio (the reset registers it again with the waiter's waker).
#[test]
fn a_reset_sleep_wakes_its_waiter_at_the_new_deadline() {
    use std::future::{poll_fn, Future};
    use std::sync::{Arc, Mutex};
    let report = Sim::new(SimConfig::with_seed(3)).run(|| async {
        let start = Instant::now();
        let sleep = Arc::new(Mutex::new(Box::pin(time::sleep(Duration::from_secs(10)))));
        let shared = sleep.clone();
        let waiter = tokio::spawn(async move {
            poll_fn(|cx| shared.lock().unwrap().as_mut().poll(cx)).await;
            Instant::now()
        });
        tokio::task::yield_now().await; // the waiter polls the sleep and waits
        sleep
            .lock()
            .unwrap()
            .as_mut()
            .reset(start + Duration::from_secs(1));
        let woke = waiter.await.unwrap();
        assert_eq!(woke - start, Duration::from_secs(1));
    });
    report.assert_pass();
}
