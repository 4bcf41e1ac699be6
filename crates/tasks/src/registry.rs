//! The run registry (seed 003's `RunRegistry`): every run's id, name, status, error message
//! and timestamps, and the only legal status transitions.
//!
//! ```text
//!  QUEUED ──> RUNNING ──> COMPLETED | FAILED | CANCELLED
//!     └──────────────────────────────────────> CANCELLED
//! ```
//!
//! A run cancelled while it waits for a concurrency slot goes from QUEUED straight to
//! CANCELLED; nothing else may skip RUNNING, and a terminal status never changes again.
//!
//! Invariants:
//! 1. A run id is registered at most once; a second registration is rejected and the first
//!    run's record is left as it was.
//! 2. A transition is applied only if the table above allows it. A rejected transition
//!    changes nothing and is kept in [`RunRegistry::illegal_transitions`], so that whoever
//!    attempted it can be found out.
//! 3. [`RunRegistry::count`] always equals the number of runs with that status.

use asynclife_sim::Instant;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The identity of a run (and of the task that executes it).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(String);

impl RunId {
    /// A run id.
    pub fn new(id: impl Into<String>) -> RunId {
        RunId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for RunId {
    fn from(id: &str) -> RunId {
        RunId::new(id)
    }
}

impl From<String> for RunId {
    fn from(id: String) -> RunId {
        RunId(id)
    }
}

/// Where a run is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    /// Registered; its task waits for a concurrency slot or has not been polled yet.
    Queued,
    /// Its task is executing.
    Running,
    /// Its task returned successfully.
    Completed,
    /// Its task returned an error or panicked; the run's `error` says which.
    Failed,
    /// Its task was cancelled (aborted) before it finished.
    Cancelled,
}

impl RunStatus {
    /// Every status, in life order.
    pub const ALL: [RunStatus; 5] = [
        RunStatus::Queued,
        RunStatus::Running,
        RunStatus::Completed,
        RunStatus::Failed,
        RunStatus::Cancelled,
    ];

    /// COMPLETED, FAILED or CANCELLED: the status never changes again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled
        )
    }

    /// Whether `self -> to` is one of the legal transitions (module docs).
    pub fn can_become(self, to: RunStatus) -> bool {
        use RunStatus::*;
        matches!(
            (self, to),
            (Queued, Running)
                | (Queued, Cancelled)
                | (Running, Completed)
                | (Running, Failed)
                | (Running, Cancelled)
        )
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunStatus::Queued => "QUEUED",
            RunStatus::Running => "RUNNING",
            RunStatus::Completed => "COMPLETED",
            RunStatus::Failed => "FAILED",
            RunStatus::Cancelled => "CANCELLED",
        })
    }
}

/// One run: what it is, where it is, and when it got there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// Its identity.
    pub id: RunId,
    /// What it does, for people (`process_response`, `bg_task`).
    pub name: String,
    /// Where it is in its life.
    pub status: RunStatus,
    /// The error or panic message of a FAILED run.
    pub error: Option<String>,
    /// When it was registered.
    pub created_at: Option<Instant>,
    /// When it became RUNNING.
    pub started_at: Option<Instant>,
    /// When it became terminal.
    pub finished_at: Option<Instant>,
}

impl Run {
    /// A QUEUED run, not yet registered.
    pub fn new(id: impl Into<RunId>, name: impl Into<String>) -> Run {
        Run {
            id: id.into(),
            name: name.into(),
            status: RunStatus::Queued,
            error: None,
            created_at: None,
            started_at: None,
            finished_at: None,
        }
    }
}

/// What the registry refused to do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// A run with this id is already registered.
    Duplicate(RunId),
    /// No run has this id.
    Unknown(RunId),
    /// The transition is not in the table (module docs).
    Illegal {
        /// The run.
        id: RunId,
        /// Its status.
        from: RunStatus,
        /// The status asked for.
        to: RunStatus,
    },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Duplicate(id) => write!(f, "run {id} is already registered"),
            RegistryError::Unknown(id) => write!(f, "no run {id}"),
            RegistryError::Illegal { id, from, to } => {
                write!(f, "run {id}: illegal transition {from} -> {to}")
            }
        }
    }
}

impl std::error::Error for RegistryError {}

/// Every run, by id (module docs: the transitions and the invariants).
#[derive(Clone, Debug, Default)]
pub struct RunRegistry {
    runs: BTreeMap<RunId, Run>,
    counts: [usize; 5],
    illegal: Vec<RegistryError>,
}

impl RunRegistry {
    /// An empty registry.
    pub fn new() -> RunRegistry {
        RunRegistry::default()
    }

    /// Registers `run` as QUEUED at `now`; a known id is rejected (invariant 1).
    pub fn insert(&mut self, mut run: Run, now: Instant) -> Result<(), RegistryError> {
        if self.runs.contains_key(&run.id) {
            return Err(RegistryError::Duplicate(run.id));
        }
        run.status = RunStatus::Queued;
        run.error = None;
        run.created_at = Some(now);
        run.started_at = None;
        run.finished_at = None;
        self.counts[RunStatus::Queued.index()] += 1;
        self.runs.insert(run.id.clone(), run);
        Ok(())
    }

    /// Moves run `id` to `to` at `now`, with the error message of a failure. An illegal
    /// transition changes nothing and is remembered (invariant 2).
    pub fn transition(
        &mut self,
        id: &RunId,
        to: RunStatus,
        error: Option<String>,
        now: Instant,
    ) -> Result<(), RegistryError> {
        let Some(run) = self.runs.get_mut(id) else {
            return Err(RegistryError::Unknown(id.clone()));
        };
        let from = run.status;
        if !from.can_become(to) {
            let e = RegistryError::Illegal {
                id: id.clone(),
                from,
                to,
            };
            self.illegal.push(e.clone());
            return Err(e);
        }
        run.status = to;
        if to == RunStatus::Running {
            run.started_at = Some(now);
        }
        if to.is_terminal() {
            run.finished_at = Some(now);
            run.error = error;
        }
        self.counts[from.index()] -= 1;
        self.counts[to.index()] += 1;
        Ok(())
    }

    /// The run with this id.
    pub fn get(&self, id: &RunId) -> Option<&Run> {
        self.runs.get(id)
    }

    /// Every run, by id.
    pub fn runs(&self) -> impl Iterator<Item = &Run> {
        self.runs.values()
    }

    /// How many runs are registered.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether no run is registered.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// How many runs have this status.
    pub fn count(&self, status: RunStatus) -> usize {
        self.counts[status.index()]
    }

    /// How many runs are not terminal yet.
    pub fn unfinished(&self) -> usize {
        self.count(RunStatus::Queued) + self.count(RunStatus::Running)
    }

    /// The transitions that were attempted and refused, in order.
    pub fn illegal_transitions(&self) -> &[RegistryError] {
        &self.illegal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn a_run_goes_queued_running_completed_with_timestamps() {
        let mut r = RunRegistry::new();
        let id = RunId::from("a");
        r.insert(Run::new("a", "job"), t(1)).unwrap();
        r.transition(&id, RunStatus::Running, None, t(2)).unwrap();
        r.transition(&id, RunStatus::Completed, None, t(3)).unwrap();
        let run = r.get(&id).unwrap();
        assert_eq!(run.status, RunStatus::Completed);
        assert_eq!(
            (run.created_at, run.started_at, run.finished_at),
            (Some(t(1)), Some(t(2)), Some(t(3)))
        );
        assert_eq!(r.count(RunStatus::Completed), 1);
        assert_eq!(r.unfinished(), 0);
    }

    #[test]
    fn a_failure_keeps_its_message() {
        let mut r = RunRegistry::new();
        let id = RunId::from("a");
        r.insert(Run::new("a", "job"), t(0)).unwrap();
        r.transition(&id, RunStatus::Running, None, t(0)).unwrap();
        r.transition(&id, RunStatus::Failed, Some("boom".into()), t(1))
            .unwrap();
        assert_eq!(r.get(&id).unwrap().error.as_deref(), Some("boom"));
    }

    #[test]
    fn a_duplicate_id_is_rejected_and_the_first_run_kept() {
        let mut r = RunRegistry::new();
        let id = RunId::from("a");
        r.insert(Run::new("a", "first"), t(0)).unwrap();
        r.transition(&id, RunStatus::Running, None, t(1)).unwrap();
        assert_eq!(
            r.insert(Run::new("a", "second"), t(2)),
            Err(RegistryError::Duplicate(id.clone()))
        );
        let run = r.get(&id).unwrap();
        assert_eq!(
            (run.name.as_str(), run.status),
            ("first", RunStatus::Running)
        );
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn terminal_statuses_never_change_and_refusals_are_kept() {
        let mut r = RunRegistry::new();
        let id = RunId::from("a");
        r.insert(Run::new("a", "job"), t(0)).unwrap();
        r.transition(&id, RunStatus::Cancelled, None, t(1)).unwrap();
        for to in RunStatus::ALL {
            assert!(r.transition(&id, to, None, t(2)).is_err());
        }
        assert_eq!(r.get(&id).unwrap().status, RunStatus::Cancelled);
        assert_eq!(r.illegal_transitions().len(), 5);
    }

    #[test]
    fn the_transition_table_is_exactly_the_documented_one() {
        use RunStatus::*;
        let legal: Vec<(RunStatus, RunStatus)> = RunStatus::ALL
            .iter()
            .flat_map(|&a| RunStatus::ALL.iter().map(move |&b| (a, b)))
            .filter(|&(a, b)| a.can_become(b))
            .collect();
        assert_eq!(
            legal,
            vec![
                (Queued, Running),
                (Queued, Cancelled),
                (Running, Completed),
                (Running, Failed),
                (Running, Cancelled),
            ]
        );
    }

    #[test]
    fn an_unknown_run_is_an_error_not_an_illegal_transition() {
        let mut r = RunRegistry::new();
        let e = r.transition(&RunId::from("x"), RunStatus::Running, None, t(0));
        assert_eq!(e, Err(RegistryError::Unknown(RunId::from("x"))));
        assert!(r.illegal_transitions().is_empty());
    }
}
