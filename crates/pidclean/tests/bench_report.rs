//! The benchmark entry: N concurrent ends, one simulation, and what it measured (each
//! cleanup's virtual duration, the health probe's latencies) per variant.

use asynclife_pidclean::{bench, CleanupSource, Variant};
use std::time::Duration;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn fixed_cleanups_take_at_most_the_grace_and_health_is_instant() {
    let run = bench(20, Variant::Fixed, 1);
    assert!(
        run.report.violations.is_empty(),
        "{:#?}",
        run.report.violations
    );
    let measured = &run.workload;
    assert_eq!(measured.cleanup_durations.len(), 20);
    assert!(measured.cleanup_durations.iter().all(|d| *d <= secs(5)));
    // Agents that exit on SIGTERM are cleaned up in their own exit time.
    assert!(measured.cleanup_durations.iter().any(|d| *d < secs(2)));
    assert!(!measured.health_latencies.is_empty());
    assert!(measured.health_latencies.iter().all(|l| l.is_zero()));
    assert!(measured.settled);
    assert_eq!(measured.end_latencies, measured.cleanup_durations);
    assert!(measured.total >= secs(40));
    let ends = measured.cleanups.iter();
    assert!(ends
        .clone()
        .all(|c| c.source == CleanupSource::EndSession && c.ok));
}

#[test]
fn serial_cleanups_add_up() {
    let run = bench(20, Variant::SerialCleanup, 1);
    let durations = &run.workload.cleanup_durations;
    let longest = durations.iter().max().copied().unwrap_or_default();
    let own_times: Duration = run.workload.cleanups.iter().map(|c| c.waited).sum();
    // The last one waited for every other one.
    assert_eq!(longest, own_times);
    assert!(longest > secs(20), "{longest:?}");
}

#[test]
fn a_blocking_cleanup_makes_the_health_probe_wait_the_grace() {
    let run = bench(5, Variant::BlockingCleanup, 1);
    let worst = run.workload.health_latencies.iter().max().copied();
    assert!(worst >= Some(secs(5)), "{worst:?}");
    // Each cleanup takes 5 s, but they block the executor in turn: the last client to be
    // served waited 5 x 5 s.
    assert_eq!(run.workload.cleanup_durations, vec![secs(5); 5]);
    let longest = run.workload.end_latencies.iter().max().copied();
    assert_eq!(longest, Some(secs(25)));
}

#[test]
fn the_seeds_fix_takes_the_full_grace_every_time() {
    let run = bench(10, Variant::AsDocumented, 1);
    assert_eq!(run.workload.cleanup_durations, vec![secs(5); 10]);
}
