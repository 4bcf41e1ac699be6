//! [`variant_catalogue!`](crate::variant_catalogue): a subsystem's variant type tied to its
//! catalogue, so that `info`, `name`, `Display` and `FromStr` are written once for every
//! subsystem.

use crate::subsystem::VariantInfo;
use std::fmt;

/// Gives a variant type `info()` and `name()` from its catalogue, and `Display` and `FromStr`
/// by that name, from a list of every variant and the catalogue in the same order.
///
/// ```
/// use asynclife_sim::subsystem::VariantInfo;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// pub enum Variant {
///     Fixed,
///     LoseWork,
/// }
///
/// const ALL: [Variant; 2] = [Variant::Fixed, Variant::LoseWork];
/// static CATALOGUE: &[VariantInfo] = &[
///     VariantInfo { name: "fixed", seed_ref: "", summary: "correct", caught_by: "" },
///     VariantInfo { name: "lose-work", seed_ref: "", summary: "drops a job", caught_by: "lost-job" },
/// ];
///
/// asynclife_sim::variant_catalogue!(Variant, subsystem: "jobs", all: ALL, catalogue: CATALOGUE);
///
/// assert_eq!(Variant::LoseWork.info().caught_by, "lost-job");
/// assert_eq!(Variant::LoseWork.to_string(), "lose-work");
/// assert_eq!("fixed".parse(), Ok(Variant::Fixed));
/// assert!("lose".parse::<Variant>().unwrap_err().to_string().contains("fixed, lose-work"));
/// ```
#[macro_export]
macro_rules! variant_catalogue {
    ($variant:ty, subsystem: $subsystem:expr, all: $all:expr, catalogue: $catalogue:expr $(,)?) => {
        impl $variant {
            /// The variant's catalogue entry.
            pub fn info(self) -> &'static $crate::subsystem::VariantInfo {
                $crate::variant_catalogue::entry_of(self, &$all, $catalogue)
            }

            /// The name used on the command line and in scenario files.
            pub fn name(self) -> &'static str {
                self.info().name
            }
        }

        impl ::std::fmt::Display for $variant {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for $variant {
            type Err = $crate::subsystem::UnknownVariant;

            fn from_str(name: &str) -> ::std::result::Result<Self, Self::Err> {
                $crate::subsystem::variant_named($subsystem, name, &$all, $catalogue)
            }
        }
    };
}

/// The catalogue entry of `variant`: the one at its place in `all`.
///
/// # Panics
/// If `all` does not list `variant`, or the catalogue is shorter than `all`.
#[doc(hidden)]
pub fn entry_of<V: PartialEq + fmt::Debug>(
    variant: V,
    all: &[V],
    catalogue: &'static [VariantInfo],
) -> &'static VariantInfo {
    let index = all
        .iter()
        .position(|v| *v == variant)
        .unwrap_or_else(|| panic!("{variant:?} is not in the list of every variant"));
    catalogue
        .get(index)
        .unwrap_or_else(|| panic!("the catalogue has no entry for {variant:?}"))
}
