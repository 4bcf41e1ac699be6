//! Every defect, and the seed's own fix (`as-documented`), is caught by its designated
//! invariant within 100 seeds on a scenario that exercises it; `scenario_fixed_passes`
//! shows the same invariants silent for `fixed` on those scenarios.

mod common;

use asynclife_pidclean::Variant;
use asynclife_sim::ViolationKind;

/// Seeds a defect gets to show itself.
const MAX_SEEDS: u64 = 100;

/// The first seed of `scenario` on which `variant` trips `kind`.
fn first_catch(scenario: &str, variant: &str, kind: &str) -> Option<u64> {
    let scenario = common::scenario(scenario);
    let kind = ViolationKind::from_name(kind);
    (0..MAX_SEEDS).find(|&seed| scenario.run(variant, seed).has(&kind))
}

fn assert_caught(variant: Variant, scenario: &str, kind: &str) {
    let caught = first_catch(scenario, variant.name(), kind);
    assert!(
        caught.is_some(),
        "{variant} is not caught by {kind} on {scenario} within {MAX_SEEDS} seeds"
    );
}

/// The designated invariant of each variant, and the scenario that shows it.
const DESIGNATED: [(Variant, &str); 6] = [
    (Variant::AsDocumented, "end-during-spawn"),
    (Variant::PidStoredLate, "end-before-connect"),
    (Variant::BlockingCleanup, "concurrent-ends-health"),
    (Variant::NoTtl, "end-before-connect"),
    (Variant::DeadProcessError, "agents-crash"),
    (Variant::SerialCleanup, "concurrent-ends-health"),
];

#[test]
fn every_variant_is_caught_by_its_designated_invariant() {
    for (variant, scenario) in DESIGNATED {
        assert_caught(variant, scenario, variant.info().caught_by);
    }
    let listed: Vec<Variant> = DESIGNATED.iter().map(|(v, _)| *v).collect();
    assert_eq!(
        listed,
        Variant::ALL[1..],
        "every variant but fixed is listed"
    );
}

#[test]
fn as_documented_fixed_sleep_is_caught_by_cleanup_prompt() {
    // Agents that exit on SIGTERM within 3 s are still waited for 5 s.
    assert_caught(
        Variant::AsDocumented,
        "end-before-connect",
        "cleanup-prompt",
    );
}

#[test]
fn as_documented_race_orphans_agents_and_leaves_the_recreated_session_hash_behind() {
    assert_caught(Variant::AsDocumented, "end-while-queued", "no-orphan-agent");
    assert_caught(
        Variant::AsDocumented,
        "end-while-queued",
        "session-keys-removed",
    );
    assert_caught(Variant::AsDocumented, "end-while-queued", "orphan-process");
}

#[test]
fn blocking_cleanup_holds_the_executor() {
    assert_caught(
        Variant::BlockingCleanup,
        "end-before-connect",
        "blocked-executor",
    );
    assert_caught(
        Variant::BlockingCleanup,
        "end-before-connect",
        "health-latency",
    );
}

#[test]
fn dead_process_error_leaves_the_keys_behind() {
    assert_caught(
        Variant::DeadProcessError,
        "agents-crash",
        "session-keys-removed",
    );
}

#[test]
fn serial_cleanup_is_caught_with_agents_that_ignore_sigterm() {
    assert_caught(
        Variant::SerialCleanup,
        "ignore-sigterm",
        "cleanup-within-grace",
    );
}

#[test]
fn pid_stored_late_is_caught_under_store_faults_too() {
    assert_caught(Variant::PidStoredLate, "store-faults", "pid-discoverable");
    assert_caught(Variant::NoTtl, "store-faults", "pid-key-ttl");
}
