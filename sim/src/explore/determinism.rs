//! The determinism self-check: a seed run twice in one process must give the same trace.
//! Where it does not, the finding names the first event that differs, both versions of it,
//! and the task it is about with its spawn location.

use crate::check::{TaskRef, Violation, ViolationKind};
use crate::config::SimConfig;
use crate::report::{Report, Verdict};
use crate::trace::{Event, Trace};

/// Runs `config` twice; the first run's report, with a `nondeterminism` violation added when
/// the second run's trace differs.
pub fn run_twice(run: &dyn Fn(SimConfig) -> Report, config: SimConfig) -> Report {
    let first = run(config.clone());
    let second = run(config);
    compare_runs(first, &second)
}

/// Two runs of one seed: the first, with a `nondeterminism` violation added when the
/// second's trace differs from it.
pub fn compare_runs(first: Report, second: &Report) -> Report {
    if first.trace_hash() == second.trace_hash() {
        return first;
    }
    let violation = divergence(&first, second);
    let mut report = first;
    report.violations.push(violation);
    report.verdict = Verdict::Fail;
    report
}

/// The violation for two runs of one seed whose traces differ.
fn divergence(first: &Report, second: &Report) -> Violation {
    let (a, b) = (first.trace.events(), second.trace.events());
    let index = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let render = |trace: &Trace, event: Option<&Event>| match event {
        Some(e) => Trace::from_events(trace.tasks.clone(), vec![e.clone()])
            .to_text()
            .trim()
            .to_string(),
        None => "(the run had ended)".to_string(),
    };
    let (x, y) = (a.get(index), b.get(index));
    let task = x
        .or(y)
        .and_then(|e| e.task)
        .and_then(|id| first.trace.tasks.get(id.index()))
        .map(TaskRef::of);
    let at = x.or(y).map(|e| e.at).unwrap_or_default();
    Violation {
        kind: ViolationKind::Nondeterminism,
        task,
        at,
        message: format!(
            "seed {} run twice gave two traces (hashes {:016x} and {:016x}); they first differ \
             at event {index}: `{}` in the first run, `{}` in the second. Something outside \
             the engine decides what the code does: tokio's unbiased `select!` (use \
             `asynclife_sim::select!`), a global or static counter, the wall clock, OS \
             randomness, a hash map's order, another thread",
            first.seed,
            first.trace_hash(),
            second.trace_hash(),
            render(&first.trace, x),
            render(&second.trace, y),
        ),
        after_cut_short: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{rt, Sim};
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

    static CALLS: AtomicU64 = AtomicU64::new(0);

    /// Spawns one task more on every second call in the process: a global decides.
    async fn reads_a_global() {
        let extra = CALLS.fetch_add(1, Relaxed) % 2 == 1;
        let a = rt::spawn("a", rt::yield_now());
        if extra {
            rt::spawn("extra", async {}).await.unwrap();
        }
        a.await.unwrap();
    }

    async fn deterministic_twin() {
        let a = rt::spawn("a", rt::yield_now());
        a.await.unwrap();
    }

    #[test]
    fn two_runs_of_a_seed_that_differ_name_the_first_differing_event() {
        let run = |c: SimConfig| Sim::new(c).run(reads_a_global);
        let report = run_twice(&run, SimConfig::with_seed(4));
        let v = report
            .first(&ViolationKind::Nondeterminism)
            .expect("the global counter changes the second run");
        assert!(v.message.contains("first differ at event"), "{}", v.message);
        assert!(v.message.contains("extra"), "{}", v.message);
    }

    #[test]
    fn the_deterministic_twin_passes() {
        let run = |c: SimConfig| Sim::new(c).run(deterministic_twin);
        for seed in 0..50 {
            run_twice(&run, SimConfig::with_seed(seed)).assert_pass();
        }
    }
}
