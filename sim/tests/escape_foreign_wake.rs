//! `foreign-wake`: a waker of the run woken from another thread. The wake is ignored (the
//! run stays deterministic in what it does), and the run says why its task never woke. The
//! same hand-off inside the simulation passes.

use asynclife_sim::{rt, Sim, SimConfig, ViolationKind};
use std::time::Duration;

#[test]
fn a_oneshot_completed_from_another_thread_is_a_foreign_wake() {
    let report = Sim::new(SimConfig::with_seed(1)).run(|| async {
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let waiter = rt::spawn("waiter", async move {
            let _ = rt::timeout(Duration::from_secs(1), rx).await;
        });
        rt::sleep(Duration::from_millis(1)).await; // the waiter is now waiting on `rx`
                                                   // What the simulated code must not do: a thread of its own. Joined at once, so that
                                                   // its wake has happened before the run goes on.
        #[allow(clippy::disallowed_methods)]
        let thread = std::thread::spawn(move || tx.send(7));
        thread.join().unwrap().unwrap();
        waiter.await.unwrap();
    });
    let v = report
        .first(&ViolationKind::ForeignWake)
        .expect("the other thread's wake is reported");
    assert_eq!(v.task.as_ref().map(|t| t.name.as_str()), Some("waiter"));
    assert!(v.message.contains("another thread"), "{}", v.message);
}

#[test]
fn the_same_hand_off_inside_the_simulation_passes() {
    Sim::new(SimConfig::with_seed(1))
        .run(|| async {
            let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
            let waiter = rt::spawn("waiter", async move {
                assert_eq!(rt::timeout(Duration::from_secs(1), rx).await, Ok(Ok(7)));
            });
            rt::sleep(Duration::from_millis(1)).await;
            rt::spawn("sender", async move { tx.send(7).unwrap() })
                .await
                .unwrap();
            waiter.await.unwrap();
        })
        .assert_pass();
}
