//! The engine without its `real` feature, as a crate that only simulates gets it: the world
//! works inside a simulation, and outside one a world call says which feature it needs.
//! (`cargo test -p asynclife-sim --test without_real`; in the workspace the feature is on.)
#![cfg(not(feature = "real"))]

use asynclife_sim::world::{ProcessSpec, Signal};
use asynclife_sim::{rt, Sim, SimConfig};
use std::time::Duration;

#[test]
fn processes_and_the_store_work_inside_a_simulation() {
    Sim::new(SimConfig::with_seed(2))
        .run(|| async {
            let pid = rt::process::spawn(ProcessSpec::default());
            assert!(rt::process::state(pid).is_some());
            rt::process::signal(pid, Signal::Kill).unwrap();
            rt::process::wait(pid).await.unwrap();
            rt::kv::set("k", "v", None).await.unwrap();
            assert_eq!(rt::kv::get("k").await.unwrap().as_deref(), Some("v"));
            rt::sleep(Duration::from_millis(1)).await;
        })
        .assert_pass();
}

#[test]
fn outside_a_simulation_a_process_call_names_the_feature_it_needs() {
    let panic = std::panic::catch_unwind(|| rt::process::spawn(ProcessSpec::default()))
        .expect_err("no real processes without the feature");
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("rt::process::spawn"), "{message}");
    assert!(message.contains("`real` feature"), "{message}");
}

#[test]
fn outside_a_simulation_a_store_call_names_itself_and_the_feature() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let panic = std::panic::catch_unwind(|| runtime.block_on(rt::kv::get("k")))
        .expect_err("no real store without the feature");
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("asynclife_sim::rt::kv::get"), "{message}");
    assert!(message.contains("`real` feature"), "{message}");
}

#[test]
fn outside_a_simulation_time_and_tasks_run_on_tokio() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let answer = runtime.block_on(async {
        let start = rt::now();
        let task = rt::spawn("sleeper", async {
            rt::sleep(Duration::from_secs(5)).await;
            42
        });
        let answer = task.await.unwrap();
        assert!(rt::now() - start >= Duration::from_secs(5));
        answer
    });
    assert_eq!(answer, 42);
}
