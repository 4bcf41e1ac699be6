//! The contract between a subsystem crate and the harness: its name, its variants (the
//! reference, the seed's own fix, each documented defect), its workload, and its driver.

use crate::config::SimConfig;
use crate::explore::run_pct_measured;
use crate::report::Report;
use crate::runtime::Sim;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// The variant every subsystem has: the correct reference implementation.
pub const FIXED: &str = "fixed";
/// The variant every subsystem has: the seed document's own "fixed" code, as written.
pub const AS_DOCUMENTED: &str = "as-documented";

/// One variant of a subsystem, as the catalogue lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct VariantInfo {
    /// The name used on the command line and in scenario files (`fixed`, `no-cleanup`, ...).
    pub name: &'static str,
    /// The seed section that documents it (`000 #3`), empty for `fixed`.
    pub seed_ref: &'static str,
    /// What the variant does, in one line.
    pub summary: &'static str,
    /// The invariant or detector that must catch it (empty for `fixed`).
    pub caught_by: &'static str,
}

/// A reference subsystem the harness can run.
pub trait Subsystem: 'static {
    /// The name used in scenario files (`actions`, `pidclean`, `tasks`, `rag`).
    const NAME: &'static str;

    /// The scenario file's `[workload]` table: the subsystem's own serde struct, with
    /// `#[serde(deny_unknown_fields)]` and defaults for every field.
    type Workload: Serialize + DeserializeOwned + Default + Clone + fmt::Debug + 'static;

    /// Every variant: `fixed` first, then `as-documented`, then each defect.
    fn variants() -> &'static [VariantInfo];

    /// The main future of one run: registers the invariants, runs the workload with faults
    /// (the safety phase), heals the faults (`rt::fault::heal`), lets the system settle (the
    /// liveness phase), and returns. `variant` is one of [`Subsystem::variants`].
    fn main(workload: Self::Workload, variant: &str) -> Pin<Box<dyn Future<Output = ()>>>;

    /// Checks what the workload's types cannot say (probabilities within 0..=1, ranges in
    /// order, counts and timeouts that let the scenario test something), when a scenario file
    /// is loaded, before anything runs. The message starts with the field, as files spell it
    /// (`cancel_probability: must be within 0..=1`): the harness adds the file and the line.
    fn validate_workload(workload: &Self::Workload) -> Result<(), String> {
        let _ = workload;
        Ok(())
    }

    /// Smaller workloads that might still fail in the same way, smallest first; the shrinker
    /// tries them in order. None by default.
    fn shrink_workload(workload: &Self::Workload) -> Vec<Self::Workload> {
        let _ = workload;
        Vec::new()
    }
}

/// A variant name no subsystem variant has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownVariant {
    /// The subsystem.
    pub subsystem: &'static str,
    /// The name asked for.
    pub variant: String,
    /// The names it has.
    pub known: Vec<&'static str>,
}

impl UnknownVariant {
    /// `variant` is not in `catalogue`, the variants of `subsystem`.
    pub fn new(
        subsystem: &'static str,
        variant: &str,
        catalogue: &[VariantInfo],
    ) -> UnknownVariant {
        UnknownVariant {
            subsystem,
            variant: variant.to_string(),
            known: catalogue.iter().map(|v| v.name).collect(),
        }
    }
}

impl fmt::Display for UnknownVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "subsystem '{}' has no variant '{}' (it has: {})",
            self.subsystem,
            self.variant,
            self.known.join(", ")
        )
    }
}

impl std::error::Error for UnknownVariant {}

/// Checks that `variant` is one of `S`'s.
pub fn check_variant<S: Subsystem>(variant: &str) -> Result<(), UnknownVariant> {
    if S::variants().iter().any(|v| v.name == variant) {
        Ok(())
    } else {
        Err(UnknownVariant::new(S::NAME, variant, S::variants()))
    }
}

/// Runs one seed of a subsystem's workload under the engine (PCT over the seed's measured
/// length: see [`run_pct_measured`]).
///
/// # Panics
/// If the configuration is invalid (validate configurations read from files first).
pub fn run<S: Subsystem>(
    config: SimConfig,
    workload: &S::Workload,
    variant: &str,
) -> Result<Report, UnknownVariant> {
    check_variant::<S>(variant)?;
    let run = |config: SimConfig| {
        let workload = workload.clone();
        let variant = variant.to_string();
        Sim::new(config).run(move || S::main(workload, &variant))
    };
    Ok(run_pct_measured(&run, config))
}
