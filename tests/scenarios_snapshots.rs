//! The trace of one canonical seed (the scenario's first seed and own variant) of every
//! scenario, as an insta snapshot: a change in behaviour shows up as a diff to review
//! (`cargo insta review`, or `INSTA_UPDATE=always cargo test` then `git diff`).
//!
//! The snapshot pins the whole trace by its hash and event count, and shows the lifecycle
//! events (spawns, completions, panics, aborts, blocked polls, faults, processes, store calls,
//! user events, violations) of its first part; polls, wakes and timer firings are left out of
//! the text so that a snapshot stays readable.

use asynclife::failure::format_hash;
use asynclife::reference;
use asynclife::scenario;
use asynclife_sim::trace::EventKind;
use asynclife_sim::Trace;
use std::path::Path;

/// Lifecycle events shown per snapshot.
const SHOWN_EVENTS: usize = 300;

fn lifecycle_view(trace: &Trace) -> String {
    let lifecycle = trace.events().iter().filter(|e| {
        !matches!(
            e.kind,
            EventKind::Poll | EventKind::Wake | EventKind::TimerFired
        )
    });
    let total = lifecycle.clone().count();
    let view = Trace::from_events(
        trace.tasks.clone(),
        lifecycle.take(SHOWN_EVENTS).cloned().collect(),
    );
    let mut text = format!(
        "trace hash {}, {} events ({} lifecycle events, {} shown)\n",
        format_hash(trace.hash()),
        trace.event_count,
        total,
        view.events().len()
    );
    text.push_str(&view.to_text());
    text
}

#[test]
fn every_scenario_has_a_reviewed_canonical_trace() {
    let scenarios = scenario::load_dir(Path::new("scenarios"), reference::registry())
        .expect("every scenario file loads");
    for s in &scenarios {
        let subsystem = reference::registry()
            .find(&s.subsystem)
            .expect("checked when loaded");
        let config = s.sim_config(s.first_seed);
        let report = subsystem.run(config, &s.workload, &s.variant).unwrap();
        let name = format!("{}__{}", s.subsystem, s.name());
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_info(&s.description);
        settings.bind(|| {
            insta::assert_snapshot!(name, lifecycle_view(&report.trace));
        });
    }
}
