//! The test a check runs in, and the command line that runs it again.

use crate::env::{ASYNCLIFE_REPLAY, ASYNCLIFE_SEED};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The test a failure came from: the [`Check`](crate::Check)'s name and how to run it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestOrigin {
    /// The check's name (`Check::new(name)`), which names the file.
    pub name: String,
    /// The test's path as `cargo test` filters it (`tests::shutdown`), when it was known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_path: Option<String>,
    /// The package whose test it is, when it was known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The cargo target the test binary is (`--lib`, `--test NAME`), when it was known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl TestOrigin {
    /// The check `name`, in the test running on this thread: libtest names a test's thread
    /// after its path, and cargo tells the test binary its package.
    pub fn current(name: &str) -> TestOrigin {
        let thread = std::thread::current();
        let test_path = thread
            .name()
            .filter(|n| *n != "main" && !n.is_empty())
            .map(str::to_string);
        let package = std::env::var("CARGO_PKG_NAME").ok();
        let target = test_path
            .as_ref()
            .and_then(|_| cargo_target(package.as_deref()));
        TestOrigin {
            name: name.to_string(),
            test_path,
            package,
            target,
        }
    }

    /// `cargo test [-p PACKAGE] [TARGET] FILTER [-- --exact --include-ignored]`: the test
    /// alone (exact when its path is known, else filtered by the check's name), even when it
    /// is `#[ignore]`d.
    pub fn cargo_test(&self) -> String {
        let package = self
            .package
            .as_ref()
            .map(|p| format!(" -p {p}"))
            .unwrap_or_default();
        let target = self
            .target
            .as_ref()
            .map(|t| format!(" {t}"))
            .unwrap_or_default();
        match &self.test_path {
            Some(path) => {
                format!("cargo test{package}{target} {path} -- --exact --include-ignored")
            }
            None => format!("cargo test{package} {}", self.name),
        }
    }

    /// The line that replays `failure_file` in this test.
    pub fn replay_line(&self, failure_file: &Path) -> String {
        format!(
            "{ASYNCLIFE_REPLAY}={} {}",
            shell_word(&failure_file.display().to_string()),
            self.cargo_test()
        )
    }

    /// The line that runs seed `seed` alone in this test, with the check's own policy.
    pub fn seed_line(&self, seed: u64) -> String {
        format!("{ASYNCLIFE_SEED}={seed} {}", self.cargo_test())
    }
}

/// The cargo target of the running test binary: cargo names it `NAME-HASH`, where NAME is
/// the package's library (`--lib`) or an integration test (`--test NAME`).
fn cargo_target(package: Option<&str>) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_str()?;
    let (name, hash) = stem.rsplit_once('-')?;
    if hash.len() != 16 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let library = package.map(|p| p.replace('-', "_"));
    if library.as_deref() == Some(name) {
        Some("--lib".to_string())
    } else {
        Some(format!("--test {name}"))
    }
}

/// `word` quoted for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:+,@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replay_line_runs_the_one_test_exactly() {
        let origin = TestOrigin {
            name: "shutdown".into(),
            test_path: Some("tests::shutdown".into()),
            package: Some("webhooks".into()),
            target: Some("--test dispatch".into()),
        };
        assert_eq!(
            origin.replay_line(Path::new("/t/a b.json")),
            "ASYNCLIFE_REPLAY='/t/a b.json' cargo test -p webhooks --test dispatch \
             tests::shutdown -- --exact --include-ignored"
        );
        assert_eq!(
            origin.seed_line(17),
            "ASYNCLIFE_SEED=17 cargo test -p webhooks --test dispatch tests::shutdown -- --exact \
             --include-ignored"
        );
    }

    #[test]
    fn this_unit_test_binary_is_the_library() {
        let origin = TestOrigin::current("x");
        if origin.test_path.is_some() && origin.package.is_some() {
            assert_eq!(origin.target.as_deref(), Some("--lib"));
        }
    }

    #[test]
    fn without_a_test_path_the_name_filters() {
        let origin = TestOrigin {
            name: "shutdown".into(),
            test_path: None,
            package: None,
            target: None,
        };
        assert_eq!(origin.cargo_test(), "cargo test shutdown");
    }
}
