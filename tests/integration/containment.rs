//! Results stay where they belong: a run never takes over another
//! scenario's results folder or unrelated files, and a run stopped at any
//! moment (SIGINT, SIGTERM, SIGKILL) leaves the folder holding the old
//! complete set of results or the new one, never a mix and never nothing.
//!
//! The runs are stopped at named steps with the binary's test hook
//! (`MESHSIM_TEST_PAUSE_AT`, src/commands/interrupt.rs): the test waits
//! for the run to say it is paused there, so nothing depends on timing.

use super::common::{model_of, root, run_meshsim, scenario};
use meshsim::engine::replication::Simulator;
use meshsim::engine::{self, Cancel, NoObserver, Observer, RunOptions, Tally, BATCH};
use meshsim::export::RESULT_FILES;
use meshsim::model::deps::DepIndex;
use meshsim::model::Layout;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
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

/// Every entry of `dir` (hidden ones too) with its bytes; folders as
/// empty entries ending in `/`.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                (format!("{name}/"), Vec::new())
            } else {
                (name, std::fs::read(e.path()).unwrap())
            }
        })
        .collect()
}

/// The entries of `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    snapshot(dir).into_keys().collect()
}

/// A finished run's folder: every result file and `extra`, nothing else.
fn assert_complete_set(dir: &Path, extra: &[&str]) {
    let mut want: Vec<String> = RESULT_FILES
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    want.sort();
    assert_eq!(names(dir), want);
}

/// `r` holding a complete run of 10 replications plus `blast.csv` from
/// `meshsim blast` (a file the run does not write but must keep); returns
/// its snapshot.
fn old_set(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    run_into(dir, &ranking(), "r", &[], 0);
    run_meshsim(dir, &["blast", &ranking(), "--out", "r", "-q"], 0);
    assert_complete_set(&dir.join("r"), &["blast.csv"]);
    snapshot(&dir.join("r"))
}

/// A run of `replications` into `r`, paused at `steps` (comma-separated);
/// returns once it says it is paused at the first.
fn spawn_paused(dir: &Path, replications: &str, steps: &str) -> (Child, BufReader<ChildStderr>) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("meshsim"))
        .current_dir(dir)
        .args([
            "run",
            &ranking(),
            "--replications",
            replications,
            "--out",
            "r",
            "-q",
        ])
        .env("MESHSIM_TEST_PAUSE_AT", steps)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    wait_for_line(&mut err, steps.split(',').next().unwrap());
    (child, err)
}

/// Reads stderr until the run says it is paused at `step`.
fn wait_for_line(err: &mut BufReader<ChildStderr>, step: &str) {
    let want = format!("meshsim: paused at {step}");
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "the run ended before pausing at {step}:\n{seen}"
        );
        if line.trim_end() == want {
            return;
        }
        seen += &line;
    }
}

pub fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Waits for the run to end; returns its exit code (None: killed) and the
/// rest of its stderr. A run that has not ended after two minutes (it
/// should take well under a second) is killed and fails the test.
pub fn finish(mut child: Child, mut err: BufReader<ChildStderr>) -> (Option<i32>, String) {
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("the run did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    (status.code(), rest)
}

const STAGING: &str = ".r.meshsim-staging";

#[test]
fn a_run_stopped_after_the_simulation_leaves_the_old_results_exactly() {
    // Assembly (held for good by the hook: the run must not wait for it),
    // a table, a Parquet file, the scenario, charts, and the instant before
    // the swap; by SIGINT and SIGTERM, and by SIGKILL, which nothing can
    // catch.
    let dir = tempfile::tempdir().unwrap();
    let before = old_set(dir.path());
    let steps = [
        "simulation",
        "results",
        "summary.csv",
        "incidents.parquet",
        "scenario.yaml",
        "ranking.png",
        "timeline.svg",
        "swap",
    ];
    for (i, step) in steps.iter().enumerate() {
        for sig in ["INT", "TERM", "KILL"] {
            // Every signal at the first and last steps, one in turn between.
            if !(i == 0 || i == steps.len() - 1 || ["INT", "TERM", "KILL"][i % 3] == sig) {
                continue;
            }
            let (child, err) = spawn_paused(dir.path(), "300", step);
            assert!(dir.path().join(STAGING).is_dir(), "{step}");
            signal(&child, sig);
            let (code, err) = finish(child, err);
            assert_eq!(snapshot(&dir.path().join("r")), before, "{sig} at {step}");
            if sig == "KILL" {
                assert_eq!(code, None, "{step}");
                // Left for the next run to clean.
                assert!(dir.path().join(STAGING).is_dir(), "{step}");
            } else {
                assert_eq!(code, Some(130), "{sig} at {step}: {err}");
                assert!(
                    err.contains("interrupted; nothing was written, r is as it was"),
                    "{sig} at {step}: {err}"
                );
                assert_eq!(names(dir.path()), ["r/"], "{sig} at {step}");
            }
        }
    }
    // The next run clears the leftover staging folder and replaces the set
    // whole, keeping blast.csv.
    std::fs::create_dir_all(dir.path().join(STAGING)).unwrap();
    std::fs::write(dir.path().join(STAGING).join("summary.csv"), "stale").unwrap();
    run_into(dir.path(), &ranking(), "r", &["--seed", "7"], 0);
    assert_eq!(names(dir.path()), ["r/"]);
    assert_complete_set(&dir.path().join("r"), &["blast.csv"]);
    let after = snapshot(&dir.path().join("r"));
    assert_eq!(after["blast.csv"], before["blast.csv"]);
    assert_ne!(after["summary.csv"], before["summary.csv"]);
}

/// The replication count from "interrupted after N of M replications".
fn interrupted_after(err: &str) -> u64 {
    let at = err
        .find("interrupted after ")
        .unwrap_or_else(|| panic!("{err}"));
    err[at + "interrupted after ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_run_interrupted_in_the_simulation_writes_what_a_run_of_its_replications_writes() {
    for sig in ["INT", "TERM"] {
        let dir = tempfile::tempdir().unwrap();
        let before = old_set(dir.path());
        let (child, err) = spawn_paused(dir.path(), "100000", "batch 2");
        signal(&child, sig);
        let (code, err) = finish(child, err);
        assert_eq!(code, Some(130), "{err}");
        let n = interrupted_after(&err);
        // Whole batches: the two counted, and the third if it was finished.
        assert!(n == 2 * BATCH || n == 3 * BATCH, "{err}");
        assert!(
            err.contains(&format!(
                "interrupted after {n} of 100000 replications; their results are in r (scenario.yaml records replications: {n})"
            )),
            "{err}"
        );
        let r = dir.path().join("r");
        assert_complete_set(&r, &["blast.csv"]);
        // Beside the results, the checkpoint `--resume` continues from
        // (issue 15; tests/integration/resume.rs).
        assert_eq!(names(dir.path()), [".r.meshsim-resume/", "r/"]);
        let interrupted = snapshot(&r);
        assert_eq!(interrupted["blast.csv"], before["blast.csv"]);

        run_meshsim(
            dir.path(),
            &[
                "run",
                &ranking(),
                "--replications",
                &n.to_string(),
                "--out",
                "s",
                "-q",
            ],
            0,
        );
        let whole = snapshot(&dir.path().join("s"));
        for name in RESULT_FILES.iter().filter(|&&f| f != "scenario.yaml") {
            assert!(interrupted[*name] == whole[*name], "{name} differs ({sig})");
        }
        let yaml = String::from_utf8(interrupted["scenario.yaml"].clone()).unwrap();
        let header = format!(
            "# interrupted after {n} of 100000 replications; `replications: {n}` below reproduces these results\n"
        );
        assert_eq!(
            yaml,
            header + std::str::from_utf8(&whole["scenario.yaml"]).unwrap()
        );
        // Rerunning the scenario as recorded reproduces the results.
        std::fs::write(dir.path().join("again.yaml"), &yaml).unwrap();
        run_meshsim(dir.path(), &["run", "again.yaml", "--out", "t", "-q"], 0);
        assert!(snapshot(&dir.path().join("t"))["summary.csv"] == whole["summary.csv"]);
    }
}

#[test]
fn a_run_killed_in_the_simulation_leaves_the_old_results_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let before = old_set(dir.path());
    let (child, err) = spawn_paused(dir.path(), "100000", "batch 1");
    signal(&child, "KILL");
    assert_eq!(finish(child, err).0, None);
    assert_eq!(snapshot(&dir.path().join("r")), before);
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    // The first Ctrl-C in the simulation asks for the finished batches to
    // be written; the second, while they are, exits without waiting.
    let dir = tempfile::tempdir().unwrap();
    let before = old_set(dir.path());
    let (child, mut err) = spawn_paused(dir.path(), "100000", "batch 1,ranking.png");
    signal(&child, "INT");
    wait_for_line(&mut err, "ranking.png");
    signal(&child, "INT");
    let (code, _) = finish(child, err);
    assert_eq!(code, Some(130));
    assert_eq!(snapshot(&dir.path().join("r")), before);
    // Its staging folder stays until the next run.
    assert!(dir.path().join(STAGING).is_dir());
}

#[test]
fn a_run_interrupted_before_its_first_batch_writes_nothing() {
    // No folder before: none is left but the empty one it was to fill.
    let dir = tempfile::tempdir().unwrap();
    let (child, err) = spawn_paused(dir.path(), "100000", "simulation");
    signal(&child, "INT");
    let (code, err) = finish(child, err);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted; nothing was written"), "{err}");
    assert_eq!(names(dir.path()), ["r/"]);
    assert!(names(&dir.path().join("r")).is_empty());
}

/// Sets the flag after the batch that brings the count to `at`.
struct StopAt {
    at: u64,
    seen: u64,
    cancel: Cancel,
}

impl Observer for StopAt {
    fn batch(
        &mut self,
        outcomes: &[engine::replication::Outcome],
    ) -> Result<(), engine::ObserverError> {
        self.seen += outcomes.len() as u64;
        if self.seen >= self.at {
            self.cancel.set();
        }
        Ok(())
    }
    fn cancel(&self) -> Cancel {
        self.cancel.clone()
    }
}

/// A tally as text, every number in full (the interrupted mark cleared).
fn tally_text(mut tally: Tally) -> String {
    tally.interrupted = false;
    format!("{tally:?}")
}

#[test]
fn an_interrupted_engine_returns_whole_batches_equal_to_a_run_of_that_many() {
    let model = model_of(&scenario(
        "  seed: 5\n  horizon: 2y\n  replications: 100000\n  topology: { regions: 2, zonesPerRegion: 2, clustersPerZone: 2, proxiesPerCluster: 10 }\n  failures:\n    zone: { failure: { dist: exponential, mean: 30d }, repair: { dist: exponential, mean: 1d } }\n    cluster: { failure: { dist: exponential, mean: 20d }, repair: { dist: exponential, mean: 6h } }\n    controlPlane: { failure: { dist: exponential, mean: 10d }, repair: { dist: exponential, mean: 2h } }\n  deployments:\n    - { name: zonal, controlPlanes: { per: zone, count: 1 } }\n    - { name: local, controlPlanes: { per: cluster } }\n",
    ));
    for threads in [1, 2, 3] {
        let options = RunOptions {
            threads,
            keep_incidents: 3,
            first: 0,
        };
        let mut stop = StopAt {
            at: 3 * BATCH,
            seen: 0,
            cancel: Cancel::new(),
        };
        let tally = engine::run(&model, None, &options, &mut stop).unwrap();
        assert!(tally.interrupted);
        let n = tally.replications;
        // The batch under way when the flag was set may be kept or dropped,
        // never split.
        assert!(n == 3 * BATCH || n == 4 * BATCH, "{n} on {threads} threads");
        let whole = engine::run(&model, Some(n), &options, &mut NoObserver).unwrap();
        assert!(!whole.interrupted);
        assert_eq!(tally_text(tally), tally_text(whole), "{threads} threads");
    }
}

#[test]
fn a_replication_abandoned_midway_leaves_no_blast_radius_behind() {
    // Long enough that a replication passes the cancellation check
    // (every 65,536 events) many times.
    let model = model_of(&scenario(
        "  seed: 9\n  horizon: 50y\n  replications: 1\n  topology: { regions: 2, zonesPerRegion: 2, clustersPerZone: 4, proxiesPerCluster: 10 }\n  failures:\n    cluster: { failure: { dist: exponential, mean: 2d }, repair: { dist: exponential, mean: 6h } }\n    controlPlane: { failure: { dist: exponential, mean: 1d }, repair: { dist: exponential, mean: 2h } }\n  deployments:\n    - { name: zonal, controlPlanes: { per: zone, count: 1 } }\n",
    ));
    let deps = DepIndex::build(&model);
    let mut fresh = Simulator::new(&model, &deps);
    let expected = fresh.run(1, 0, None);
    assert!(expected.events > 4 * 65_536, "{} events", expected.events);

    let mut reused = Simulator::new(&model, &deps);
    reused.run(0, 0, None);
    reused.checkpoint();
    let stopped = Cancel::new();
    stopped.set();
    assert!(reused.run_until(1, 0, None, &stopped).is_none());
    reused.rollback();
    let again = reused.run(1, 0, None);
    assert_eq!(format!("{again:?}"), format!("{expected:?}"));
    // The reused simulator holds replications 0 and 1, the fresh one 1:
    // adding 0 to the fresh one must give the same counts.
    fresh.run(0, 0, None);
    for cell in 0..Layout::new(model.deployments.len()).cells() {
        assert_eq!(
            format!("{:?}", reused.blast_table().bins(cell)),
            format!("{:?}", fresh.blast_table().bins(cell))
        );
    }
}

/// Fails on the second batch it sees, as a full disk would.
struct FailsOnSecondBatch {
    seen: u64,
}

impl Observer for FailsOnSecondBatch {
    fn batch(&mut self, _: &[engine::replication::Outcome]) -> Result<(), engine::ObserverError> {
        self.seen += 1;
        if self.seen == 2 {
            return Err("no space left on device".into());
        }
        Ok(())
    }
}

#[test]
fn an_observer_error_stops_the_engine_with_a_typed_error() {
    let model = model_of(&scenario(
        "  seed: 5\n  horizon: 1y\n  replications: 2000\n  topology: { regions: 1, zonesPerRegion: 2, clustersPerZone: 2, proxiesPerCluster: 10 }\n  failures:\n    cluster: { failure: { dist: exponential, mean: 20d }, repair: { dist: exponential, mean: 6h } }\n  deployments:\n    - { name: local, controlPlanes: { per: cluster } }\n",
    ));
    let err = engine::run(
        &model,
        None,
        &RunOptions::default(),
        &mut FailsOnSecondBatch { seen: 0 },
    )
    .unwrap_err();
    assert!(matches!(err, engine::EngineError::Observer(_)), "{err:?}");
    assert_eq!(err.to_string(), "no space left on device");
}
