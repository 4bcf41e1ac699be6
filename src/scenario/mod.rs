//! Scenario files: a subsystem, a variant, seeds, engine settings, a workload, a fault plan,
//! and the expected verdict. A bad file gets an error naming the file, the line and the
//! field, and nothing runs.

mod error;
mod file;
mod from_failure;
mod non_finite;

pub use error::ScenarioError;
pub(crate) use file::workload_value_error;
pub use file::{load, load_dir, parse, Expect, Scenario, SimSection};
pub use from_failure::{from_failure, FromFailureError};
