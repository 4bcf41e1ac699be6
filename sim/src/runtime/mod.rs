//! The deterministic executor: tasks, wakers, virtual time, scheduling policies, and the step
//! loop. Private machinery; `rt` is its public face and `Sim` its entry point.

pub(crate) mod context;
mod fault_state;
mod faults;
pub(crate) mod join;
mod join_set_queues;
mod join_sets;
mod join_state;
pub(crate) mod kernel;
pub(crate) mod panic;
mod policy;
mod run_queue;
mod sim;
mod spare;
pub(crate) mod speedups;
mod state_cell;
mod task_slot;
mod timer_calls;
pub(crate) mod timers;
mod waker;
mod wall;
mod word_list;
mod world;
mod world_calls;
mod world_state;

pub use join_state::JoinError;
pub use policy::{Policy, Schedule, DEFAULT_PCT_HORIZON};
pub use sim::Sim;
pub use speedups::PLAIN_ENGINE;
