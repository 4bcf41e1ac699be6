//! One trace event, and the identities of the tasks it names.

use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// A task's id within one run: the order of its spawn, starting at 0 for the main task.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct TaskId(pub u32);

impl TaskId {
    /// The id as an index into the run's task table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What the trace knows about a task: its name and where it was spawned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInfo {
    /// The id of the task.
    pub id: TaskId,
    /// The name given at spawn.
    pub name: Cow<'static, str>,
    /// The source file of the spawn call.
    pub file: Cow<'static, str>,
    /// The line of the spawn call.
    pub line: u32,
    /// The task that spawned it (`None` for the main task).
    pub parent: Option<TaskId>,
}

impl TaskInfo {
    /// `file:line` of the spawn call.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// One event: when, which task, what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Virtual time of the event.
    pub at: Instant,
    /// The task the event is about, if any.
    pub task: Option<TaskId>,
    /// What happened.
    pub kind: EventKind,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The task was spawned (its name and location are in [`super::Trace::tasks`]).
    Spawn,
    /// The task was polled.
    Poll,
    /// The task became runnable.
    Wake,
    /// A timer the task was waiting on fired.
    TimerFired,
    /// The task's future returned.
    Complete,
    /// The task panicked; the panic became its result.
    Panic {
        /// The panic message.
        message: String,
    },
    /// The task was aborted before it completed.
    Abort,
    /// A synchronous call held the executor.
    Blocked {
        /// How long, in nanoseconds of virtual time.
        duration_ns: u64,
    },
    /// A fault was injected at a fault point.
    Fault {
        /// The fault point's name.
        point: String,
        /// The outcome, as text.
        outcome: String,
    },
    /// A simulated process changed state.
    Process {
        /// The process id.
        pid: u32,
        /// What changed, as text.
        change: String,
    },
    /// A key-value store call.
    Kv {
        /// The command and its key, as text.
        command: String,
    },
    /// An event the code under test recorded.
    User {
        /// The message.
        message: String,
    },
    /// A detector or invariant fired.
    Violation {
        /// The violation's kind.
        kind: String,
        /// What was wrong.
        message: String,
    },
}
