//! The text rendering of a trace: one event per line, virtual time first, fit for snapshots.

use super::{EventKind, Trace};
use std::fmt::Write;

/// Renders every recorded event as `TIME  #ID NAME  WHAT`.
pub(super) fn render(trace: &Trace) -> String {
    let mut out = String::new();
    for event in trace.events() {
        let who = match event.task {
            Some(id) => format!("{id} {}", trace.task_name(id)),
            None => "-".to_string(),
        };
        let what = match &event.kind {
            EventKind::Spawn => {
                let parent = event
                    .task
                    .and_then(|id| trace.tasks.get(id.index()))
                    .and_then(|t| t.parent);
                match parent {
                    Some(p) => format!("spawn (by {p})"),
                    None => "spawn".to_string(),
                }
            }
            EventKind::Poll => "poll".to_string(),
            EventKind::Wake => "wake".to_string(),
            EventKind::TimerFired => "timer".to_string(),
            EventKind::Complete => "complete".to_string(),
            EventKind::Panic { message } => format!("panic: {message}"),
            EventKind::Abort => "abort".to_string(),
            EventKind::Blocked { duration_ns } => {
                format!("blocked {} ms", duration_ns / 1_000_000)
            }
            EventKind::Fault { point, outcome } => format!("fault {point}: {outcome}"),
            EventKind::Process { pid, change } => format!("process {pid}: {change}"),
            EventKind::Kv { command } => format!("kv {command}"),
            EventKind::User { message } => format!("event {message}"),
            EventKind::Violation { kind, message } => format!("VIOLATION {kind}: {message}"),
        };
        let _ = writeln!(out, "{:>12}  {who:<24}  {what}", event.at.to_string());
    }
    out
}
