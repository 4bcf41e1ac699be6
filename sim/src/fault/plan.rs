//! The fault plan: an ordered list of rules, the unit that scenarios configure and failures record.

use super::pattern::Pattern;
use super::rule::{FaultKind, FaultRule};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// Which faults a run injects: plain serde data, read from a scenario file
/// and written into failure files.
///
/// Rules are tried in order at each hit of a fault point and the first that fires decides
/// ([`FaultPlan::decide`]). The default plan has no rules and injects nothing. Read from
/// files, a plan must pass [`FaultPlan::validate`] before use.
///
/// ```toml
/// swarm = false
/// [[rules]]
/// point = "agent.spawn"
/// kind = "error"
/// error = "network"
/// probability = 0.1
/// [[rules]]
/// kind = "crash_process"
/// process = "agent-*"
/// at_ms = 12000
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultPlan {
    /// The rules, in the order they are tried.
    pub rules: Vec<FaultRule>,
    /// Swarm mode: each seed first draws which rules are on and how hard
    /// ([`FaultPlan::draw_swarm`]), and runs with the drawn plan.
    pub swarm: bool,
}

/// A `crash_process` rule triggered by time, for the engine to schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedCrash {
    /// The rule's index in its plan, for the trace.
    pub rule_index: usize,
    /// When to crash.
    pub at: Instant,
    /// Which processes to crash: every live one whose name matches at that time.
    pub process: Pattern,
}

impl FaultPlan {
    /// A plan of these rules, without swarm mode.
    pub fn new(rules: Vec<FaultRule>) -> FaultPlan {
        FaultPlan {
            rules,
            swarm: false,
        }
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True for a plan without rules, which injects nothing.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// This plan without its rule `index`, the others keeping their order: one step of
    /// shrinking.
    ///
    /// # Panics
    ///
    /// When `index >= self.len()`: the shrinker only removes rules that exist.
    pub fn without_rule(&self, index: usize) -> FaultPlan {
        assert!(
            index < self.rules.len(),
            "rule {index} out of range for a plan of {} rules",
            self.rules.len()
        );
        let mut plan = self.clone();
        plan.rules.remove(index);
        plan
    }

    /// The `crash_process` rules triggered by time, in rule order, for the engine to schedule
    /// when the run starts. Rules triggered at a point come from [`FaultPlan::decide`] instead,
    /// as [`FaultOutcome::CrashProcess`](super::FaultOutcome::CrashProcess).
    pub fn timed_process_crashes(&self) -> Vec<TimedCrash> {
        self.rules
            .iter()
            .enumerate()
            .filter_map(|(rule_index, rule)| match &rule.kind {
                FaultKind::CrashProcess {
                    process,
                    at_ms: Some(at_ms),
                } => Some(TimedCrash {
                    rule_index,
                    at: Instant::from_millis(*at_ms),
                    process: process.clone(),
                }),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FaultPlan {
        FaultPlan::new(vec![
            FaultRule::at_point("kv.*", FaultKind::Drop),
            FaultRule::crash_process_at("agent-*", 12_000),
            FaultRule::at_point(
                "agent.spawn",
                FaultKind::CrashProcess {
                    process: Pattern::new("agent-1"),
                    at_ms: None,
                },
            ),
            FaultRule::crash_process_at("db", 5),
        ])
    }

    #[test]
    fn default_plan_is_empty() {
        let plan = FaultPlan::default();
        assert!(plan.is_empty());
        assert!(!plan.swarm);
        assert_eq!(plan.validate(), Ok(()));
    }

    #[test]
    fn without_rule_removes_one_and_keeps_order() {
        let plan = sample();
        let shrunk = plan.without_rule(1);
        assert_eq!(shrunk.len(), 3);
        assert_eq!(shrunk.rules[0], plan.rules[0]);
        assert_eq!(shrunk.rules[1], plan.rules[2]);
        assert_eq!(shrunk.rules[2], plan.rules[3]);
    }

    #[test]
    fn timed_crashes_are_only_the_ones_with_a_time() {
        let crashes = sample().timed_process_crashes();
        assert_eq!(
            crashes,
            vec![
                TimedCrash {
                    rule_index: 1,
                    at: Instant::from_millis(12_000),
                    process: Pattern::new("agent-*"),
                },
                TimedCrash {
                    rule_index: 3,
                    at: Instant::from_millis(5),
                    process: Pattern::new("db"),
                },
            ]
        );
    }
}
