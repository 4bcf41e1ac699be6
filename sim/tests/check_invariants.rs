//! Invariants registered through `rt::invariant`, both ways: step checks, liveness deadlines and
//! end checks fire on a bad program and stay silent on its corrected twin; and the two phases
//! (faults, then healed) of a workload.

use asynclife_sim::check::{always, at_end, eventually_within, Overdue};
use asynclife_sim::fault::{FaultKind, FaultPlan, FaultRule};
use asynclife_sim::rt::{self, fault};
use asynclife_sim::{Instant, Report, Sim, SimConfig, Verdict, ViolationKind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Registry {
    active: Vec<(u32, Instant)>,
    limit_seen: usize,
}

/// Starts `n` jobs; each registers itself active and, unless `leave_active`, deregisters when
/// done. `limit` bounds how many run at once, when given.
async fn jobs(n: u32, leave_active: bool, limit: Option<usize>) {
    let registry = Arc::new(Mutex::new(Registry::default()));
    let seen = registry.clone();
    rt::invariant(always("at-most-three-active", move |_| {
        let r = seen.lock().unwrap();
        if r.active.len() > 3 {
            Err(format!("{} jobs active: {:?}", r.active.len(), r.active))
        } else {
            Ok(())
        }
    }));
    let seen = registry.clone();
    rt::invariant(eventually_within(
        "jobs-leave-active-within-1s",
        Duration::from_secs(1),
        move |_| {
            let r = seen.lock().unwrap();
            r.active.first().map(|(id, since)| Overdue {
                since: *since,
                what: format!("job {id} leaving the active set"),
            })
        },
    ));
    let seen = registry.clone();
    rt::invariant(at_end("limit-was-reached", move |_| {
        let r = seen.lock().unwrap();
        if r.limit_seen > 0 {
            Ok(())
        } else {
            Err("no job ever ran".into())
        }
    }));
    let permits = Arc::new(tokio::sync::Semaphore::new(limit.unwrap_or(1_000)));
    let mut set = rt::JoinSet::new();
    for id in 0..n {
        let registry = registry.clone();
        let permits = permits.clone();
        set.spawn(format!("job-{id}"), async move {
            let _permit = permits.acquire().await.unwrap();
            {
                let mut r = registry.lock().unwrap();
                r.active.push((id, rt::now()));
                r.limit_seen = r.limit_seen.max(r.active.len());
            }
            rt::sleep(Duration::from_millis(rt::random_range(10..200))).await;
            if !leave_active {
                registry.lock().unwrap().active.retain(|(i, _)| *i != id);
            }
        });
    }
    while set.join_next().await.is_some() {}
    rt::sleep(Duration::from_secs(2)).await;
}

fn names(report: &Report) -> Vec<String> {
    report
        .violations
        .iter()
        .map(|v| v.kind.to_string())
        .collect()
}

#[test]
fn a_step_invariant_fires_once_with_the_values_involved() {
    let report = Sim::new(SimConfig::with_seed(1)).run(|| jobs(6, false, None));
    assert_eq!(names(&report), ["at-most-three-active"]);
    assert!(report.violations[0].message.contains("jobs active"));
}

#[test]
fn a_liveness_invariant_fires_past_its_deadline_and_at_the_end() {
    let report = Sim::new(SimConfig::with_seed(1)).run(|| jobs(3, true, None));
    assert_eq!(names(&report), ["jobs-leave-active-within-1s"]);
    assert!(report.violations[0]
        .message
        .contains("leaving the active set"));
    assert!(report.violations[0].at >= Instant::from_millis(1_000));
}

#[test]
fn invariants_stay_silent_on_the_corrected_program() {
    for seed in 0..50 {
        let report = Sim::new(SimConfig::with_seed(seed)).run(|| jobs(6, false, Some(3)));
        assert_eq!(
            report.verdict,
            Verdict::Pass,
            "seed {seed}: {:#?}",
            report.violations
        );
    }
}

#[test]
fn an_end_invariant_fires_at_the_end_only() {
    let report = Sim::new(SimConfig::with_seed(1)).run(|| jobs(0, false, None));
    assert_eq!(names(&report), ["limit-was-reached"]);
}

#[test]
fn an_invariant_cannot_take_a_detector_name() {
    let report = Sim::new(SimConfig::with_seed(1)).run(|| async {
        rt::invariant(always("deadlock", |_| Ok(())));
    });
    assert_eq!(names(&report), ["main-panicked"]);
    assert!(report.violations[0]
        .message
        .contains("taken by a built-in detector"));
}

/// A worker that retries a flaky call until it succeeds; the end check wants it done.
async fn retry_until_done() {
    let done = Arc::new(Mutex::new(false));
    let seen = done.clone();
    rt::invariant(at_end("work-done", move |_| {
        if *seen.lock().unwrap() {
            Ok(())
        } else {
            Err("the work never completed".into())
        }
    }));
    let worker = rt::spawn("worker", async move {
        for _ in 0..50 {
            if fault::point("flaky.call").await.is_ok() {
                *done.lock().unwrap() = true;
                return;
            }
            rt::sleep(Duration::from_millis(100)).await;
        }
    });
    // Safety phase: faults on for 1 s. Liveness phase: healed, the worker must finish.
    rt::sleep(Duration::from_secs(1)).await;
    fault::heal();
    worker.await.unwrap();
}

#[test]
fn the_liveness_phase_runs_with_faults_healed() {
    let always_failing = FaultRule::at_point(
        "flaky.call",
        FaultKind::Error {
            error: "network".into(),
        },
    );
    let config = SimConfig {
        faults: FaultPlan::new(vec![always_failing]),
        ..SimConfig::with_seed(1)
    };
    let report = Sim::new(config).run(retry_until_done);
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    assert!(report.trace.to_text().contains("faults healed"));
    assert!(!report.has(&ViolationKind::Invariant("work-done".into())));
}
