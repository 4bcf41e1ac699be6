//! Sweep throughput: the scenario that stands for each subsystem, and the table of seeds
//! per second with one worker and with every core.

use serde_json::{json, Value};

/// Each subsystem's main scenario: its broadest `fixed` workload, relative to the
/// repository's root.
pub const MAIN_SCENARIOS: [&str; 4] = [
    "scenarios/actions/steady-mix.toml",
    "scenarios/pidclean/end-before-connect.toml",
    "scenarios/tasks/steady-load.toml",
    "scenarios/rag/healthy.toml",
];

/// One scenario's sweep rates.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepRow {
    /// The subsystem.
    pub subsystem: String,
    /// The scenario's name.
    pub scenario: String,
    /// Seeds in each sweep.
    pub seeds: u64,
    /// Seeds per second with one worker.
    pub one_job_per_second: f64,
    /// Worker threads of the second sweep.
    pub jobs: usize,
    /// Seeds per second with `jobs` workers.
    pub all_jobs_per_second: f64,
    /// Seeds whose outcome was not the scenario's expectation (0 on a healthy tree).
    pub unexpected: u64,
}

impl SweepRow {
    /// The speed-up of `jobs` workers over one.
    pub fn speedup(&self) -> f64 {
        self.all_jobs_per_second / self.one_job_per_second.max(f64::MIN_POSITIVE)
    }

    /// The row as JSON.
    pub fn to_json(&self) -> Value {
        let round = |x: f64| (x * 10.0).round() / 10.0;
        json!({
            "subsystem": self.subsystem,
            "scenario": self.scenario,
            "seeds": self.seeds,
            "seeds_per_second_1_job": round(self.one_job_per_second),
            "jobs": self.jobs,
            "seeds_per_second_all_jobs": round(self.all_jobs_per_second),
            "speedup": (self.speedup() * 100.0).round() / 100.0,
            "unexpected": self.unexpected,
        })
    }
}

/// The table as Markdown.
pub fn markdown(rows: &[SweepRow]) -> String {
    let jobs = rows.first().map_or(1, |r| r.jobs);
    let mut out = format!(
        "| subsystem | scenario | seeds | seeds/s, 1 job | seeds/s, {jobs} jobs | speed-up |\n\
         |---|---|---:|---:|---:|---:|\n"
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.2}x |\n",
            r.subsystem,
            r.scenario,
            r.seeds,
            r.one_job_per_second,
            r.all_jobs_per_second,
            r.speedup()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_main_scenario_loads_and_expects_a_pass() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for path in MAIN_SCENARIOS {
            let scenario =
                crate::scenario::load(&root.join(path), crate::reference::registry()).expect(path);
            assert_eq!(scenario.expect, crate::scenario::Expect::Pass, "{path}");
            assert!(path.contains(&scenario.subsystem), "{path}");
        }
    }
}
