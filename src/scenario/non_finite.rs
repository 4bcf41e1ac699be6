//! Floats that are not numbers (`nan`, `inf`, `-inf`): TOML reads them, but no probability,
//! duration or rate can be one, and JSON (the workload's form inside the tool, and the
//! failure file's) has no way to write them. Refused first, naming the file, line and field.

use super::error::ScenarioError;
use std::path::Path;

/// The first non-finite float in the document, as an error naming it.
pub(crate) fn check(path: &Path, text: &str, document: &toml::Table) -> Result<(), ScenarioError> {
    let mut at = Vec::new();
    match first_in_table(document, &mut at) {
        None => Ok(()),
        Some(value) => {
            let field = at.join(".");
            let key = at
                .iter()
                .rev()
                .find(|part| !part.ends_with(']'))
                .map(String::as_str)
                .unwrap_or("");
            let message = format!(
                "`{}` is not a number this field can hold: write a finite value",
                spelled(value)
            );
            Err(ScenarioError::new(path, message)
                .field(field.replace(".[", "["))
                .at_line(line_of_assignment(text, key)))
        }
    }
}

fn first_in_table(table: &toml::Table, at: &mut Vec<String>) -> Option<f64> {
    for (key, value) in table {
        at.push(key.clone());
        if let Some(found) = first_in_value(value, at) {
            return Some(found);
        }
        at.pop();
    }
    None
}

fn first_in_value(value: &toml::Value, at: &mut Vec<String>) -> Option<f64> {
    match value {
        toml::Value::Float(f) if !f.is_finite() => Some(*f),
        toml::Value::Table(table) => first_in_table(table, at),
        toml::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            at.push(format!("[{i}]"));
            let found = first_in_value(item, at);
            if found.is_none() {
                at.pop();
            }
            found
        }),
        _ => None,
    }
}

fn spelled(value: f64) -> &'static str {
    match value {
        v if v.is_nan() => "nan",
        v if v > 0.0 => "inf",
        _ => "-inf",
    }
}

/// The line assigning `key` a `nan` or `inf` value, as the file writes it.
fn line_of_assignment(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let Some((left, right)) = line.split_once('=') else {
                return false;
            };
            let value = right.split('#').next().unwrap_or("");
            left.trim() == key && (value.contains("nan") || value.contains("inf"))
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> ScenarioError {
        let document: toml::Table = text.parse().unwrap();
        check(Path::new("s.toml"), text, &document).unwrap_err()
    }

    #[test]
    fn a_nan_in_the_workload_is_named_with_its_line() {
        let e = error("subsystem = \"tasks\"\n\n[workload]\nresponses = 3\np = nan\n");
        assert_eq!(e.field.as_deref(), Some("workload.p"));
        assert_eq!(e.line, Some(5));
        assert!(e.message.contains("`nan`"), "{e}");
    }

    #[test]
    fn an_infinity_in_an_array_of_tables_is_named_by_index() {
        let text =
            "[[faults.rules]]\nprobability = 0.5\n\n[[faults.rules]]\nprobability = -inf # no\n";
        let e = error(text);
        assert_eq!(e.field.as_deref(), Some("faults.rules[1].probability"));
        assert_eq!(e.line, Some(5));
        assert!(e.message.contains("`-inf`"), "{e}");
    }

    #[test]
    fn finite_floats_pass() {
        let text = "a = 0.5\n[b]\nc = [1.0, 2.5]\n";
        let document: toml::Table = text.parse().unwrap();
        assert!(check(Path::new("s.toml"), text, &document).is_ok());
    }
}
