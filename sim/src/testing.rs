//! Test support for a subsystem crate's integration tests: its scenario files, by name, run
//! seed by seed. The one helper the four reference crates (and a user's own) share.
//!
//! ```no_run
//! # use asynclife_sim::subsystem::Subsystem;
//! # fn example<S: Subsystem>() {
//! use asynclife_sim::testing::{seed_count, Scenario};
//! use std::path::Path;
//!
//! let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
//! for scenario in Scenario::<S>::read_dir(&dir) {
//!     for seed in scenario.seeds(seed_count(100)) {
//!         let report = scenario.run("fixed", seed);
//!         assert!(report.violations.is_empty(), "{} seed {seed}", scenario.name);
//!     }
//! }
//! # }
//! ```

use crate::check::ViolationKind;
use crate::env::{parsed, ASYNCLIFE_SEEDS};
use crate::scenario_file::{scenario_paths, ScenarioFile};
use crate::subsystem::Subsystem;
use crate::Report;
use std::fmt;
use std::ops::{Deref, Range};
use std::path::Path;

/// One scenario file of the subsystem `S`, with its name (the file stem). It derefs to the
/// file's fields (`variant`, `seeds`, `workload`, `expect`, ...).
pub struct Scenario<S: Subsystem> {
    /// The file's stem: `end-during-spawn` for `end-during-spawn.toml`.
    pub name: String,
    /// The file, read with `S`'s workload type.
    pub file: ScenarioFile<S::Workload>,
}

impl<S: Subsystem> Scenario<S> {
    /// Every `*.toml` file of `dir`, sorted by name.
    ///
    /// # Panics
    /// If the directory or a file cannot be read or parsed, naming it.
    pub fn read_dir(dir: &Path) -> Vec<Scenario<S>> {
        scenario_paths(dir)
            .iter()
            .map(|path| Scenario::read(path))
            .collect()
    }

    /// `dir/<name>.toml`.
    ///
    /// # Panics
    /// If it cannot be read or parsed, naming the file.
    pub fn read_named(dir: &Path, name: &str) -> Scenario<S> {
        Scenario::read(&dir.join(format!("{name}.toml")))
    }

    fn read(path: &Path) -> Scenario<S> {
        let file = ScenarioFile::read(path).unwrap_or_else(|e| panic!("{e}"));
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Scenario { name, file }
    }

    /// Runs one seed with `variant`, the trace hashed but its events not kept (fast).
    ///
    /// # Panics
    /// If `S` has no variant named `variant`.
    pub fn run(&self, variant: &str, seed: u64) -> Report {
        self.file.run::<S>(variant, seed, false)
    }

    /// Runs one seed with `variant`, the trace's events kept.
    ///
    /// # Panics
    /// If `S` has no variant named `variant`.
    pub fn run_traced(&self, variant: &str, seed: u64) -> Report {
        self.file.run::<S>(variant, seed, true)
    }

    /// The seeds of the file's sweep (its `first_seed` and `seeds`), at least `min_count` of
    /// them.
    pub fn seeds(&self, min_count: u64) -> Range<u64> {
        let range = self.file.seed_range(min_count);
        range.start..range.start + (range.end - range.start).max(min_count)
    }

    /// The first seed of `seeds` whose run of `variant` has a violation named `name`.
    pub fn first_seed_caught(&self, variant: &str, name: &str, seeds: Range<u64>) -> Option<u64> {
        let kind = ViolationKind::from_name(name);
        seeds
            .into_iter()
            .find(|&seed| self.run(variant, seed).has(&kind))
    }
}

impl<S: Subsystem> Deref for Scenario<S> {
    type Target = ScenarioFile<S::Workload>;

    fn deref(&self) -> &Self::Target {
        &self.file
    }
}

impl<S: Subsystem> Clone for Scenario<S> {
    fn clone(&self) -> Self {
        Scenario {
            name: self.name.clone(),
            file: self.file.clone(),
        }
    }
}

impl<S: Subsystem> fmt::Debug for Scenario<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("file", &self.file)
            .finish()
    }
}

/// A sweep's seed count: `ASYNCLIFE_SEEDS` when it is set, else `default`.
///
/// # Panics
/// If `ASYNCLIFE_SEEDS` is set to something other than a count.
pub fn seed_count(default: u64) -> u64 {
    parsed(ASYNCLIFE_SEEDS)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or(default)
}

/// The names of a report's violations, in order: for assertion messages.
pub fn violation_names(report: &Report) -> Vec<String> {
    report
        .violations
        .iter()
        .map(|v| v.kind.to_string())
        .collect()
}
