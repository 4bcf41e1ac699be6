//! The search for the smallest failing seed of a range, on one thread or several.
//!
//! Invariant: the result does not depend on the thread count. Seeds are handed out in
//! order; a worker that finds a failure stops the seeds above it, never those below, and a
//! failure above the smallest one is discarded. The threads are the harness's own (each seed
//! is its own single-threaded simulation on one of them): simulated code starts none.

use crate::report::Report;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The report of the smallest seed of `seeds` whose run failed, running them in order on
/// this thread.
pub fn first_failing_here(seeds: Range<u64>, run: impl Fn(u64) -> Report) -> Option<Report> {
    seeds.map(run).find(|report| !report.passed())
}

/// The report of the smallest seed of `seeds` whose run failed, on `jobs` threads.
pub fn first_failing(
    seeds: Range<u64>,
    jobs: usize,
    run: impl Fn(u64) -> Report + Sync,
) -> Option<Report> {
    let count = seeds.end.saturating_sub(seeds.start);
    let jobs = jobs.clamp(1, usize::try_from(count).unwrap_or(usize::MAX).max(1));
    if jobs == 1 {
        return first_failing_here(seeds, run);
    }
    let next = AtomicU64::new(seeds.start);
    let stop_above = AtomicU64::new(u64::MAX);
    let smallest: Mutex<Option<Report>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= seeds.end
                    || seed < seeds.start
                    || seed > stop_above.load(Ordering::Relaxed)
                {
                    return;
                }
                let report = run(seed);
                if report.passed() {
                    continue;
                }
                stop_above.fetch_min(seed, Ordering::Relaxed);
                let mut smallest = smallest.lock().expect("no worker panics holding it");
                if smallest.as_ref().is_none_or(|s| seed < s.seed) {
                    *smallest = Some(report);
                }
            });
        }
    });
    smallest
        .into_inner()
        .expect("no worker panicked holding it")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Sim, SimConfig};

    fn run(seed: u64) -> Report {
        Sim::new(SimConfig::with_seed(seed)).run(move || async move {
            assert!(seed % 7 != 3 || seed < 11, "fails on 17, 24, 31, ...");
        })
    }

    #[test]
    fn the_smallest_failing_seed_whatever_the_thread_count() {
        for jobs in [1, 2, 3, 8] {
            let found = first_failing(0..200, jobs, run).expect("seed 17 fails");
            assert_eq!(found.seed, 17, "jobs {jobs}");
        }
        assert!(first_failing(0..17, 4, run).is_none());
        assert!(first_failing(5..5, 4, run).is_none());
    }

    #[test]
    fn a_range_that_ends_at_the_last_seed_stops() {
        let found = first_failing(u64::MAX - 3..u64::MAX, 2, run);
        assert!(found.is_none_or(|r| r.seed >= u64::MAX - 3));
    }
}
