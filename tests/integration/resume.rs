//! `meshsim run --resume`: a run stopped by SIGINT or killed by SIGKILL
//! keeps the replications it checkpointed, and `--resume` finishes the
//! run with a result byte-identical to an uninterrupted one.
//!
//! `MESHSIM_TEST_CHECKPOINT_BATCHES=1` makes every segment end after one
//! batch (counting the batch simulated alongside: two batches, 512
//! replications), and `MESHSIM_TEST_PAUSE_AT=batch 4` holds the run in
//! the fourth batch, so the test knows what is on disk when it signals.

use super::common::{run_meshsim, shipped};
use super::containment::{finish, signal};
use super::shards::files;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};

const R: &str = "1500";

fn run(dir: &Path, out: &str, replications: &str, extra: &[&str], code: i32) -> (String, String) {
    let scenario = shipped("availability-ranking.yaml");
    let mut args = vec![
        "run",
        &scenario,
        "--replications",
        replications,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    run_meshsim(dir, &args, code)
}

/// Starts the run into `r`, and returns once it is paused in batch 4.
fn paused(dir: &Path) -> (Child, BufReader<ChildStderr>) {
    paused_with(dir, &[])
}

/// [`paused`] with more arguments.
fn paused_with(dir: &Path, extra: &[&str]) -> (Child, BufReader<ChildStderr>) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("meshsim"))
        .current_dir(dir)
        .args([
            "run",
            &shipped("availability-ranking.yaml"),
            "--replications",
            R,
            "--out",
            "r",
            "-q",
        ])
        .args(extra)
        .env("MESHSIM_TEST_PAUSE_AT", "batch 4")
        .env("MESHSIM_TEST_CHECKPOINT_BATCHES", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while line.trim_end() != "meshsim: paused at batch 4" {
        line.clear();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "ended before batch 4"
        );
    }
    (child, err)
}

#[test]
fn a_killed_run_resumes_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, "one", R, &["-q"], 0);
    // The previous results, which the killed run must leave whole.
    run(d, "r", "100", &["-q"], 0);
    let before = files(&d.join("r"));
    let (child, err) = paused(d);
    signal(&child, "KILL");
    let (code, _) = finish(child, err);
    assert_eq!(code, None, "killed");
    assert!(
        files(&d.join("r")) == before,
        "the previous results are untouched"
    );
    assert!(d.join(".r.meshsim-resume/0-512/manifest.yaml").is_file());
    let (_, err) = run(d, "r", R, &["--resume"], 0);
    assert!(
        err.contains("resuming after the 512 replications kept by the interrupted run"),
        "{err}"
    );
    assert!(
        files(&d.join("r")) == files(&d.join("one")),
        "resumed run differs"
    );
    assert!(!d.join(".r.meshsim-resume").exists(), "checkpoints removed");
}

#[test]
fn an_interrupted_run_keeps_its_batches_and_resumes_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, "one", R, &["-q"], 0);
    let (child, err) = paused(d);
    signal(&child, "INT");
    let (code, err) = finish(child, err);
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains("the same command with --resume finishes the run"),
        "{err}"
    );
    // Issue 11: the finished replications are written, marked interrupted.
    let yaml = std::fs::read_to_string(d.join("r/scenario.yaml")).unwrap();
    assert!(
        yaml.starts_with("# interrupted after 1024 of 1500 replications"),
        "{yaml}"
    );
    let kept: Vec<_> = std::fs::read_dir(d.join(".r.meshsim-resume"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    let (_, err) = run(d, "r", R, &["--resume"], 0);
    assert!(
        err.contains("resuming after the 1024 replications"),
        "{err}"
    );
    assert!(
        files(&d.join("r")) == files(&d.join("one")),
        "resumed run differs"
    );
}

#[test]
fn a_run_without_resume_starts_over_and_resume_refuses_other_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, "one", R, &["-q"], 0);
    let (child, err) = paused(d);
    signal(&child, "KILL");
    finish(child, err);
    // Another seed's checkpoints are not this run's.
    let (_, err) = run(d, "r", R, &["--resume", "--seed", "9"], 2);
    assert!(
        err.contains(".r.meshsim-resume/0-512 was kept by another run")
            && err.contains("run without --resume to start over"),
        "{err}"
    );
    let (_, err) = run(d, "r", R, &[], 0);
    assert!(err.contains("starting over"), "{err}");
    assert!(files(&d.join("r")) == files(&d.join("one")));
    assert!(!d.join(".r.meshsim-resume").exists());
    let (_, err) = run(
        d,
        "s",
        R,
        &["--resume", "--shard-index", "0", "--shard-count", "2"],
        2,
    );
    assert!(err.contains("--resume is for a one-machine run"), "{err}");
}

#[test]
fn an_interrupted_shard_is_kept_unfinished_and_the_merge_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (child, err) = paused_with(d, &["--shard-index", "0", "--shard-count", "1"]);
    signal(&child, "INT");
    let (code, err) = finish(child, err);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted after 1024 of the 1500 replications of shard 0 of 1; kept, marked unfinished"), "{err}");
    let manifest = std::fs::read_to_string(d.join("r/shards/0-of-1/manifest.yaml")).unwrap();
    assert!(
        manifest.contains("done: 1024") && manifest.contains("finished: false"),
        "{manifest}"
    );
    let (_, err) = run_meshsim(d, &["merge", "r"], 1);
    assert!(err.contains("(unfinished: 0; of shards 0 to 0)"), "{err}");
    // Partial: the 1024 replications, the very results of a run of 1024.
    run_meshsim(d, &["merge", "r", "--allow-partial", "-q"], 0);
    run(d, "part", "1024", &["-q"], 0);
    let (merged, part) = (files(&d.join("r")), files(&d.join("part")));
    for (name, bytes) in &part {
        if name != "scenario.yaml" {
            assert!(merged[name] == *bytes, "{name} differs");
        }
    }
}
