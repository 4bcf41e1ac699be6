//! The simulated world: a process table and a Redis-like key-value store.

pub mod kv;
pub mod process;

pub use kv::{KvError, KvStore, Ttl, Value};
pub use process::{
    ExitStatus, OrphanInfo, Pid, ProcessError, ProcessInfo, ProcessSpec, ProcessState,
    ProcessTable, ProcessTransition, Signal, TermBehavior,
};
