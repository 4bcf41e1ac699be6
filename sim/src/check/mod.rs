//! Detectors and invariants: they observe a run and report violations; they never change it.

mod invariant;
mod violation;

pub use invariant::{always, at_end, eventually_within, Invariant, Overdue};
pub use violation::{TaskRef, Violation, ViolationKind};
