//! What a simulated task's waker does outside its run: nothing. A waker kept past its run
//! cannot disturb a later run on the same thread, and a waker woken on another thread does
//! not wake the task at a nondeterministic moment: the run reports the task as stuck instead.

use asynclife_sim::{rt, Sim, SimConfig, Verdict, ViolationKind};
use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

type Kept = Arc<Mutex<Option<Waker>>>;

/// A run whose main task clones its own waker into `kept` and then finishes.
fn keep_a_waker(kept: &Kept) {
    let kept = kept.clone();
    let report = Sim::new(SimConfig::with_seed(3)).run(move || async move {
        poll_fn(|cx| {
            *kept.lock().unwrap() = Some(cx.waker().clone());
            Poll::Ready(())
        })
        .await;
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

/// A later run with a sleeping task; if `stale` holds a waker, the main task wakes it midway.
fn later_run(stale: Kept) -> u64 {
    let report = Sim::new(SimConfig::with_seed(9)).run(move || async move {
        let sleeper = rt::spawn("sleeper", async {
            rt::sleep(Duration::from_millis(10)).await;
        });
        rt::sleep(Duration::from_millis(5)).await;
        if let Some(waker) = stale.lock().unwrap().take() {
            waker.wake();
        }
        sleeper.await.unwrap();
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    report.trace_hash()
}

#[test]
fn a_waker_kept_past_its_run_does_nothing_in_a_later_run() {
    let kept: Kept = Arc::default();
    keep_a_waker(&kept);
    assert!(kept.lock().unwrap().is_some(), "the first run left a waker");
    // The stale waker names task 0 (a main task, as in every run): were it taken for the
    // later run's main task, that run would poll it once more and its trace would differ.
    let with_stale_wake = later_run(kept.clone());
    assert!(kept.lock().unwrap().is_none(), "the later run woke it");
    let without = later_run(Arc::default());
    assert_eq!(with_stale_wake, without);
}

#[test]
fn a_waker_woken_on_another_thread_does_not_wake_the_task() {
    let report = Sim::new(SimConfig::with_seed(4)).run(|| async {
        let mut handed_over = false;
        poll_fn(move |cx| {
            if handed_over {
                return Poll::Ready(());
            }
            handed_over = true;
            let waker = cx.waker().clone();
            // The point of the test: a real thread, outside the simulation.
            #[allow(clippy::disallowed_methods)]
            std::thread::spawn(move || waker.wake())
                .join()
                .expect("the waking thread ends");
            Poll::Pending
        })
        .await;
    });
    assert!(
        report.has(&ViolationKind::Deadlock),
        "the task must stay pending: {:#?}",
        report.violations
    );
}
