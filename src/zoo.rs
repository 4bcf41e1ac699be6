//! The defect zoo: every variant of every subsystem against its subsystem's scenarios. Each
//! defect (and `as-documented`) must be caught by its designated invariant; `fixed` must
//! raise no alarm at all. Beside the tuned scenarios, each defect is also run on its
//! subsystem's swarm scenario (`swarm.toml`, which draws faults and workload per seed): the
//! seeds it takes there measure the harness on bugs nobody wrote a scenario for.

use crate::registry::{Registered, Registry};
use crate::scenario::Scenario;
use asynclife_sim::subsystem::FIXED;
use serde::Serialize;

/// One row: one variant of one subsystem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZooRow {
    /// The subsystem.
    pub subsystem: String,
    /// The variant.
    pub variant: String,
    /// For a defect: caught by its designated invariant. For `fixed`: no false alarm.
    pub detected: bool,
    /// The invariant that must catch it (empty for `fixed`).
    pub invariant: String,
    /// The scenario and seed where it was first caught.
    pub first_seed: Option<u64>,
    /// The scenario that caught it.
    pub scenario: Option<String>,
    /// Seeds run for this variant, over all scenarios tried.
    pub seeds_tried: u64,
    /// For `fixed`: seeds with any violation (must be 0). For a defect: 0.
    pub false_alarms: u64,
    /// For a defect, when its subsystem has a swarm scenario: how many of its seeds (from 0)
    /// it took for the designated invariant to fire, or `None` if it did not within the
    /// swarm budget.
    pub swarm_seeds_to_detect: Option<u64>,
    /// For a defect: the swarm scenario it was tried on, if its subsystem has one.
    pub swarm_scenario: Option<String>,
}

/// The file stem that marks a subsystem's swarm scenario.
pub const SWARM_SCENARIO: &str = "swarm";

impl ZooRow {
    /// Whether the row is as it must be.
    pub fn ok(&self) -> bool {
        if self.variant == FIXED {
            self.false_alarms == 0
        } else {
            self.detected && (self.swarm_scenario.is_none() || self.swarm_seeds_to_detect.is_some())
        }
    }
}

/// Runs the zoo of `registry`'s subsystems with `seeds` seeds per (variant, scenario), over
/// `scenarios`, and each defect over the first `swarm_seeds` seeds of its subsystem's swarm
/// scenario, if it has one.
pub fn run(
    registry: Registry<'_>,
    scenarios: &[Scenario],
    seeds: u64,
    swarm_seeds: u64,
) -> Vec<ZooRow> {
    let mut rows = Vec::new();
    for &subsystem in registry.all() {
        let own: Vec<&Scenario> = scenarios
            .iter()
            .filter(|s| s.subsystem == subsystem.name())
            .collect();
        let swarm = own.iter().find(|s| s.name() == SWARM_SCENARIO);
        for variant in subsystem.variants() {
            rows.push(if variant.name == FIXED {
                fixed_row(subsystem, &own, seeds)
            } else {
                let mut row = defect_row(subsystem, &own, variant.name, variant.caught_by, seeds);
                if let Some(swarm) = swarm {
                    row.swarm_scenario = Some(swarm.path.display().to_string());
                    row.swarm_seeds_to_detect = first_detection(
                        subsystem,
                        swarm,
                        variant.name,
                        variant.caught_by,
                        0..swarm_seeds,
                    )
                    .map(|seed| seed + 1);
                }
                row
            });
        }
    }
    rows
}

/// `fixed` on every scenario of its subsystem (the scenario's own workload and faults).
fn fixed_row(subsystem: &dyn Registered, scenarios: &[&Scenario], seeds: u64) -> ZooRow {
    let mut row = ZooRow {
        subsystem: subsystem.name().to_string(),
        variant: FIXED.to_string(),
        detected: false,
        invariant: String::new(),
        first_seed: None,
        scenario: None,
        seeds_tried: 0,
        false_alarms: 0,
        swarm_seeds_to_detect: None,
        swarm_scenario: None,
    };
    for s in scenarios {
        for seed in 0..seeds {
            row.seeds_tried += 1;
            let failed = subsystem
                .run(s.sim_config(seed), &s.workload, FIXED)
                .map_or(true, |r| !r.violations.is_empty());
            if failed {
                row.false_alarms += 1;
                if row.first_seed.is_none() {
                    row.first_seed = Some(seed);
                    row.scenario = Some(s.name());
                }
            }
        }
    }
    row
}

/// A defect on its own scenarios first (those whose `variant` is it), then on the others,
/// until its invariant fires.
fn defect_row(
    subsystem: &dyn Registered,
    scenarios: &[&Scenario],
    variant: &str,
    caught_by: &str,
    seeds: u64,
) -> ZooRow {
    let mut row = ZooRow {
        subsystem: subsystem.name().to_string(),
        variant: variant.to_string(),
        detected: false,
        invariant: caught_by.to_string(),
        first_seed: None,
        scenario: None,
        seeds_tried: 0,
        false_alarms: 0,
        swarm_seeds_to_detect: None,
        swarm_scenario: None,
    };
    let mut ordered: Vec<&&Scenario> = scenarios.iter().filter(|s| s.variant == variant).collect();
    ordered.extend(scenarios.iter().filter(|s| s.variant != variant));
    for s in ordered {
        match first_detection(subsystem, s, variant, caught_by, 0..seeds) {
            Some(seed) => {
                row.seeds_tried += seed + 1;
                row.detected = true;
                row.first_seed = Some(seed);
                row.scenario = Some(s.name());
                return row;
            }
            None => row.seeds_tried += seeds,
        }
    }
    row
}

/// The first seed of `seeds` on which `variant` trips `caught_by` in `scenario`.
fn first_detection(
    subsystem: &dyn Registered,
    scenario: &Scenario,
    variant: &str,
    caught_by: &str,
    seeds: std::ops::Range<u64>,
) -> Option<u64> {
    seeds.into_iter().find(|&seed| {
        subsystem
            .run(scenario.sim_config(seed), &scenario.workload, variant)
            .is_ok_and(|report| report.violations.iter().any(|v| v.kind.name() == caught_by))
    })
}
