//! The `rt` facade's semantics: timeout, abort, JoinSet, interval, virtual time, randomness;
//! and one async function run both in the simulation and on real tokio.

use asynclife_sim::{rt, Instant, Sim, SimConfig, Verdict};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn pass<F, Fut>(main: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let report = Sim::new(SimConfig::with_seed(5)).run(main);
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

#[test]
fn the_clock_jumps_to_the_next_timer() {
    pass(|| async {
        assert_eq!(rt::now(), Instant::ZERO);
        rt::sleep(Duration::from_secs(3600)).await;
        assert_eq!(rt::now(), Instant::from_millis(3_600_000));
    });
}

#[test]
fn timeout_returns_the_value_when_the_future_is_first() {
    pass(|| async {
        let v = rt::timeout(ms(10), async {
            rt::sleep(ms(5)).await;
            1
        })
        .await;
        assert_eq!(v, Ok(1));
        assert_eq!(rt::now(), Instant::from_millis(5));
    });
}

#[test]
fn timeout_elapses_and_cancels_the_future() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    pass(move || async move {
        struct SetOnDrop(Arc<AtomicBool>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let guard = SetOnDrop(flag);
        let r = rt::timeout(ms(10), async move {
            let _guard = guard;
            rt::sleep(ms(50)).await;
        })
        .await;
        assert!(r.is_err());
        assert_eq!(rt::now(), Instant::from_millis(10));
    });
    assert!(dropped.load(Ordering::SeqCst));
}

#[test]
fn abort_drops_the_task_and_the_handle_reports_cancelled() {
    let reached = Arc::new(AtomicBool::new(false));
    let flag = reached.clone();
    pass(move || async move {
        let h = rt::spawn("victim", async move {
            rt::sleep(ms(100)).await;
            flag.store(true, Ordering::SeqCst);
        });
        rt::sleep(ms(10)).await;
        h.abort();
        let e = h.await.unwrap_err();
        assert!(e.is_cancelled() && !e.is_panic());
        rt::sleep(ms(200)).await;
    });
    assert!(
        !reached.load(Ordering::SeqCst),
        "an aborted task never resumes"
    );
}

#[test]
fn abort_of_a_finished_task_keeps_its_result() {
    pass(|| async {
        let h = rt::spawn("done", async { 3 });
        rt::sleep(ms(1)).await;
        assert!(h.is_finished());
        h.abort();
        assert_eq!(h.await.unwrap(), 3);
    });
}

#[test]
fn a_task_can_abort_itself() {
    pass(|| async {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let h = rt::spawn("self-aborting", async move {
            let me: rt::JoinHandle<()> = rx.await.unwrap();
            me.abort();
            rt::yield_now().await;
            unreachable!("aborted at its own request");
        });
        let _ = tx.send(h);
        rt::sleep(ms(1)).await;
    });
}

#[test]
fn join_set_yields_in_completion_order_and_aborts_on_drop() {
    let last_finished = Arc::new(Mutex::new(None));
    let seen = last_finished.clone();
    pass(move || async move {
        let mut set = rt::JoinSet::new();
        for (i, delay) in [30u64, 10, 20].into_iter().enumerate() {
            set.spawn(format!("t{i}"), async move {
                rt::sleep(ms(delay)).await;
                i
            });
        }
        let mut order = Vec::new();
        while let Some(r) = set.join_next().await {
            order.push(r.unwrap());
        }
        assert_eq!(order, [1, 2, 0]);
        assert!(set.is_empty());

        let mut doomed = rt::JoinSet::new();
        doomed.spawn("long", async move {
            rt::sleep(ms(1000)).await;
            *seen.lock().unwrap() = Some(());
        });
        drop(doomed);
        rt::sleep(ms(2000)).await;
    });
    assert!(last_finished.lock().unwrap().is_none());
}

/// Members that finish before the set is first awaited, and the order `join_next` gives them.
async fn finished_before_the_first_join() -> Vec<usize> {
    let mut set = rt::JoinSet::new();
    for (i, delay) in [30u64, 10, 20].into_iter().enumerate() {
        set.spawn(format!("t{i}"), async move {
            rt::sleep(ms(delay)).await;
            i
        });
    }
    rt::sleep(ms(100)).await; // every member finishes before the set is polled
    let mut order = Vec::new();
    while let Some(r) = set.join_next().await {
        order.push(r.unwrap());
    }
    order
}

#[test]
fn join_set_yields_members_finished_before_the_first_join_in_completion_order_as_tokio_does() {
    let sim_order = Arc::new(Mutex::new(Vec::new()));
    let out = sim_order.clone();
    pass(move || async move {
        *out.lock().unwrap() = finished_before_the_first_join().await;
    });
    let tokio_order =
        asynclife_sim::real::paused_runtime().block_on(finished_before_the_first_join());
    assert_eq!(*sim_order.lock().unwrap(), [1, 2, 0]);
    assert_eq!(tokio_order, [1, 2, 0]);
}

#[test]
fn interval_ticks_on_time_and_delays_after_a_late_tick() {
    pass(|| async {
        let mut tick = rt::interval(ms(10));
        assert_eq!(tick.tick().await, Instant::ZERO);
        assert_eq!(tick.tick().await, Instant::from_millis(10));
        rt::sleep(ms(25)).await; // now 35: the tick due at 20 is late
        assert_eq!(tick.tick().await, Instant::from_millis(20));
        assert_eq!(rt::now(), Instant::from_millis(35));
        assert_eq!(tick.tick().await, Instant::from_millis(45));
    });
}

#[test]
fn random_draws_repeat_for_a_seed_and_differ_across_seeds() {
    let draw = |seed| {
        let out = Arc::new(Mutex::new(Vec::new()));
        let o = out.clone();
        Sim::new(SimConfig::with_seed(seed))
            .run(move || async move {
                for _ in 0..8 {
                    o.lock().unwrap().push(rt::random_u64());
                }
            })
            .assert_pass();
        let v = out.lock().unwrap().clone();
        v
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
}

/// A small piece of "production" code written against rt only.
async fn fan_out_and_time_out() -> (u32, u32) {
    let mut set = rt::JoinSet::new();
    for i in 0..5u32 {
        set.spawn(format!("job-{i}"), async move {
            rt::sleep(ms(u64::from(i) * 10)).await;
            i
        });
    }
    let mut sum = 0;
    while let Some(r) = set.join_next().await {
        sum += r.unwrap();
    }
    let mut slow = rt::spawn("slow", async {
        rt::sleep(ms(500)).await;
    });
    let timed_out = match rt::timeout(ms(50), &mut slow).await {
        Ok(_) => 0,
        Err(_) => {
            // Dropping the handle would detach the task, and the leak detector would say so.
            slow.abort();
            1
        }
    };
    (sum, timed_out)
}

#[test]
fn the_same_function_runs_in_the_simulation_and_on_tokio() {
    let sim_result = Arc::new(Mutex::new(None));
    let out = sim_result.clone();
    pass(move || async move {
        *out.lock().unwrap() = Some(fan_out_and_time_out().await);
    });
    let tokio_result = asynclife_sim::real::paused_runtime().block_on(async {
        assert!(!rt::in_simulation());
        let start = rt::now();
        let result = fan_out_and_time_out().await;
        assert!(rt::now() - start >= ms(90));
        result
    });
    assert_eq!(*sim_result.lock().unwrap(), Some((10, 1)));
    assert_eq!(tokio_result, (10, 1));
}

#[test]
fn a_panic_on_tokio_becomes_a_join_error_too() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let e = rt::spawn("boom", async { panic!("on tokio") })
            .await
            .unwrap_err();
        assert!(e.is_panic());
        assert_eq!(e.panic_message(), Some("on tokio"));
    });
}

#[test]
fn abort_under_a_lock_the_task_drop_takes_does_not_deadlock() {
    let shared = Arc::new(Mutex::new(0u32));
    let in_task = shared.clone();
    pass(move || async move {
        struct TouchOnDrop(Arc<Mutex<u32>>);
        impl Drop for TouchOnDrop {
            fn drop(&mut self) {
                *self.0.lock().unwrap() += 1;
            }
        }
        let h = rt::spawn("holder", async move {
            let _guard = TouchOnDrop(in_task);
            rt::sleep(ms(1000)).await;
        });
        rt::sleep(ms(1)).await;
        {
            let _locked = shared.lock().unwrap();
            h.abort(); // the task's future is dropped at its next turn, not inside this call
        }
        assert!(h.await.unwrap_err().is_cancelled());
        assert_eq!(*shared.lock().unwrap(), 1);
    });
}

#[test]
fn polling_a_join_handle_after_it_returned_is_reported() {
    let report = Sim::new(SimConfig::with_seed(1)).run(|| async {
        let mut h = rt::spawn("once", async { 1 });
        assert_eq!((&mut h).await.unwrap(), 1);
        let _ = (&mut h).await;
    });
    assert!(report.violations[0]
        .message
        .contains("JoinHandle polled after completion"));
}
