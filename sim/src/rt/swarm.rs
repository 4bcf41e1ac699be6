//! Swarm testing for a workload: each seed turns the workload's features on or off and picks
//! how big and how fast it is, within the bounds a scenario file gives.
//!
//! The fault plan's swarm mode ([`FaultPlan::draw_swarm`](crate::fault::FaultPlan::draw_swarm))
//! does this for faults; these draws do it for the workload's own shape, so that one scenario
//! reaches bugs that need a feature off (no cancels at all, one burst size) as well as those
//! that need it on. Every draw comes from the run's workload stream ([`random_range`]): the same
//! seed draws the same shape, and a replay draws it again.
//!
//! ```
//! # use asynclife_sim::{rt, Sim, SimConfig};
//! # let report = Sim::new(SimConfig::with_seed(3)).run(|| async {
//! let cancel_probability = rt::swarm::feature(0.3); // 0, or within 0.075..=0.3
//! let sessions = rt::swarm::size(8u32); // 2..=8
//! let think_max_ms = rt::swarm::scale(2_000); // 500..=2000
//! # assert!(cancel_probability == 0.0 || (0.075..=0.3).contains(&cancel_probability));
//! # assert!((2..=8).contains(&sessions));
//! # assert!((500..=2_000).contains(&think_max_ms));
//! # });
//! # assert!(report.violations.is_empty());
//! ```

use super::random::{random_bool, random_range};
use crate::fault::SWARM_MIN_FACTOR;

/// A feature's probability for this seed: 0 with chance 1/2, otherwise `probability` times a
/// factor uniform in `[SWARM_MIN_FACTOR, 1]`. A probability of 0 stays 0 (nothing is drawn
/// for it, so that a feature the file turned off costs no draw).
pub fn feature(probability: f64) -> f64 {
    if probability <= 0.0 {
        return 0.0;
    }
    if coin() {
        probability * factor()
    } else {
        0.0
    }
}

/// A size for this seed: uniform in `ceil(max * SWARM_MIN_FACTOR)..=max`, at least 1 when
/// `max` is. A `max` of 0 stays 0.
pub fn size<T>(max: T) -> T
where
    T: Copy + TryInto<u64> + TryFrom<u64>,
{
    let Ok(max_u64) = max.try_into() else {
        return max;
    };
    if max_u64 == 0 {
        return max;
    }
    let min = ((max_u64 as f64 * SWARM_MIN_FACTOR).ceil() as u64).clamp(1, max_u64);
    T::try_from(random_range(min..=max_u64)).unwrap_or(max)
}

/// A duration or bound in milliseconds for this seed: `ms` times a factor uniform in
/// `[SWARM_MIN_FACTOR, 1]`, rounded, and at least 1 when `ms` is.
pub fn scale(ms: u64) -> u64 {
    if ms == 0 {
        return 0;
    }
    ((ms as f64 * factor()).round() as u64).clamp(1, ms)
}

/// One of `options`, uniformly.
///
/// # Panics
/// If `options` is empty.
pub fn pick<T: Clone>(options: &[T]) -> T {
    assert!(!options.is_empty(), "rt::swarm::pick from no options");
    options[random_range(0..options.len())].clone()
}

/// True with chance 1/2: whether a feature is on for this seed.
pub fn coin() -> bool {
    random_bool(0.5)
}

fn factor() -> f64 {
    random_range(SWARM_MIN_FACTOR..=1.0)
}

/// `workload`, or, when `on`, the workload `draw` makes of it for this seed, logged as a trace
/// event so that a failure's trace shows the shape it ran with. Call it at the start of a
/// run.
pub fn drawn_if<W: std::fmt::Debug>(on: bool, workload: W, draw: impl FnOnce(&W) -> W) -> W {
    if !on {
        return workload;
    }
    let drawn = draw(&workload);
    crate::rt::event(format!("swarm workload: {drawn:?}"));
    drawn
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Sim, SimConfig};

    fn in_sim<R: 'static>(seed: u64, f: impl FnOnce() -> R + 'static) -> R {
        let out = std::rc::Rc::new(std::cell::RefCell::new(None));
        let slot = out.clone();
        let report = Sim::new(SimConfig::with_seed(seed)).run(move || async move {
            *slot.borrow_mut() = Some(f());
        });
        assert!(report.violations.is_empty(), "{:?}", report.violations);
        let drawn = out.borrow_mut().take();
        drawn.expect("the run ran")
    }

    #[test]
    fn draws_stay_within_their_bounds_and_both_sides_of_a_feature_occur() {
        let (mut on, mut off) = (0, 0);
        for seed in 0..400 {
            let (p, n, ms, zero_n, zero_ms) = in_sim(seed, || {
                (
                    feature(0.4),
                    size(10u32),
                    scale(1_000),
                    size(0u64),
                    scale(0),
                )
            });
            if p == 0.0 {
                off += 1;
            } else {
                on += 1;
                assert!((0.1..=0.4).contains(&p), "seed {seed}: {p}");
            }
            assert!((3..=10).contains(&n), "seed {seed}: {n}");
            assert!((250..=1_000).contains(&ms), "seed {seed}: {ms}");
            assert_eq!((zero_n, zero_ms), (0, 0));
        }
        // Each side has chance 1/2 per seed: below 120 of 400 is a 1-in-10^16 event.
        assert!(on > 120 && off > 120, "on {on}, off {off}");
    }

    #[test]
    fn a_size_of_one_is_one_and_a_zero_probability_draws_nothing() {
        let drawn = in_sim(7, || (size(1usize), feature(0.0), crate::rt::random_u64()));
        let baseline = in_sim(7, || (1usize, 0.0, crate::rt::random_u64()));
        // size(1) draws from 1..=1 (one draw), feature(0.0) none: the generator moved once.
        assert_eq!((drawn.0, drawn.1), (1, 0.0));
        assert_ne!(drawn.2, baseline.2);
        let only_size = in_sim(7, || {
            size(1usize);
            crate::rt::random_u64()
        });
        assert_eq!(drawn.2, only_size);
    }

    #[test]
    fn the_same_seed_draws_the_same_shape() {
        let draw = || {
            (
                feature(0.5),
                size(100u32),
                scale(9_000),
                pick(&["a", "b", "c"]),
            )
        };
        assert_eq!(in_sim(11, draw), in_sim(11, draw));
    }
}
