//! Detectors and invariants: they observe a run and report violations; they never change it.

mod violation;

pub use violation::{TaskRef, Violation, ViolationKind};
