//! Fault rules: which fault, where, when, and how often.

use super::pattern::Pattern;

/// One line of a [`FaultPlan`](super::FaultPlan): at the fault points whose names match
/// `point`, inject `kind`, when the hit and the virtual time fit and a draw passes
/// `fire_probability`.
///
/// In a file a rule is one flat table whose `kind` field names the fault and whose other
/// fields are the common ones below plus the kind's own (see [`FaultKind`]); a field that
/// belongs to another kind, or to no kind, is rejected:
///
/// ```toml
/// [[rules]]
/// point = "kv.*"
/// kind = "delay"
/// min_ms = 1
/// max_ms = 50
/// probability = 0.5
/// ```
///
/// (`Serialize` and `Deserialize` are implemented in `wire.rs`, through that flat table.)
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// The fault points this rule applies to. Required, except for a `crash_process` rule
    /// triggered by time (`at_ms`), which has none.
    pub point: Option<Pattern>,
    /// What the rule injects.
    pub kind: FaultKind,
    /// Chance, within `0..=1`, that the rule fires on a hit that matches everything else.
    /// `probability` in files; 1 when absent.
    pub fire_probability: f64,
    /// Fire only on this hit of the point, counted from 1 per point name; `None` for any hit.
    pub at_hit: Option<u64>,
    /// Active from this virtual time on (inclusive); `None` for the start of the run.
    pub after_ms: Option<u64>,
    /// Active before this virtual time (exclusive); `None` for the end of the run.
    pub until_ms: Option<u64>,
}

/// The fault a rule injects, tagged by `kind` in files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// `kind = "delay"`: the point proceeds after a delay, fixed at `min_ms` when `max_ms` is
    /// absent or equal, otherwise drawn uniformly in whole milliseconds from
    /// `min_ms..=max_ms`.
    Delay {
        /// The shortest delay, or the only one.
        min_ms: u64,
        /// The longest delay, inclusive; at least `min_ms`.
        max_ms: Option<u64>,
    },
    /// `kind = "error"`: the point returns an error of this kind. The kind is free text
    /// chosen by the subsystem (`timeout`, `network`, `permission`, ...).
    Error {
        /// The error's kind.
        error: String,
    },
    /// `kind = "crash"`: the task that reached the point is aborted.
    Crash,
    /// `kind = "crash_process"`: the simulated processes whose names match `process` are
    /// crashed, either at the virtual time `at_ms` (then the rule has no point and no other
    /// trigger) or when the rule fires at its point like any other rule.
    CrashProcess {
        /// Names of the processes to crash.
        process: Pattern,
        /// Crash at this virtual time instead of at a point.
        at_ms: Option<u64>,
    },
    /// `kind = "drop"`: the message or call at the point is lost.
    Drop,
    /// `kind = "duplicate"`: the message or call at the point happens twice.
    Duplicate,
    /// `kind = "late"`: the response at the point is held until its requester's own deadline
    /// has passed, by `margin_ms`.
    Late {
        /// How long after the requester's deadline the response arrives; at least 1.
        margin_ms: u64,
    },
}

impl FaultKind {
    /// The kind's name in files: `delay`, `error`, `crash`, `crash_process`, `drop`,
    /// `duplicate` or `late`.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Delay { .. } => "delay",
            FaultKind::Error { .. } => "error",
            FaultKind::Crash => "crash",
            FaultKind::CrashProcess { .. } => "crash_process",
            FaultKind::Drop => "drop",
            FaultKind::Duplicate => "duplicate",
            FaultKind::Late { .. } => "late",
        }
    }
}

impl FaultRule {
    /// A rule that injects `kind` on every hit of the points matching `point`, at any time.
    pub fn at_point(point: impl Into<Pattern>, kind: FaultKind) -> FaultRule {
        FaultRule {
            point: Some(point.into()),
            kind,
            fire_probability: 1.0,
            at_hit: None,
            after_ms: None,
            until_ms: None,
        }
    }

    /// A rule that crashes the processes matching `process` at the virtual time `at_ms`.
    pub fn crash_process_at(process: impl Into<Pattern>, at_ms: u64) -> FaultRule {
        FaultRule {
            point: None,
            kind: FaultKind::CrashProcess {
                process: process.into(),
                at_ms: Some(at_ms),
            },
            fire_probability: 1.0,
            at_hit: None,
            after_ms: None,
            until_ms: None,
        }
    }

    /// This rule, firing with `fire_probability` instead.
    pub fn with_probability(self, fire_probability: f64) -> FaultRule {
        FaultRule {
            fire_probability,
            ..self
        }
    }

    /// This rule, firing only on the `at_hit`-th hit (1-based) of its point.
    pub fn with_at_hit(self, at_hit: u64) -> FaultRule {
        FaultRule {
            at_hit: Some(at_hit),
            ..self
        }
    }

    /// This rule, active only in the virtual-time window `after_ms..until_ms`.
    pub fn with_window(self, after_ms: Option<u64>, until_ms: Option<u64>) -> FaultRule {
        FaultRule {
            after_ms,
            until_ms,
            ..self
        }
    }

    /// True for a `crash_process` rule triggered by time rather than by a point.
    pub fn is_timed(&self) -> bool {
        matches!(self.kind, FaultKind::CrashProcess { at_ms: Some(_), .. })
    }
}
