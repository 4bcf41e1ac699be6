//! The SVG rendering of a trace: a self-contained timeline picture, one lane per task, for
//! people who would rather look than read.
//!
//! Drawn back to front: lane stripes and time grid, task bars, blocked polls, faults, process
//! and user event marks, then violations on top of everything. Presentation attributes rather
//! than CSS, and no scripts or external references, so that any viewer (browser, image
//! converter, code review page) shows the same picture.

use super::chrome::{lifetimes, on_processes_track, trace_end, Ending, Lifetime};
use super::{Event, EventKind, TaskId, Trace};
use crate::time::Instant;
use std::collections::BTreeSet;
use std::fmt::Write;

const WIDTH: f64 = 1200.0;
/// The left edge of the plot: the label column is to its left.
const PLOT_LEFT: f64 = 210.0;
const PLOT_RIGHT: f64 = 1180.0;
/// Below the title, the tick labels and the row of violation labels.
const LANES_TOP: f64 = 56.0;
const LANE_HEIGHT: f64 = 18.0;
/// Task lanes drawn at most: past a few hundred the picture is unreadable and the file large.
const MAX_TASK_LANES: usize = 200;
/// Characters of a lane label that fit the label column at 11 px monospace.
const LABEL_CHARS: usize = 30;
/// The shortest axis drawn, so that a trace whose events all happen at 0 still has a scale.
const MIN_SPAN_NS: u64 = 1_000_000;

const BLOCKED_PAINT: &str = "fill=\"#e03131\" fill-opacity=\"0.85\"";
const FAULT_PAINT: &str = "fill=\"#fab005\" stroke=\"#8d6e00\" stroke-width=\"0.8\"";
const PROCESS_PAINT: &str = "fill=\"#3b5bdb\"";
const USER_PAINT: &str = "fill=\"#862e9c\"";
const VIOLATION_PAINT: &str = "stroke=\"#e00000\" stroke-width=\"1.5\"";
const VIOLATION_TEXT: &str = "fill=\"#e00000\"";

/// Where things go: the time scale and the lanes.
struct Layout {
    end_ns: u64,
    /// Whether lane 0 is the processes lane (for the events of [`on_processes_track`]).
    processes_lane: bool,
    task_lanes: usize,
}

impl Layout {
    fn new(trace: &Trace) -> Layout {
        let processes_lane = trace.events().iter().any(on_processes_track);
        Layout {
            end_ns: trace_end(trace).as_nanos().max(MIN_SPAN_NS),
            processes_lane,
            task_lanes: trace.tasks.len().min(MAX_TASK_LANES),
        }
    }

    fn x(&self, at: Instant) -> f64 {
        let fraction = at.as_nanos().min(self.end_ns) as f64 / self.end_ns as f64;
        PLOT_LEFT + fraction * (PLOT_RIGHT - PLOT_LEFT)
    }

    fn lane_top(&self, lane: usize) -> f64 {
        LANES_TOP + lane as f64 * LANE_HEIGHT
    }

    fn lanes_bottom(&self) -> f64 {
        self.lane_top(self.task_lanes + usize::from(self.processes_lane))
    }

    /// The top of a task's lane, `None` for a task past the cap.
    fn task_top(&self, id: TaskId) -> Option<f64> {
        // `Trace::tasks` is indexed by id, so the first lanes are the lowest ids.
        (id.index() < self.task_lanes)
            .then(|| self.lane_top(id.index() + usize::from(self.processes_lane)))
    }

    /// The lane of an event drawn where it happened: its task's, or the processes lane.
    fn event_top(&self, event: &Event) -> Option<f64> {
        if on_processes_track(event) {
            self.processes_lane.then(|| self.lane_top(0))
        } else {
            event.task.and_then(|id| self.task_top(id))
        }
    }
}

/// Renders the trace as an SVG document.
pub(super) fn render(trace: &Trace) -> String {
    let layout = Layout::new(trace);
    let hidden = trace.tasks.len() - layout.task_lanes;
    let footer_top = layout.lanes_bottom() + if hidden > 0 { 22.0 } else { 8.0 };
    let height = footer_top + 28.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" font-family=\"monospace\" font-size=\"11\">"
    );
    out.push_str(concat!(
        "<defs><pattern id=\"alive\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" ",
        "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#dbe6f4\"/>",
        "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#7a9cc6\" stroke-width=\"2\"/>",
        "</pattern></defs>\n",
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
    ));
    let _ = writeln!(
        out,
        "<text x=\"6\" y=\"16\" font-size=\"12\">asynclife trace: {} tasks, {} events, \
         {} of virtual time, hash {:016x}</text>",
        trace.tasks.len(),
        trace.event_count,
        trace_end(trace),
        trace.hash(),
    );
    lanes(&mut out, trace, &layout);
    axis(&mut out, &layout);
    bars(&mut out, trace, &layout);
    marks(&mut out, trace, &layout);
    violations(&mut out, trace, &layout);
    if hidden > 0 {
        let _ = writeln!(
            out,
            "<text x=\"6\" y=\"{:.1}\" fill=\"#555\">+{hidden} more tasks (not drawn)</text>",
            layout.lanes_bottom() + 14.0,
        );
    }
    legend(&mut out, footer_top);
    out.push_str("</svg>\n");
    out
}

/// Labels each lane, and stripes every other one.
fn lanes(out: &mut String, trace: &Trace, layout: &Layout) {
    let processes = layout
        .processes_lane
        .then(|| ("processes".to_string(), PROCESS_PAINT));
    let tasks = trace.tasks.iter().take(layout.task_lanes).map(|task| {
        let label = truncate(&format!("{} {}", task.id, task.name), LABEL_CHARS);
        (label, "fill=\"#222\"")
    });
    for (lane, (label, paint)) in processes.into_iter().chain(tasks).enumerate() {
        let top = layout.lane_top(lane);
        if lane % 2 == 1 {
            let _ = write!(
                out,
                "<rect x=\"0\" y=\"{top:.1}\" width=\"{WIDTH}\" height=\"{LANE_HEIGHT}\" \
                 fill=\"#f3f3f3\"/>"
            );
        }
        let (y, label) = (top + 13.0, escape(&label));
        let _ = writeln!(out, "<text x=\"6\" y=\"{y:.1}\" {paint}>{label}</text>");
    }
}

/// Vertical grid lines at round virtual times, labelled in seconds above the lanes.
fn axis(out: &mut String, layout: &Layout) {
    let (step_ns, decimals) = tick_step(layout.end_ns);
    let bottom = layout.lanes_bottom();
    // Bounded: the step is at least a tenth of the span, so at most about a dozen ticks.
    let ticks = (0..=layout.end_ns / step_ns).map(|i| i * step_ns);
    for at_ns in ticks {
        let x = layout.x(Instant::from_nanos(at_ns));
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"38\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#d8d8d8\"/>\
             <text x=\"{x:.1}\" y=\"34\" font-size=\"10\" fill=\"#555\" \
             text-anchor=\"middle\">{}</text>",
            seconds(at_ns, decimals),
        );
    }
}

/// A round tick step (1, 2 or 5 times a power of ten nanoseconds) giving about ten ticks, and
/// the decimals its labels need in seconds.
fn tick_step(span_ns: u64) -> (u64, usize) {
    let target = (span_ns / 10).max(1);
    let mut exponent = 0;
    // At most 18 rounds: `target` is below 10^19.
    while 10u64.checked_pow(exponent + 1).is_some_and(|p| p <= target) {
        exponent += 1;
    }
    let power = 10u64.pow(exponent);
    let decimals = |exponent: u32| 9usize.saturating_sub(exponent as usize);
    match [1, 2, 5].into_iter().find(|m| power * m >= target) {
        Some(multiple) => (power * multiple, decimals(exponent)),
        // Then `target < 10 * power <= 10^19`, which fits in a u64.
        None => (power * 10, decimals(exponent + 1)),
    }
}

/// `1.25s`: virtual seconds with `decimals` digits, in integers so that no rounding creeps in.
fn seconds(at_ns: u64, decimals: usize) -> String {
    let whole = at_ns / 1_000_000_000;
    if decimals == 0 {
        return format!("{whole}s");
    }
    let fraction = format!("{:09}", at_ns % 1_000_000_000);
    format!("{whole}.{}s", &fraction[..decimals.min(9)])
}

/// One bar per task with a lane, from spawn to end, coloured by how it ended.
fn bars(out: &mut String, trace: &Trace, layout: &Layout) {
    for (task, life) in trace.tasks.iter().zip(lifetimes(trace)) {
        let (Some(top), Some(life)) = (layout.task_top(task.id), life) else {
            continue;
        };
        let Lifetime { start, end, ending } = life;
        let x1 = layout.x(start);
        // Zero-length lives still get a sliver: a task that existed should be visible.
        let width = (layout.x(end) - x1).max(1.0);
        let attributes = format!(
            "x=\"{x1:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"12\" {}",
            top + 3.0,
            ending_paint(ending)
        );
        let (id, name, location) = (task.id, &task.name, task.location());
        let title = format!(
            "{id} {name} ({location}): {start} to {end}, {}",
            ending.name()
        );
        titled(out, "rect", &attributes, &title);
    }
}

/// Blocked polls, faults, process and user events, each on its lane with a tooltip.
fn marks(out: &mut String, trace: &Trace, layout: &Layout) {
    // One mark per lane, pixel and kind: a run of a million events stays a picture rather than
    // a million elements. The first event at a spot gives the tooltip.
    let mut drawn = BTreeSet::new();
    for event in trace.events() {
        let Some(top) = layout.event_top(event) else {
            continue;
        };
        let (at, x, by) = (event.at, layout.x(event.at), by(trace, event.task));
        let (kind, element, attributes, title) = match &event.kind {
            EventKind::Blocked { duration_ns } => {
                // Recorded when the blocking call returns: the box ends at the event.
                let start = Instant::from_nanos(at.as_nanos().saturating_sub(*duration_ns));
                let x1 = layout.x(start);
                let attributes = format!(
                    "x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"14\" {BLOCKED_PAINT}",
                    top + 2.0,
                    (x - x1).max(1.0),
                );
                let ms = duration_ns / 1_000_000;
                let title = format!("blocked {ms} ms, {start} to {at}{by}");
                (0, "rect", attributes, title)
            }
            EventKind::Fault { point, outcome } => (
                1,
                "polygon",
                format!("points=\"{}\" {FAULT_PAINT}", diamond(x, top + 9.0)),
                format!("fault {point}: {outcome} at {at}{by}"),
            ),
            EventKind::Process { pid, change } => (
                2,
                "rect",
                tick(x, top, PROCESS_PAINT),
                format!("process {pid}: {change} at {at}{by}"),
            ),
            EventKind::User { message } => (
                3,
                "rect",
                tick(x, top, USER_PAINT),
                format!("{message} at {at}{by}"),
            ),
            _ => continue,
        };
        // Truncation, not rounding: the spot is the pixel column the mark starts in.
        if drawn.insert((top as i64, x as i64, kind)) {
            titled(out, element, &attributes, &title);
        }
    }
}

/// The attributes of a thin mark at `x` on the lane at `top`.
fn tick(x: f64, top: f64, paint: &str) -> String {
    let (x, y) = (x - 1.0, top + 3.0);
    format!("x=\"{x:.1}\" y=\"{y:.1}\" width=\"2\" height=\"12\" {paint}")
}

/// A violation label: its kind, and the violations it stands for.
struct Label {
    x: f64,
    text: String,
    /// The first few violations' tooltips: more would not fit a screen.
    titles: Vec<String>,
    count: usize,
}

/// A red line across every lane per violation with its message as tooltip, and its kind above
/// the lanes. A label that would overlap the one before folds into it as `+N`.
fn violations(out: &mut String, trace: &Trace, layout: &Layout) {
    const TITLES_PER_LABEL: usize = 10;
    // At 10 px monospace, 0.6 em a character.
    let text_width = |text: &str| text.chars().count() as f64 * 6.0;
    let bottom = layout.lanes_bottom();
    let mut labels: Vec<Label> = Vec::new();
    let mut last_line_px = None;
    for event in trace.events() {
        let EventKind::Violation { kind, message } = &event.kind else {
            continue;
        };
        let x = layout.x(event.at);
        let title = format!("{kind} at {}{}: {message}", event.at, by(trace, event.task));
        // One line per pixel column, as for marks; the label's tooltip lists the rest.
        if last_line_px.replace(x as i64) != Some(x as i64) {
            let line = violation_line(x, 40.0, bottom);
            let _ = writeln!(out, "<g><title>{}</title>{line}</g>", escape(&title));
        }
        let text = truncate(kind, 24);
        // Right of the line, pulled back left where it would run off the picture.
        let label_x = (x + 3.0).min(WIDTH - 4.0 - text_width(&text));
        match labels.last_mut() {
            // Room for the previous label's ` +N` too.
            Some(last) if label_x < last.x + text_width(&last.text) + text_width(" +NNN") => {
                if last.titles.len() < TITLES_PER_LABEL {
                    last.titles.push(title);
                }
                last.count += 1;
            }
            _ => labels.push(Label {
                x: label_x,
                text,
                titles: vec![title],
                count: 1,
            }),
        }
    }
    for Label {
        x,
        text,
        mut titles,
        count,
    } in labels
    {
        let more = match count {
            1 => String::new(),
            n => format!(" +{}", n - 1),
        };
        if count > titles.len() {
            titles.push(format!("and {} more", count - titles.len()));
        }
        let _ = writeln!(
            out,
            "<text x=\"{x:.1}\" y=\"50\" font-size=\"10\" {VIOLATION_TEXT}><title>{}</title>\
             {}{more}</text>",
            escape(&titles.join("\n")),
            escape(&text),
        );
    }
}

/// ` (#id name)`: who caused an event, for tooltips; empty when no task did.
fn by(trace: &Trace, task: Option<TaskId>) -> String {
    task.map(|id| format!(" ({id} {})", trace.task_name(id)))
        .unwrap_or_default()
}

/// One element with a tooltip, on a line of its own.
fn titled(out: &mut String, element: &str, attributes: &str, title: &str) {
    let title = escape(title);
    let _ = writeln!(
        out,
        "<{element} {attributes}><title>{title}</title></{element}>"
    );
}

/// What each colour and shape means, in one row below the lanes.
fn legend(out: &mut String, top: f64) {
    let swatch = |paint: &str| {
        format!(
            "<rect y=\"{:.1}\" width=\"14\" height=\"10\" {paint}/>",
            top + 2.0
        )
    };
    let endings = [
        Ending::Completed,
        Ending::Panicked,
        Ending::Aborted,
        Ending::Alive,
    ];
    let entries = endings.map(|e| (e.name(), swatch(ending_paint(e))));
    let entries = entries.into_iter().chain([
        ("blocked", swatch(BLOCKED_PAINT)),
        ("process event", swatch(PROCESS_PAINT)),
        ("user event", swatch(USER_PAINT)),
        (
            "fault",
            format!(
                "<polygon points=\"{}\" {FAULT_PAINT}/>",
                diamond(7.0, top + 7.0)
            ),
        ),
        ("violation", violation_line(7.0, top, top + 14.0)),
    ]);
    for (i, (label, symbol)) in entries.enumerate() {
        // Symbols are drawn at x = 0: each entry moves its group into place.
        let _ = write!(
            out,
            "<g transform=\"translate({},0)\">{symbol}\
             <text x=\"20\" y=\"{:.1}\">{label}</text></g>",
            6 + 130 * i,
            top + 11.0
        );
    }
    out.push('\n');
}

/// A violation's red line.
fn violation_line(x: f64, y1: f64, y2: f64) -> String {
    format!("<line x1=\"{x:.1}\" y1=\"{y1:.1}\" x2=\"{x:.1}\" y2=\"{y2:.1}\" {VIOLATION_PAINT}/>")
}

/// The points of a fault's diamond centred on `(x, y)`.
fn diamond(x: f64, y: f64) -> String {
    format!(
        "{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}",
        y - 6.0,
        x + 5.0,
        y + 6.0,
        x - 5.0
    )
}

/// The fill of a task bar: grey-green done, orange panicked, dark aborted, hatched alive.
fn ending_paint(ending: Ending) -> &'static str {
    match ending {
        Ending::Completed => "fill=\"#8fbc8f\"",
        Ending::Panicked => "fill=\"#f08c00\"",
        Ending::Aborted => "fill=\"#495057\"",
        Ending::Alive => "fill=\"url(#alive)\" stroke=\"#7a9cc6\" stroke-width=\"0.5\"",
    }
}

/// At most `max_chars` characters, the last one an ellipsis when something was cut.
fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Text safe inside an element or a quoted attribute. Control characters, which XML 1.0 does
/// not allow even escaped, become U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::chrome::tests::sample;
    use crate::trace::TaskInfo;

    /// Balanced tags, and no bare `&`, `<` or `>` outside markup: enough of XML to catch a
    /// missing escape or an unclosed element.
    fn assert_well_formed(svg: &str) {
        let entities = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"];
        for (i, _) in svg.match_indices('&') {
            assert!(
                entities.iter().any(|e| svg[i..].starts_with(e)),
                "bare & at {i}"
            );
        }
        let mut open: Vec<&str> = Vec::new();
        let mut chunks = svg.split('<');
        assert_eq!(chunks.next(), Some(""), "starts with a tag");
        for chunk in chunks {
            let (tag, text) = chunk.split_once('>').expect("every tag closes");
            assert!(!text.contains('>'), "bare > in text {text:?}");
            if let Some(closing) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(closing), "mismatched </{closing}>");
            } else if !tag.ends_with('/') {
                open.push(tag.split(' ').next().expect("a tag has a name"));
            }
        }
        assert!(open.is_empty(), "unclosed {open:?}");
    }

    fn info(id: u32) -> TaskInfo {
        TaskInfo {
            id: TaskId(id),
            name: format!("t{id}").into(),
            file: "src/lib.rs".into(),
            line: 1,
            parent: None,
        }
    }

    #[test]
    fn sample_is_a_well_formed_picture_with_one_label_per_task() {
        let svg = sample().to_svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
        assert_well_formed(&svg);
        for label in [
            "#0 main",
            "#1 worker",
            "#2 &lt;flusher&gt; &amp; &quot;co&quot;",
            "#3 reaper",
            "processes",
        ] {
            let text = format!(">{label}</text>");
            assert_eq!(svg.matches(&text).count(), 1, "one lane label {label}");
        }
        assert!(!svg.contains("<flusher>"), "names are escaped");
        assert!(!svg.contains("<script"), "no scripts");
        assert!(!svg.contains("href"), "no external references");
    }

    #[test]
    fn violations_are_red_lines_with_their_message_as_tooltip() {
        let svg = sample().to_svg();
        let violation = svg
            .lines()
            .find(|l| l.contains("unobserved-panic at"))
            .expect("a violation group");
        assert!(violation.contains(&violation_line(937.5, 40.0, 146.0)));
        assert!(violation.contains(VIOLATION_PAINT));
        assert!(violation.contains("(#3 reaper): task #3 reaper panicked: &lt;boom&gt;</title>"));
        assert_eq!(svg.matches("</title>unobserved-panic</text>").count(), 1);
    }

    #[test]
    fn violation_labels_that_would_overlap_fold_into_one() {
        let trace = sample();
        let violation = |kind: &str| Event {
            at: Instant::from_millis(2_000),
            task: None,
            kind: EventKind::Violation {
                kind: kind.into(),
                message: format!("{kind} happened"),
            },
        };
        let mut events = trace.events().to_vec();
        events.push(violation("leaked-task"));
        events.push(violation("orphan-process"));
        let svg = Trace::from_events(trace.tasks.clone(), events).to_svg();
        assert_well_formed(&svg);
        assert_eq!(
            svg.matches(VIOLATION_PAINT).count(),
            2 + 1,
            "one line per pixel column, and the legend"
        );
        // At the right edge, pulled left so that it fits; both messages in its tooltip.
        let start = svg
            .find("<text x=\"1130.0\" y=\"50\"")
            .expect("one label for both");
        let label = &svg[start..][..svg[start..].find("</text>").unwrap()];
        assert!(label.ends_with("</title>leaked-task +1"), "{label}");
        assert!(label.contains("leaked-task happened\norphan-process at 2.000000s"));
    }

    #[test]
    fn bars_blocked_boxes_faults_and_process_marks_land_on_their_lanes() {
        let svg = sample().to_svg();
        let line = |needle: &str| {
            svg.lines()
                .find(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("no line with {needle}"))
                .to_string()
        };
        // Lane 0 is the processes lane (top 56), so task #1 is lane 2 (top 92).
        let worker = line("<title>#1 worker (src/lib.rs:11)");
        assert!(
            worker.contains("x=\"210.0\" y=\"95.0\" width=\"582.0\""),
            "{worker}"
        );
        assert!(worker.contains(ending_paint(Ending::Completed)));
        assert!(line("<title>#0 main").contains(ending_paint(Ending::Alive)));
        assert!(line("<title>#3 reaper").contains(ending_paint(Ending::Panicked)));
        assert!(line("&quot;co&quot; (src/lib.rs:12)").contains(ending_paint(Ending::Aborted)));
        // 150 ms to 400 ms of a 2 s axis 970 px wide.
        let blocked = line("blocked 250 ms, 0.150000s to 0.400000s (#1 worker)");
        assert!(
            blocked.contains("x=\"282.8\" y=\"94.0\" width=\"121.2\""),
            "{blocked}"
        );
        let fault = line("fault kv.get: error at 0.500000s (#1 worker)");
        assert!(fault.contains(&diamond(452.5, 101.0)), "{fault}");
        // A fault no task caused goes on the processes lane, as process events do.
        assert!(line("fault rules[0]: error").contains(&diamond(695.0, 65.0)));
        assert!(
            line("process 7: spawn &apos;db&apos; at 0.600000s (#0 main)").contains("y=\"59.0\"")
        );
        let user = line("<title>ready at 1.100000s (#1 worker)");
        assert!(user.contains("x=\"742.5\" y=\"95.0\""), "{user}");
        assert!(user.contains(USER_PAINT));
    }

    #[test]
    fn marks_and_violations_at_one_spot_are_drawn_once() {
        let trace = sample();
        let mut events = trace.events().to_vec();
        let at = |ms: u64, kind: EventKind| Event {
            at: Instant::from_millis(ms),
            task: Some(TaskId(1)),
            kind,
        };
        for i in 0..1_000 {
            let message = format!("tick {i}");
            events.push(at(1_100, EventKind::User { message }));
            let (kind, message) = ("double-free".into(), format!("number {i}"));
            events.push(at(1_600, EventKind::Violation { kind, message }));
        }
        let svg = Trace::from_events(trace.tasks.clone(), events).to_svg();
        assert_well_formed(&svg);
        assert_eq!(
            svg.matches(USER_PAINT).count(),
            1 + 1,
            "one mark, and the legend"
        );
        assert_eq!(svg.matches(VIOLATION_PAINT).count(), 2 + 1);
        assert!(svg.contains("\ndouble-free at 1.600000s (#1 worker): number 8\nand 991 more"));
        assert!(
            svg.contains("</title>unobserved-panic +1000</text>"),
            "folded into the label before"
        );
    }

    #[test]
    fn lanes_are_capped_with_a_note() {
        let mut trace = Trace::with_capacity(0);
        trace.tasks = (0..205).map(info).collect();
        let svg = trace.to_svg();
        assert_well_formed(&svg);
        assert!(svg.contains(">#199 t199</text>"));
        assert!(!svg.contains("#200 t200"));
        assert!(svg.contains(">+5 more tasks (not drawn)</text>"));
    }

    #[test]
    fn ticks_are_round_seconds() {
        assert_eq!(tick_step(2_000_000_000), (200_000_000, 1));
        assert_eq!(tick_step(10_000_000_000), (1_000_000_000, 0));
        assert_eq!(tick_step(35_000_000_000), (5_000_000_000, 0));
        assert_eq!(tick_step(MIN_SPAN_NS), (100_000, 4));
        assert_eq!(tick_step(u64::MAX), (2_000_000_000_000_000_000, 0));
        assert_eq!(seconds(1_400_000_000, 1), "1.4s");
        assert_eq!(seconds(300_000, 4), "0.0003s");
        assert_eq!(seconds(7_000_000_000, 0), "7s");
        let svg = sample().to_svg();
        let ticks: Vec<&str> = svg
            .match_indices("text-anchor=\"middle\">")
            .map(|(i, m)| &svg[i + m.len()..][..4])
            .collect();
        assert_eq!(ticks.first(), Some(&"0.0s"));
        assert_eq!(ticks.last(), Some(&"2.0s"));
        assert_eq!(ticks.len(), 11);
    }

    #[test]
    fn text_is_escaped_and_truncated_by_characters() {
        assert_eq!(
            escape("a<b>&\"'\u{7}"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{fffd}"
        );
        assert_eq!(truncate("ééééé", 3), "éé…");
        assert_eq!(truncate("short", 30), "short");
    }

    #[test]
    fn rendering_is_byte_identical_and_survives_an_empty_trace() {
        let trace = sample();
        assert_eq!(trace.to_svg(), trace.to_svg());
        assert_eq!(trace.to_svg(), trace.clone().to_svg());
        assert_well_formed(&Trace::default().to_svg());
    }
}
