//! A failure file given to `replay`, `shrink` or `trace`: read, checked, and matched to its
//! subsystem; a test's failure file is told apart, since only its test can run it again.

use super::App;
use crate::failure::Failure;
use crate::registry::Registered;
use std::path::Path;

/// Where a failure file's run comes from.
pub enum Source {
    /// A scenario's run: the subsystem that runs it again.
    Scenario(&'static dyn Registered),
    /// A `Check`'s run in a test: the line that replays it there.
    Test(String),
}

/// Reads `path` and finds what can run it again.
pub fn read(path: &Path, app: &App<'_>) -> anyhow::Result<(Failure, Source)> {
    let failure = Failure::read(path)?;
    if let Some(test) = &failure.test {
        let line = test.replay_line(path);
        return Ok((failure, Source::Test(line)));
    }
    let subsystem = crate::failure::check_scenario(path, &failure, app.registry)?;
    Ok((failure, Source::Scenario(subsystem)))
}

/// Reads a scenario's failure file for a command that must run it again (`what`: replay,
/// shrink); a test's failure file is an error that prints the line replaying it in its test.
pub fn read_scenario(
    path: &Path,
    app: &App<'_>,
    what: &str,
) -> anyhow::Result<(Failure, &'static dyn Registered)> {
    match read(path, app)? {
        (failure, Source::Scenario(subsystem)) => Ok((failure, subsystem)),
        (_, Source::Test(line)) => Err(needs_its_test(path, what, &line)),
    }
}

/// The error for a command that must run a test's failure.
pub fn needs_its_test(path: &Path, what: &str, line: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{}: a failure of a test's Check; only that test can {what} it:\n  {line}",
        path.display()
    )
}
