//! The simulated world: a process table and a Redis-like key-value store.

pub mod kv;

pub use kv::{KvError, KvStore, Ttl, Value};
