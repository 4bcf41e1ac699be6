//! The variant switch: `fixed`, the seed's own code (`as-documented`), and each documented
//! defect of seed 001, with the catalogue the harness lists.
//!
//! A variant is a set of [`Defect`]s; the reference code asks `variant.has(Defect::X)` at the
//! one place where that defect lives, and that branch cites its seed section.

use asynclife_sim::subsystem::VariantInfo;

/// One run-time variant of the orchestrator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    /// The reference: PID stored at once with a TTL, a tombstone against the end-before-spawn
    /// race, cleanup that waits for the exit with the grace as its bound.
    Fixed,
    /// The seed's "fixed" code as written: a fixed 5 s sleep instead of waiting for the exit,
    /// nothing against an `end_session` that arrives before the PID is stored, and nothing
    /// that refreshes a live session's keys before their TTLs run out.
    AsDocumented,
    /// Seed 001 #1: the PID is written only after the agent connects.
    PidStoredLate,
    /// Seed 001 #2: `time.sleep(5)` in the cleanup handler holds the event loop.
    BlockingCleanup,
    /// Seed 001 #1 (TTL): `agent:{id}:pid` is written without its 7200 s TTL.
    NoTtl,
    /// Seed 001 edge case 3: cleanup aborts when the process is already gone.
    DeadProcessError,
    /// Seed 001 edge case 2: cleanups run one at a time.
    SerialCleanup,
}

/// A single deviation from the reference, switched on by one or more variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Defect {
    /// See [`Variant::PidStoredLate`].
    PidStoredLate,
    /// See [`Variant::BlockingCleanup`].
    BlockingCleanup,
    /// See [`Variant::NoTtl`].
    NoTtl,
    /// See [`Variant::DeadProcessError`].
    DeadProcessError,
    /// See [`Variant::SerialCleanup`].
    SerialCleanup,
    /// Residual bug of the seed's fix: `await asyncio.sleep(5)` whatever the process does.
    FixedGraceSleep,
    /// Residual bug of the seed's fix: no tombstone, so an end that finds no PID yet leaves
    /// the agent the worker spawns afterwards running, and the worker's later writes
    /// recreate the deleted session hash without a TTL.
    EndBeforeSpawnRace,
    /// Residual bug of the seed's fix: nothing refreshes a live session's keys, so a session
    /// that outlives the 2 h TTLs loses them and its end finds no agent to stop (found by
    /// `scenarios/pidclean/long-sessions.toml`, not in the seed).
    NoKeyRefresh,
}

impl Variant {
    /// Every variant: `fixed` first, then `as-documented`, then each defect.
    pub const ALL: [Variant; 7] = [
        Variant::Fixed,
        Variant::AsDocumented,
        Variant::PidStoredLate,
        Variant::BlockingCleanup,
        Variant::NoTtl,
        Variant::DeadProcessError,
        Variant::SerialCleanup,
    ];

    /// Whether this variant has `defect`.
    pub fn has(self, defect: Defect) -> bool {
        match self {
            Variant::Fixed => false,
            Variant::AsDocumented => {
                matches!(
                    defect,
                    Defect::FixedGraceSleep | Defect::EndBeforeSpawnRace | Defect::NoKeyRefresh
                )
            }
            Variant::PidStoredLate => defect == Defect::PidStoredLate,
            Variant::BlockingCleanup => defect == Defect::BlockingCleanup,
            Variant::NoTtl => defect == Defect::NoTtl,
            Variant::DeadProcessError => defect == Defect::DeadProcessError,
            Variant::SerialCleanup => defect == Defect::SerialCleanup,
        }
    }
}

asynclife_sim::variant_catalogue!(Variant, subsystem: "pidclean", all: Variant::ALL, catalogue: CATALOGUE);

pub use asynclife_sim::subsystem::UnknownVariant;

/// The catalogue, in the order of [`Variant::ALL`].
pub static CATALOGUE: &[VariantInfo] = &[
    VariantInfo {
        name: "fixed",
        seed_ref: "",
        summary: "PID stored at once with a TTL; tombstone against end-before-spawn; \
                  cleanup waits for the exit, bounded by the grace",
        caught_by: "",
    },
    VariantInfo {
        name: "as-documented",
        seed_ref: "001",
        summary: "the seed's fix as written: a fixed 5 s sleep, an end that arrives before \
                  the PID is stored orphans the agent, and a session that outlives its TTLs \
                  loses its keys",
        caught_by: "no-orphan-agent",
    },
    VariantInfo {
        name: "pid-stored-late",
        seed_ref: "001 #1",
        summary: "the PID is written only after the agent connects",
        caught_by: "pid-discoverable",
    },
    VariantInfo {
        name: "blocking-cleanup",
        seed_ref: "001 #2",
        summary: "time.sleep(5) in the cleanup handler holds the executor",
        caught_by: "health-latency",
    },
    VariantInfo {
        name: "no-ttl",
        seed_ref: "001 #1",
        summary: "agent:{id}:pid is written without the 7200 s TTL",
        caught_by: "pid-key-ttl",
    },
    VariantInfo {
        name: "dead-process-error",
        seed_ref: "001 edge 3",
        summary: "cleanup aborts with an error when the process is already gone",
        caught_by: "dead-process-cleanup",
    },
    VariantInfo {
        name: "serial-cleanup",
        seed_ref: "001 edge 2",
        summary: "cleanups are serialised: N cleanups take N grace periods",
        caught_by: "cleanup-within-grace",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_follow_the_catalogue() {
        assert_eq!(CATALOGUE.len(), Variant::ALL.len());
        for variant in Variant::ALL {
            assert_eq!(variant.name().parse::<Variant>(), Ok(variant));
        }
        assert_eq!(CATALOGUE[0].name, asynclife_sim::subsystem::FIXED);
        assert_eq!(CATALOGUE[1].name, asynclife_sim::subsystem::AS_DOCUMENTED);
        let err = "nope".parse::<Variant>().unwrap_err().to_string();
        assert!(
            err.contains("nope") && err.contains("serial-cleanup"),
            "{err}"
        );
    }

    #[test]
    fn fixed_has_no_defect_and_each_defect_variant_exactly_one() {
        let defects = [
            Defect::PidStoredLate,
            Defect::BlockingCleanup,
            Defect::NoTtl,
            Defect::DeadProcessError,
            Defect::SerialCleanup,
            Defect::FixedGraceSleep,
            Defect::EndBeforeSpawnRace,
            Defect::NoKeyRefresh,
        ];
        for variant in Variant::ALL {
            let count = defects.iter().filter(|d| variant.has(**d)).count();
            let expected = match variant {
                Variant::Fixed => 0,
                Variant::AsDocumented => 3,
                _ => 1,
            };
            assert_eq!(count, expected, "{variant}");
            let info = variant.info();
            assert_eq!(info.caught_by.is_empty(), variant == Variant::Fixed);
        }
    }
}
