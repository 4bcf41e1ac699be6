//! The Chrome Trace Event rendering of a trace (chrome://tracing, ui.perfetto.dev), and the task
//! lifetimes it shares with the SVG timeline.
//!
//! Layout: one process (`pid` 1), one track per task (`tid` = task id) holding a complete slice
//! from spawn to end, blocked polls nested in it, and fault and user instants on it; a separate
//! "processes" track for simulated-process events and for events no task caused; violations as
//! global instants, so that they cut across every track.

use super::{Event, EventKind, TaskId, Trace};
use crate::time::Instant;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The `pid` of every event: one simulated run is one process to the viewer.
const PID: u32 = 1;

/// The `tid` of the "processes" track. Task ids count up from 0 and never get near it; it stays
/// within `i32` because some importers read tids as 32-bit signed integers.
const PROCESSES_TID: u64 = i32::MAX as u64;

/// How a task's life ended, as far as the trace knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ending {
    /// Its future returned.
    Completed,
    /// It panicked.
    Panicked,
    /// It was aborted.
    Aborted,
    /// The trace ends while it is still alive.
    Alive,
}

impl Ending {
    /// The word used in labels and tooltips.
    pub(super) fn name(self) -> &'static str {
        match self {
            Ending::Completed => "completed",
            Ending::Panicked => "panicked",
            Ending::Aborted => "aborted",
            Ending::Alive => "alive at end",
        }
    }
}

/// The span of one task: from its spawn to its end, or to the end of the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Lifetime {
    pub(super) start: Instant,
    pub(super) end: Instant,
    pub(super) ending: Ending,
}

/// The time of the last event: where the lives of tasks that never ended stop.
pub(super) fn trace_end(trace: &Trace) -> Instant {
    // Events are pushed in time order, but taking the maximum costs nothing and does not rely
    // on it.
    trace
        .events()
        .iter()
        .map(|e| e.at)
        .max()
        .unwrap_or(Instant::ZERO)
}

/// One entry per task of `trace.tasks`, `None` for a task no recorded event mentions (recording
/// was off, or the task was spawned after it stopped): there is no honest span to draw.
///
/// Lives in this file because both renderers need it and the trace module keeps one file per
/// rendering.
pub(super) fn lifetimes(trace: &Trace) -> Vec<Option<Lifetime>> {
    let end = trace_end(trace);
    let mut lives: Vec<Option<Lifetime>> = vec![None; trace.tasks.len()];
    for event in trace.events() {
        let Some(life) = event.task.and_then(|id| lives.get_mut(id.index())) else {
            continue;
        };
        // The first event of a task opens its span; it is its Spawn unless recording started
        // late.
        let life = life.get_or_insert(Lifetime {
            start: event.at,
            end,
            ending: Ending::Alive,
        });
        if life.ending != Ending::Alive {
            // The first terminal event wins: an abort may be recorded again after the end.
            continue;
        }
        let ending = match event.kind {
            EventKind::Complete => Ending::Completed,
            EventKind::Panic { .. } => Ending::Panicked,
            EventKind::Abort => Ending::Aborted,
            _ => continue,
        };
        life.end = event.at;
        life.ending = ending;
    }
    lives
}

/// A time in microseconds, the unit of the format: whole numbers print without a fraction, so
/// that the usual millisecond-aligned virtual times stay readable.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(untagged)]
enum Micros {
    Whole(u64),
    Fraction(f64),
}

impl Micros {
    fn from_nanos(nanos: u64) -> Micros {
        // Not `is_multiple_of`: the workspace supports Rust 1.80.
        match nanos % 1_000 {
            0 => Micros::Whole(nanos / 1_000),
            // Precision loss only past 2^53 ns (104 days of virtual time).
            _ => Micros::Fraction(nanos as f64 / 1_000.0),
        }
    }
}

/// One entry of `traceEvents`. A struct rather than `json!` so that the key order is fixed by
/// the code, not by serde_json's features.
#[derive(Debug, Serialize)]
struct ChromeEvent {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    cat: Option<&'static str>,
    ph: &'static str,
    ts: Micros,
    #[serde(skip_serializing_if = "Option::is_none")]
    dur: Option<Micros>,
    pid: u32,
    tid: u64,
    /// The scope of an instant: `t` for its track, `g` for the whole trace.
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cname: Option<&'static str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    args: BTreeMap<&'static str, Value>,
}

impl ChromeEvent {
    fn new(name: String, ph: &'static str, at_ns: u64, tid: u64) -> ChromeEvent {
        ChromeEvent {
            name,
            cat: None,
            ph,
            ts: Micros::from_nanos(at_ns),
            dur: None,
            pid: PID,
            tid,
            s: None,
            cname: None,
            args: BTreeMap::new(),
        }
    }

    /// A metadata record (`ph: "M"`) such as `thread_name`.
    fn metadata(name: &str, tid: u64, key: &'static str, value: Value) -> ChromeEvent {
        let mut event = ChromeEvent::new(name.to_string(), "M", 0, tid);
        event.args.insert(key, value);
        event
    }

    /// An instant (`ph: "i"`) scoped to its track.
    fn instant(name: String, cat: &'static str, at: Instant, tid: u64) -> ChromeEvent {
        let mut event = ChromeEvent::new(name, "i", at.as_nanos(), tid);
        event.cat = Some(cat);
        event.s = Some("t");
        event
    }
}

/// The track of an event: its task's, or the processes track when no task caused it.
fn track(task: Option<TaskId>) -> u64 {
    task.map_or(PROCESSES_TID, |id| u64::from(id.0))
}

/// Whether an event goes on the processes track (the processes lane of the SVG): process
/// events, and faults and user events that no task caused (a timed process crash, healing).
pub(super) fn on_processes_track(event: &Event) -> bool {
    match event.kind {
        EventKind::Process { .. } => true,
        EventKind::Fault { .. } | EventKind::User { .. } => event.task.is_none(),
        _ => false,
    }
}

/// Renders the trace as a Chrome Trace Event JSON object, one event per line.
pub(super) fn render(trace: &Trace) -> String {
    let mut events = metadata(trace);
    events.extend(task_spans(trace));
    events.extend(
        trace
            .events()
            .iter()
            .filter_map(|event| entry(trace, event)),
    );
    let mut out = String::from("{\"traceEvents\":[\n");
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&serde_json::to_string(event).expect("a trace event always serialises"));
    }
    out.push_str("\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":");
    let other = serde_json::json!({
        "event_count": trace.event_count,
        "trace_hash": format!("{:016x}", trace.hash()),
    });
    out.push_str(&other.to_string());
    out.push_str("}\n");
    out
}

/// The entry for one trace event, if it gets one.
fn entry(trace: &Trace, event: &Event) -> Option<ChromeEvent> {
    let (at, tid) = (event.at, track(event.task));
    let mut entry = match &event.kind {
        EventKind::Blocked { duration_ns } => {
            // Recorded when the blocking call returns: the slice ends at the event.
            let start_ns = at.as_nanos().saturating_sub(*duration_ns);
            let name = format!("blocked {} ms", duration_ns / 1_000_000);
            let mut slice = ChromeEvent::new(name, "X", start_ns, tid);
            slice.cat = Some("blocked");
            slice.dur = Some(Micros::from_nanos(*duration_ns));
            slice.cname = Some("terrible");
            slice
        }
        EventKind::Fault { point, outcome } => {
            let name = format!("fault {point}: {outcome}");
            let mut instant = ChromeEvent::instant(name, "fault", at, tid);
            instant.cname = Some("yellow");
            instant
        }
        EventKind::User { message } => ChromeEvent::instant(message.clone(), "user", at, tid),
        EventKind::Process { pid, change } => {
            let name = format!("process {pid}: {change}");
            ChromeEvent::instant(name, "process", at, PROCESSES_TID)
        }
        EventKind::Violation { kind, message } => {
            let name = format!("violation {kind}");
            let mut instant = ChromeEvent::instant(name, "violation", at, tid);
            instant.s = Some("g");
            instant.cname = Some("terrible");
            instant.args.insert("message", message.as_str().into());
            instant
        }
        // Polls, wakes, timers and kv calls are the bulk of a trace and would bury the
        // lifecycle; the text and JSON renderings keep them. Ends are the task spans.
        EventKind::Spawn
        | EventKind::Poll
        | EventKind::Wake
        | EventKind::TimerFired
        | EventKind::Complete
        | EventKind::Panic { .. }
        | EventKind::Abort
        | EventKind::Kv { .. } => return None,
    };
    // These are not drawn on their task's track (or on any track): say whose they are.
    let off_track = matches!(
        event.kind,
        EventKind::Process { .. } | EventKind::Violation { .. }
    );
    if let (true, Some(id)) = (off_track, event.task) {
        entry.args.insert("task", task_label(trace, id).into());
    }
    Some(entry)
}

/// `#id name`, the label of a task's track.
fn task_label(trace: &Trace, id: TaskId) -> String {
    format!("{id} {}", trace.task_name(id))
}

/// Names the process and the tracks, and orders the tracks by task id (viewers otherwise sort
/// them by whatever they like).
fn metadata(trace: &Trace) -> Vec<ChromeEvent> {
    let name = |tid: u64, name: String, sort_index: i64| {
        [
            ChromeEvent::metadata("thread_name", tid, "name", name.into()),
            ChromeEvent::metadata("thread_sort_index", tid, "sort_index", sort_index.into()),
        ]
    };
    let mut events = vec![ChromeEvent::metadata(
        "process_name",
        0,
        "name",
        "asynclife".into(),
    )];
    if trace.events().iter().any(on_processes_track) {
        // First: it is one track, easy to lose below thousands of tasks.
        events.extend(name(PROCESSES_TID, "processes".to_string(), -1));
    }
    for task in &trace.tasks {
        let label = format!("{} {}", task.id, task.name);
        events.extend(name(u64::from(task.id.0), label, i64::from(task.id.0)));
    }
    events
}

/// One complete slice per task, from spawn to end.
fn task_spans(trace: &Trace) -> Vec<ChromeEvent> {
    let lives = lifetimes(trace);
    let mut events = Vec::with_capacity(lives.len());
    for (task, life) in trace.tasks.iter().zip(lives) {
        let Some(life) = life else { continue };
        let tid = u64::from(task.id.0);
        let mut span = ChromeEvent::new(task.name.to_string(), "X", life.start.as_nanos(), tid);
        span.cat = Some("task");
        let dur_ns = life.end.as_nanos().saturating_sub(life.start.as_nanos());
        span.dur = Some(Micros::from_nanos(dur_ns));
        span.args.insert("id", task.id.0.into());
        span.args.insert("spawned_at", task.location().into());
        span.args.insert("ended", life.ending.name().into());
        if let Some(parent) = task.parent {
            span.args.insert("parent", task_label(trace, parent).into());
        }
        events.push(span);
    }
    events
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::trace::TaskInfo;

    fn ev(at_ms: u64, task: Option<u32>, kind: EventKind) -> Event {
        Event {
            at: Instant::from_millis(at_ms),
            task: task.map(TaskId),
            kind,
        }
    }

    fn info(id: u32, name: &'static str, parent: Option<u32>) -> TaskInfo {
        TaskInfo {
            id: TaskId(id),
            name: name.into(),
            file: "src/lib.rs".into(),
            line: 10 + id,
            parent: parent.map(TaskId),
        }
    }

    /// Four tasks (one still alive, one panicking, one aborted with a name to escape), a blocked
    /// poll, two faults, a process event and a violation. Shared with the SVG tests.
    pub(in crate::trace) fn sample() -> Trace {
        let tasks = vec![
            info(0, "main", None),
            info(1, "worker", Some(0)),
            info(2, "<flusher> & \"co\"", Some(0)),
            info(3, "reaper", Some(1)),
        ];
        let blocked = EventKind::Blocked {
            duration_ns: 250_000_000,
        };
        let fault = |point: &str| EventKind::Fault {
            point: point.into(),
            outcome: "error".into(),
        };
        let events = vec![
            ev(0, Some(0), EventKind::Spawn),
            ev(0, Some(1), EventKind::Spawn),
            ev(5, Some(2), EventKind::Spawn),
            ev(400, Some(1), blocked),
            ev(500, Some(1), fault("kv.get")),
            ev(
                600,
                Some(0),
                EventKind::Process {
                    pid: 7,
                    change: "spawn 'db'".into(),
                },
            ),
            ev(700, Some(3), EventKind::Spawn),
            ev(800, Some(2), EventKind::Abort),
            ev(
                900,
                Some(3),
                EventKind::Panic {
                    message: "boom".into(),
                },
            ),
            ev(1_000, None, fault("rules[0]")),
            ev(
                1_100,
                Some(1),
                EventKind::User {
                    message: "ready".into(),
                },
            ),
            ev(1_200, Some(1), EventKind::Complete),
            ev(
                1_500,
                Some(3),
                EventKind::Violation {
                    kind: "unobserved-panic".into(),
                    message: "task #3 reaper panicked: <boom>".into(),
                },
            ),
            ev(2_000, Some(0), EventKind::Poll),
        ];
        Trace::from_events(tasks, events)
    }

    fn parse(trace: &Trace) -> Vec<Value> {
        let json: Value = serde_json::from_str(&trace.to_chrome_json()).expect("valid JSON");
        assert_eq!(json["displayTimeUnit"], "ms");
        json["traceEvents"].as_array().expect("an array").clone()
    }

    fn find<'a>(events: &'a [Value], ph: &str, name: &str) -> Vec<&'a Value> {
        events
            .iter()
            .filter(|e| e["ph"] == ph && e["name"] == name)
            .collect()
    }

    #[test]
    fn lifetimes_end_at_the_first_terminal_event_or_the_trace_end() {
        let lives = lifetimes(&sample());
        let life = |i: usize| lives[i].expect("every sample task has events");
        assert_eq!(life(0).ending, Ending::Alive);
        assert_eq!(life(0).end, Instant::from_millis(2_000));
        assert_eq!(life(1).ending, Ending::Completed);
        assert_eq!(life(1).end, Instant::from_millis(1_200));
        assert_eq!(life(2).ending, Ending::Aborted);
        assert_eq!(life(3).ending, Ending::Panicked);
        assert_eq!(life(3).start, Instant::from_millis(700));
    }

    #[test]
    fn one_named_track_per_task_and_a_processes_track() {
        let events = parse(&sample());
        let names: Vec<&Value> = find(&events, "M", "thread_name");
        let labels: Vec<(u64, &str)> = names
            .iter()
            .map(|e| {
                (
                    e["tid"].as_u64().unwrap(),
                    e["args"]["name"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            labels,
            [
                (PROCESSES_TID, "processes"),
                (0, "#0 main"),
                (1, "#1 worker"),
                (2, "#2 <flusher> & \"co\""),
                (3, "#3 reaper"),
            ]
        );
        let process = &find(&events, "i", "process 7: spawn 'db'")[0];
        assert_eq!(process["tid"], PROCESSES_TID);
        assert_eq!(process["args"]["task"], "#0 main");
    }

    #[test]
    fn tasks_are_spawn_to_end_spans_in_microseconds() {
        let events = parse(&sample());
        let worker = &find(&events, "X", "worker")[0];
        assert_eq!(
            (worker["tid"].as_u64(), worker["ts"].as_u64()),
            (Some(1), Some(0))
        );
        assert_eq!(worker["dur"], 1_200_000);
        assert_eq!(worker["args"]["ended"], "completed");
        assert_eq!(worker["args"]["parent"], "#0 main");
        let main = &find(&events, "X", "main")[0];
        assert_eq!(main["dur"], 2_000_000, "alive tasks run to the last event");
        assert_eq!(find(&events, "X", "reaper")[0]["ts"], 700_000);
    }

    #[test]
    fn blocked_polls_are_nested_slices_ending_at_their_event() {
        let events = parse(&sample());
        let blocked = &find(&events, "X", "blocked 250 ms");
        assert_eq!(blocked.len(), 1);
        let b = blocked[0];
        assert_eq!(b["tid"], 1);
        assert_eq!(b["ts"], 150_000);
        assert_eq!(b["dur"], 250_000);
        assert_eq!(b["cname"], "terrible");
    }

    #[test]
    fn faults_users_and_violations_are_instants() {
        let events = parse(&sample());
        let fault = &find(&events, "i", "fault kv.get: error")[0];
        assert_eq!(
            (fault["tid"].as_u64(), fault["s"].as_str()),
            (Some(1), Some("t"))
        );
        assert_eq!(fault["ts"], 500_000);
        let world_fault = &find(&events, "i", "fault rules[0]: error")[0];
        assert_eq!(world_fault["tid"], PROCESSES_TID);
        assert_eq!(find(&events, "i", "ready")[0]["tid"], 1);
        let violation = &find(&events, "i", "violation unobserved-panic")[0];
        assert_eq!(violation["s"], "g");
        assert_eq!(violation["cname"], "terrible");
        assert_eq!(
            violation["args"]["message"],
            "task #3 reaper panicked: <boom>"
        );
        assert!(find(&events, "i", "poll").is_empty(), "polls are left out");
    }

    #[test]
    fn sub_microsecond_times_keep_their_fraction() {
        let trace = Trace::from_events(
            vec![info(0, "main", None)],
            vec![
                Event {
                    at: Instant::from_nanos(1_500),
                    task: Some(TaskId(0)),
                    kind: EventKind::Spawn,
                },
                Event {
                    at: Instant::from_nanos(4_000),
                    task: Some(TaskId(0)),
                    kind: EventKind::Complete,
                },
            ],
        );
        let events = parse(&trace);
        let main = &find(&events, "X", "main")[0];
        assert_eq!(main["ts"].as_f64(), Some(1.5));
        assert_eq!(main["dur"].as_f64(), Some(2.5));
    }

    #[test]
    fn rendering_is_byte_identical_and_survives_an_empty_trace() {
        let trace = sample();
        assert_eq!(trace.to_chrome_json(), trace.to_chrome_json());
        assert_eq!(trace.to_chrome_json(), trace.clone().to_chrome_json());
        let empty = parse(&Trace::default());
        assert_eq!(empty.len(), 1, "only the process name");
    }
}
