//! Every scenario file over its default seed count: each outcome must match its `[expect]`
//! (and a scenario that expects a failure must see it). This is the CI form of the main job.

use asynclife::reference;
use asynclife::scenario::{self, Expect};
use asynclife::sweep::{sweep, SweepOptions};
use std::path::Path;

#[test]
fn every_scenario_meets_its_expectation_over_its_default_seeds() {
    let scenarios = scenario::load_dir(Path::new("scenarios"), reference::registry())
        .expect("every scenario file loads");
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut problems = Vec::new();
    for s in &scenarios {
        let subsystem = reference::registry()
            .find(&s.subsystem)
            .expect("checked when loaded");
        let options = SweepOptions {
            seeds: s.default_seeds(),
            jobs,
            keep_going: false,
            variant: None,
            check_determinism: false,
        };
        let result = sweep(s, subsystem, &options, &|_, _| {}).expect("the sweep runs");
        for o in &result.unexpected {
            problems.push(format!(
                "{} (variant {}) seed {}: {:?}\n  reproduce: cargo run --release -- run {} --seed {}",
                s.path.display(),
                s.variant,
                o.seed,
                o.report.violations,
                s.path.display(),
                o.seed
            ));
        }
        if let Expect::Fails { name, .. } = &s.expect {
            if result.first_failing.is_none() {
                problems.push(format!(
                    "{}: `{name}` never fired in {} seeds",
                    s.path.display(),
                    s.seeds
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The determinism self-check over every scenario's first seeds: each seed run twice in this
/// process gives the same trace (a `nondeterminism` finding is a bug of a reference subsystem
/// or of the engine). `sweep --check-determinism scenarios/` does it over every seed.
#[test]
fn every_scenario_is_deterministic_run_twice_in_one_process() {
    let registry = reference::registry();
    let scenarios =
        scenario::load_dir(Path::new("scenarios"), registry).expect("every scenario file loads");
    let mut problems = Vec::new();
    for s in &scenarios {
        let subsystem = registry.find(&s.subsystem).expect("checked when loaded");
        let options = SweepOptions {
            seeds: s.first_seed..s.first_seed + 20,
            jobs: 2,
            keep_going: true,
            variant: None,
            check_determinism: true,
        };
        let result = sweep(s, subsystem, &options, &|_, _| {}).expect("the sweep runs");
        for o in &result.unexpected {
            let kind = asynclife_sim::ViolationKind::Nondeterminism;
            if let Some(v) = o.report.first(&kind) {
                problems.push(format!("{} seed {}: {v}", s.path.display(), o.seed));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
