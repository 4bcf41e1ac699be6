//! The simulated world: a process table and a Redis-like key-value store.

pub mod process;

pub use process::{
    ExitStatus, OrphanInfo, Pid, ProcessError, ProcessInfo, ProcessSpec, ProcessState,
    ProcessTable, ProcessTransition, Signal, TermBehavior,
};
