//! The file shape of a rule: one flat table tagged by `kind`, converted to and from [`FaultRule`].
//!
//! serde's `flatten` cannot be combined with `deny_unknown_fields`, so rather than an
//! internally tagged enum beside flattened common fields, a rule is read as this flat struct
//! (unknown fields rejected by serde) and converted, rejecting fields of another kind.

use super::pattern::Pattern;
use super::rule::{FaultKind, FaultRule};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The `kind` tag of a rule in files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindTag {
    Delay,
    Error,
    Crash,
    CrashProcess,
    Drop,
    Duplicate,
    Late,
}

/// A rule as written in a file. Field order here is the order in serialised plans.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    point: Option<Pattern>,
    kind: KindTag,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    process: Option<Pattern>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    margin_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at_hit: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    until_ms: Option<u64>,
}

impl RuleWire {
    /// The kind-specific fields that are present, by name.
    fn kind_fields(&self) -> [(&'static str, bool); 6] {
        [
            ("min_ms", self.min_ms.is_some()),
            ("max_ms", self.max_ms.is_some()),
            ("error", self.error.is_some()),
            ("process", self.process.is_some()),
            ("at_ms", self.at_ms.is_some()),
            ("margin_ms", self.margin_ms.is_some()),
        ]
    }
}

/// The fields each kind accepts beyond the common ones.
fn allowed_fields(tag: KindTag) -> &'static [&'static str] {
    match tag {
        KindTag::Delay => &["min_ms", "max_ms"],
        KindTag::Error => &["error"],
        KindTag::CrashProcess => &["process", "at_ms"],
        KindTag::Late => &["margin_ms"],
        KindTag::Crash | KindTag::Drop | KindTag::Duplicate => &[],
    }
}

fn required<T>(value: Option<T>, field: &str, kind: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{field}`, required by kind `{kind}`"))
}

impl Serialize for FaultRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RuleWire::from(self.clone()).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FaultRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FaultRule, D::Error> {
        let wire = RuleWire::deserialize(deserializer)?;
        FaultRule::try_from(wire).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<RuleWire> for FaultRule {
    type Error = String;

    fn try_from(wire: RuleWire) -> Result<FaultRule, String> {
        let allowed = allowed_fields(wire.kind);
        let name = tag_name(wire.kind);
        for (field, present) in wire.kind_fields() {
            if present && !allowed.contains(&field) {
                return Err(format!("field `{field}` does not apply to kind `{name}`"));
            }
        }
        let kind = match wire.kind {
            KindTag::Delay => FaultKind::Delay {
                min_ms: required(wire.min_ms, "min_ms", name)?,
                max_ms: wire.max_ms,
            },
            KindTag::Error => FaultKind::Error {
                error: required(wire.error, "error", name)?,
            },
            KindTag::Crash => FaultKind::Crash,
            KindTag::CrashProcess => FaultKind::CrashProcess {
                process: required(wire.process, "process", name)?,
                at_ms: wire.at_ms,
            },
            KindTag::Drop => FaultKind::Drop,
            KindTag::Duplicate => FaultKind::Duplicate,
            KindTag::Late => FaultKind::Late {
                margin_ms: required(wire.margin_ms, "margin_ms", name)?,
            },
        };
        Ok(FaultRule {
            point: wire.point,
            kind,
            fire_probability: wire.probability.unwrap_or(1.0),
            at_hit: wire.at_hit,
            after_ms: wire.after_ms,
            until_ms: wire.until_ms,
        })
    }
}

fn tag_name(tag: KindTag) -> &'static str {
    match tag {
        KindTag::Delay => "delay",
        KindTag::Error => "error",
        KindTag::Crash => "crash",
        KindTag::CrashProcess => "crash_process",
        KindTag::Drop => "drop",
        KindTag::Duplicate => "duplicate",
        KindTag::Late => "late",
    }
}

impl From<FaultRule> for RuleWire {
    fn from(rule: FaultRule) -> RuleWire {
        let mut wire = RuleWire {
            point: rule.point,
            kind: KindTag::Crash,
            min_ms: None,
            max_ms: None,
            error: None,
            process: None,
            at_ms: None,
            margin_ms: None,
            // The default is left out so that written plans read like hand-written ones.
            probability: (rule.fire_probability != 1.0).then_some(rule.fire_probability),
            at_hit: rule.at_hit,
            after_ms: rule.after_ms,
            until_ms: rule.until_ms,
        };
        wire.kind = match rule.kind {
            FaultKind::Delay { min_ms, max_ms } => {
                (wire.min_ms, wire.max_ms) = (Some(min_ms), max_ms);
                KindTag::Delay
            }
            FaultKind::Error { error } => {
                wire.error = Some(error);
                KindTag::Error
            }
            FaultKind::Crash => KindTag::Crash,
            FaultKind::CrashProcess { process, at_ms } => {
                (wire.process, wire.at_ms) = (Some(process), at_ms);
                KindTag::CrashProcess
            }
            FaultKind::Drop => KindTag::Drop,
            FaultKind::Duplicate => KindTag::Duplicate,
            FaultKind::Late { margin_ms } => {
                wire.margin_ms = Some(margin_ms);
                KindTag::Late
            }
        };
        wire
    }
}

#[cfg(test)]
mod tests {
    use crate::fault::{FaultKind, FaultPlan, FaultRule, Pattern};

    /// The single rule of a one-rule TOML plan.
    fn rule(toml_rule: &str) -> FaultRule {
        let plan: FaultPlan = toml::from_str(&format!("[[rules]]\n{toml_rule}"))
            .unwrap_or_else(|error| panic!("{toml_rule}: {error}"));
        assert_eq!(plan.len(), 1);
        plan.rules.into_iter().next().unwrap()
    }

    fn parse_error(toml_rule: &str) -> String {
        toml::from_str::<FaultPlan>(&format!("[[rules]]\n{toml_rule}"))
            .expect_err("should not parse")
            .to_string()
    }

    #[test]
    fn the_documented_plan_parses_and_validates() {
        let plan: FaultPlan = toml::from_str(
            r#"
            swarm = false
            [[rules]]
            point = "kv.*"
            kind = "delay"
            min_ms = 1
            max_ms = 50
            probability = 0.5
            [[rules]]
            point = "agent.spawn"
            kind = "error"
            error = "network"
            probability = 0.1
            [[rules]]
            point = "haystack.respond"
            kind = "late"
            margin_ms = 500
            [[rules]]
            point = "session.work"
            kind = "crash"
            at_hit = 3
            [[rules]]
            kind = "crash_process"
            process = "agent-*"
            at_ms = 12000
            "#,
        )
        .unwrap();
        assert_eq!(plan.len(), 5);
        assert!(!plan.swarm);
        assert_eq!(plan.validate(), Ok(()));
    }

    #[test]
    fn each_kind_parses() {
        let delay = FaultKind::Delay {
            min_ms: 1,
            max_ms: Some(50),
        };
        assert_eq!(
            rule("point = 'kv.*'\nkind = 'delay'\nmin_ms = 1\nmax_ms = 50\nprobability = 0.5"),
            FaultRule::at_point("kv.*", delay).with_probability(0.5)
        );
        let fixed = FaultKind::Delay {
            min_ms: 7,
            max_ms: None,
        };
        assert_eq!(
            rule("point = 'p'\nkind = 'delay'\nmin_ms = 7"),
            FaultRule::at_point("p", fixed)
        );
        assert_eq!(
            rule("point = 'agent.spawn'\nkind = 'error'\nerror = 'network'\nprobability = 0.1"),
            FaultRule::at_point(
                "agent.spawn",
                FaultKind::Error {
                    error: "network".into()
                }
            )
            .with_probability(0.1)
        );
        assert_eq!(
            rule("point = 'session.work'\nkind = 'crash'\nat_hit = 3"),
            FaultRule::at_point("session.work", FaultKind::Crash).with_at_hit(3)
        );
        assert_eq!(
            rule("kind = 'crash_process'\nprocess = 'agent-*'\nat_ms = 12000"),
            FaultRule::crash_process_at("agent-*", 12_000)
        );
        let at_point = FaultKind::CrashProcess {
            process: Pattern::new("agent-*"),
            at_ms: None,
        };
        assert_eq!(
            rule("point = 'agent.spawn'\nkind = 'crash_process'\nprocess = 'agent-*'\nat_hit = 2"),
            FaultRule::at_point("agent.spawn", at_point).with_at_hit(2)
        );
        assert_eq!(
            rule("point = 'bus.*'\nkind = 'drop'\nafter_ms = 100\nuntil_ms = 200"),
            FaultRule::at_point("bus.*", FaultKind::Drop).with_window(Some(100), Some(200))
        );
        assert_eq!(
            rule("point = 'bus.*'\nkind = 'duplicate'"),
            FaultRule::at_point("bus.*", FaultKind::Duplicate)
        );
        assert_eq!(
            rule("point = 'haystack.respond'\nkind = 'late'\nmargin_ms = 500"),
            FaultRule::at_point("haystack.respond", FaultKind::Late { margin_ms: 500 })
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let error = parse_error("point = 'p'\nkind = 'drop'\nprobabilty = 0.5");
        assert!(error.contains("unknown field `probabilty`"), "{error}");
        let error = toml::from_str::<FaultPlan>("swram = true")
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `swram`"), "{error}");
    }

    #[test]
    fn fields_of_another_kind_are_rejected() {
        let error = parse_error("point = 'p'\nkind = 'delay'\nmin_ms = 1\nmargin_ms = 5");
        assert!(
            error.contains("field `margin_ms` does not apply to kind `delay`"),
            "{error}"
        );
        let error = parse_error("point = 'p'\nkind = 'drop'\nerror = 'x'");
        assert!(
            error.contains("field `error` does not apply to kind `drop`"),
            "{error}"
        );
    }

    #[test]
    fn missing_kind_fields_are_named() {
        let error = parse_error("point = 'p'\nkind = 'late'");
        assert!(
            error.contains("missing field `margin_ms`, required by kind `late`"),
            "{error}"
        );
        let error = parse_error("point = 'p'\nkind = 'delay'\nmax_ms = 5");
        assert!(error.contains("missing field `min_ms`"), "{error}");
        let error = parse_error("point = 'p'\nkind = 'dealy'");
        assert!(error.contains("unknown variant `dealy`"), "{error}");
    }

    #[test]
    fn plans_round_trip_through_toml_and_json() {
        let plan = FaultPlan {
            rules: vec![
                rule("point = 'kv.*'\nkind = 'delay'\nmin_ms = 1\nmax_ms = 50\nprobability = 0.5"),
                rule("kind = 'crash_process'\nprocess = 'agent-*'\nat_ms = 12000"),
                rule("point = 'x'\nkind = 'error'\nerror = 'timeout'\nat_hit = 2\nuntil_ms = 9"),
            ],
            swarm: true,
        };
        let text = toml::to_string(&plan).unwrap();
        assert!(
            !text.contains("probability = 1"),
            "the default is left out:\n{text}"
        );
        assert_eq!(toml::from_str::<FaultPlan>(&text).unwrap(), plan);
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<FaultPlan>(&json).unwrap(), plan);
    }

    #[test]
    fn an_empty_file_is_the_default_plan() {
        assert_eq!(
            toml::from_str::<FaultPlan>("").unwrap(),
            FaultPlan::default()
        );
    }
}
