//! This crate's scenario files, `scenarios/pidclean/*.toml`, for its integration tests (through
//! the shared [`asynclife_sim::testing`]).
#![allow(dead_code, unused_imports)] // each test binary uses its own part

use asynclife_pidclean::PidClean;
use std::path::{Path, PathBuf};

pub use asynclife_sim::testing::{seed_count, violation_names};

/// A scenario file of this subsystem, with its name.
pub type Scenario = asynclife_sim::testing::Scenario<PidClean>;

/// `scenarios/pidclean/` at the workspace root.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/pidclean")
}

/// Every scenario, sorted by name.
pub fn scenarios() -> Vec<Scenario> {
    Scenario::read_dir(&scenario_dir())
}

/// The scenario `scenarios/pidclean/<name>.toml`.
pub fn scenario(name: &str) -> Scenario {
    Scenario::read_named(&scenario_dir(), name)
}
