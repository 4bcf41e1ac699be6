//! Each fault kind observably applied (in the trace) and deterministic; swarm draws; healing.

use asynclife_sim::fault::{FaultKind, FaultPlan, FaultRule};
use asynclife_sim::rt::fault::{self, Delivery};
use asynclife_sim::rt::{self, kv, process};
use asynclife_sim::world::{ProcessSpec, ProcessState};
use asynclife_sim::{Instant, Report, Sim, SimConfig, Verdict};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn config(seed: u64, rules: Vec<FaultRule>) -> SimConfig {
    SimConfig {
        faults: FaultPlan::new(rules),
        ..SimConfig::with_seed(seed)
    }
}

fn faults_in(report: &Report) -> Vec<String> {
    report
        .trace
        .to_text()
        .lines()
        .filter(|l| l.contains(" fault "))
        .map(|l| l.split_once("fault ").unwrap().1.to_string())
        .collect()
}

#[test]
fn a_delay_is_applied_in_virtual_time_and_traced() {
    let rule = FaultRule::at_point(
        "kv.*",
        FaultKind::Delay {
            min_ms: 250,
            max_ms: None,
        },
    );
    let report = Sim::new(config(1, vec![rule])).run(|| async {
        kv::set("k", "v", None).await.unwrap();
        assert_eq!(rt::now(), Instant::from_millis(250));
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    assert_eq!(faults_in(&report), ["kv.set: delay 250ms"]);
}

#[test]
fn an_error_is_returned_to_the_caller() {
    let rule = FaultRule::at_point(
        "kv.get",
        FaultKind::Error {
            error: "network".into(),
        },
    )
    .with_at_hit(2);
    let report = Sim::new(config(1, vec![rule])).run(|| async {
        assert!(kv::get("a").await.is_ok());
        let err = kv::get("a").await.unwrap_err();
        assert!(err.to_string().contains("network"), "{err}");
        assert!(kv::get("a").await.is_ok());
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    assert_eq!(faults_in(&report).len(), 1);
}

#[test]
fn a_crash_aborts_the_calling_task() {
    let rule = FaultRule::at_point("work.step", FaultKind::Crash);
    let report = Sim::new(config(1, vec![rule])).run(|| async {
        let worker = rt::spawn("worker", async {
            fault::point("work.step").await.unwrap();
            unreachable!("crashed at the point");
        });
        assert!(worker.await.unwrap_err().is_cancelled());
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    assert!(report.trace.to_text().contains("abort"));
}

#[test]
fn a_timed_process_crash_kills_the_named_process() {
    let report = Sim::new(config(
        1,
        vec![FaultRule::crash_process_at("agent-*", 2_000)],
    ))
    .run(|| async {
        let a = process::spawn(ProcessSpec::named("agent-1"));
        let b = process::spawn(ProcessSpec::named("other"));
        rt::sleep(Duration::from_secs(3)).await;
        assert!(matches!(process::state(a), Some(ProcessState::Exited(_))));
        assert_eq!(process::state(b), Some(ProcessState::Starting));
        process::wait(a).await.unwrap();
        process::signal(b, asynclife_sim::world::Signal::Kill).unwrap();
        process::wait(b).await.unwrap();
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    assert!(report.trace.to_text().contains("crash process agent-*"));
}

#[test]
fn message_faults_come_back_to_the_caller() {
    let rules = vec![
        FaultRule::at_point("bus.deliver", FaultKind::Drop).with_at_hit(1),
        FaultRule::at_point("bus.deliver", FaultKind::Duplicate).with_at_hit(2),
        FaultRule::at_point("bus.deliver", FaultKind::Late { margin_ms: 500 }).with_at_hit(3),
    ];
    let seen = Arc::new(Mutex::new(Vec::new()));
    let out = seen.clone();
    Sim::new(config(1, rules))
        .run(move || async move {
            for _ in 0..4 {
                let delivery = fault::delivery("bus.deliver").await.unwrap();
                out.lock().unwrap().push(delivery);
            }
        })
        .assert_pass();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            Delivery::Drop,
            Delivery::Duplicate,
            Delivery::Late(Duration::from_millis(500)),
            Delivery::Deliver
        ]
    );
}

#[test]
fn healing_turns_every_fault_off() {
    let rule = FaultRule::at_point(
        "kv.*",
        FaultKind::Error {
            error: "timeout".into(),
        },
    );
    let report = Sim::new(config(1, vec![rule])).run(|| async {
        assert!(kv::get("a").await.is_err());
        fault::heal();
        assert!(fault::is_healed());
        assert!(kv::get("a").await.is_ok());
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

fn probabilistic_faults(seed: u64) -> Vec<String> {
    let rule = FaultRule::at_point(
        "kv.*",
        FaultKind::Delay {
            min_ms: 1,
            max_ms: Some(100),
        },
    )
    .with_probability(0.5);
    let report = Sim::new(config(seed, vec![rule])).run(|| async {
        for i in 0..20 {
            let _ = kv::get(&format!("k{i}")).await;
        }
    });
    faults_in(&report)
}

#[test]
fn fault_decisions_repeat_for_a_seed_and_differ_across_seeds() {
    assert_eq!(probabilistic_faults(3), probabilistic_faults(3));
    assert_ne!(probabilistic_faults(3), probabilistic_faults(4));
    let n = probabilistic_faults(3).len();
    assert!((3..=17).contains(&n), "{n} of 20 at probability 0.5");
}

#[test]
fn swarm_mode_draws_a_plan_per_seed_and_records_it() {
    let rules: Vec<FaultRule> = (0..6)
        .map(|i| {
            FaultRule::at_point(
                format!("p{i}").as_str(),
                FaultKind::Delay {
                    min_ms: 10,
                    max_ms: Some(20),
                },
            )
        })
        .collect();
    let plan_of = |seed| {
        let config = SimConfig {
            faults: FaultPlan {
                rules: rules.clone(),
                swarm: true,
            },
            ..SimConfig::with_seed(seed)
        };
        Sim::new(config).run(|| async {}).fault_plan
    };
    assert_eq!(plan_of(5), plan_of(5));
    assert!(!plan_of(5).swarm);
    let distinct: std::collections::BTreeSet<String> =
        (0..30).map(|s| format!("{:?}", plan_of(s))).collect();
    assert!(distinct.len() >= 20, "{} distinct plans", distinct.len());
}
