//! The variants of the subsystem: the reference (`fixed`), the seed's own fix
//! (`as-documented`), and each defect of seed 000, chosen at run time; and their catalogue,
//! with the names of the invariants it cites.

use asynclife_sim::subsystem::{VariantInfo, AS_DOCUMENTED, FIXED};

// The invariants' names, numbered as in the `invariants` module, which checks them: the
// catalogue below cites them, so they live here and `invariants` imports them.

/// Invariant 1.
pub const VISIBLE_WHILE_RUNNING: &str = "visible-while-running";
/// Invariant 2.
pub const NO_ZOMBIE_ACTIONS: &str = "no-zombie-actions";
/// Invariant 3.
pub const ACTIVE_BOUNDED_BY_TASKS: &str = "active-bounded-by-tasks";
/// Invariant 4.
pub const FAILURES_CONSERVED: &str = "failures-conserved";
/// Invariant 5.
pub const METADATA_VALID: &str = "metadata-valid";
/// Invariant 6.
pub const RETRY_POLICY: &str = "retry-policy";
/// Invariant 7.
pub const HISTORY_WITHIN_RETENTION: &str = "history-within-retention";
/// Invariant 8.
pub const NOTHING_LIVE_AFTER_SHUTDOWN: &str = "nothing-live-after-shutdown";

/// Which code the tracker and the workflow run. Each defect is one commented branch in the
/// reference code that cites its seed section; `Fixed` takes none of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    /// The reference implementation.
    Fixed,
    /// The seed's "fully implemented" design: the workflow ingests the start metadata only
    /// after the intent's response went out, so an action that ends first is re-added as
    /// running after its completion was recorded.
    AsDocumented,
    /// Seed 000 #1: the workflow reads `active_action`, creation writes `active_actions`.
    KeyMismatch,
    /// Seed 000 #2: completion is logged, the conversation context is not updated.
    NoCompletionUpdate,
    /// Seed 000 #3: the status is updated but finished actions are never removed.
    NoCleanup,
    /// Seed 000 #4: a failed start returns the legacy `recent_actions` shape.
    InconsistentErrorShape,
    /// Seed 000 #5: failures are only logged; the action is recorded as completed.
    SwallowedFailure,
    /// Seed 000 phase 2.3 missing: a hung action is never timed out.
    NoTimeout,
    /// Seed 000 phase 2.4 misapplied: permanent errors are retried like transient ones.
    RetryPermanent,
}

impl Variant {
    /// Every variant, in catalogue order.
    pub const ALL: [Variant; 9] = [
        Variant::Fixed,
        Variant::AsDocumented,
        Variant::KeyMismatch,
        Variant::NoCompletionUpdate,
        Variant::NoCleanup,
        Variant::InconsistentErrorShape,
        Variant::SwallowedFailure,
        Variant::NoTimeout,
        Variant::RetryPermanent,
    ];

    /// Whether this run takes the branch of `defect` (each variant has at most one).
    pub fn has(self, defect: Variant) -> bool {
        self == defect
    }
}

asynclife_sim::variant_catalogue!(Variant, subsystem: "actions", all: Variant::ALL, catalogue: VARIANTS);

pub use asynclife_sim::subsystem::UnknownVariant;

/// The catalogue, in [`Variant::ALL`] order: name, seed section, summary, and the invariant
/// that catches it.
pub static VARIANTS: &[VariantInfo] = &[
    VariantInfo {
        name: FIXED,
        seed_ref: "",
        summary: "the reference tracker, context manager and workflow",
        caught_by: "",
    },
    VariantInfo {
        name: AS_DOCUMENTED,
        seed_ref: "000 phase 1.1",
        summary: "metadata ingested after the response: an action that ends first comes back as a running zombie",
        caught_by: NO_ZOMBIE_ACTIONS,
    },
    VariantInfo {
        name: "key-mismatch",
        seed_ref: "000 #1",
        summary: "the workflow reads 'active_action', creation writes 'active_actions'",
        caught_by: VISIBLE_WHILE_RUNNING,
    },
    VariantInfo {
        name: "no-completion-update",
        seed_ref: "000 #2",
        summary: "completion logged, the conversation context not updated",
        caught_by: NO_ZOMBIE_ACTIONS,
    },
    VariantInfo {
        name: "no-cleanup",
        seed_ref: "000 #3",
        summary: "finished actions never removed from the active set",
        caught_by: ACTIVE_BOUNDED_BY_TASKS,
    },
    VariantInfo {
        name: "inconsistent-error-shape",
        seed_ref: "000 #4",
        summary: "a failed start returns 'recent_actions', a started one 'active_actions'",
        caught_by: METADATA_VALID,
    },
    VariantInfo {
        name: "swallowed-failure",
        seed_ref: "000 #5",
        summary: "failures only logged: recorded as completed, no notification",
        caught_by: FAILURES_CONSERVED,
    },
    VariantInfo {
        name: "no-timeout",
        seed_ref: "000 phase 2.3",
        summary: "a hung action is never timed out",
        caught_by: NO_ZOMBIE_ACTIONS,
    },
    VariantInfo {
        name: "retry-permanent",
        seed_ref: "000 phase 2.4",
        summary: "permanent errors (permission) retried like transient ones",
        caught_by: RETRY_POLICY,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_catalogue_order() {
        for (i, v) in Variant::ALL.into_iter().enumerate() {
            assert_eq!(v.name().parse::<Variant>(), Ok(v));
            assert_eq!(VARIANTS[i].name, v.name());
        }
        assert!("no-such".parse::<Variant>().is_err());
    }

    #[test]
    fn every_variant_but_fixed_cites_its_seed_and_its_invariant() {
        for info in &VARIANTS[1..] {
            assert!(info.seed_ref.starts_with("000"), "{}", info.name);
            assert!(!info.caught_by.is_empty(), "{}", info.name);
        }
    }
}
