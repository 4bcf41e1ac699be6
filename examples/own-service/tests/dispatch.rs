//! The dispatcher's lifecycle under many seeds: what its users rely on, checked the way a
//! service's own tests would, with `#[asynclife_sim::test]`.

use asynclife_sim::explore::Check;
use asynclife_sim::ViolationKind;
use own_service::harness::{run, Workload, SETTLED};
use own_service::{dispatcher, Bug, Config, Delivery, Dispatcher};
use std::time::Duration;

/// A shutdown under load whose grace runs out while deliveries are in flight.
fn under_load() -> Workload {
    Workload {
        deliveries: 60,
        arrival_gap_max_ms: 5,
        latency_max_ms: 120,
        attempt_timeout_ms: 100,
        shutdown_after_ms: 150,
        grace_ms: 50,
        ..Workload::default()
    }
}

#[asynclife_sim::test(seeds = 1000)]
async fn a_drained_shutdown_delivers_or_dead_letters_everything() {
    run(
        Workload {
            grace_ms: 5_000,
            ..Workload::default()
        },
        None,
    )
    .await;
}

#[asynclife_sim::test(seeds = 1000)]
async fn a_late_shutdown_still_settles_every_delivery() {
    run(under_load(), None).await;
}

#[asynclife_sim::test(seeds = 300, policy = "pct", depth = 3)]
async fn deliveries_that_always_fail_end_dead_lettered_after_every_attempt() {
    let endpoint = own_service::harness::flaky_endpoint(5, 1.0);
    let config = Config {
        max_attempts: 3,
        ..Config::default()
    };
    let dispatcher = Dispatcher::start(config, endpoint);
    let ledger = dispatcher.ledger();
    for id in 0..5 {
        assert!(dispatcher.enqueue(Delivery {
            id,
            url: "https://hooks.example/down".into(),
        }));
    }
    dispatcher.shutdown(Duration::from_secs(10)).await;
    let ledger = ledger.lock().unwrap();
    assert_eq!(ledger.accepted_count(), 5);
    assert_eq!(ledger.delivered_count(), 0);
    ledger.check_settled().unwrap();
}

/// The planted bug, found: this is what CI's own check runs and expects to fail (`.ci/run`),
/// and what a user runs to see the report: `cargo test -- --ignored planted`.
#[asynclife_sim::test(seeds = 1000)]
#[ignore = "the planted bug: it fails, on purpose (run it with --ignored to see the report)"]
async fn planted_bug_a_late_shutdown_loses_nothing() {
    run(under_load(), Some(Bug::LoseInFlightOnShutdown)).await;
}

#[test]
fn the_planted_bug_is_found_within_a_few_seeds_by_the_invariant() {
    let found = Check::new("planted_bug")
        .seeds(1000)
        .failures_dir(std::env::temp_dir().join("own-service-planted"))
        .try_run(|| run(under_load(), Some(Bug::LoseInFlightOnShutdown)))
        .expect_err("the planted bug loses deliveries");
    assert!(
        found.report.seed < 20,
        "found at seed {}",
        found.report.seed
    );
    let kind = ViolationKind::Invariant(SETTLED.to_string());
    let violation = found.report.first(&kind).expect("the invariant fired");
    assert!(
        violation
            .message
            .contains("neither delivered nor dead-lettered"),
        "{}",
        violation.message
    );
}

#[test]
fn the_queue_refuses_when_full_and_the_refusal_is_counted() {
    asynclife_sim::Sim::new(asynclife_sim::SimConfig::with_seed(1))
        .run(|| async {
            let endpoint = own_service::harness::flaky_endpoint(50, 0.0);
            let config = Config {
                workers: 1,
                queue_capacity: 2,
                ..Config::default()
            };
            let d = Dispatcher::start(config, endpoint);
            let accepted = (0..6)
                .filter(|&id| {
                    d.enqueue(Delivery {
                        id,
                        url: "u".into(),
                    })
                })
                .count();
            assert!(accepted < 6, "a queue of 2 refuses some of 6 at once");
            let ledger = d.ledger();
            d.shutdown(Duration::from_secs(5)).await;
            let ledger = ledger.lock().unwrap();
            assert_eq!(ledger.rejected as usize, 6 - accepted);
            ledger.check_settled().unwrap();
        })
        .assert_pass();
    let _ = dispatcher::Bug::LoseInFlightOnShutdown;
}

/// The same service, unchanged, on real tokio: what production runs.
#[test]
fn the_dispatcher_runs_on_real_tokio_too() {
    use asynclife_sim::tokio;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        assert!(!asynclife_sim::rt::in_simulation());
        let endpoint: own_service::Endpoint = std::sync::Arc::new(|_| {
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                Ok(())
            })
        });
        let dispatcher = Dispatcher::start(Config::default(), endpoint);
        let ledger = dispatcher.ledger();
        for id in 0..10 {
            assert!(dispatcher.enqueue(Delivery {
                id,
                url: "https://hooks.example/up".into(),
            }));
        }
        dispatcher.shutdown(Duration::from_secs(10)).await;
        let ledger = ledger.lock().unwrap();
        assert_eq!(ledger.delivered_count(), 10);
        ledger.check_settled().unwrap();
    });
}
