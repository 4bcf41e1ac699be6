//! The registry of subsystems: from a scenario's `subsystem = ".."` to the code that runs it.
//! Adding a subsystem is one line in [`all`].

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
        subsystem::check_variant::<S>(variant).map_err(|e| e.to_string())?;
        let variant = variant.to_string();
        real::run(config, move || S::main(workload, &variant)).map_err(|e| e.to_string())
    }
}

/// Every registered subsystem, in catalogue order.
pub fn all() -> Vec<&'static dyn Registered> {
    static ACTIONS: Entry<asynclife_actions::Actions> = Entry(PhantomData);
    static PIDCLEAN: Entry<asynclife_pidclean::PidClean> = Entry(PhantomData);
    static TASKS: Entry<asynclife_tasks::Tasks> = Entry(PhantomData);
    static RAG: Entry<asynclife_rag::Rag> = Entry(PhantomData);
    vec![&ACTIONS, &PIDCLEAN, &TASKS, &RAG]
}

/// The subsystem named `name`.
pub fn find(name: &str) -> Option<&'static dyn Registered> {
    all().into_iter().find(|s| s.name() == name)
}

/// The names of every subsystem.
pub fn names() -> Vec<&'static str> {
    all().into_iter().map(|s| s.name()).collect()
}
