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
use std::str::FromStr;

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

    /// The variant switch: the harness parses it once (`FromStr`) from a name that
    /// [`Subsystem::variants`] lists, and [`Subsystem::main`] gets the value. `Display` gives
    /// the name back. An enum with [`variant_named`] as its `FromStr`, or `String` for a
    /// subsystem that matches names itself.
    type Variant: FromStr + fmt::Display + Clone + 'static;

    /// Every variant: `fixed` first, then `as-documented`, then each defect.
    fn variants() -> &'static [VariantInfo];

    /// The main future of one run: registers the invariants, runs the workload with faults
    /// (the safety phase), heals the faults (`rt::fault::heal`), lets the system settle (the
    /// liveness phase), and returns.
    fn main(workload: Self::Workload, variant: Self::Variant) -> Pin<Box<dyn Future<Output = ()>>>;

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
    parse_variant::<S>(variant).map(drop)
}

/// `S`'s variant named `name`: one that [`Subsystem::variants`] lists and
/// [`Subsystem::Variant`] parses (a name only one of them knows is refused too).
pub fn parse_variant<S: Subsystem>(name: &str) -> Result<S::Variant, UnknownVariant> {
    let unknown = || UnknownVariant::new(S::NAME, name, S::variants());
    if !S::variants().iter().any(|v| v.name == name) {
        return Err(unknown());
    }
    name.parse().map_err(|_| unknown())
}

/// A `FromStr` for a variant enum: the value of `all` whose `Display` is `name`, or the
/// error that lists the names of `catalogue`.
///
/// ```
/// use asynclife_sim::subsystem::{variant_named, UnknownVariant, VariantInfo, FIXED};
/// use std::{fmt, str::FromStr};
///
/// #[derive(Clone, Copy, Debug, PartialEq)]
/// enum Variant { Fixed, LoseWork }
/// static CATALOGUE: &[VariantInfo] = &[
///     VariantInfo { name: FIXED, seed_ref: "", summary: "as written", caught_by: "" },
///     VariantInfo { name: "lose-work", seed_ref: "", summary: "drops a job", caught_by: "lost" },
/// ];
/// impl fmt::Display for Variant {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         f.write_str(match self { Variant::Fixed => FIXED, Variant::LoseWork => "lose-work" })
///     }
/// }
/// impl FromStr for Variant {
///     type Err = UnknownVariant;
///     fn from_str(name: &str) -> Result<Variant, UnknownVariant> {
///         variant_named("mine", name, &[Variant::Fixed, Variant::LoseWork], CATALOGUE)
///     }
/// }
/// assert_eq!("lose-work".parse(), Ok(Variant::LoseWork));
/// assert!("lose".parse::<Variant>().unwrap_err().to_string().contains("fixed, lose-work"));
/// ```
pub fn variant_named<V: Copy + fmt::Display>(
    subsystem: &'static str,
    name: &str,
    all: &[V],
    catalogue: &[VariantInfo],
) -> Result<V, UnknownVariant> {
    all.iter()
        .copied()
        .find(|v| v.to_string() == name)
        .ok_or_else(|| UnknownVariant::new(subsystem, name, catalogue))
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
    let variant = parse_variant::<S>(variant)?;
    let run = |config: SimConfig| {
        let (workload, variant) = (workload.clone(), variant.clone());
        Sim::new(config).run(move || S::main(workload, variant))
    };
    Ok(run_pct_measured(&run, config))
}
