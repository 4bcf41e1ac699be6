//! The registry of subsystems: from a scenario's `subsystem = ".."` to the code that runs it.
//!
//! Any crate registers its own [`Subsystem`] impls with [`register`] and hands the list to
//! [`crate::cli::main`] or to the library functions that read scenario files; the
//! `asynclife` binary registers the four reference subsystems the same way
//! (`crate::reference`).

use asynclife_sim::real::{self, RealConfig, RealReport};
use asynclife_sim::subsystem::{self, Subsystem, UnknownVariant, VariantInfo};
use asynclife_sim::{Report, SimConfig};
use serde::Deserialize;
use std::marker::PhantomData;

/// What the harness needs of a subsystem, without knowing its workload type.
pub trait Registered: Sync {
    /// The subsystem's name.
    fn name(&self) -> &'static str;
    /// Its variants, `fixed` first.
    fn variants(&self) -> &'static [VariantInfo];
    /// Checks a variant name.
    fn check_variant(&self, variant: &str) -> Result<(), UnknownVariant>;
    /// Reads the `[workload]` table of a scenario file's text into the subsystem's struct;
    /// gives it back as JSON, or TOML's error (with the position of the offending field).
    fn parse_workload(&self, text: &str) -> Result<serde_json::Value, toml::de::Error>;
    /// Checks a parsed workload's values (`Subsystem::validate_workload`): the message starts
    /// with the field.
    fn validate_workload(&self, workload: &serde_json::Value) -> Result<(), String>;
    /// Runs one seed.
    fn run(
        &self,
        config: SimConfig,
        workload: &serde_json::Value,
        variant: &str,
    ) -> Result<Report, String>;
    /// Smaller workloads to try when shrinking, smallest first.
    fn shrink_workload(&self, workload: &serde_json::Value) -> Vec<serde_json::Value>;
    /// Runs the workload once for real: real tokio, scaled real time, real processes.
    fn run_real(
        &self,
        config: &RealConfig,
        workload: &serde_json::Value,
        variant: &str,
    ) -> Result<RealReport, String>;
}

/// A subsystem, as the registry holds it.
struct Entry<S>(PhantomData<fn() -> S>);

/// `S`, ready for a registry: `asynclife::cli::main(&[register::<MyService>()])`.
pub const fn register<S: Subsystem>() -> &'static dyn Registered {
    &Entry::<S>(PhantomData)
}

/// The subsystems a CLI or a loader knows, by name.
#[derive(Clone, Copy)]
pub struct Registry<'a> {
    subsystems: &'a [&'static dyn Registered],
}

impl<'a> Registry<'a> {
    /// A registry of these subsystems.
    ///
    /// # Panics
    /// If two have the same name (a scenario could not say which it means).
    pub fn new(subsystems: &'a [&'static dyn Registered]) -> Registry<'a> {
        for (i, s) in subsystems.iter().enumerate() {
            assert!(
                subsystems[..i].iter().all(|o| o.name() != s.name()),
                "two subsystems are called '{}'",
                s.name()
            );
        }
        Registry { subsystems }
    }

    /// Every subsystem, in the order given.
    pub fn all(&self) -> &'a [&'static dyn Registered] {
        self.subsystems
    }

    /// The subsystem named `name`.
    pub fn find(&self, name: &str) -> Option<&'static dyn Registered> {
        self.subsystems.iter().copied().find(|s| s.name() == name)
    }

    /// The names of every subsystem.
    pub fn names(&self) -> Vec<&'static str> {
        self.subsystems.iter().map(|s| s.name()).collect()
    }
}

impl<S: Subsystem> Registered for Entry<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn variants(&self) -> &'static [VariantInfo] {
        S::variants()
    }

    fn check_variant(&self, variant: &str) -> Result<(), UnknownVariant> {
        subsystem::check_variant::<S>(variant)
    }

    fn parse_workload(&self, text: &str) -> Result<serde_json::Value, toml::de::Error> {
        /// The rest of the file is checked elsewhere; here only `[workload]` is read, from the
        /// text, so that errors keep their position.
        #[derive(Deserialize)]
        struct WorkloadOnly<W> {
            #[serde(default)]
            workload: W,
        }
        let only: WorkloadOnly<S::Workload> = toml::from_str(text)?;
        Ok(serde_json::to_value(only.workload).expect("a workload serialises to JSON"))
    }

    fn validate_workload(&self, workload: &serde_json::Value) -> Result<(), String> {
        let workload: S::Workload =
            serde_json::from_value(workload.clone()).map_err(|e| format!("workload: {e}"))?;
        S::validate_workload(&workload)
    }

    fn run(
        &self,
        config: SimConfig,
        workload: &serde_json::Value,
        variant: &str,
    ) -> Result<Report, String> {
        let workload: S::Workload =
            serde_json::from_value(workload.clone()).map_err(|e| format!("workload: {e}"))?;
        subsystem::run::<S>(config, &workload, variant).map_err(|e| e.to_string())
    }

    fn shrink_workload(&self, workload: &serde_json::Value) -> Vec<serde_json::Value> {
        let Ok(workload) = serde_json::from_value::<S::Workload>(workload.clone()) else {
            return Vec::new();
        };
        S::shrink_workload(&workload)
            .into_iter()
            .filter_map(|w| serde_json::to_value(w).ok())
            .collect()
    }

    fn run_real(
        &self,
        config: &RealConfig,
        workload: &serde_json::Value,
        variant: &str,
    ) -> Result<RealReport, String> {
        let workload: S::Workload =
            serde_json::from_value(workload.clone()).map_err(|e| format!("workload: {e}"))?;
        let variant = subsystem::parse_variant::<S>(variant).map_err(|e| e.to_string())?;
        real::run(config, move || S::main(workload, variant)).map_err(|e| e.to_string())
    }
}
