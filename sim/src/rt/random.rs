//! Randomness for simulated code, drawn from the run's seeded generator.
//!
//! Inside a simulation every draw comes from the workload stream of the run's seed, so a seed
//! reproduces every choice. Outside one (real mode) the draws come from a generator seeded
//! once per thread from a fixed value, and again by each real run from its seed, so a real
//! run's workload draws depend on its seed alone.

use crate::outside_rng;
use crate::runtime::context;
use rand::distr::uniform::{SampleRange, SampleUniform};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

fn with_rng<R>(f: impl FnOnce(&mut ChaCha8Rng) -> R) -> R {
    let mut f = Some(f);
    let take = |f: &mut Option<_>| f.take().expect("called once");
    match context::with_current(|kernel| kernel.with_workload_rng(take(&mut f))) {
        Some(drawn) => drawn,
        None => outside_rng::with(take(&mut f)),
    }
}

/// The branch `asynclife_sim::select!` polls first, of `branches`: inside a simulation drawn
/// from the run's own select stream (so each seed explores an order, and replays it),
/// outside one from this thread's generator, as tokio's unbiased `select!` does.
#[doc(hidden)]
pub fn select_start(branches: usize) -> usize {
    if branches <= 1 {
        return 0;
    }
    match context::with_current(|k| k.with_select_rng(|rng| rng.random_range(0..branches))) {
        Some(start) => start,
        None => outside_rng::with(|rng| rng.random_range(0..branches)),
    }
}

/// A uniformly random `u64`.
pub fn random_u64() -> u64 {
    with_rng(|rng| rng.random())
}

/// A uniform draw from `range` (`a..b` or `a..=b`; integers, floats, durations).
///
/// # Panics
/// If the range is empty.
pub fn random_range<T, R>(range: R) -> T
where
    T: SampleUniform,
    R: SampleRange<T>,
{
    with_rng(|rng| rng.random_range(range))
}

/// True with probability `probability` (clamped to 0..=1).
pub fn random_bool(probability: f64) -> bool {
    let p = probability.clamp(0.0, 1.0);
    with_rng(|rng| rng.random_bool(p))
}
