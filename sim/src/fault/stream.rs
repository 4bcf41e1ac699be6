//! Per-rule random values derived from one draw per hit, so that rules do not share a stream.
//!
//! [`FaultPlan::decide`](super::FaultPlan::decide) takes exactly one `u64` from the run's
//! fault generator per call (the hit's seed) and derives each rule's values from that seed
//! and the rule's key with a fixed mixing function. The key is a hash of what identifies the
//! rule (its kind, point, process, error kind, hit and window, and how many earlier rules
//! share all of those), not of how hard it is (probability, delay range, margin). Hence:
//! removing one rule leaves every other rule's values unchanged (what shrinking needs), and
//! raising a rule's probability only adds firings (what swarm scaling relies on).
//!
//! Everything here is our own arithmetic (SplitMix64, FNV-1a), so the values are stable across
//! versions of `rand` and of Rust.

use super::rule::{FaultKind, FaultRule};

/// Which value of a rule a derivation is for; each lane is an independent value.
#[derive(Clone, Copy, Debug)]
pub(super) enum Lane {
    /// The uniform value compared with the rule's probability.
    Fire = 1,
    /// The uniform value that picks a delay within its range.
    Delay = 2,
}

/// The value of `lane` for the rule with key `rule_key` at the hit whose seed is `hit_seed`.
pub(super) fn derive(hit_seed: u64, rule_key: u64, lane: Lane) -> u64 {
    splitmix64(hit_seed ^ splitmix64(rule_key ^ lane as u64))
}

/// A uniform `f64` in `[0, 1)` from the top 53 bits.
pub(super) fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform integer in `low..=high` (requires `low <= high`), by multiply-shift: the bias
/// is below `(high - low + 1) / 2^64`.
pub(super) fn in_range(bits: u64, low: u64, high: u64) -> u64 {
    let span = u128::from(high - low) + 1;
    low + ((u128::from(bits) * span) >> 64) as u64
}

/// The keys of all rules, in order: each rule's identity hash mixed with how many earlier rules
/// have the same identity, so that identical-looking rules still draw independently.
pub(super) fn rule_keys(rules: &[FaultRule]) -> Vec<u64> {
    let identities: Vec<u64> = rules.iter().map(identity).collect();
    identities
        .iter()
        .enumerate()
        .map(|(index, id)| {
            let twins = identities[..index]
                .iter()
                .filter(|earlier| *earlier == id)
                .count();
            splitmix64(id ^ (twins as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        })
        .collect()
}

/// A hash of what identifies a rule, leaving out how hard it is.
fn identity(rule: &FaultRule) -> u64 {
    let mut hash = Fnv::new();
    hash.text(rule.kind.name());
    hash.text(rule.point.as_ref().map_or("", |p| p.as_str()));
    match &rule.kind {
        FaultKind::Error { error } => hash.text(error),
        FaultKind::CrashProcess { process, .. } => hash.text(process.as_str()),
        _ => hash.text(""),
    }
    for field in [rule.at_hit, rule.after_ms, rule.until_ms] {
        hash.option(field);
    }
    hash.finish()
}

/// FNV-1a, 64 bits: tiny and fixed forever, unlike `std`'s hashers.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
    fn text(&mut self, text: &str) {
        self.bytes(&(text.len() as u64).to_le_bytes());
        self.bytes(text.as_bytes());
    }

    fn option(&mut self, value: Option<u64>) {
        match value {
            None => self.bytes(&[0]),
            Some(value) => {
                self.bytes(&[1]);
                self.bytes(&value.to_le_bytes());
            }
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// SplitMix64's output function: a bijection on `u64` with full avalanche.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_is_within_zero_one() {
        assert_eq!(unit(0), 0.0);
        assert!(unit(u64::MAX) < 1.0);
    }

    #[test]
    fn in_range_covers_both_ends() {
        assert_eq!(in_range(0, 3, 9), 3);
        assert_eq!(in_range(u64::MAX, 3, 9), 9);
        assert_eq!(in_range(12345, 7, 7), 7);
        assert_eq!(in_range(u64::MAX, 0, u64::MAX), u64::MAX);
    }

    #[test]
    fn keys_ignore_strength_but_separate_twins() {
        let strong = FaultRule::at_point("p", FaultKind::Late { margin_ms: 900 });
        let weak = FaultRule::at_point("p", FaultKind::Late { margin_ms: 5 }).with_probability(0.1);
        let other = FaultRule::at_point("q", FaultKind::Late { margin_ms: 5 });
        let alone = |rule: &FaultRule| rule_keys(std::slice::from_ref(rule))[0];
        assert_eq!(alone(&strong), alone(&weak));
        let keys = rule_keys(&[strong, weak, other.clone()]);
        assert_ne!(keys[0], keys[1], "twins draw independently");
        assert_eq!(keys[2], alone(&other), "unrelated rules do not shift keys");
    }

    #[test]
    fn splitmix_is_fixed() {
        // Pinned: a change here changes every recorded run.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
    }
}
