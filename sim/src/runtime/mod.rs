//! The deterministic executor: tasks, wakers, virtual time, scheduling policies, and the step
//! loop. Private machinery; `rt` is its public face and `Sim` its entry point.

pub(crate) mod context;
mod faults;
pub(crate) mod join;
mod join_sets;
pub(crate) mod kernel;
pub(crate) mod panic;
mod policy;
mod run_queue;
mod sim;
mod spare;
pub(crate) mod speedups;
pub(crate) mod timers;
mod waker;
mod wall;
mod world;
mod world_calls;

pub use join::JoinError;
pub use policy::{Policy, Schedule, DEFAULT_PCT_HORIZON};
pub use sim::Sim;
pub use speedups::PLAIN_ENGINE;
