//! The scenario and failure-file readers under mutated input: never a panic, and every
//! refusal names its file and gives a reason. A failure file they accept also turns into a
//! scenario file (what `shrink` writes) without a panic, and that file reads back.
//!
//! The inputs are the project's own files (every scenario, and a failure file of each
//! subsystem, made here from a failing run) with a few mutations each: bytes changed,
//! inserted or deleted, numbers swapped for edge values (`0`, `-1`, `2^64`, `nan`, `1e400`),
//! lines deleted, duplicated or swapped, tokens of the formats' syntax dropped in.
//!
//! CI runs 2,000 inputs of each kind, the same every time (`ASYNCLIFE_FUZZ_SEED`, default 0,
//! picks others). `ASYNCLIFE_FUZZ_CASES=N` runs N instead:
//! `ASYNCLIFE_FUZZ_CASES=500000 cargo test --release --test fuzz_readers` is the long run
//! benches/README.md reports (a million inputs in all, half of each kind).

use asynclife::failure::{self, Failure};
use asynclife::{reference, scenario};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

/// Values that break readers that trust their input.
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "1",
    "0.0",
    "1.5",
    "-0.5",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "255",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
    "true",
    "null",
    "\"\"",
    "\"x\"",
    "[]",
    "{}",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    ":",
    "\"",
    "#",
    "..",
    "\n",
    "\0",
    "\n# a comment \0\n",
    "\u{1}",
    "\u{feff}",
    "ü",
    "\\u0000",
    "[faults]",
    "[[faults.rules]]",
    "[sim]",
    "[workload]",
    "max_steps = 0",
    "seeds = 0",
    "probability = 2",
    "\"schedule\": [",
    "\"seed\": -1,",
];

/// One change to a file's text.
#[derive(Clone, Debug)]
enum Mutation {
    /// The byte at this position (modulo the length) becomes this byte.
    SetByte(usize, u8),
    /// A token goes in at this position.
    Insert(usize, usize),
    /// This many bytes go, from this position.
    Delete(usize, usize),
    /// The n-th number of the text becomes a token.
    ReplaceNumber(usize, usize),
    /// The n-th line goes.
    DeleteLine(usize),
    /// The n-th line appears twice.
    DuplicateLine(usize),
    /// Two lines change places.
    SwapLines(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::SetByte(p, b)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(p, t)| Mutation::Insert(p, t)),
        (any::<usize>(), 1usize..40).prop_map(|(p, n)| Mutation::Delete(p, n)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(n, t)| Mutation::ReplaceNumber(n, t)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(n, t)| Mutation::ReplaceNumber(n, t)),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

/// `text` with `mutations` applied, as bytes (a mutation may break UTF-8), then read as a
/// file would be: invalid UTF-8 is a file the readers never see as text, so it is replaced.
fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
        match *m {
            Mutation::SetByte(p, b) if !bytes.is_empty() => {
                let i = p % bytes.len();
                bytes[i] = b;
            }
            Mutation::SetByte(..) => {}
            Mutation::Insert(p, t) => {
                let i = at(p, bytes.len());
                bytes.splice(i..i, TOKENS[t].bytes());
            }
            Mutation::Delete(p, n) => {
                let i = at(p, bytes.len());
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Mutation::ReplaceNumber(n, t) => {
                let spans = number_spans(&bytes);
                if !spans.is_empty() {
                    let (start, end) = spans[n % spans.len()];
                    bytes.splice(start..end, TOKENS[t].bytes());
                }
            }
            Mutation::DeleteLine(n) | Mutation::DuplicateLine(n) | Mutation::SwapLines(n, _) => {
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let i = n % lines.len();
                match *m {
                    Mutation::DeleteLine(_) => {
                        lines.remove(i);
                    }
                    Mutation::DuplicateLine(_) => {
                        let line = lines[i].clone();
                        lines.insert(i, line);
                    }
                    Mutation::SwapLines(_, other) => {
                        let j = other % lines.len();
                        lines.swap(i, j);
                    }
                    _ => unreachable!(),
                }
                bytes = lines.join(&b'\n');
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Where the text's numbers are: runs of digits, with a leading minus and a fraction.
fn number_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = if i > 0 && bytes[i - 1] == b'-' {
                i - 1
            } else {
                i
            };
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    spans
}

/// The project's scenario files, as text.
fn scenario_texts() -> &'static [(PathBuf, String)] {
    static TEXTS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let mut files = Vec::new();
        for dir in std::fs::read_dir("scenarios").unwrap() {
            for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                if path.extension().is_some_and(|e| e == "toml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
            .into_iter()
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p, text)
            })
            .collect()
    })
}

/// A failure file of each subsystem (the first failing seed of a scenario expected to fail),
/// and the checked-in regression file.
fn failure_texts() -> &'static [String] {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let registry = reference::registry();
        let mut texts =
            vec![
                std::fs::read_to_string("tests/regressions/pidclean-blocking-cleanup.json")
                    .unwrap(),
            ];
        // (subsystem, scenario, a variant that fails it)
        let failing = [
            ("actions", "as-documented", "as-documented"),
            ("pidclean", "end-before-connect", "as-documented"),
            ("rag", "as-documented", "as-documented"),
            ("tasks", "as-documented", "as-documented"),
        ];
        for (subsystem, name, variant) in failing {
            let path = Path::new("scenarios")
                .join(subsystem)
                .join(format!("{name}.toml"));
            let scenario = scenario::load(&path, registry).unwrap();
            let runner = registry.find(subsystem).unwrap();
            let (config, report) = (0..50)
                .find_map(|seed| {
                    let config = scenario.sim_config(seed);
                    let report = runner
                        .run(config.clone(), &scenario.workload, variant)
                        .unwrap();
                    (!report.violations.is_empty()).then_some((config, report))
                })
                .unwrap_or_else(|| panic!("{subsystem}/{name} fails {variant} within 50 seeds"));
            let failure = failure::of_scenario(&scenario, variant, &config, &report);
            texts.push(serde_json::to_string_pretty(&failure).unwrap());
        }
        texts
    })
}

fn cases() -> u32 {
    std::env::var("ASYNCLIFE_FUZZ_CASES")
        .ok()
        .map(|n| n.parse().expect("ASYNCLIFE_FUZZ_CASES is a number"))
        .unwrap_or(2_000)
}

/// The inputs are drawn from `ASYNCLIFE_FUZZ_SEED` (default 0), so that CI tests the same
/// ones every time and a failure found in a long run is found again with its seed.
fn runner() -> TestRunner {
    let seed: u64 = std::env::var("ASYNCLIFE_FUZZ_SEED")
        .ok()
        .map(|n| n.parse().expect("ASYNCLIFE_FUZZ_SEED is a number"))
        .unwrap_or(0);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases: cases(),
        // The shrunk input is in the panic message; nothing is written into the tree.
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Runs `f`, turning a panic into a test failure that shows the input.
fn no_panic<T>(what: &str, text: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let message = asynclife_sim::rt::panic_message(panic.as_ref());
        TestCaseError::fail(format!("{what} panicked ({message}) on:\n{text}"))
    })
}

/// A refusal names the file first and says why.
fn names_file_and_reason(error: &str, path: &Path, text: &str) -> Result<(), TestCaseError> {
    let named = error.starts_with(&path.display().to_string());
    let reason = error
        .strip_prefix(&path.display().to_string())
        .is_some_and(|rest| {
            rest.trim_start_matches(|c: char| c == ':' || c.is_ascii_digit())
                .trim()
                .len()
                > 3
        });
    prop_assert!(
        named && reason,
        "error without file or reason: {error:?} for:\n{text}"
    );
    Ok(())
}

#[test]
fn mutated_scenario_files_never_panic_and_errors_name_file_and_reason() {
    let registry = reference::registry();
    let accepted = AtomicU64::new(0);
    let strategy = (
        0..scenario_texts().len(),
        prop::collection::vec(mutation(), 1..5),
    );
    runner()
        .run(&strategy, |(file, mutations)| {
            let (path, original) = &scenario_texts()[file];
            let text = mutate(original, &mutations);
            let result = no_panic("scenario::parse", &text, || {
                scenario::parse(path, &text, registry)
            })?;
            match result {
                Ok(scenario) => {
                    accepted.fetch_add(1, Relaxed);
                    no_panic("sim_config", &text, || scenario.sim_config(u64::MAX))?;
                }
                Err(e) => names_file_and_reason(&e.to_string(), path, &text)?,
            }
            Ok(())
        })
        .unwrap();
    // Shown with --nocapture: how much of the input got past the readers.
    eprintln!(
        "{} mutated scenario files: {} accepted",
        cases(),
        accepted.load(Relaxed)
    );
}

#[test]
fn mutated_failure_files_never_panic_and_what_they_accept_becomes_a_scenario() {
    let registry = reference::registry();
    let (parsed, accepted) = (AtomicU64::new(0), AtomicU64::new(0));
    let path = Path::new("mutated.json");
    let strategy = (
        0..failure_texts().len(),
        prop::collection::vec(mutation(), 1..5),
    );
    runner()
        .run(&strategy, |(file, mutations)| {
            let text = mutate(&failure_texts()[file], &mutations);
            let read = no_panic("Failure::parse", &text, || Failure::parse(path, &text))?;
            let failure = match read {
                Ok(failure) => failure,
                Err(e) => return names_file_and_reason(&e.to_string(), path, &text),
            };
            parsed.fetch_add(1, Relaxed);
            if failure.test.is_some() {
                return Ok(());
            }
            let checked = no_panic("check_scenario", &text, || {
                failure::check_scenario(path, &failure, registry)
            })?;
            if let Err(e) = checked {
                return names_file_and_reason(&e.to_string(), path, &text);
            }
            accepted.fetch_add(1, Relaxed);
            no_panic("replay_config", &text, || failure.replay_config())?;
            let as_scenario = no_panic("from_failure", &text, || scenario::from_failure(&failure))?;
            if let Ok(scenario_text) = as_scenario {
                let back = no_panic("parse of from_failure", &scenario_text, || {
                    scenario::parse(Path::new("shrunk.toml"), &scenario_text, registry)
                })?;
                prop_assert!(
                    back.is_ok(),
                    "the scenario written for an accepted failure does not read back: {}\n{scenario_text}",
                    back.unwrap_err()
                );
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{} mutated failure files: {} read, {} accepted against their subsystem",
        cases(),
        parsed.load(Relaxed),
        accepted.load(Relaxed)
    );
}
