//! The rendered terminal tables, held to golden files in tests/snapshots/.
//! Results are deterministic, so the tables are too (the footer's timing
//! line is left out). After an intended change, regenerate them with
//! `UPDATE_SNAPSHOTS=1 cargo test --release --test integration snapshots`
//! and review the diff.

use super::common::{root, run_meshsim, shipped};

fn assert_snapshot(name: &str, actual: &str) {
    let path = root().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{name} differs from its snapshot; if intended, rerun with UPDATE_SNAPSHOTS=1\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// The output without lines that depend on the machine or the folder
/// (the memory figures: the estimate counts one simulator per core;
/// tests/integration/memory.rs checks them).
fn stable(out: &str) -> String {
    out.lines()
        .filter(|l| {
            !l.contains("events/s")
                && !l.starts_with("results: ")
                && !l.starts_with("memory: peak ")
                && !l.starts_with("run size: ")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn run_summary_table() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "run",
        &shipped("shared-control-planes.yaml"),
        "--replications",
        "200",
        "--out",
        "r",
    ];
    let (out, _) = run_meshsim(dir.path(), &args, 0);
    assert_snapshot("run-shared-control-planes.txt", &stable(&out));
}

#[test]
fn check_verdict_table() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "check",
        &shipped("shared-control-planes.yaml"),
        "--replications",
        "200",
        "--out",
        "r",
        "-q",
    ];
    let (out, _) = run_meshsim(dir.path(), &args, 0);
    assert_snapshot("check-shared-control-planes.txt", &out);
}

#[test]
fn blast_table() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "blast",
        &shipped("shared-control-planes.yaml"),
        "--out",
        "b",
    ];
    let (out, _) = run_meshsim(dir.path(), &args, 0);
    assert_snapshot("blast-shared-control-planes.txt", &stable(&out));
}

#[test]
fn validate_listing() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run_meshsim(
        dir.path(),
        &["validate", &shipped("availability-ranking.yaml")],
        0,
    );
    let out = out.replace(
        &shipped("availability-ranking.yaml"),
        "availability-ranking.yaml",
    );
    assert_snapshot("validate-availability-ranking.txt", &stable(&out));
}
