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
        if let Expect::Fails(name) = &s.expect {
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
