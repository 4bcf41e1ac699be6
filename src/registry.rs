//! The registry of subsystems: from a scenario's `subsystem = ".."` to the code that runs it.
//!
//! Any crate registers its own [`Subsystem`] impls with [`register`] and hands the list to
//! [`crate::cli::main`] or to the library functions that read scenario files; the
//! `asynclife` binary registers the four reference subsystems the same way
//! (`crate::reference`).

use asynclife_sim::real::{self, RealConfig, RealReport};
use asynclife_sim::subsystem::{self, Subsystem, UnknownVariant, VariantInfo};
use asynclife_sim::{ConfigError, Report, SimConfig};
use serde::Deserialize;
use std::fmt;
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
    /// Checks a parsed workload's values (`Subsystem::validate_workload`):
    /// [`RegistryError::Workload`] or [`RegistryError::WorkloadValue`].
    fn validate_workload(&self, workload: &serde_json::Value) -> Result<(), RegistryError>;
    /// Runs one seed: [`RegistryError::Workload`] or [`RegistryError::UnknownVariant`] when
    /// it cannot.
    fn run(
        &self,
        config: SimConfig,
        workload: &serde_json::Value,
        variant: &str,
    ) -> Result<Report, RegistryError>;
    /// Smaller workloads to try when shrinking, smallest first.
    fn shrink_workload(&self, workload: &serde_json::Value) -> Vec<serde_json::Value>;
    /// Runs the workload once for real: real tokio, scaled real time, real processes.
    fn run_real(
        &self,
        config: &RealConfig,
        workload: &serde_json::Value,
        variant: &str,
    ) -> Result<RealReport, RegistryError>;
}

/// What the registry, or a subsystem it holds, refuses to run. Its text is whole (a wrapped
/// error's text included); [`source`](std::error::Error::source) gives the wrapped error.
#[derive(Debug)]
pub enum RegistryError {
    /// No subsystem of the registry has this name.
    UnknownSubsystem {
        /// The name asked for.
        name: String,
        /// The names it has.
        known: Vec<&'static str>,
    },
    /// The subsystem has no variant of this name (the error lists the ones it has).
    UnknownVariant(UnknownVariant),
    /// The workload does not fit the subsystem's struct (an edited failure file): serde's
    /// error.
    Workload(serde_json::Error),
    /// The subsystem refuses the workload's values (`Subsystem::validate_workload`): its
    /// message, which starts with the field.
    WorkloadValue(String),
    /// Real mode's settings cannot run.
    RealConfig(ConfigError),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::UnknownSubsystem { name, known } => write!(
                f,
                "unknown subsystem '{name}' (known: {})",
                known.join(", ")
            ),
            RegistryError::UnknownVariant(e) => e.fmt(f),
            RegistryError::Workload(e) => write!(f, "workload: {e}"),
            RegistryError::WorkloadValue(message) => f.write_str(message),
            RegistryError::RealConfig(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RegistryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RegistryError::UnknownVariant(e) => Some(e),
            RegistryError::Workload(e) => Some(e),
            RegistryError::RealConfig(e) => Some(e),
            RegistryError::UnknownSubsystem { .. } | RegistryError::WorkloadValue(_) => None,
        }
    }
}

impl From<UnknownVariant> for RegistryError {
    fn from(e: UnknownVariant) -> RegistryError {
        RegistryError::UnknownVariant(e)
    }
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

    /// The subsystem named `name`, or the error that lists the known ones.
    pub fn get(&self, name: &str) -> Result<&'static dyn Registered, RegistryError> {
        self.find(name)
            .ok_or_else(|| RegistryError::UnknownSubsystem {
                name: name.to_string(),
                known: self.names(),
            })
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

    fn validate_workload(&self, workload: &serde_json::Value) -> Result<(), RegistryError> {
        S::validate_workload(&typed::<S>(workload)?).map_err(RegistryError::WorkloadValue)
    }

    fn run(
        &self,
        config: SimConfig,
        workload: &serde_json::Value,
        variant: &str,
    ) -> Result<Report, RegistryError> {
        Ok(subsystem::run::<S>(
            config,
            &typed::<S>(workload)?,
            variant,
        )?)
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
    ) -> Result<RealReport, RegistryError> {
        let workload = typed::<S>(workload)?;
        let variant = subsystem::parse_variant::<S>(variant)?;
        real::run(config, move || S::main(workload, variant)).map_err(RegistryError::RealConfig)
    }
}

/// The workload as `S`'s struct.
fn typed<S: Subsystem>(workload: &serde_json::Value) -> Result<S::Workload, RegistryError> {
    serde_json::from_value(workload.clone()).map_err(RegistryError::Workload)
}
