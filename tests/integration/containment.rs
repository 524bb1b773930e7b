//! Results stay where they belong: a run never takes over another
//! scenario's results folder or unrelated files, and an interrupted run
//! leaves no file that looks complete.

use super::common::{root, run_meshsim};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ranking() -> String {
    root()
        .join("scenarios/availability-ranking.yaml")
        .to_string_lossy()
        .into_owned()
}

/// `meshsim run SCENARIO --replications 10 --out OUT -q EXTRA…` in `dir`,
/// expecting exit `code`; returns its stderr.
fn run_into(dir: &Path, scenario: &str, out: &str, extra: &[&str], code: i32) -> String {
    let mut args = vec!["run", scenario, "--replications", "10", "--out", out, "-q"];
    args.extend_from_slice(extra);
    run_meshsim(dir, &args, code).1
}

#[test]
fn another_scenarios_results_are_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let shared = root().join("scenarios/shared-control-planes.yaml");
    run_into(dir.path(), shared.to_str().unwrap(), "r", &[], 0);
    let before = std::fs::read(dir.path().join("r/summary.csv")).unwrap();
    let err = run_into(dir.path(), &ranking(), "r", &[], 2);
    assert!(
        err.contains(
            "r holds the results of scenario `shared-control-planes`, not `availability-ranking`"
        ) && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("r/summary.csv")).unwrap(),
        before
    );
    // The same scenario may rerun into its own folder, and --force takes over.
    run_into(dir.path(), shared.to_str().unwrap(), "r", &[], 0);
    run_into(dir.path(), &ranking(), "r", &["--force"], 0);
    let summary = std::fs::read_to_string(dir.path().join("r/summary.csv")).unwrap();
    assert!(summary.contains("each-cluster"), "{summary}");
}

#[test]
fn unrelated_files_and_special_paths_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    std::fs::write(dir.path().join("docs/notes.txt"), "mine").unwrap();
    let err = run_into(dir.path(), &ranking(), "docs", &[], 2);
    assert!(
        err.contains("docs is not empty and holds no meshsim results"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("docs")).unwrap().count(),
        1
    );

    std::fs::write(dir.path().join("file"), "x").unwrap();
    let err = run_into(dir.path(), &ranking(), "file", &[], 2);
    assert!(err.contains("file exists and is not a folder"), "{err}");

    let err = run_into(dir.path(), &ranking(), "/dev/null", &[], 2);
    assert!(
        err.contains("/dev/null exists and is not a folder"),
        "{err}"
    );
}

#[test]
fn a_link_planted_at_a_result_name_is_replaced_not_written_through() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), &ranking(), "r", &[], 0);
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let link = dir.path().join("r/pairs.csv");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    run_into(dir.path(), &ranking(), "r", &[], 0);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

/// Sends SIGINT to a running meshsim.
fn interrupt(pid: u32) {
    let ok = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts a run far too long to finish and returns once it is streaming
/// its replications file.
fn spawn_long_run(dir: &Path) -> std::process::Child {
    let child = Command::new(assert_cmd::cargo::cargo_bin("meshsim"))
        .current_dir(dir)
        .args(["run", &ranking(), "--replications", "1000000", "--out", "r"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&dir.join(format!("r/.replications.parquet.tmp-{}", child.id())));
    child
}

/// Every file left in `r` is a finished result of a completed run, or
/// nothing: no temporaries, no partial results.
fn assert_nothing_that_looks_complete(dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir.join("r"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.is_empty(), "left behind: {names:?}");
}

#[test]
fn ctrl_c_stops_after_the_batch_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_long_run(dir.path());
    interrupt(child.id());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("interrupted; no results were written"),
        "{err}"
    );
    assert_nothing_that_looks_complete(dir.path());
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_long_run(dir.path());
    interrupt(child.id());
    std::thread::sleep(Duration::from_millis(100));
    interrupt(child.id());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    // Only the hidden temporary file may remain: nothing under a real name.
    let visible: Vec<String> = std::fs::read_dir(dir.path().join("r"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(visible.is_empty(), "{visible:?}");
}
