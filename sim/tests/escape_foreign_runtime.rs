//! `foreign-runtime`: a task that calls tokio's own time inside a simulation panics with
//! tokio's "no reactor" message; even when its handle observes the panic and the code moves
//! on, the run fails and says which `rt::` call to use. The same code on `rt` passes.

use asynclife_sim::{rt, Sim, SimConfig, ViolationKind};
use std::time::Duration;

#[test]
fn tokio_sleep_inside_a_simulation_is_reported_even_when_its_panic_is_observed() {
    let report = Sim::new(SimConfig::with_seed(1)).run(|| async {
        let worker = rt::spawn("ticker", async {
            tokio::time::sleep(Duration::from_millis(10)).await;
        });
        // The error is observed, and swallowed: nothing else would tell.
        let _ = worker.await;
    });
    let v = report
        .first(&ViolationKind::ForeignRuntime)
        .expect("tokio's timer outside tokio is named");
    assert!(v.message.contains("rt::sleep"), "{}", v.message);
    assert_eq!(v.task.as_ref().map(|t| t.name.as_str()), Some("ticker"));
}

#[test]
fn the_same_code_on_rt_passes() {
    Sim::new(SimConfig::with_seed(1))
        .run(|| async {
            let worker = rt::spawn("ticker", async {
                rt::sleep(Duration::from_millis(10)).await;
            });
            worker.await.unwrap();
        })
        .assert_pass();
}

#[test]
fn an_ordinary_observed_panic_is_not_a_foreign_runtime() {
    let report = Sim::new(SimConfig::with_seed(1)).run(|| async {
        let worker = rt::spawn("worker", async { panic!("bad input") });
        assert!(worker.await.is_err());
    });
    assert!(!report.has(&ViolationKind::ForeignRuntime));
    report.assert_pass();
}
