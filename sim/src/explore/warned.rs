//! The warnings of a check's seeds (a poll slow on the wall clock, a replay that left its
//! schedule), gathered across the check's threads and said once when the check passes: they
//! decide no verdict, but a person should see them.

use crate::check::Violation;
use crate::report::Report;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Seeds with a warning: how many, and the first warning of the smallest of them.
#[derive(Default)]
pub(crate) struct Warned {
    seeds: AtomicU64,
    first: Mutex<Option<(u64, Violation)>>,
}

impl Warned {
    /// Takes note of one seed's report.
    pub(crate) fn note(&self, report: &Report) {
        let Some(warning) = report.warnings.first() else {
            return;
        };
        self.seeds.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first.lock().unwrap_or_else(|e| e.into_inner());
        if first.as_ref().is_none_or(|(seed, _)| report.seed < *seed) {
            *first = Some((report.seed, warning.clone()));
        }
    }

    /// How many seeds had a warning.
    pub(crate) fn seeds(&self) -> u64 {
        self.seeds.load(Ordering::Relaxed)
    }

    /// The line a passing check prints, when some seed had a warning.
    pub(crate) fn summary(&self, check: &str) -> Option<String> {
        let first = self.first.lock().unwrap_or_else(|e| e.into_inner());
        let (seed, warning) = first.as_ref()?;
        Some(format!(
            "check '{check}' passed, but {} seed(s) carry a warning beside the verdict; the \
             first, seed {seed}: {warning}",
            self.seeds()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::ViolationKind;
    use crate::time::Instant;
    use crate::{Sim, SimConfig};

    fn report(seed: u64, warned: bool) -> Report {
        let mut report = Sim::new(SimConfig::with_seed(seed)).run(|| async {});
        if warned {
            report.warnings.push(Violation {
                kind: ViolationKind::WallBlockedPoll,
                task: None,
                at: Instant::ZERO,
                message: format!("seed {seed}"),
                after_cut_short: false,
            });
        }
        report
    }

    #[test]
    fn the_smallest_warned_seed_is_named_whatever_the_order() {
        let warned = Warned::default();
        assert_eq!(warned.summary("c"), None);
        for (seed, w) in [(9, true), (2, false), (4, true), (7, true)] {
            warned.note(&report(seed, w));
        }
        assert_eq!(warned.seeds(), 3);
        let line = warned.summary("c").expect("three seeds warned");
        assert!(line.contains("3 seed(s)") && line.contains("seed 4: [wall-blocked-poll]"));
    }
}
