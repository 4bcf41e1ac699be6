//! Fault injection: plans and points. A plan decides; it never applies.
//!
//! A [`FaultPlan`] is serde data: an ordered list of [`FaultRule`]s, each naming fault points
//! by a [`Pattern`] and a [`FaultKind`] to inject there (delay, error, crash of the calling
//! task, crash of a named simulated process, drop, duplicate, late delivery), with an
//! optional probability, hit number and virtual-time window. The engine calls
//! [`FaultPlan::decide`] at every hit of a fault point and applies the [`FaultOutcome`] it
//! gets back (sleeps, returns the error, aborts the task, kills processes, delays the
//! response) and traces it with the rule index. Time-triggered process crashes are handed
//! over once, by [`FaultPlan::timed_process_crashes`], for the engine to schedule.
//!
//! In a scenario file:
//!
//! ```toml
//! swarm = false
//! [[rules]]
//! point = "kv.*"          # exact name, or '*' matching any run of characters
//! kind = "delay"
//! min_ms = 1
//! max_ms = 50             # a fixed delay when absent or equal to min_ms
//! probability = 0.5       # 1 when absent
//! [[rules]]
//! point = "haystack.respond"
//! kind = "late"
//! margin_ms = 500
//! [[rules]]
//! point = "session.work"
//! kind = "crash"
//! at_hit = 3              # only the 3rd hit of this point
//! [[rules]]
//! kind = "crash_process"
//! process = "agent-*"
//! at_ms = 12000
//! ```
//!
//! Invariants:
//!
//! 1. Deciding is a pure function of the plan, the point name, the hit number, the virtual
//!    time and the generator's state: nothing here reads a clock, the OS or a global.
//! 2. [`FaultPlan::decide`] takes exactly one `u64` from the fault generator per call,
//!    whatever the plan and the outcome; [`FaultPlan::draw_swarm`] takes exactly two per rule
//!    in swarm mode and none otherwise. The generator's position never depends on which rules
//!    fired.
//! 3. A rule's random values depend on the hit's draw and the rule's identity only (kind,
//!    point, process, error kind, hit, window, and how many earlier rules share those), not on
//!    the other rules nor on how hard the rule is. Removing a rule (shrinking) leaves every
//!    other rule's draws as they were; raising a probability only adds firings.
//! 4. Rules are tried in order and the first that fires decides; `FaultDecision::rule_index`
//!    is `None` exactly when the outcome is `Proceed`.
//! 5. A plan drawn in swarm mode has `swarm = false` and is valid when its source is, so a
//!    failure file records it and replay never draws it again.

mod decision;
mod error;
mod pattern;
mod plan;
mod rule;
mod stream;
mod swarm;
mod validate;
mod wire;

pub use decision::{FaultDecision, FaultOutcome};
pub use error::{FaultPlanError, FaultPlanErrorKind};
pub use pattern::Pattern;
pub use plan::{FaultPlan, TimedCrash};
pub use rule::{FaultKind, FaultRule};
pub use swarm::SWARM_MIN_FACTOR;
