//! The simulated world: a process table and a Redis-like key-value store.
