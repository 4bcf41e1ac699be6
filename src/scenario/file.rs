//! Reading one scenario file: the TOML format, checked field by field.

use super::error::{key_at_line, line_of, line_of_key, line_of_nth_header, ScenarioError};
use crate::registry::{Registry, RegistryError};
use asynclife_sim::fault::FaultPlan;
pub use asynclife_sim::SimSection;
use asynclife_sim::{ExpectTable, ScenarioFile, SimConfig};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a scenario expects of every seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// No violation on any seed.
    Pass,
    /// This invariant or detector fires (on the seeds where the defect shows): `name`, the
    /// designated check, which must fire on some seed; or, on a seed, one of `also`, the
    /// checks a variant made of several defects trips on its own (`[expect] also = [..]`).
    Fails {
        /// The designated check.
        name: String,
        /// Checks that may fire instead, on some seeds.
        also: Vec<String>,
    },
}

impl Expect {
    /// Whether a violation of this name is one the scenario expects.
    pub fn accepts(&self, violation: &str) -> bool {
        match self {
            Expect::Pass => false,
            Expect::Fails { name, also } => {
                name == violation || also.iter().any(|a| a == violation)
            }
        }
    }
}

/// The file as the one schema (the engine's [`ScenarioFile`]) gives it, before the checks
/// that need the registry. The workload is left as TOML: the registry reads it from the text
/// into the subsystem's struct, so that its errors keep their position.
type File = ScenarioFile<Option<toml::Value>>;

/// A scenario, checked and ready to run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The file it came from.
    pub path: PathBuf,
    /// The subsystem it drives.
    pub subsystem: String,
    /// One line of what it exercises.
    pub description: String,
    /// The variant it runs by default.
    pub variant: String,
    /// The default number of seeds of a sweep.
    pub seeds: u64,
    /// The first seed of a default sweep (0 unless the file says; a shrunk failure's scenario
    /// starts at its seed).
    pub first_seed: u64,
    /// Engine settings.
    pub sim: SimSection,
    /// The subsystem's workload, validated against its struct, as JSON.
    pub workload: serde_json::Value,
    /// The fault plan.
    pub faults: FaultPlan,
    /// The expected verdict.
    pub expect: Expect,
}

impl Scenario {
    /// The engine configuration for one seed.
    pub fn sim_config(&self, seed: u64) -> SimConfig {
        self.sim.config(seed, &self.faults)
    }

    /// The seeds of a default sweep.
    pub fn default_seeds(&self) -> std::ops::Range<u64> {
        self.first_seed..self.first_seed.saturating_add(self.seeds)
    }

    /// The scenario's name: its file name without the extension.
    pub fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Reads and checks one scenario file of one of `registry`'s subsystems.
pub fn load(path: &Path, registry: Registry<'_>) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::new(path, format!("cannot read the file: {e}")))?;
    parse(path, &text, registry)
}

/// Reads every `*.toml` below `dir`, in path order.
pub fn load_dir(dir: &Path, registry: Registry<'_>) -> Result<Vec<Scenario>, ScenarioError> {
    let mut files = Vec::new();
    collect_toml(dir, &mut files)
        .map_err(|e| ScenarioError::new(dir, format!("cannot read the directory: {e}")))?;
    files.sort();
    files.iter().map(|f| load(f, registry)).collect()
}

fn collect_toml(dir: &Path, into: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_toml(&path, into)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            into.push(path);
        }
    }
    Ok(())
}

/// Parses and checks scenario text; `path` is for the messages.
pub fn parse(path: &Path, text: &str, registry: Registry<'_>) -> Result<Scenario, ScenarioError> {
    let file: File = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    let document: toml::Table = text.parse().map_err(|e| toml_error(path, text, &e))?;
    super::non_finite::check(path, text, &document)?;
    let at = |span: std::ops::Range<usize>| Some(line_of(text, span.start));
    let subsystem = registry.get(file.subsystem()).map_err(|e| {
        ScenarioError::new(path, e.to_string())
            .field("subsystem")
            .at_line(at(file.subsystem_span()))
    })?;
    // The default variant (`fixed`, which every subsystem has) is the schema's.
    if let Some(span) = file.variant_span() {
        subsystem.check_variant(file.variant()).map_err(|e| {
            ScenarioError::new(path, e.to_string())
                .field("variant")
                .at_line(at(span))
        })?;
    }
    let workload = subsystem
        .parse_workload(text)
        .map_err(|e| workload_error(path, text, &e))?;
    subsystem
        .validate_workload(&workload)
        .map_err(|e| workload_value_error(path, Some(text), &e))?;
    check_faults(path, text, &file.faults)?;
    let (name, variant) = (file.subsystem().to_string(), file.variant().to_string());
    let expect = check_expect(path, text, file.expect)?;
    if let Some(problem) = asynclife_sim::seeds_problem(file.seeds) {
        return Err(ScenarioError::new(path, problem.to_string())
            .field("seeds")
            .at_line(line_of_key(text, "seeds")));
    }
    let scenario = Scenario {
        path: path.to_path_buf(),
        subsystem: name,
        description: file.description,
        variant,
        seeds: file.seeds.unwrap_or(100),
        first_seed: file.first_seed.unwrap_or(0),
        sim: file.sim,
        workload,
        faults: file.faults,
        expect,
    };
    scenario.sim_config(0).validate().map_err(|e| {
        let key = e.field.rsplit('.').next().unwrap_or(&e.field).to_string();
        ScenarioError::new(path, e.message.clone())
            .field(format!("sim.{}", e.field))
            .at_line(line_of_key(text, &key))
    })?;
    Ok(scenario)
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ScenarioError {
    let line = e.span().map(|s| line_of(text, s.start));
    let mut message = e.message().trim().to_string();
    if message.is_empty() {
        // The parser names no reason for some characters (a NUL in a comment): say which.
        message = match e.span().and_then(|s| text.get(s.start..)?.chars().next()) {
            Some(c) => format!(
                "the character {c:?} (U+{:04X}) is not allowed here in TOML",
                u32::from(c)
            ),
            None => "not valid TOML here".to_string(),
        };
    }
    let field = field_in_message(&message).or_else(|| key_at_line(text, line?));
    let mut error = ScenarioError::new(path, message).at_line(line);
    if let Some(field) = field {
        error = error.field(field);
    }
    error
}

/// A workload error: TOML gives its position; the field is named by the message (unknown or
/// missing fields) or else by the key on the offending line, as for any other error.
fn workload_error(path: &Path, text: &str, e: &toml::de::Error) -> ScenarioError {
    let line = e.span().map(|s| line_of(text, s.start));
    let message = e.message().trim().to_string();
    // The key on the offending line, with its table (`workload.pipeline.latency_ms`), when
    // the line assigns one; else the field the message names (a missing field).
    let field = line
        .and_then(|line| key_at_line(text, line))
        .filter(|key| key.starts_with("workload"))
        .or_else(|| field_in_message(&message).map(|f| format!("workload.{f}")))
        .unwrap_or_else(|| "workload".to_string());
    ScenarioError::new(path, format!("in [workload]: {message}"))
        .at_line(line)
        .field(field)
}

/// The field an unknown-field or missing-field message names in backquotes.
fn field_in_message(message: &str) -> Option<String> {
    message
        .split('`')
        .nth(1)
        .filter(|_| message.contains("field"))
        .map(str::to_string)
}

/// A workload value the subsystem refuses: its message starts with the field
/// (`cancel_probability: must be within 0..=1`), found in the file's `text` for its line
/// (a failure file, JSON, gives none). serde's own messages (an unknown field, a wrong type)
/// come as `workload: ...`.
pub(crate) fn workload_value_error(
    path: &Path,
    text: Option<&str>,
    error: &RegistryError,
) -> ScenarioError {
    let message = error.to_string();
    let message = message.strip_prefix("workload: ").unwrap_or(&message);
    let (field, reason) = match message.split_once(": ") {
        Some((field, reason)) if !field.contains(' ') => (field, reason),
        _ => ("", message),
    };
    // The key as the file writes it: the last part of a dotted field, up to a range's `..`.
    let key: String = field
        .rsplit('.')
        .find(|part| !part.is_empty() && !part.starts_with('='))
        .unwrap_or("")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let line = text
        .filter(|_| !key.is_empty())
        .and_then(|text| line_of_key(text, &key));
    let field = if field.is_empty() {
        "workload".to_string()
    } else {
        format!("workload.{field}")
    };
    ScenarioError::new(path, reason.to_string())
        .field(field)
        .at_line(line)
}

fn check_faults(path: &Path, text: &str, faults: &FaultPlan) -> Result<(), ScenarioError> {
    faults.validate().map_err(|e| {
        let field = e.field().to_string();
        let rule: Option<usize> = field
            .strip_prefix("rules[")
            .and_then(|r| r.split(']').next())
            .and_then(|n| n.parse().ok());
        let line = rule.and_then(|n| line_of_nth_header(text, "[[faults.rules]]", n));
        ScenarioError::new(path, e.kind().to_string())
            .field(format!("faults.{field}"))
            .at_line(line)
    })
}

fn check_expect(path: &Path, text: &str, raw: ExpectTable) -> Result<Expect, ScenarioError> {
    let line = line_of_key(text, "expect");
    if !raw.also.is_empty() && raw.fails.is_none() {
        return Err(ScenarioError::new(
            path,
            "`also` lists checks that may fire instead of `fails`: it needs `fails`",
        )
        .field("expect.also")
        .at_line(line_of_key(text, "also")));
    }
    if let Some(empty) = raw.also.iter().position(String::is_empty) {
        return Err(ScenarioError::new(path, format!("entry {empty} is empty"))
            .field("expect.also")
            .at_line(line_of_key(text, "also")));
    }
    match (raw.verdict.as_deref(), raw.fails) {
        (Some("pass"), None) => Ok(Expect::Pass),
        (None, Some(name)) if !name.is_empty() => Ok(Expect::Fails {
            name,
            also: raw.also,
        }),
        (Some(other), None) if other != "pass" => Err(ScenarioError::new(
            path,
            format!("verdict must be \"pass\" (to expect a failure, write fails = \"<invariant>\"), got \"{other}\""),
        )
        .field("expect.verdict")
        .at_line(line_of_key(text, "verdict"))),
        _ => Err(ScenarioError::new(
            path,
            "give exactly one of verdict = \"pass\" or fails = \"<invariant or detector>\"",
        )
        .field("expect")
        .at_line(line)),
    }
}
