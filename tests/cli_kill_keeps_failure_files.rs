//! A sweep killed while it re-writes the failure files of an earlier sweep leaves each file
//! as it was or as it is written again, whole: never empty, never cut off. (Written in place,
//! 4 of 40 such kills left 0-byte files.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn sweep(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_asynclife"));
    command
        .env("ASYNCLIFE_FAILURES_DIR", dir)
        .args([
            "sweep",
            "scenarios/tasks/steady-load.toml",
            "--variant",
            "untracked-spawn",
            "--keep-going",
            "--seeds",
            "300",
            "--jobs",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// The failure files in `dir` (the `.json` ones; a kill may leave a hidden temporary file).
fn failure_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

#[test]
fn killing_a_sweep_that_rewrites_failure_files_leaves_each_whole() {
    let dir = std::env::temp_dir().join(format!("asynclife-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let status = sweep(&dir).status().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "every seed of the defect is a finding"
    );
    let written = failure_files(&dir);
    assert_eq!(written.len(), 300, "one file per failing seed");
    // The same seeds give the same files, so a file that survives a kill whole is the same.
    for kill in 0..30u64 {
        let mut child = sweep(&dir).spawn().unwrap();
        // From at once to well into the sweep: the kills land across its writes. (A real
        // process on the wall clock, not simulated code.)
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(Duration::from_millis(5 + kill * 7));
        child.kill().unwrap();
        child.wait().unwrap();
        let now = failure_files(&dir);
        assert_eq!(now.len(), written.len(), "kill {kill}: a file went missing");
        for (path, bytes) in &now {
            assert!(
                bytes == &written[path],
                "kill {kill}: {} is {} bytes, was {} bytes",
                path.display(),
                bytes.len(),
                written[path].len()
            );
        }
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(written.keys().next().unwrap())
            .unwrap()
            .permissions(),
    );
    assert_eq!(
        mode & 0o777,
        0o644,
        "readable as a file std::fs::write made"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
