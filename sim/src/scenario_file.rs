//! The scenario-file format, generic over the workload: what a subsystem crate's tests read
//! from `scenarios/<subsystem>/` with its own workload type, and what the harness's loader
//! (the root crate's `scenario` module) reads before it checks the file against the registry
//! and names the file, line and field of any mistake. One schema, one set of defaults.

use crate::fault::FaultPlan;
use crate::subsystem::{run, Subsystem, FIXED};
use crate::{Report, SimConfig, SimSection};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// One scenario file. `subsystem` and `variant` keep where the file wrote them (byte offsets
/// into the text it was read from with `toml::from_str` or [`ScenarioFile::read`]), so that
/// a loader can name their line.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile<W> {
    /// The subsystem it drives: [`ScenarioFile::subsystem`].
    subsystem: Spanned<String>,
    /// One line of what it exercises.
    pub description: String,
    /// The variant it runs by default, when the file names one: [`ScenarioFile::variant`].
    #[serde(default)]
    variant: Option<Spanned<String>>,
    /// The number of seeds of a default sweep, if the file says.
    #[serde(default)]
    pub seeds: Option<u64>,
    /// The first seed of a default sweep, if the file says.
    #[serde(default)]
    pub first_seed: Option<u64>,
    /// Engine settings.
    #[serde(default)]
    pub sim: SimSection,
    /// The subsystem's workload.
    #[serde(default)]
    pub workload: W,
    /// The fault plan.
    #[serde(default)]
    pub faults: FaultPlan,
    /// What every seed must show.
    pub expect: ExpectTable,
}

/// The `[expect]` table: a verdict, or the invariant that must fire.
#[derive(Clone, Debug, Deserialize)]
// What a mistyped `expect` (`expect = 3`) is told it should be; serde would name the Rust
// type.
#[serde(
    deny_unknown_fields,
    expecting = "an [expect] table: verdict = \"pass\", or fails = \"<check>\""
)]
pub struct ExpectTable {
    /// `pass`, when no violation may occur.
    #[serde(default)]
    pub verdict: Option<String>,
    /// The invariant or detector that must fire.
    #[serde(default)]
    pub fails: Option<String>,
    /// Checks that may fire instead of `fails` on some seeds: a variant made of several
    /// defects trips each one's own.
    #[serde(default)]
    pub also: Vec<String>,
}

/// A scenario file [`ScenarioFile::read`] refuses: the file and why. Its text is whole (the
/// underlying error's text included); [`source`](std::error::Error::source) gives the
/// underlying error itself.
#[derive(Debug)]
pub enum ScenarioFileError {
    /// The file cannot be read.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not a scenario file (not TOML, a field unknown, missing or mistyped).
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        source: toml::de::Error,
    },
    /// `seeds` is 0 ([`seeds_problem`]).
    Seeds {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: &'static str,
    },
}

impl ScenarioFileError {
    /// The file.
    pub fn path(&self) -> &Path {
        match self {
            ScenarioFileError::Io { path, .. }
            | ScenarioFileError::Parse { path, .. }
            | ScenarioFileError::Seeds { path, .. } => path,
        }
    }
}

impl fmt::Display for ScenarioFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path().display();
        match self {
            ScenarioFileError::Io { source, .. } => write!(f, "{path}: {source}"),
            ScenarioFileError::Parse { source, .. } => write!(f, "{path}: {source}"),
            ScenarioFileError::Seeds { problem, .. } => {
                write!(f, "{path}: field `seeds`: {problem}")
            }
        }
    }
}

impl std::error::Error for ScenarioFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScenarioFileError::Io { source, .. } => Some(source),
            ScenarioFileError::Parse { source, .. } => Some(source),
            ScenarioFileError::Seeds { .. } => None,
        }
    }
}

impl<W: DeserializeOwned + Default> ScenarioFile<W> {
    /// Reads one file; the error names it (and the field, for a value out of range).
    pub fn read(path: &Path) -> Result<ScenarioFile<W>, ScenarioFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let file: ScenarioFile<W> =
            toml::from_str(&text).map_err(|source| ScenarioFileError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        if let Some(problem) = seeds_problem(file.seeds) {
            return Err(ScenarioFileError::Seeds {
                path: path.to_path_buf(),
                problem,
            });
        }
        Ok(file)
    }

    /// Every `*.toml` file of `dir`, sorted by name, with its file stem.
    ///
    /// # Panics
    /// If the directory or a file cannot be read, naming it (a test helper).
    pub fn read_dir(dir: &Path) -> Vec<(String, ScenarioFile<W>)> {
        scenario_paths(dir)
            .iter()
            .map(|path| {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let file = ScenarioFile::read(path).unwrap_or_else(|e| panic!("{e}"));
                (stem, file)
            })
            .collect()
    }
}

/// Why a scenario file's `seeds` is refused, if it is: a sweep of no seeds would pass having
/// run nothing. The one rule for this reader and the harness's loader.
pub fn seeds_problem(seeds: Option<u64>) -> Option<&'static str> {
    (seeds == Some(0)).then_some("a sweep of 0 seeds runs nothing: seeds must be at least 1")
}

/// The paths of the `*.toml` files of `dir`, sorted.
///
/// # Panics
/// If the directory cannot be read, naming it (a test helper).
pub fn scenario_paths(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    paths
}

impl<W> ScenarioFile<W> {
    /// The subsystem it drives.
    pub fn subsystem(&self) -> &str {
        self.subsystem.get_ref()
    }

    /// Where the file names its subsystem: a byte range of the text it was read from.
    pub fn subsystem_span(&self) -> Range<usize> {
        self.subsystem.span()
    }

    /// The variant it runs by default: the one it names, else [`FIXED`].
    pub fn variant(&self) -> &str {
        self.variant.as_ref().map_or(FIXED, |v| v.get_ref())
    }

    /// Where the file names its variant (a byte range of the text it was read from), when it
    /// names one.
    pub fn variant_span(&self) -> Option<Range<usize>> {
        self.variant.as_ref().map(Spanned::span)
    }

    /// The engine configuration of one seed, as the harness builds it.
    pub fn config(&self, seed: u64) -> SimConfig {
        self.sim.config(seed, &self.faults)
    }

    /// The seeds of a default sweep; `default_count` when the file gives no count.
    pub fn seed_range(&self, default_count: u64) -> Range<u64> {
        let first = self.first_seed.unwrap_or(0);
        first..first + self.seeds.unwrap_or(default_count)
    }

    /// Runs one seed with `variant`, the trace kept or only hashed.
    ///
    /// # Panics
    /// If `S` has no variant named `variant`.
    pub fn run<S: Subsystem<Workload = W>>(
        &self,
        variant: &str,
        seed: u64,
        record_trace: bool,
    ) -> Report {
        let config = SimConfig {
            record_trace,
            ..self.config(seed)
        };
        run::<S>(config, &self.workload, variant).expect("a known variant")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, seeds: u64) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("asynclife-scenario-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let path = dir.join(name);
        let text = format!(
            "subsystem = \"tasks\"\ndescription = \"d\"\nseeds = {seeds}\n[expect]\nverdict = \"pass\"\n"
        );
        std::fs::write(&path, text).expect("a writable temporary file");
        path
    }

    #[test]
    fn zero_seeds_is_refused_naming_the_file_and_the_field() {
        let path = write("zero.toml", 0);
        let error = ScenarioFile::<toml::Table>::read(&path).expect_err("0 seeds is refused");
        assert!(matches!(error, ScenarioFileError::Seeds { .. }), "{error}");
        assert_eq!(error.path(), path);
        let error = error.to_string();
        assert!(error.starts_with(&path.display().to_string()), "{error}");
        assert!(error.contains("`seeds`"), "{error}");
        let path = write("one.toml", 1);
        let file = ScenarioFile::<toml::Table>::read(&path).expect("1 seed is fine");
        assert_eq!(file.seed_range(100), 0..1);
        assert_eq!(file.subsystem(), "tasks");
        assert_eq!(file.variant(), FIXED, "the default variant");
        assert_eq!(file.variant_span(), None);
        let _ = std::fs::remove_dir_all(path.parent().expect("the file's directory"));
    }

    #[test]
    fn subsystem_and_variant_keep_where_the_file_names_them() {
        let text = "subsystem = \"tasks\"\ndescription = \"d\"\nvariant = \"no-cleanup\"\n\
                    [expect]\nfails = \"leak\"\n";
        let file: ScenarioFile<toml::Table> = toml::from_str(text).expect("a scenario file");
        assert_eq!(file.subsystem(), "tasks");
        assert_eq!(&text[file.subsystem_span()], "\"tasks\"");
        assert_eq!(file.variant(), "no-cleanup");
        let span = file.variant_span().expect("the file names a variant");
        assert_eq!(&text[span], "\"no-cleanup\"");
    }
}
