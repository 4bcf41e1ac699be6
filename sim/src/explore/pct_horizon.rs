//! PCT over the seed's own length: a first run with the change points off measures it.
//!
//! The paper draws PCT's `depth - 1` change points uniformly over the run's length `k`; a run
//! cannot know its length before it ends. Each seed therefore runs twice: once with the points
//! off (the same priorities, so the same run up to where the first point would fall), which
//! gives its scheduling decisions `k`, then with the points drawn over `1..=k`. The horizon is
//! a pure function of the seed, so `ASYNCLIFE_SEED=N` alone reproduces a seed, and a failure
//! file replays its recorded schedule as before. Shuttle instead estimates `k` from the runs
//! before, which makes a seed's schedule depend on the seeds that ran first.

use crate::config::SimConfig;
use crate::report::Report;
use crate::runtime::Policy;

/// `config`, with PCT's horizon set to the seed's own length when it has none: the
/// scheduling decisions of the seed run with its change points off. Other policies, and PCT
/// with a horizon or at depth 1 (no change point), are returned unchanged and cost no run.
pub fn measure_pct_horizon(run: &dyn Fn(SimConfig) -> Report, config: SimConfig) -> SimConfig {
    let Policy::Pct {
        depth,
        horizon: None,
    } = config.policy
    else {
        return config;
    };
    if depth <= 1 {
        return config;
    }
    let probe = run(SimConfig {
        policy: Policy::pct(1),
        record_trace: false,
        ..config.clone()
    });
    SimConfig {
        policy: Policy::Pct {
            depth,
            horizon: Some(probe.stats.decisions.max(1)),
        },
        ..config
    }
}

/// Runs one seed as the explorers do: PCT over the seed's measured length (see
/// [`measure_pct_horizon`]), any other policy as it is.
///
/// ```
/// use asynclife_sim::{rt, run_pct_measured, Policy, Sim, SimConfig};
///
/// let run = |config: SimConfig| {
///     Sim::new(config).run(|| async {
///         let a = rt::spawn("a", async { for _ in 0..100 { rt::yield_now().await } });
///         let b = rt::spawn("b", async { for _ in 0..100 { rt::yield_now().await } });
///         let _ = (a.await, b.await);
///     })
/// };
/// let config = SimConfig { policy: Policy::pct(2), ..SimConfig::with_seed(1) };
/// let report = run_pct_measured(&run, config);
/// assert!(report.stats.decisions >= 100);
/// ```
pub fn run_pct_measured(run: &dyn Fn(SimConfig) -> Report, config: SimConfig) -> Report {
    run(measure_pct_horizon(run, config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{rt, Sim};
    use std::cell::RefCell;

    fn yielders(config: SimConfig) -> Report {
        Sim::new(config).run(|| async {
            let mut set = rt::JoinSet::new();
            for i in 0..3 {
                set.spawn(format!("yielder-{i}"), async {
                    for _ in 0..50 {
                        rt::yield_now().await;
                    }
                });
            }
            while let Some(done) = set.join_next().await {
                done.unwrap();
            }
        })
    }

    #[test]
    fn the_horizon_is_the_decisions_of_the_seed_with_its_points_off() {
        let probe = yielders(SimConfig {
            policy: Policy::pct(1),
            ..SimConfig::with_seed(9)
        });
        let config = SimConfig {
            policy: Policy::pct(3),
            ..SimConfig::with_seed(9)
        };
        let measured = measure_pct_horizon(&yielders, config);
        assert_eq!(
            measured.policy,
            Policy::Pct {
                depth: 3,
                horizon: Some(probe.stats.decisions)
            }
        );
        assert!(probe.stats.decisions > 100, "{}", probe.stats.decisions);
    }

    #[test]
    fn only_pct_without_a_horizon_and_with_change_points_is_measured() {
        let runs = RefCell::new(0);
        let counting = |config: SimConfig| {
            *runs.borrow_mut() += 1;
            yielders(config)
        };
        for policy in [
            Policy::Random,
            Policy::Fifo,
            Policy::pct(1),
            Policy::Pct {
                depth: 2,
                horizon: Some(7),
            },
        ] {
            let config = SimConfig {
                policy: policy.clone(),
                ..SimConfig::with_seed(2)
            };
            assert_eq!(measure_pct_horizon(&counting, config).policy, policy);
        }
        assert_eq!(*runs.borrow(), 0);
    }

    #[test]
    fn a_measured_seed_is_the_same_run_every_time() {
        let config = SimConfig {
            policy: Policy::pct(3),
            ..SimConfig::with_seed(4)
        };
        let a = run_pct_measured(&yielders, config.clone());
        let b = run_pct_measured(&yielders, config);
        assert_eq!(a.trace_hash(), b.trace_hash());
    }
}
