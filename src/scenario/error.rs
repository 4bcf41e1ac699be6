//! Errors in scenario files: which file, which line, which field, what is wrong.

use std::fmt;
use std::path::{Path, PathBuf};

/// A scenario file that cannot be run. Nothing runs when one is found (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file.
    pub path: PathBuf,
    /// The line (1-based), when it is known.
    pub line: Option<usize>,
    /// The field, as a dotted path (`workload.sessions`, `faults.rules[2].probability`).
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ScenarioError {
    pub(crate) fn new(path: &Path, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            path: path.to_path_buf(),
            line: None,
            field: None,
            message: message.into(),
        }
    }

    pub(crate) fn at_line(mut self, line: Option<usize>) -> ScenarioError {
        self.line = line;
        self
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> ScenarioError {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// The 1-based line of byte offset `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of the first `key = ...` assignment of `key` in `text`, or of a `[key]` header.
pub(crate) fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
                || l.trim_end() == format!("[{key}]")
        })
        .map(|i| i + 1)
}

/// The line of the `n`-th (0-based) occurrence of the header `header` (`[[faults.rules]]`).
pub(crate) fn line_of_nth_header(text: &str, header: &str, n: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == header)
        .nth(n)
        .map(|(i, _)| i + 1)
}

/// The key assigned on `line` (1-based), with the table it is in: `seeds` at the top level,
/// `workload.sessions`, `faults.rules[1].min_ms` in the second `[[faults.rules]]`.
pub(crate) fn key_at_line(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let key = lines.get(line.checked_sub(1)?)?.split_once('=')?.0.trim();
    if key.is_empty() || key.starts_with('[') {
        return None;
    }
    let Some(header) = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| is_table_header(l))
    else {
        return Some(key.to_string());
    };
    let table = match header.strip_prefix("[[").and_then(|h| h.strip_suffix("]]")) {
        Some(array) => {
            let index = lines[..line - 1]
                .iter()
                .filter(|l| l.trim() == header)
                .count()
                - 1;
            format!("{}[{index}]", array.trim())
        }
        None => header.trim_matches(['[', ']']).trim().to_string(),
    };
    Some(format!("{table}.{key}"))
}

/// `[table]` or `[[array.of.tables]]`, not a line of a multi-line array (`[1, 2],`).
fn is_table_header(line: &str) -> bool {
    line.starts_with('[') && line.ends_with(']') && !line.contains(',') && !line.contains('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_at_a_line_is_named_with_its_table() {
        let text = "seeds = 3\n[workload]\nsessions = 2\n[[rules]]\nmin = 1\n[[rules]]\nmin = 2\n\
                    grid = [\n  [1, 2],\n]\nmax = 4\n";
        assert_eq!(key_at_line(text, 1).as_deref(), Some("seeds"));
        assert_eq!(key_at_line(text, 2), None, "a header assigns nothing");
        assert_eq!(key_at_line(text, 3).as_deref(), Some("workload.sessions"));
        assert_eq!(key_at_line(text, 5).as_deref(), Some("rules[0].min"));
        assert_eq!(key_at_line(text, 7).as_deref(), Some("rules[1].min"));
        assert_eq!(
            key_at_line(text, 11).as_deref(),
            Some("rules[1].max"),
            "an array's lines are not headers"
        );
        assert_eq!(key_at_line(text, 12), None, "past the end");
    }

    #[test]
    fn lines_are_one_based() {
        let text = "a = 1\nb = 2\n[workload]\nsessions = 3\n";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 6), 2);
        assert_eq!(line_of_key(text, "sessions"), Some(4));
        assert_eq!(line_of_key(text, "workload"), Some(3));
        assert_eq!(line_of_key(text, "missing"), None);
    }

    #[test]
    fn nth_header() {
        let text = "[[faults.rules]]\nx = 1\n[[faults.rules]]\n";
        assert_eq!(line_of_nth_header(text, "[[faults.rules]]", 1), Some(3));
    }
}
