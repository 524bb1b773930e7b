//! Shards and their merge (scale-out.md): every file of a merge is the
//! one-machine run's, byte for byte, for any shard count and order; the
//! schedulers' variables name the shard; and a merge refuses foreign,
//! duplicated, missing and unfinished shards with messages that say which
//! and what to do.

use super::common::{run_meshsim, shipped};
use std::collections::BTreeMap;
use std::path::Path;

const R: &str = "300";

fn ranking() -> String {
    shipped("availability-ranking.yaml")
}

/// Every file of a results folder (not the shards), by name.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "shards")
        .map(|e| {
            assert!(e.file_type().unwrap().is_file(), "{:?}", e.path());
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn assert_same(merged: &Path, one: &Path) {
    let (merged, one) = (files(merged), files(one));
    assert_eq!(
        merged.keys().collect::<Vec<_>>(),
        one.keys().collect::<Vec<_>>()
    );
    assert!(one.len() >= 15, "a whole results folder: {:?}", one.keys());
    for (name, bytes) in &one {
        assert!(
            merged[name] == *bytes,
            "{name} differs from the one-machine run's"
        );
    }
}

/// `meshsim run SCENARIO --replications R --out OUT -q EXTRA…`.
fn run(dir: &Path, scenario: &str, out: &str, extra: &[&str], code: i32) -> String {
    let mut args = vec!["run", scenario, "--replications", R, "--out", out, "-q"];
    args.extend_from_slice(extra);
    run_meshsim(dir, &args, code).1
}

/// Runs the `count` shards in the order of `order` into `out`.
fn shards(dir: &Path, out: &str, count: u64, order: &[u64], extra: &[&str]) {
    for i in order {
        let (i, n) = (i.to_string(), count.to_string());
        let mut args = vec!["--shard-index", &i, "--shard-count", &n];
        args.extend_from_slice(extra);
        run(dir, &ranking(), out, &args, 0);
    }
}

/// A fixed shuffle of 0..n (no dependency on a random crate's versions).
fn shuffled(n: u64) -> Vec<u64> {
    let mut order: Vec<u64> = (0..n).collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ n;
    for i in (1..order.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    order
}

#[test]
fn a_merge_is_the_one_machine_run_byte_for_byte_for_any_split_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, &ranking(), "one", &[], 0);
    // A small incident budget, so the cut of incidents.parquet falls inside
    // a shard, not at its end.
    run(d, &ranking(), "one-cut", &["--keep-incidents", "37"], 0);
    for (n, cut) in [
        (1, false),
        (2, true),
        (3, false),
        (7, true),
        (64, false),
        (64, true),
    ] {
        let out = format!("s{n}{}", if cut { "-cut" } else { "" });
        let extra: &[&str] = if cut {
            &["--keep-incidents", "37"]
        } else {
            &[]
        };
        // Shuffled order, and a thread count that differs from shard to
        // shard (the first with one thread).
        let order = shuffled(n);
        shards(
            d,
            &out,
            n,
            &order[..1],
            &[extra, &["--threads", "1"]].concat(),
        );
        shards(d, &out, n, &order[1..], extra);
        let (stdout, _) = run_meshsim(d, &["merge", &out], 0);
        assert!(stdout.contains(&format!("merged {n} shard")), "{stdout}");
        let one = if cut { "one-cut" } else { "one" };
        assert_same(&d.join(&out), &d.join(one));
    }
}

#[test]
fn merge_writes_to_out_and_keeps_the_shards() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, &ranking(), "one", &[], 0);
    shards(d, "s", 2, &[1, 0], &[]);
    run_meshsim(d, &["merge", "s", "--out", "merged", "-q"], 0);
    assert_same(&d.join("merged"), &d.join("one"));
    // Merged again into the shards' folder, twice: the shards stay, and
    // the second merge replaces the first's files.
    run_meshsim(d, &["merge", "s", "-q"], 0);
    run_meshsim(d, &["merge", "s", "-q"], 0);
    assert_same(&d.join("s"), &d.join("one"));
    assert!(d.join("s/shards/0-of-2/manifest.yaml").is_file());
    assert!(d.join("s/shards/1-of-2/outcomes.bin").is_file());
}

#[test]
fn the_schedulers_variables_name_the_shard() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, &ranking(), "one", &[], 0);
    let scenario = ranking();
    let base = ["run", &scenario, "--replications", R, "--out", "s", "-q"];
    // Kubernetes: JOB_COMPLETION_INDEX, and MESHSIM_SHARD_COUNT from the
    // Job template.
    let k8s = |i: &str| {
        super::common::meshsim(d)
            .args(base)
            .env("JOB_COMPLETION_INDEX", i)
            .env("MESHSIM_SHARD_COUNT", "3")
            .assert()
            .code(0);
    };
    k8s("0");
    // Slurm: an array 1-3, so task ids 2 and 3 are shards 1 and 2.
    for task in ["2", "3"] {
        super::common::meshsim(d)
            .args(base)
            .env("SLURM_ARRAY_TASK_ID", task)
            .env("SLURM_ARRAY_TASK_MIN", "1")
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .assert()
            .code(0);
    }
    for i in 0..3 {
        assert!(d.join(format!("s/shards/{i}-of-3")).is_dir(), "shard {i}");
    }
    run_meshsim(d, &["merge", "s", "-q"], 0);
    assert_same(&d.join("s"), &d.join("one"));
}

#[test]
fn bad_or_half_given_shards_are_exit_2_saying_where_from() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = ranking();
    let base = ["run", &scenario, "--replications", R, "--out", "s", "-q"];
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 5] = [
        (
            &["--shard-index", "3", "--shard-count", "3"],
            &[],
            "shard index from --shard-index 3 is not below the shard count from --shard-count 3: shards are numbered 0 to 2",
        ),
        (
            &[],
            &[("JOB_COMPLETION_INDEX", "4")],
            "shard index from JOB_COMPLETION_INDEX=4 but no shard count: give --shard-count N or set MESHSIM_SHARD_COUNT",
        ),
        (
            &["--shard-count", "4"],
            &[],
            "shard count from --shard-count 4 but no shard index",
        ),
        (
            &["--shard-count", "4"],
            &[("MESHSIM_SHARD_INDEX", "one")],
            "MESHSIM_SHARD_INDEX=\"one\" is not a whole number",
        ),
        (
            &[],
            &[
                ("SLURM_ARRAY_TASK_ID", "9"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ],
            "shard index from SLURM_ARRAY_TASK_ID=9 − SLURM_ARRAY_TASK_MIN=1 is not below the shard count from SLURM_ARRAY_TASK_COUNT=4",
        ),
    ];
    for (flags, vars, message) in cases {
        let mut cmd = super::common::meshsim(d);
        cmd.args(base).args(flags);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.assert().code(2).get_output().clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(message), "{err}\nwanted: {message}");
    }
    assert!(!d.join("s").exists(), "nothing written");
}

#[test]
fn a_precision_scenario_is_sharded_only_with_replications() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(ranking()).unwrap();
    let text = text.replace(
        "replications:",
        "precision: { relativeHalfWidth: 0.1, measure: config, maxReplications: 5000 }\n  #replications:",
    );
    assert!(text.contains("precision:"));
    std::fs::write(d.join("p.yaml"), text).unwrap();
    let (_, err) = run_meshsim(
        d,
        &[
            "run",
            "p.yaml",
            "--shard-index",
            "0",
            "--shard-count",
            "2",
            "-q",
            "--out",
            "s",
        ],
        2,
    );
    assert!(
        err.contains("p.yaml:") && err.contains("spec.precision: a precision target cannot be split over shards in advance: give --replications R"),
        "{err}"
    );
    run_meshsim(
        d,
        &[
            "run",
            "p.yaml",
            "--shard-index",
            "0",
            "--shard-count",
            "2",
            "-q",
            "--out",
            "s",
            "--replications",
            "10",
        ],
        0,
    );
}

#[test]
fn foreign_duplicate_missing_and_unfinished_shards_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    shards(d, "s", 3, &[0, 1, 2], &[]);
    // Another study's shard 1 (another seed) in place of this one's.
    run(
        d,
        &ranking(),
        "other",
        &["--shard-index", "1", "--shard-count", "3", "--seed", "5"],
        0,
    );
    std::fs::rename(d.join("s/shards/1-of-3"), d.join("s1")).unwrap();
    std::fs::rename(d.join("other/shards/1-of-3"), d.join("s/shards/1-of-3")).unwrap();
    let (_, err) = run_meshsim(d, &["merge", "s"], 2);
    assert!(
        err.contains("shards of another study in s/shards: s/shards/1-of-3 (scenario hash")
            && err.contains("seed 5, not 20261124")
            && err.contains("remove them"),
        "{err}"
    );
    // A copy of shard 0 under shard 1's name.
    std::fs::remove_dir_all(d.join("s/shards/1-of-3")).unwrap();
    copy(&d.join("s/shards/0-of-3"), &d.join("s/shards/1-of-3"));
    let (_, err) = run_meshsim(d, &["merge", "s"], 2);
    assert!(
        err.contains(
            "shard 0 of 3 is there twice: s/shards/0-of-3 and s/shards/1-of-3; remove the copy"
        ),
        "{err}"
    );
    // Missing: shard 1 gone.
    std::fs::remove_dir_all(d.join("s/shards/1-of-3")).unwrap();
    let (_, err) = run_meshsim(d, &["merge", "s"], 1);
    assert!(
        err.contains("not every shard of s/shards is there (missing: 1; of shards 0 to 2)")
            && err.contains("--allow-partial to merge the 200 of 300 replications there"),
        "{err}"
    );
    assert!(!d.join("s/summary.csv").exists(), "nothing merged");
    // --allow-partial merges what is there and says so.
    let (stdout, err) = run_meshsim(d, &["merge", "s", "--allow-partial"], 0);
    assert!(
        stdout.contains("merged 2 shards of 3: 200 of 300 replications"),
        "{stdout}"
    );
    assert!(
        err.contains("partial merge (--allow-partial): 200 of 300 replications"),
        "{err}"
    );
    let yaml = std::fs::read_to_string(d.join("s/scenario.yaml")).unwrap();
    assert!(
        yaml.starts_with(
            "# partial merge: 200 of 300 replications (shards 1 missing or unfinished)"
        ),
        "{yaml}"
    );
    // Put back, the study merges whole.
    std::fs::rename(d.join("s1"), d.join("s/shards/1-of-3")).unwrap();
    run_meshsim(d, &["merge", "s", "-q"], 0);
    run(d, &ranking(), "one", &[], 0);
    assert_same(&d.join("s"), &d.join("one"));
    // Something that is not a shard folder.
    std::fs::create_dir(d.join("s/shards/notes")).unwrap();
    let (_, err) = run_meshsim(d, &["merge", "s"], 2);
    assert!(
        err.contains("s/shards/notes is not a shard folder (<I>-of-<N>); move it out of s/shards"),
        "{err}"
    );
    // No shards at all.
    let (_, err) = run_meshsim(d, &["merge", "nowhere"], 2);
    assert!(err.contains("cannot read nowhere/shards"), "{err}");
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// `meshsim sweep` of the istiod-MTBF study at two points.
fn sweep(dir: &Path, out: &str, extra: &[&str]) {
    let scenario = shipped("study-istiod-mtbf.yaml");
    let mut args = vec![
        "sweep",
        &scenario,
        "--param",
        "spec.failures.controlPlane.failure.mean=2d,60d",
        "--replications",
        "60",
        "--out",
        out,
        "-q",
    ];
    args.extend_from_slice(extra);
    run_meshsim(dir, &args, 0);
}

/// Every file of a sweep folder but the shards, by path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(at) = todo.pop() {
        for e in std::fs::read_dir(&at).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            if e.file_name() == "shards" {
                continue;
            }
            if path.is_dir() {
                todo.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                all.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    all
}

#[test]
fn a_sharded_sweep_merges_into_the_one_machine_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sweep(d, "one", &[]);
    let one = tree(&d.join("one"));
    assert!(
        one.keys().any(|k| k.starts_with("points/")),
        "{:?}",
        one.keys()
    );
    assert!(one.contains_key("sweep.csv"), "{:?}", one.keys());
    // By `meshsim merge DIR`, shards in any order.
    for i in ["2", "0", "1"] {
        sweep(d, "m", &["--shard-index", i, "--shard-count", "3"]);
    }
    assert!(!d.join("m/sweep.csv").exists(), "a shard writes no results");
    run_meshsim(d, &["merge", "m", "-q"], 0);
    assert!(tree(&d.join("m")) == one, "merged sweep differs");
    // By running the sweep again without a shard: it merges the points'
    // shards instead of simulating them.
    for i in ["1", "0"] {
        sweep(d, "again", &["--shard-index", i, "--shard-count", "2"]);
    }
    sweep(d, "again", &[]);
    assert!(tree(&d.join("again")) == one, "re-run sweep differs");
    // A merge with a shard missing lists the point's missing shard.
    for i in ["0", "1"] {
        sweep(d, "gap", &["--shard-index", i, "--shard-count", "3"]);
    }
    let (_, err) = run_meshsim(d, &["merge", "gap"], 1);
    assert!(err.contains("(missing: 2; of shards 0 to 2)"), "{err}");
    let (_, err) = run_meshsim(d, &["merge", "gap", "--out", "x"], 2);
    assert!(err.contains("a sweep is merged in its own folder"), "{err}");
}
