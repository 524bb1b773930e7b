//! The rendered terminal tables, held to insta snapshots in
//! tests/snapshots/. Results are deterministic, so the tables are too (the
//! footer's timing line is left out). After an intended change, review and
//! accept the new tables with `cargo insta review` (or run the tests with
//! `INSTA_UPDATE=always` and read the diff in git).

use super::common::{run_meshsim, shipped};

/// Holds `actual` to the snapshot `name` in tests/snapshots/.
fn assert_snapshot(name: &str, actual: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, actual));
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
    assert_snapshot("run-shared-control-planes", &stable(&out));
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
    assert_snapshot("check-shared-control-planes", &out);
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
    assert_snapshot("blast-shared-control-planes", &stable(&out));
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
    assert_snapshot("validate-availability-ranking", &stable(&out));
}
