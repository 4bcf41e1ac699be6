//! `asynclife bench cleanup` from the command line: `--no-real` prints the virtual table
//! alone, and without `sh` the real-process table is bad input (exit 2, nothing printed) that
//! says why.

use std::process::{Command, Output};

fn bench_cleanup(args: &[&str], path: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_asynclife"));
    command
        .args(["bench", "cleanup", "--max-n", "1"])
        .args(args);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    command.output().expect("the binary runs")
}

#[test]
fn no_real_prints_only_the_virtual_rows_each_naming_its_table() {
    let out = bench_cleanup(&["--json", "--no-real"], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(rows.len(), 4, "one row per variant at N = 1: {rows:?}");
    for row in &rows {
        assert_eq!(row["table"], "virtual", "{row}");
        assert_eq!(row["sessions"], 1, "{row}");
    }
}

#[test]
fn without_sh_the_real_table_exits_2_and_says_why() {
    let out = bench_cleanup(&[], Some(""));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot start child processes"), "{stderr}");
    assert!(stderr.contains("--no-real"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing is measured or printed before the bad input is reported: {out:?}"
    );
}
