//! The variant switch and the defect catalogue: `fixed`, `as-documented`, and each
//! documented defect of seeds 002 and 003, as runtime switches.
//!
//! Each defect is one commented branch in the reference code, found by searching for
//! `Defect::<Name>`.

use asynclife_sim::subsystem::{variant_named, VariantInfo};
use std::fmt;
use std::str::FromStr;

/// One documented bug the reference code can be switched into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Defect {
    /// Seed 002 (the bug): `asyncio.create_task(...)` with no tracking and no wrapper.
    UntrackedSpawn,
    /// Seed 003: the wrapper catches `Exception`, not `CancelledError`: a cancelled run stays
    /// RUNNING (or QUEUED).
    CancelNotRecorded,
    /// Seed 003: `self.tasks[run.run_id] = task` overwrites the entry of a live run with the
    /// same id.
    DuplicateId,
    /// Seed 002 #1: at the concurrency limit, `logger.warning(...)` and start the task anyway.
    WarnOnlyLimit,
    /// Seed 003 `wait_all()` (listed with no timeout; seed 002 #3 has one): shutdown gathers
    /// every task with no deadline, hung ones included.
    WaitAllNoTimeout,
    /// Seed 002 #5: the monitor loop `await asyncio.sleep(60)` never hears of shutdown, and
    /// shutdown waits for it.
    MonitorLag,
    /// Seed 002 #1: `name or f"bg_task_{datetime.now().timestamp()}"`: two tasks started in
    /// the same instant get the same name. Only part of `as-documented`.
    TimestampNames,
}

/// Which implementation runs: the reference, the seeds' own fixes as written, or one defect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Variant {
    /// The reference implementation: no defect.
    #[default]
    Fixed,
    /// Seeds 002 and 003's fixes as written: timestamp names that collide and overwrite
    /// (seed 002's naming into seed 003's `dict`), cancellation left unrecorded, and a limit
    /// that only warns.
    AsDocumented,
    /// Exactly one defect.
    Defect(Defect),
}

impl Variant {
    /// Whether this variant has `defect`.
    pub fn has(self, defect: Defect) -> bool {
        match self {
            Variant::Fixed => false,
            Variant::AsDocumented => matches!(
                defect,
                Defect::TimestampNames
                    | Defect::DuplicateId
                    | Defect::CancelNotRecorded
                    | Defect::WarnOnlyLimit
            ),
            Variant::Defect(d) => d == defect,
        }
    }

    /// The variant's name in scenario files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Fixed => "fixed",
            Variant::AsDocumented => "as-documented",
            Variant::Defect(d) => d.name(),
        }
    }
}

impl Defect {
    /// The defect's name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Defect::UntrackedSpawn => "untracked-spawn",
            Defect::CancelNotRecorded => "cancel-not-recorded",
            Defect::DuplicateId => "duplicate-id",
            Defect::WarnOnlyLimit => "warn-only-limit",
            Defect::WaitAllNoTimeout => "wait-all-no-timeout",
            Defect::MonitorLag => "monitor-lag",
            Defect::TimestampNames => "timestamp-names",
        }
    }

    /// The defects that are variants of their own (timestamp-names is only part of
    /// as-documented).
    pub const STANDALONE: [Defect; 6] = [
        Defect::UntrackedSpawn,
        Defect::CancelNotRecorded,
        Defect::DuplicateId,
        Defect::WarnOnlyLimit,
        Defect::WaitAllNoTimeout,
        Defect::MonitorLag,
    ];
}

pub use asynclife_sim::subsystem::UnknownVariant;

impl Variant {
    /// Every variant, in the catalogue's order: `fixed`, `as-documented`, then each defect
    /// that runs alone.
    pub const ALL: [Variant; 2 + Defect::STANDALONE.len()] = {
        let mut all = [Variant::Fixed; 2 + Defect::STANDALONE.len()];
        all[1] = Variant::AsDocumented;
        let mut k = 0;
        while k < Defect::STANDALONE.len() {
            all[2 + k] = Variant::Defect(Defect::STANDALONE[k]);
            k += 1;
        }
        all
    };
}

impl FromStr for Variant {
    type Err = UnknownVariant;

    fn from_str(name: &str) -> Result<Variant, UnknownVariant> {
        variant_named("tasks", name, &Variant::ALL, CATALOGUE)
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every variant: `fixed`, `as-documented`, then each defect, with the invariant that
/// catches it (see `invariants.rs`).
pub static CATALOGUE: &[VariantInfo] = &[
    VariantInfo {
        name: "fixed",
        seed_ref: "",
        summary: "the reference: tracked, wrapped, limited, cancellable, bounded shutdown",
        caught_by: "",
    },
    VariantInfo {
        name: "as-documented",
        seed_ref: "002 #1 + 003",
        summary: "timestamp task names collide and overwrite, cancellation leaves RUNNING, \
                  the limit only warns",
        caught_by: "tracking-matches-live",
    },
    VariantInfo {
        name: "untracked-spawn",
        seed_ref: "002 (bug)",
        summary: "create_task and forget: no tracking, no wrapper, errors and panics lost",
        caught_by: "no-lost-exception",
    },
    VariantInfo {
        name: "cancel-not-recorded",
        seed_ref: "003 _execute_task",
        summary: "the wrapper catches errors, not cancellation: a cancelled run stays RUNNING",
        caught_by: "runs-terminal",
    },
    VariantInfo {
        name: "duplicate-id",
        seed_ref: "003 start_task",
        summary: "a second task with the same run id overwrites the first's entry",
        caught_by: "tracking-matches-live",
    },
    VariantInfo {
        name: "warn-only-limit",
        seed_ref: "002 #1",
        summary: "the max-concurrent limit only logs a warning",
        caught_by: "concurrency-limit",
    },
    VariantInfo {
        name: "wait-all-no-timeout",
        seed_ref: "003 wait_all",
        summary: "shutdown waits for every task with no deadline, hung ones included",
        caught_by: "shutdown-bound",
    },
    VariantInfo {
        name: "monitor-lag",
        seed_ref: "002 #5",
        summary: "the monitor sleeps 60 s with no shutdown signal and shutdown waits for it",
        caught_by: "shutdown-bound",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_name_parses_and_round_trips() {
        for info in CATALOGUE {
            let v: Variant = info.name.parse().unwrap();
            assert_eq!(v.name(), info.name);
            assert_eq!(info.caught_by.is_empty(), v == Variant::Fixed);
        }
        assert_eq!(CATALOGUE.len(), 2 + Defect::STANDALONE.len());
        assert!("timestamp-names".parse::<Variant>().is_err());
        assert!("nope".parse::<Variant>().is_err());
    }

    #[test]
    fn fixed_has_no_defect_and_each_defect_only_itself() {
        for d in Defect::STANDALONE {
            assert!(!Variant::Fixed.has(d));
            assert!(Variant::Defect(d).has(d));
            for other in Defect::STANDALONE.iter().filter(|&&o| o != d) {
                assert!(!Variant::Defect(d).has(*other));
            }
        }
    }

    #[test]
    fn as_documented_is_the_seeds_residual_bugs() {
        let v = Variant::AsDocumented;
        assert!(v.has(Defect::TimestampNames) && v.has(Defect::CancelNotRecorded));
        assert!(v.has(Defect::WarnOnlyLimit) && v.has(Defect::DuplicateId));
        assert!(!v.has(Defect::UntrackedSpawn) && !v.has(Defect::MonitorLag));
        assert!(!v.has(Defect::WaitAllNoTimeout));
    }
}
