//! The registry of subsystems: from a scenario's `subsystem = ".."` to the code that runs it.
//! Adding a subsystem is one line in [`all`].

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
    /// Checks a `[workload]` table against the subsystem's struct; gives it back as JSON.
    fn parse_workload(&self, table: toml::Value) -> Result<serde_json::Value, String>;
    /// Runs one seed.
    fn run(
        &self,
        config: SimConfig,
        workload: &serde_json::Value,
        variant: &str,
    ) -> Result<Report, String>;
    /// Smaller workloads to try when shrinking, smallest first.
    fn shrink_workload(&self, workload: &serde_json::Value) -> Vec<serde_json::Value>;
}

struct Entry<S>(PhantomData<fn() -> S>);

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

    fn parse_workload(&self, table: toml::Value) -> Result<serde_json::Value, String> {
        let workload = S::Workload::deserialize(table).map_err(|e| e.message().to_string())?;
        serde_json::to_value(workload).map_err(|e| e.to_string())
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
}

/// Every registered subsystem, in catalogue order.
pub fn all() -> Vec<&'static dyn Registered> {
    vec![]
}

/// The subsystem named `name`.
pub fn find(name: &str) -> Option<&'static dyn Registered> {
    all().into_iter().find(|s| s.name() == name)
}

/// The names of every subsystem.
pub fn names() -> Vec<&'static str> {
    all().into_iter().map(|s| s.name()).collect()
}

#[allow(dead_code)] // used as entries are added
const fn entry<S: Subsystem>() -> Entry<S> {
    Entry(PhantomData)
}
