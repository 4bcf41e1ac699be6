//! Determinism of every scenario: the same seed twice gives the same trace hash, and a
//! failure file's replay reproduces its trace hash bit for bit.

use asynclife::failure::{format_hash, Failure};
use asynclife::reference;
use asynclife::scenario;
use std::path::Path;

#[test]
fn every_scenario_gives_the_same_trace_for_the_same_seed() {
    let scenarios = scenario::load_dir(Path::new("scenarios"), reference::registry())
        .expect("every scenario file loads");
    for s in &scenarios {
        let subsystem = reference::registry()
            .find(&s.subsystem)
            .expect("checked when loaded");
        for seed in [0, 1, 17] {
            let a = subsystem
                .run(s.sim_config(seed), &s.workload, &s.variant)
                .unwrap();
            let b = subsystem
                .run(s.sim_config(seed), &s.workload, &s.variant)
                .unwrap();
            assert_eq!(
                a.trace_hash(),
                b.trace_hash(),
                "{} seed {seed} diverged",
                s.path.display()
            );
            assert_eq!(a.schedule, b.schedule);
        }
    }
}

#[test]
fn every_failing_scenario_replays_from_its_failure_file() {
    let scenarios = scenario::load_dir(Path::new("scenarios"), reference::registry())
        .expect("every scenario file loads");
    let dir = std::env::temp_dir().join(format!("asynclife-replay-{}", std::process::id()));
    for s in scenarios.iter().filter(|s| s.variant != "fixed") {
        let subsystem = reference::registry()
            .find(&s.subsystem)
            .expect("checked when loaded");
        let Some(report) = s
            .default_seeds()
            .map(|seed| {
                subsystem
                    .run(s.sim_config(seed), &s.workload, &s.variant)
                    .unwrap()
            })
            .find(|r| !r.violations.is_empty())
        else {
            continue;
        };
        let failure =
            asynclife::failure::of_scenario(s, &s.variant, &s.sim_config(report.seed), &report);
        let path = failure.write(&dir).unwrap();
        let read = Failure::read(&path).unwrap();
        let replayed = subsystem
            .run(
                read.replay_config(),
                &read.workload,
                read.variant.as_deref().unwrap(),
            )
            .unwrap();
        assert_eq!(
            format_hash(replayed.trace_hash()),
            read.trace_hash,
            "{} seed {}: replay diverged",
            s.path.display(),
            report.seed
        );
        assert_eq!(replayed.violations, report.violations);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
