//! The variant switch: `fixed`, the seed's own fix as written, and each defect of seed 004,
//! with the catalogue the harness lists.
//!
//! Each defect is one commented branch in the reference code that cites its seed section;
//! search for `Variant::<Name>` to find it.

use asynclife_sim::subsystem::{VariantInfo, AS_DOCUMENTED, FIXED};

/// Which version of the reference implementation runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    /// The correct reference implementation.
    #[default]
    Fixed,
    /// The seed's "After (Fixed)" code as written: the response handler reads the pending
    /// request without claiming it and completes it later, so the timeout sweep can complete
    /// the same request meanwhile (two replies).
    AsDocumented,
    /// Seed 004 #1: the handler waits for the documents with `Event.wait(timeout)` on the
    /// bus thread.
    BlockingWait,
    /// Seed 004 #2: the handler sends a response and also returns one.
    DoubleResponse,
    /// Seed 004 #3: responses are processed without checking the request's deadline.
    LateResponseProcessed,
    /// Seed 004 #5: no circuit breaker: its answers are ignored, every request goes to the
    /// agent.
    NoBreaker,
    /// Seed 004 #5: the gate only checks the breaker's open flag, so the breaker never goes
    /// half-open once it has opened.
    BreakerStuckOpen,
    /// Seed 004 "Memory Leak Prevention": expired pending requests are answered but never
    /// removed.
    NoExpiryCleanup,
}

/// The catalogue: every variant, `fixed` first, then `as-documented`, then each defect.
pub const VARIANTS: &[VariantInfo] = &[
    VariantInfo {
        name: FIXED,
        seed_ref: "",
        summary: "the correct reference implementation",
        caught_by: "",
    },
    VariantInfo {
        name: AS_DOCUMENTED,
        seed_ref: "004 After",
        summary: "the response handler and the timeout sweep can both complete one request",
        caught_by: "exactly-one-reply",
    },
    VariantInfo {
        name: "blocking-wait",
        seed_ref: "004 #1",
        summary: "Event.wait on the bus thread: the bus is frozen, every request times out",
        caught_by: "blocked-executor",
    },
    VariantInfo {
        name: "double-response",
        seed_ref: "004 #2",
        summary: "the handler calls send_response and also returns the response",
        caught_by: "exactly-one-reply",
    },
    VariantInfo {
        name: "late-response-processed",
        seed_ref: "004 #3",
        summary: "responses are processed without checking the request's deadline",
        caught_by: "late-response-ignored",
    },
    VariantInfo {
        name: "no-breaker",
        seed_ref: "004 #5",
        summary: "no circuit breaker: requests keep going to an agent that keeps failing",
        caught_by: "no-send-while-open",
    },
    VariantInfo {
        name: "breaker-stuck-open",
        seed_ref: "004 #5",
        summary: "the gate checks only the open flag: no probe, no recovery after the agent heals",
        caught_by: "breaker-recovers",
    },
    VariantInfo {
        name: "no-expiry-cleanup",
        seed_ref: "004 Memory Leak Prevention",
        summary: "expired pending requests are answered but never removed: the map only grows",
        caught_by: "pending-map-bounded",
    },
];

const ALL: [Variant; 8] = [
    Variant::Fixed,
    Variant::AsDocumented,
    Variant::BlockingWait,
    Variant::DoubleResponse,
    Variant::LateResponseProcessed,
    Variant::NoBreaker,
    Variant::BreakerStuckOpen,
    Variant::NoExpiryCleanup,
];

impl Variant {
    /// Every variant, in catalogue order.
    pub fn all() -> &'static [Variant] {
        &ALL
    }

    /// Whether this run takes the branch of `defect` (each variant has at most one): reads
    /// as `variant.has(Variant::NoBreaker)` at a defect branch, as in the other subsystems.
    pub fn has(self, defect: Variant) -> bool {
        self == defect
    }
}

asynclife_sim::variant_catalogue!(Variant, subsystem: "rag", all: ALL, catalogue: VARIANTS);

pub use asynclife_sim::subsystem::UnknownVariant;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_catalogue_is_in_order() {
        assert_eq!(VARIANTS.len(), ALL.len());
        for (variant, info) in ALL.iter().zip(VARIANTS) {
            assert_eq!(variant.name(), info.name);
            assert_eq!(info.name.parse::<Variant>(), Ok(*variant));
        }
        assert_eq!(VARIANTS[0].name, FIXED);
        assert_eq!(VARIANTS[1].name, AS_DOCUMENTED);
        assert!("nope".parse::<Variant>().is_err());
    }

    #[test]
    fn every_defect_names_its_seed_and_its_catcher() {
        for info in &VARIANTS[1..] {
            assert!(info.seed_ref.starts_with("004"), "{}", info.name);
            assert!(!info.caught_by.is_empty(), "{}", info.name);
        }
    }
}
