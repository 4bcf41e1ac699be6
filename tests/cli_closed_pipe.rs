//! Output cut short by its reader (`asynclife trace ... | head`) ends the CLI quietly, as it
//! ends any Unix tool: no panic message, no backtrace.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

#[test]
fn a_reader_that_stops_early_ends_the_cli_without_a_panic() {
    // The JSON trace of this run is larger than a pipe's buffer (64 KiB on Linux), so the
    // CLI is still writing when the reader goes away.
    let mut child = Command::new(env!("CARGO_BIN_EXE_asynclife"))
        .args([
            "trace",
            "scenarios/actions/steady-mix.toml",
            "--format",
            "json",
        ])
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut first_line)
        .expect("the trace begins");
    assert!(first_line.starts_with('{'), "JSON: {first_line:?}");
    // The reader is dropped here: the rest of the output meets a closed pipe.
    let out = child.wait_with_output().expect("the binary ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "stderr: {stderr}"
    );
    // Ended by SIGPIPE (13), as `head` expects; or, with a pipe buffer large enough for the
    // whole trace, a normal end.
    assert!(
        out.status.signal() == Some(13) || out.status.success(),
        "status: {:?}",
        out.status
    );
}
