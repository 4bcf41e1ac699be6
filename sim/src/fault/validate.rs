//! Checking a fault plan before use: every error names its field by its path in the file.

use super::error::{FaultPlanError, FaultPlanErrorKind as Kind};
use super::plan::FaultPlan;
use super::rule::{FaultKind, FaultRule};

impl FaultPlan {
    /// Checks every rule, in order, and reports the first problem with the path of its field
    /// as written in files (`rules[2].probability: must be within 0..=1, got 1.5`).
    ///
    /// A plan read from a file must pass before it is used: [`FaultPlan::decide`] and
    /// [`FaultPlan::draw_swarm`] assume a valid plan (they never panic on an invalid one, but
    /// its meaning is unspecified). A plan drawn by `draw_swarm` from a valid plan is valid.
    pub fn validate(&self) -> Result<(), FaultPlanError> {
        for (index, rule) in self.rules.iter().enumerate() {
            validate_rule(rule).map_err(|(field, kind)| {
                FaultPlanError::new(format!("rules[{index}].{field}"), kind)
            })?;
        }
        Ok(())
    }
}

/// A problem with one field of a rule, named as in files.
type Problem = (&'static str, Kind);

fn validate_rule(rule: &FaultRule) -> Result<(), Problem> {
    validate_trigger(rule)?;
    if let Some(point) = &rule.point {
        if point.is_empty() {
            return Err(("point", Kind::EmptyPattern));
        }
    }
    let probability = rule.fire_probability;
    if !(0.0..=1.0).contains(&probability) {
        return Err(("probability", Kind::ProbabilityOutOfRange(probability)));
    }
    if rule.at_hit == Some(0) {
        return Err(("at_hit", Kind::ZeroHit));
    }
    if let Some(until_ms) = rule.until_ms {
        let after_ms = rule.after_ms.unwrap_or(0);
        if until_ms <= after_ms {
            return Err(("until_ms", Kind::EmptyWindow { after_ms, until_ms }));
        }
    }
    validate_kind(&rule.kind)
}

/// How the rule is triggered: at a point, or (a `crash_process` only) at a time, never both.
fn validate_trigger(rule: &FaultRule) -> Result<(), Problem> {
    let FaultKind::CrashProcess { at_ms, .. } = &rule.kind else {
        return match rule.point {
            Some(_) => Ok(()),
            None => Err(("point", Kind::MissingPoint)),
        };
    };
    match (at_ms, &rule.point) {
        (None, None) => Err(("at_ms", Kind::MissingTrigger)),
        (Some(_), Some(_)) => Err(("at_ms", Kind::ConflictingTrigger)),
        (None, Some(_)) => Ok(()),
        (Some(_), None) => {
            // A timed crash happens once, at its time: hit counts, windows and draws have
            // nothing to act on (swarm mode turns the whole rule on or off instead).
            let unused = [
                ("probability", rule.fire_probability != 1.0),
                ("at_hit", rule.at_hit.is_some()),
                ("after_ms", rule.after_ms.is_some()),
                ("until_ms", rule.until_ms.is_some()),
            ];
            match unused.into_iter().find(|(_, present)| *present) {
                Some((field, _)) => Err((field, Kind::NotForTimedCrash)),
                None => Ok(()),
            }
        }
    }
}

fn validate_kind(kind: &FaultKind) -> Result<(), Problem> {
    match kind {
        FaultKind::Delay {
            min_ms,
            max_ms: Some(max_ms),
        } if max_ms < min_ms => Err((
            "max_ms",
            Kind::MaxBelowMin {
                min_ms: *min_ms,
                max_ms: *max_ms,
            },
        )),
        FaultKind::Error { error } if error.is_empty() => Err(("error", Kind::EmptyErrorKind)),
        FaultKind::CrashProcess { process, .. } if process.is_empty() => {
            Err(("process", Kind::EmptyPattern))
        }
        FaultKind::Late { margin_ms: 0 } => Err(("margin_ms", Kind::ZeroMargin)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::Pattern;

    fn delay(min_ms: u64, max_ms: Option<u64>) -> FaultKind {
        FaultKind::Delay { min_ms, max_ms }
    }

    /// The error of a plan whose rule 1 is `bad` (rule 0 is valid), as text.
    fn error_of(bad: FaultRule) -> String {
        let plan = FaultPlan::new(vec![FaultRule::at_point("ok", FaultKind::Drop), bad]);
        plan.validate()
            .expect_err("plan should be invalid")
            .to_string()
    }

    fn starts_with(message: String, prefix: &str) {
        assert!(
            message.starts_with(prefix),
            "{message:?} should start with {prefix:?}"
        );
    }

    #[test]
    fn valid_rules_pass() {
        let plan = FaultPlan::new(vec![
            FaultRule::at_point("kv.*", delay(1, Some(50))).with_probability(0.5),
            FaultRule::at_point("kv.get", delay(3, Some(3))),
            FaultRule::at_point("a", FaultKind::Crash).with_at_hit(3),
            FaultRule::at_point("b", FaultKind::Late { margin_ms: 1 })
                .with_window(Some(10), Some(11)),
            FaultRule::crash_process_at("agent-*", 0),
            FaultRule::at_point(
                "agent.spawn",
                FaultKind::CrashProcess {
                    process: Pattern::new("agent-*"),
                    at_ms: None,
                },
            )
            .with_at_hit(2),
        ]);
        assert_eq!(plan.validate(), Ok(()));
    }

    #[test]
    fn probability_out_of_range() {
        let rule = FaultRule::at_point("p", FaultKind::Drop);
        assert_eq!(
            error_of(rule.clone().with_probability(1.5)),
            "rules[1].probability: must be within 0..=1, got 1.5"
        );
        starts_with(
            error_of(rule.clone().with_probability(-0.1)),
            "rules[1].probability:",
        );
        starts_with(
            error_of(rule.with_probability(f64::NAN)),
            "rules[1].probability:",
        );
    }

    #[test]
    fn max_below_min() {
        assert_eq!(
            error_of(FaultRule::at_point("p", delay(10, Some(5)))),
            "rules[1].max_ms: smaller than min_ms, got max_ms = 5 and min_ms = 10"
        );
    }

    #[test]
    fn empty_patterns_and_error_kinds() {
        let bad_point = FaultRule::at_point("", FaultKind::Drop);
        assert_eq!(error_of(bad_point), "rules[1].point: empty pattern");
        let bad_process = FaultRule::crash_process_at("", 5);
        assert_eq!(error_of(bad_process), "rules[1].process: empty pattern");
        let bad_error = FaultRule::at_point(
            "p",
            FaultKind::Error {
                error: String::new(),
            },
        );
        assert_eq!(error_of(bad_error), "rules[1].error: empty error kind");
    }

    #[test]
    fn point_is_required_except_for_timed_crashes() {
        let mut rule = FaultRule::at_point("p", FaultKind::Crash);
        rule.point = None;
        starts_with(error_of(rule), "rules[1].point: missing");
    }

    #[test]
    fn crash_process_needs_exactly_one_trigger() {
        let mut neither = FaultRule::crash_process_at("agent-*", 5);
        neither.kind = FaultKind::CrashProcess {
            process: Pattern::new("agent-*"),
            at_ms: None,
        };
        starts_with(
            error_of(neither),
            "rules[1].at_ms: crash_process needs at_ms",
        );
        let mut both = FaultRule::crash_process_at("agent-*", 5);
        both.point = Some(Pattern::new("agent.spawn"));
        starts_with(
            error_of(both),
            "rules[1].at_ms: crash_process takes at_ms or point",
        );
    }

    #[test]
    fn timed_crash_rejects_point_only_fields() {
        let timed = FaultRule::crash_process_at("agent-*", 5);
        starts_with(
            error_of(timed.clone().with_at_hit(2)),
            "rules[1].at_hit: does not apply",
        );
        starts_with(
            error_of(timed.clone().with_probability(0.5)),
            "rules[1].probability: does not apply",
        );
        starts_with(
            error_of(timed.with_window(None, Some(9))),
            "rules[1].until_ms: does not apply",
        );
    }

    #[test]
    fn at_hit_zero() {
        let rule = FaultRule::at_point("p", FaultKind::Crash).with_at_hit(0);
        starts_with(error_of(rule), "rules[1].at_hit: must be at least 1");
    }

    #[test]
    fn empty_window() {
        let rule = FaultRule::at_point("p", FaultKind::Drop);
        assert_eq!(
            error_of(rule.clone().with_window(Some(20), Some(10))),
            "rules[1].until_ms: must be later than after_ms, got until_ms = 10 and after_ms = 20"
        );
        starts_with(
            error_of(rule.clone().with_window(Some(7), Some(7))),
            "rules[1].until_ms:",
        );
        starts_with(
            error_of(rule.with_window(None, Some(0))),
            "rules[1].until_ms:",
        );
    }

    #[test]
    fn zero_margin() {
        let rule = FaultRule::at_point("p", FaultKind::Late { margin_ms: 0 });
        starts_with(error_of(rule), "rules[1].margin_ms: must be at least 1");
    }

    #[test]
    fn error_exposes_field_and_kind() {
        let plan = FaultPlan::new(vec![
            FaultRule::at_point("p", FaultKind::Crash).with_at_hit(0)
        ]);
        let error = plan.validate().unwrap_err();
        assert_eq!(error.field(), "rules[0].at_hit");
        assert_eq!(error.kind(), &Kind::ZeroHit);
        let _: &dyn std::error::Error = &error;
    }
}
