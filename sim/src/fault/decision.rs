//! Deciding what happens at one hit of a fault point: the outcome and the rule that chose it.

use super::pattern::Pattern;
use super::plan::FaultPlan;
use super::rule::{FaultKind, FaultRule};
use super::stream::{derive, in_range, rule_keys, unit, Lane};
use crate::time::Instant;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// What the engine must do at a fault point. The plan decides; the engine applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultOutcome {
    /// No fault: carry on at once.
    Proceed,
    /// Carry on after this much virtual time.
    Delay(Duration),
    /// Fail with an error of this kind.
    Error(String),
    /// Abort the task that reached the point.
    CrashTask,
    /// Crash the simulated processes whose names match.
    CrashProcess(Pattern),
    /// Lose the message or call.
    Drop,
    /// Deliver the message or make the call twice.
    Duplicate,
    /// Hold the response until its requester's deadline has passed by this margin.
    Late(Duration),
}

/// The result of [`FaultPlan::decide`]: the outcome, and the index of the rule that fired for
/// the trace (`None` exactly when the outcome is [`FaultOutcome::Proceed`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultDecision {
    /// The index in the plan of the rule that fired.
    pub rule_index: Option<usize>,
    /// What the engine must do.
    pub outcome: FaultOutcome,
}

impl FaultDecision {
    /// No rule fired.
    pub const PROCEED: FaultDecision = FaultDecision {
        rule_index: None,
        outcome: FaultOutcome::Proceed,
    };

    /// True when no fault is injected.
    pub fn is_proceed(&self) -> bool {
        self.outcome == FaultOutcome::Proceed
    }
}

impl FaultPlan {
    /// Decides the outcome of hit number `hit` (counted from 1 for each point name) of the
    /// fault point `point` at virtual time `now`, drawing from the run's fault generator.
    ///
    /// Rules are tried in order; the first that fires decides. A rule fires when it has a
    /// point (timed `crash_process` rules never fire here: see
    /// [`FaultPlan::timed_process_crashes`]), its pattern matches `point`, `now` is in
    /// `after_ms..until_ms`, `hit` equals its `at_hit` if it has one, and its probability
    /// draw passes (`u < fire_probability` with `u` uniform in `[0, 1)`, so 0 never fires
    /// and 1 always does).
    ///
    /// Draw discipline: exactly one `u64` is taken from `rng` per call, whatever the plan,
    /// the point and the outcome, even for an empty plan. Every random value of every rule
    /// (its probability draw, its delay within a range) is derived from that one number and
    /// the rule's identity (see the module docs of `fault`), so the fault generator's
    /// position depends only on how many fault points were hit.
    pub fn decide<R: RngCore + ?Sized>(
        &self,
        point: &str,
        hit: u64,
        now: Instant,
        rng: &mut R,
    ) -> FaultDecision {
        let hit_seed = rng.next_u64();
        let mut keys: Option<Vec<u64>> = None;
        for (index, rule) in self.rules.iter().enumerate() {
            if !rule.applies(point, hit, now) {
                continue;
            }
            // Keys are computed only once some rule applies: most hits of most points match
            // no rule, and those should cost one draw and a few pattern matches.
            let key = keys.get_or_insert_with(|| rule_keys(&self.rules))[index];
            if unit(derive(hit_seed, key, Lane::Fire)) < rule.fire_probability {
                return FaultDecision {
                    rule_index: Some(index),
                    outcome: rule.outcome(derive(hit_seed, key, Lane::Delay)),
                };
            }
        }
        FaultDecision::PROCEED
    }
}

impl FaultRule {
    /// Whether this rule is a candidate at this hit, before its probability draw.
    fn applies(&self, point: &str, hit: u64, now: Instant) -> bool {
        let Some(pattern) = &self.point else {
            return false;
        };
        if self.is_timed() || !pattern.matches(point) {
            return false;
        }
        let started = now >= Instant::from_millis(self.after_ms.unwrap_or(0));
        let ended =
            matches!(self.until_ms, Some(until_ms) if now >= Instant::from_millis(until_ms));
        let hit_fits = self.at_hit.is_none() || self.at_hit == Some(hit);
        started && !ended && hit_fits
    }

    /// The outcome when this rule fires; `delay_bits` picks a delay within a range.
    fn outcome(&self, delay_bits: u64) -> FaultOutcome {
        match &self.kind {
            FaultKind::Delay { min_ms, max_ms } => {
                let high_ms = max_ms.unwrap_or(*min_ms).max(*min_ms);
                FaultOutcome::Delay(Duration::from_millis(in_range(
                    delay_bits, *min_ms, high_ms,
                )))
            }
            FaultKind::Error { error } => FaultOutcome::Error(error.clone()),
            FaultKind::Crash => FaultOutcome::CrashTask,
            FaultKind::CrashProcess { process, .. } => FaultOutcome::CrashProcess(process.clone()),
            FaultKind::Drop => FaultOutcome::Drop,
            FaultKind::Duplicate => FaultOutcome::Duplicate,
            FaultKind::Late { margin_ms } => FaultOutcome::Late(Duration::from_millis(*margin_ms)),
        }
    }
}

impl fmt::Display for FaultOutcome {
    /// The trace's wording: `proceed`, `delay 23ms`, `error network`, `crash task`,
    /// `crash process agent-*`, `drop`, `duplicate`, `late +500ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultOutcome::Proceed => f.write_str("proceed"),
            FaultOutcome::Delay(delay) => write!(f, "delay {delay:?}"),
            FaultOutcome::Error(kind) => write!(f, "error {kind}"),
            FaultOutcome::CrashTask => f.write_str("crash task"),
            FaultOutcome::CrashProcess(process) => write!(f, "crash process {process}"),
            FaultOutcome::Drop => f.write_str("drop"),
            FaultOutcome::Duplicate => f.write_str("duplicate"),
            FaultOutcome::Late(margin) => write!(f, "late +{margin:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const T0: Instant = Instant::ZERO;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    fn decide(plan: &FaultPlan, point: &str, hit: u64, now: Instant) -> FaultDecision {
        plan.decide(point, hit, now, &mut rng())
    }

    fn error(kind: &str) -> FaultKind {
        FaultKind::Error { error: kind.into() }
    }

    #[test]
    fn empty_plan_proceeds() {
        let decision = decide(&FaultPlan::default(), "kv.get", 1, T0);
        assert_eq!(decision, FaultDecision::PROCEED);
        assert!(decision.is_proceed());
    }

    #[test]
    fn first_matching_rule_wins() {
        let plan = FaultPlan::new(vec![
            FaultRule::at_point("bus.*", FaultKind::Drop),
            FaultRule::at_point("kv.*", error("network")),
            FaultRule::at_point("kv.get", FaultKind::Crash),
        ]);
        let decision = decide(&plan, "kv.get", 1, T0);
        assert_eq!(decision.rule_index, Some(1));
        assert_eq!(decision.outcome, FaultOutcome::Error("network".into()));
        assert_eq!(decide(&plan, "redis.get", 1, T0), FaultDecision::PROCEED);
    }

    #[test]
    fn window_is_respected() {
        let rule = FaultRule::at_point("p", FaultKind::Drop).with_window(Some(100), Some(200));
        let plan = FaultPlan::new(vec![rule]);
        let at = |ms| decide(&plan, "p", 1, Instant::from_millis(ms)).outcome;
        assert_eq!(at(99), FaultOutcome::Proceed);
        assert_eq!(at(100), FaultOutcome::Drop, "after_ms is inclusive");
        assert_eq!(at(199), FaultOutcome::Drop);
        assert_eq!(at(200), FaultOutcome::Proceed, "until_ms is exclusive");
    }

    #[test]
    fn at_hit_fires_only_on_that_hit() {
        let plan = FaultPlan::new(vec![
            FaultRule::at_point("session.work", FaultKind::Crash).with_at_hit(3)
        ]);
        let outcomes: Vec<FaultOutcome> = (1..=5)
            .map(|hit| decide(&plan, "session.work", hit, T0).outcome)
            .collect();
        let crash_hits: Vec<usize> = outcomes
            .iter()
            .enumerate()
            .filter(|(_, outcome)| **outcome == FaultOutcome::CrashTask)
            .map(|(index, _)| index + 1)
            .collect();
        assert_eq!(crash_hits, vec![3]);
    }

    #[test]
    fn probability_zero_never_fires_and_one_always_does() {
        let plan = FaultPlan::new(vec![
            FaultRule::at_point("p", FaultKind::Drop).with_probability(0.0),
            FaultRule::at_point("p", FaultKind::Duplicate).with_probability(1.0),
        ]);
        let mut rng = rng();
        for hit in 1..=1000 {
            let decision = plan.decide("p", hit, T0, &mut rng);
            assert_eq!(decision.rule_index, Some(1));
            assert_eq!(decision.outcome, FaultOutcome::Duplicate);
        }
    }

    #[test]
    fn probability_is_roughly_honoured() {
        let plan = FaultPlan::new(vec![
            FaultRule::at_point("p", FaultKind::Drop).with_probability(0.3)
        ]);
        let mut rng = rng();
        let fired = (1..=2000)
            .filter(|&hit| !plan.decide("p", hit, T0, &mut rng).is_proceed())
            .count();
        assert!((500..=700).contains(&fired), "fired {fired} of 2000");
    }

    #[test]
    fn same_seed_same_outcomes() {
        let plan = FaultPlan::new(vec![
            FaultRule::at_point(
                "kv.*",
                FaultKind::Delay {
                    min_ms: 1,
                    max_ms: Some(50),
                },
            )
            .with_probability(0.5),
            FaultRule::at_point("*", error("timeout")).with_probability(0.2),
        ]);
        let run = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (1..=200)
                .map(|hit| plan.decide("kv.get", hit, Instant::from_millis(hit), &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
    }

    #[test]
    fn delay_range_stays_within_bounds_and_covers_it() {
        let kind = FaultKind::Delay {
            min_ms: 10,
            max_ms: Some(20),
        };
        let plan = FaultPlan::new(vec![FaultRule::at_point("p", kind)]);
        let mut rng = rng();
        let mut seen = std::collections::BTreeSet::new();
        for hit in 1..=500 {
            let FaultOutcome::Delay(delay) = plan.decide("p", hit, T0, &mut rng).outcome else {
                panic!("a delay rule of probability 1 always delays");
            };
            assert!((10..=20).contains(&delay.as_millis()), "{delay:?}");
            seen.insert(delay.as_millis());
        }
        assert_eq!(seen.len(), 11, "every whole millisecond is reachable");
    }

    #[test]
    fn fixed_delay_and_late_margin() {
        let plan = FaultPlan::new(vec![
            FaultRule::at_point(
                "a",
                FaultKind::Delay {
                    min_ms: 5,
                    max_ms: None,
                },
            ),
            FaultRule::at_point(
                "b",
                FaultKind::Delay {
                    min_ms: 5,
                    max_ms: Some(5),
                },
            ),
            FaultRule::at_point("c", FaultKind::Late { margin_ms: 500 }),
        ]);
        let five = FaultOutcome::Delay(Duration::from_millis(5));
        assert_eq!(decide(&plan, "a", 1, T0).outcome, five);
        assert_eq!(decide(&plan, "b", 1, T0).outcome, five);
        let late = decide(&plan, "c", 1, T0).outcome;
        assert_eq!(late, FaultOutcome::Late(Duration::from_millis(500)));
        assert_eq!(late.to_string(), "late +500ms");
    }

    #[test]
    fn process_crashes_at_points_but_never_timed_ones() {
        let plan = FaultPlan::new(vec![
            FaultRule::crash_process_at("agent-*", 0),
            FaultRule::at_point(
                "agent.spawn",
                FaultKind::CrashProcess {
                    process: Pattern::new("agent-*"),
                    at_ms: None,
                },
            ),
        ]);
        let decision = decide(&plan, "agent.spawn", 1, Instant::from_millis(5));
        assert_eq!(decision.rule_index, Some(1));
        assert_eq!(
            decision.outcome,
            FaultOutcome::CrashProcess(Pattern::new("agent-*"))
        );
    }

    #[test]
    fn exactly_one_draw_per_call() {
        let busy = FaultPlan::new(vec![
            FaultRule::at_point("*", FaultKind::Drop).with_probability(0.5),
            FaultRule::at_point(
                "*",
                FaultKind::Delay {
                    min_ms: 1,
                    max_ms: Some(9),
                },
            ),
        ]);
        for plan in [FaultPlan::default(), busy] {
            let mut used = rng();
            for hit in 1..=10 {
                plan.decide("p", hit, T0, &mut used);
            }
            let mut expected = rng();
            for _ in 0..10 {
                expected.next_u64();
            }
            assert_eq!(used, expected);
        }
    }

    #[test]
    fn removing_a_rule_leaves_the_others_draws_alone() {
        let flaky = FaultRule::at_point("p", error("network")).with_probability(0.5);
        let unrelated = FaultRule::at_point("q", FaultKind::Drop).with_probability(0.5);
        let full = FaultPlan::new(vec![unrelated, flaky.clone()]);
        let shrunk = full.without_rule(0);
        let (mut a, mut b) = (rng(), rng());
        for hit in 1..=200 {
            let before = full.decide("p", hit, T0, &mut a).outcome;
            let after = shrunk.decide("p", hit, T0, &mut b).outcome;
            assert_eq!(before, after, "hit {hit}");
        }
    }

    #[test]
    fn raising_a_probability_only_adds_firings() {
        let at = |p| {
            FaultPlan::new(vec![
                FaultRule::at_point("p", FaultKind::Drop).with_probability(p)
            ])
        };
        let (low, high) = (at(0.2), at(0.6));
        let (mut a, mut b) = (rng(), rng());
        for hit in 1..=500 {
            let low_fired = !low.decide("p", hit, T0, &mut a).is_proceed();
            let high_fired = !high.decide("p", hit, T0, &mut b).is_proceed();
            assert!(!low_fired || high_fired, "hit {hit}");
        }
    }

    #[test]
    fn outcomes_display_for_the_trace() {
        assert_eq!(FaultOutcome::Proceed.to_string(), "proceed");
        assert_eq!(
            FaultOutcome::Delay(Duration::from_millis(23)).to_string(),
            "delay 23ms"
        );
        assert_eq!(
            FaultOutcome::Error("network".into()).to_string(),
            "error network"
        );
        assert_eq!(FaultOutcome::CrashTask.to_string(), "crash task");
        let crash = FaultOutcome::CrashProcess(Pattern::new("agent-*"));
        assert_eq!(crash.to_string(), "crash process agent-*");
    }
}
