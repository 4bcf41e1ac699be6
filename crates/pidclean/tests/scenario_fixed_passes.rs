//! `fixed` passes every scenario of pidclean on at least 1,000 seeds: no invariant and no
//! detector fires. Each scenario is its own test, so the harness runs them in parallel.

mod common;

use asynclife_sim::Verdict;

/// The seeds every scenario is swept with, at the least.
const MIN_SEEDS: u64 = 1_000;

fn sweep(name: &str) {
    let scenario = common::scenario(name);
    for seed in scenario.seeds(MIN_SEEDS) {
        let report = scenario.run("fixed", seed);
        assert_eq!(
            report.verdict,
            Verdict::Pass,
            "fixed fails {name} with seed {seed}: {:#?}",
            report.violations
        );
    }
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                sweep(&stringify!($name).replace('_', "-"));
            }
        )*

        #[test]
        fn every_scenario_file_is_swept() {
            let swept = [$(stringify!($name).replace('_', "-")),*];
            for name in common::scenarios().into_iter().map(|s| s.name) {
                assert!(swept.contains(&name), "{name} is not swept");
            }
        }
    };
}

scenarios!(
    end_before_connect,
    end_during_spawn,
    ignore_sigterm,
    agents_crash,
    concurrent_ends_health,
    store_faults,
    end_while_queued,
    long_sessions,
    short_ttl,
    store_outage,
    swarm,
);
