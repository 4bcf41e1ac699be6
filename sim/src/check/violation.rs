//! A violation: what a detector or an invariant found, where, and when.

use crate::time::Instant;
use crate::trace::TaskId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Which detector or invariant fired.
///
/// Serialised as its name (`blocked-executor`, or the invariant's own name), the same string
/// scenario files use in `[expect] fails = "..."`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A task panicked and nobody looked: its handle was dropped, or never awaited by the end.
    UnobservedPanic,
    /// The main task panicked (a failed assertion in the workload, for instance).
    MainPanicked,
    /// A task was still alive after the main task returned and the engine drained.
    LeakedTask,
    /// One poll held the executor longer than the threshold.
    BlockedExecutor,
    /// A task is pending and no waker for it exists any more: it can never run again.
    NeverWoken,
    /// Tasks are pending, nothing is runnable, and no timer is set.
    Deadlock,
    /// The step bound or the virtual-time bound was hit.
    Hang,
    /// The run spent its event budget (`SimConfig::max_events`), which bounds its memory:
    /// it stopped there, and spawns past the budget were refused.
    Budget,
    /// A simulated process was alive, or exited and never reaped, at the end.
    OrphanProcess,
    /// A replayed schedule named a task that was not runnable, or the run ended with
    /// decisions of it unused: the run left the recorded schedule (the code changed, or it is
    /// not deterministic). A warning beside the verdict: a replay of fixed code diverges too.
    ReplayDivergence,
    /// The same seed, run twice in one process, gave two different traces: something the
    /// engine does not control (a global counter, tokio's unbiased `select!`, the wall clock)
    /// decides what the code does. Found by a determinism check.
    Nondeterminism,
    /// A task panicked because it called tokio's own time or spawn inside a simulation, where
    /// no tokio runtime runs ("there is no reactor running"): the `rt::` call is the one to
    /// use. Reported even when the task's handle observed the panic.
    ForeignRuntime,
    /// A waker of the run was woken where the run is not current: from another thread. The
    /// run cannot be deterministic then (the wake does nothing; the task may hang instead).
    ForeignWake,
    /// One poll took longer than a threshold on the wall clock: a `std::thread::sleep` or a
    /// heavy synchronous call inside async code. A warning beside the verdict unless
    /// `SimConfig::wall_poll_is_finding` is set, since it depends on the machine's load.
    WallBlockedPoll,
    /// A named invariant registered by the code under test.
    Invariant(String),
}

impl ViolationKind {
    /// The built-in detectors, in the order they are documented.
    pub const DETECTORS: [ViolationKind; 14] = [
        ViolationKind::UnobservedPanic,
        ViolationKind::MainPanicked,
        ViolationKind::LeakedTask,
        ViolationKind::BlockedExecutor,
        ViolationKind::NeverWoken,
        ViolationKind::Deadlock,
        ViolationKind::Hang,
        ViolationKind::Budget,
        ViolationKind::OrphanProcess,
        ViolationKind::ReplayDivergence,
        ViolationKind::Nondeterminism,
        ViolationKind::ForeignRuntime,
        ViolationKind::ForeignWake,
        ViolationKind::WallBlockedPoll,
    ];

    /// The stable name of the detector or invariant.
    pub fn name(&self) -> &str {
        match self {
            ViolationKind::UnobservedPanic => "unobserved-panic",
            ViolationKind::MainPanicked => "main-panicked",
            ViolationKind::LeakedTask => "leaked-task",
            ViolationKind::BlockedExecutor => "blocked-executor",
            ViolationKind::NeverWoken => "never-woken",
            ViolationKind::Deadlock => "deadlock",
            ViolationKind::Hang => "hang",
            ViolationKind::Budget => "budget",
            ViolationKind::OrphanProcess => "orphan-process",
            ViolationKind::ReplayDivergence => "replay-divergence",
            ViolationKind::Nondeterminism => "nondeterminism",
            ViolationKind::ForeignRuntime => "foreign-runtime",
            ViolationKind::ForeignWake => "foreign-wake",
            ViolationKind::WallBlockedPoll => "wall-blocked-poll",
            ViolationKind::Invariant(name) => name,
        }
    }

    /// The kind named `name`: a built-in detector, or else an invariant.
    pub fn from_name(name: &str) -> ViolationKind {
        ViolationKind::DETECTORS
            .iter()
            .find(|k| k.name() == name)
            .cloned()
            .unwrap_or_else(|| ViolationKind::Invariant(name.to_string()))
    }
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for ViolationKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for ViolationKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name.trim().is_empty() {
            // No detector or invariant is nameless: an edited file, which nothing could match.
            return Err(serde::de::Error::custom(
                "a violation's kind is the name of a detector or invariant, not empty",
            ));
        }
        Ok(ViolationKind::from_name(&name))
    }
}

/// The task a violation is about: its id, name and spawn location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRef {
    /// The task's id in this run.
    pub id: TaskId,
    /// The name given at spawn.
    pub name: String,
    /// `file:line` of the spawn call.
    pub location: String,
}

impl TaskRef {
    /// The reference to a task of a trace.
    pub(crate) fn of(info: &crate::trace::TaskInfo) -> TaskRef {
        TaskRef {
            id: info.id,
            name: info.name.to_string(),
            location: info.location(),
        }
    }
}

impl fmt::Display for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task {} '{}' spawned at {}",
            self.id, self.name, self.location
        )
    }
}

/// One finding of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Which detector or invariant.
    pub kind: ViolationKind,
    /// The task concerned, when there is one.
    pub task: Option<TaskRef>,
    /// Virtual time at which it was found.
    pub at: Instant,
    /// What was wrong, with the values involved.
    pub message: String,
    /// Found by an end-of-run check of a run that a bound, the event budget or a deadlock
    /// cut short: the subsystem never got to finish its work, so this may follow from the
    /// cut rather than be a fault of its own. The violation that cut the run comes first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_cut_short: bool,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] at {}", self.kind, self.at)?;
        if self.after_cut_short {
            f.write_str(" (after the run was cut short, which it may only follow from)")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(task) = &self.task {
            write!(f, " ({task})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ViolationKind::DETECTORS {
            assert_eq!(ViolationKind::from_name(kind.name()), kind);
        }
        assert_eq!(
            ViolationKind::from_name("no-zombie-actions"),
            ViolationKind::Invariant("no-zombie-actions".into())
        );
    }

    /// An empty kind (found by the failure-file fuzz test) read as an invariant named "",
    /// which the scenario written from the failure then refused as `fails = ""`.
    #[test]
    fn an_empty_kind_is_refused_when_read() {
        let kind: Result<ViolationKind, _> = serde_json::from_str("\"  \"");
        assert!(kind.is_err());
        let kind: ViolationKind = serde_json::from_str("\"hang\"").unwrap();
        assert_eq!(kind, ViolationKind::Hang);
    }
}
