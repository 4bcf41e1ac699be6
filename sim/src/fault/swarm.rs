//! Swarm mode: each seed draws its own concrete plan from the configured one.

use super::plan::FaultPlan;
use super::rule::{FaultKind, FaultRule};
use super::stream::unit;
use rand::RngCore;

/// The weakest a swarm draw makes a rule: its probability and magnitudes times this, at least.
pub const SWARM_MIN_FACTOR: f64 = 0.25;

impl FaultPlan {
    /// The concrete plan this seed runs with.
    ///
    /// Without swarm mode, a clone, and nothing is drawn. In swarm mode, each rule in order
    /// takes exactly two `u64`s from `rng`, whether it is kept or not: the first keeps it
    /// with probability 1/2, the second picks a factor uniform in `[0.25, 1)` that scales
    /// how hard it is (its probability; its delay bounds and late margin, rounded to whole
    /// milliseconds, a margin staying at least 1). A timed `crash_process` rule is only kept
    /// or dropped. The drawn plan has `swarm = false`, is valid when `self` is, and is what a
    /// failure file records, so that replay does not draw again. The same generator state
    /// gives the same plan.
    pub fn draw_swarm<R: RngCore + ?Sized>(&self, rng: &mut R) -> FaultPlan {
        if !self.swarm {
            return self.clone();
        }
        let mut rules = Vec::with_capacity(self.rules.len());
        for rule in &self.rules {
            let keep = unit(rng.next_u64()) < 0.5;
            let factor = SWARM_MIN_FACTOR + (1.0 - SWARM_MIN_FACTOR) * unit(rng.next_u64());
            if keep {
                rules.push(scaled(rule, factor));
            }
        }
        FaultPlan::new(rules)
    }
}

/// `rule` made `factor` times as hard, for `factor` in `(0, 1]`.
fn scaled(rule: &FaultRule, factor: f64) -> FaultRule {
    if rule.is_timed() {
        return rule.clone();
    }
    let scale = |ms: u64| (ms as f64 * factor).round() as u64;
    let kind = match &rule.kind {
        FaultKind::Delay { min_ms, max_ms } => FaultKind::Delay {
            min_ms: scale(*min_ms),
            max_ms: max_ms.map(scale),
        },
        FaultKind::Late { margin_ms } => FaultKind::Late {
            margin_ms: scale(*margin_ms).max(1),
        },
        other => other.clone(),
    };
    FaultRule {
        kind,
        fire_probability: rule.fire_probability * factor,
        ..rule.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::collections::BTreeSet;

    fn swarm_plan() -> FaultPlan {
        FaultPlan {
            rules: vec![
                FaultRule::at_point(
                    "kv.*",
                    FaultKind::Delay {
                        min_ms: 10,
                        max_ms: Some(50),
                    },
                ),
                FaultRule::at_point(
                    "agent.spawn",
                    FaultKind::Error {
                        error: "network".into(),
                    },
                )
                .with_probability(0.4),
                FaultRule::at_point("haystack.respond", FaultKind::Late { margin_ms: 2 }),
                FaultRule::at_point("session.work", FaultKind::Crash).with_at_hit(3),
                FaultRule::crash_process_at("agent-*", 12_000),
                FaultRule::at_point("bus.send", FaultKind::Duplicate),
            ],
            swarm: true,
        }
    }

    fn draw(seed: u64) -> FaultPlan {
        swarm_plan().draw_swarm(&mut ChaCha8Rng::seed_from_u64(seed))
    }

    #[test]
    fn without_swarm_the_plan_is_kept_and_nothing_drawn() {
        let plan = FaultPlan {
            swarm: false,
            ..swarm_plan()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(plan.draw_swarm(&mut rng), plan);
        assert_eq!(rng, ChaCha8Rng::seed_from_u64(1));
    }

    #[test]
    fn same_seed_same_plan() {
        for seed in 0..10 {
            assert_eq!(draw(seed), draw(seed));
        }
    }

    #[test]
    fn draws_differ_across_seeds() {
        let distinct: BTreeSet<String> = (0..50)
            .map(|seed| serde_json::to_string(&draw(seed)).unwrap())
            .collect();
        // 6 rules give 64 subsets before scaling; 50 seeds land on at least 40 plans.
        assert!(
            distinct.len() >= 40,
            "only {} distinct plans",
            distinct.len()
        );
    }

    #[test]
    fn drawn_plans_are_valid_concrete_and_weaker() {
        let original = swarm_plan();
        for seed in 0..50 {
            let drawn = draw(seed);
            assert!(!drawn.swarm);
            assert_eq!(drawn.validate(), Ok(()), "seed {seed}");
            for rule in &drawn.rules {
                let source = original
                    .rules
                    .iter()
                    .find(|r| r.point == rule.point && r.kind.name() == rule.kind.name())
                    .expect("every drawn rule comes from the plan");
                if rule.is_timed() {
                    assert_eq!(rule, source);
                    continue;
                }
                let ratio = rule.fire_probability / source.fire_probability;
                assert!(
                    (SWARM_MIN_FACTOR..=1.0).contains(&ratio),
                    "seed {seed}: {ratio}"
                );
                if let FaultKind::Delay { min_ms, max_ms } = rule.kind {
                    assert!((3..=10).contains(&min_ms), "seed {seed}: {min_ms}");
                    assert!((13..=50).contains(&max_ms.unwrap()), "seed {seed}");
                }
            }
        }
    }

    #[test]
    fn exactly_two_draws_per_rule() {
        let mut used = ChaCha8Rng::seed_from_u64(3);
        swarm_plan().draw_swarm(&mut used);
        let mut expected = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..2 * swarm_plan().len() {
            expected.next_u64();
        }
        assert_eq!(used, expected);
    }

    #[test]
    fn each_rule_is_kept_about_half_the_time() {
        let kept: usize = (0..200).map(|seed| draw(seed).len()).sum();
        let rate = kept as f64 / (200.0 * swarm_plan().len() as f64);
        assert!((0.4..=0.6).contains(&rate), "kept rate {rate}");
    }
}
