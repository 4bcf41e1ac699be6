//! The error of an invalid fault plan, naming the field at fault.

use std::error::Error;
use std::fmt;

/// Why [`FaultPlan::validate`](super::FaultPlan::validate) rejected a plan: the path of the
/// field at fault, as written in files (`rules[2].probability`), and what is wrong with it.
///
/// Displays as `rules[2].probability: must be within 0..=1, got 1.5`.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultPlanError {
    field: String,
    kind: FaultPlanErrorKind,
}

/// What is wrong with the field a [`FaultPlanError`] names.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FaultPlanErrorKind {
    /// A probability outside `0..=1`, or NaN.
    ProbabilityOutOfRange(f64),
    /// An empty point or process pattern.
    EmptyPattern,
    /// An empty error kind.
    EmptyErrorKind,
    /// A rule other than a timed `crash_process` without a point.
    MissingPoint,
    /// A `crash_process` rule with neither `at_ms` nor `point`.
    MissingTrigger,
    /// A `crash_process` rule with both `at_ms` and `point`.
    ConflictingTrigger,
    /// A field a timed `crash_process` rule cannot use: it fires once, at its time.
    NotForTimedCrash,
    /// `at_hit = 0`: hits are counted from 1.
    ZeroHit,
    /// `until_ms` not later than `after_ms`, so the rule could never be active.
    EmptyWindow {
        /// The window's start (0 when absent).
        after_ms: u64,
        /// The window's end.
        until_ms: u64,
    },
    /// `max_ms` smaller than `min_ms`.
    MaxBelowMin {
        /// The delay's lower bound.
        min_ms: u64,
        /// The delay's upper bound.
        max_ms: u64,
    },
    /// `margin_ms = 0`: a late response must arrive after its deadline.
    ZeroMargin,
}

impl FaultPlanError {
    pub(super) fn new(field: String, kind: FaultPlanErrorKind) -> FaultPlanError {
        FaultPlanError { field, kind }
    }

    /// The path of the field at fault, such as `rules[2].probability`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong with the field.
    pub fn kind(&self) -> &FaultPlanErrorKind {
        &self.kind
    }
}

impl fmt::Display for FaultPlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.kind)
    }
}

impl Error for FaultPlanError {}

impl fmt::Display for FaultPlanErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultPlanErrorKind::ProbabilityOutOfRange(p) => {
                write!(f, "must be within 0..=1, got {p}")
            }
            FaultPlanErrorKind::EmptyPattern => f.write_str("empty pattern"),
            FaultPlanErrorKind::EmptyErrorKind => f.write_str("empty error kind"),
            FaultPlanErrorKind::MissingPoint => {
                f.write_str("missing; every rule but a crash_process with at_ms needs a point")
            }
            FaultPlanErrorKind::MissingTrigger => {
                f.write_str("crash_process needs at_ms (a virtual time) or point")
            }
            FaultPlanErrorKind::ConflictingTrigger => {
                f.write_str("crash_process takes at_ms or point, not both")
            }
            FaultPlanErrorKind::NotForTimedCrash => {
                f.write_str("does not apply to a crash_process at a virtual time (at_ms)")
            }
            FaultPlanErrorKind::ZeroHit => f.write_str("must be at least 1 (hits count from 1)"),
            FaultPlanErrorKind::EmptyWindow { after_ms, until_ms } => write!(
                f,
                "must be later than after_ms, got until_ms = {until_ms} and after_ms = {after_ms}"
            ),
            FaultPlanErrorKind::MaxBelowMin { min_ms, max_ms } => write!(
                f,
                "smaller than min_ms, got max_ms = {max_ms} and min_ms = {min_ms}"
            ),
            FaultPlanErrorKind::ZeroMargin => {
                f.write_str("must be at least 1, so the response arrives after the deadline")
            }
        }
    }
}
