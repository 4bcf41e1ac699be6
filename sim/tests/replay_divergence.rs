//! `replay-divergence`: a schedule replayed on code that no longer makes the same choices is
//! reported, as a warning beside the verdict, with the step and decision where it left the
//! schedule; the same code replays its own schedule with no warning. A shrunk prefix, which
//! runs out early on purpose and continues first runnable first, is not a divergence.

use asynclife_sim::{rt, Policy, Schedule, Sim, SimConfig, ViolationKind};
use std::time::Duration;

/// `workers` tasks that each yield a few times: plenty of scheduling decisions.
async fn workers(workers: usize) {
    let handles: Vec<_> = (0..workers)
        .map(|i| {
            rt::spawn(format!("worker-{i}"), async move {
                for _ in 0..3 {
                    rt::yield_now().await;
                }
                rt::sleep(Duration::from_millis(1)).await;
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

fn replay_of(schedule: Schedule) -> SimConfig {
    SimConfig {
        policy: Policy::Replay(schedule),
        ..SimConfig::with_seed(3)
    }
}

fn divergences(report: &asynclife_sim::Report) -> Vec<&str> {
    report
        .warnings
        .iter()
        .filter(|w| w.kind == ViolationKind::ReplayDivergence)
        .map(|w| w.message.as_str())
        .collect()
}

#[test]
fn the_same_code_replays_its_schedule_without_a_divergence() {
    let recorded = Sim::new(SimConfig::with_seed(3)).run(|| workers(4));
    assert!(recorded.schedule.len() > 5);
    let replayed = Sim::new(replay_of(recorded.schedule.clone())).run(|| workers(4));
    assert_eq!(replayed.trace_hash(), recorded.trace_hash());
    assert!(divergences(&replayed).is_empty(), "{replayed}");
    assert_eq!(replayed.stats.divergences, 0);
}

#[test]
fn fewer_tasks_name_a_task_that_is_not_runnable_and_the_step_is_given() {
    let recorded = Sim::new(SimConfig::with_seed(3)).run(|| workers(4));
    let replayed = Sim::new(replay_of(recorded.schedule)).run(|| workers(2));
    replayed.assert_pass(); // a warning, not a verdict: a fix replays this way too
    let found = divergences(&replayed);
    assert!(!found.is_empty(), "{replayed}");
    assert!(
        found[0].contains("left its schedule at step"),
        "{}",
        found[0]
    );
    assert!(found[0].contains("which was not runnable"), "{}", found[0]);
    assert!(replayed.stats.divergences > 0);
    assert!(replayed.to_string().contains("warning [replay-divergence]"));
}

#[test]
fn a_run_that_ends_with_decisions_unused_is_a_divergence() {
    let recorded = Sim::new(SimConfig::with_seed(3)).run(|| workers(4));
    let mut longer = recorded.schedule.clone();
    // Decisions the code will never need: as if the recorded run had made more choices.
    longer
        .decisions
        .extend(recorded.schedule.decisions.iter().take(3));
    let replayed = Sim::new(replay_of(longer)).run(|| workers(4));
    assert_eq!(replayed.trace_hash(), recorded.trace_hash());
    let found = divergences(&replayed);
    assert_eq!(found.len(), 1, "{replayed}");
    assert!(found[0].contains("3 of the schedule's"), "{}", found[0]);
}

#[test]
fn a_prefix_of_the_schedule_is_not_a_divergence() {
    let recorded = Sim::new(SimConfig::with_seed(3)).run(|| workers(4));
    let prefix = Schedule {
        decisions: recorded.schedule.decisions[..3].to_vec(),
    };
    let replayed = Sim::new(replay_of(prefix)).run(|| workers(4));
    assert!(divergences(&replayed).is_empty(), "{replayed}");
}
