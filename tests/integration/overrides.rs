//! `--set PATH=VALUE` (issue 13, studies.md "Overrides"): every kind of bad
//! override gets one message naming the override, exit 2 and nothing
//! written; a good one runs exactly as the edited file would, and the
//! results folder's scenario.yaml reproduces the run without it.

use crate::common::run_meshsim;
use std::collections::BTreeMap;
use std::path::Path;

/// A small scenario, quick to simulate, in which zone repairs and istiod
/// failures both move the downtime. Line numbers, for the located errors:
///
/// ```text
/// 17       repair: { dist: lognormal, median: 3h, p95: 1d }
///                                                      ^ column 51: the p95
/// ```
const SCENARIO: &str = "apiVersion: meshsim/v1alpha1
kind: Scenario
metadata:
  name: overrides
spec:
  seed: 7
  horizon: 1y
  replications: 20
  topology:
    regions: 1
    zonesPerRegion: 2
    clustersPerZone: 1
    proxiesPerCluster: 100
  failures:
    zone:
      failure: { dist: exponential, mean: 2mo }
      repair: { dist: lognormal, median: 3h, p95: 1d }
    controlPlane:
      failure: { dist: exponential, mean: 1mo }
      repair: { dist: lognormal, median: 10m, p95: 1h }
  deployments:
    - name: per-zone
      controlPlanes: { per: zone }
    - name: per-region
      controlPlanes: { per: region, count: 2 }
";

/// A temporary folder holding `s.yaml` with `text`.
fn folder_with(text: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.yaml"), text).unwrap();
    tmp
}

/// `meshsim COMMAND s.yaml --set ...` in a fresh folder: exit 2, nothing
/// written, and stderr.
fn refused(command: &str, sets: &[&str]) -> String {
    let tmp = folder_with(SCENARIO);
    let mut args = vec![command, "s.yaml"];
    for set in sets {
        args.extend(["--set", set]);
    }
    let (_, stderr) = run_meshsim(tmp.path(), &args, 2);
    assert!(
        !tmp.path().join("results").exists(),
        "`{}` wrote a results folder",
        args.join(" ")
    );
    stderr
}

#[test]
fn each_kind_of_bad_override_has_its_message() {
    let cases: [(&[&str], &str); 11] = [
        (
            &["spec.seed"],
            "--set #1 (spec.seed): no `=`: write PATH=VALUE, e.g. `--set spec.failures.zone.repair.median=6h`",
        ),
        (
            &["=3"],
            "--set #1 (=3): the path before `=` is empty: write PATH=VALUE, e.g. `--set spec.topology.clustersPerZone=3`",
        ),
        (
            &["spec.topology.clusterPerZone=3"],
            "--set #1 (spec.topology.clusterPerZone=3): spec.topology.clusterPerZone: unknown field `clusterPerZone`, expected one of `regions`, `zonesPerRegion`, `clustersPerZone`, `clustersPerRegion`, `proxiesPerCluster`, `networks`, `externalSites`",
        ),
        (
            &["spec.failures.zone.repair.median=6h", "spec.failure.zone.repair.median=6h"],
            "--set #2 (spec.failure.zone.repair.median=6h): spec.failure: unknown field `failure`, expected one of `seed`, `horizon`, `warmup`, `replications`, `precision`, `topology`, `failures`, `proxy`, `certificates`, `deployments`, `configChanges`, `expect`, `sweep`",
        ),
        (
            &["spec.deployments[name=per-cluster].controlPlanes.count=2"],
            "--set #1 (spec.deployments[name=per-cluster].controlPlanes.count=2): spec.deployments: no item is named `per-cluster`; the names are `per-zone`, `per-region`",
        ),
        (
            &["spec.deployments[2].controlPlanes.count=2"],
            "--set #1 (spec.deployments[2].controlPlanes.count=2): spec.deployments: index 2 is out of range: the list has 2 items, [0] to [1]",
        ),
        (
            &["spec.seed=2", "spec.failures.zone.repair.median=6x"],
            "--set #2 (spec.failures.zone.repair.median=6x): spec.failures.zone.repair.median: `6x`: unknown unit `x`; use one of ms, s, m, h, d, w, mo (30 days), y (365 days)",
        ),
        (
            &["spec.deployments[name=per-region].controlPlanes.count=0"],
            "--set #1 (spec.deployments[name=per-region].controlPlanes.count=0): spec.deployments[1].controlPlanes.count: 0 control planes would leave every cluster without one; give 1 or more",
        ),
        (
            &["spec.failures.zone.repair={ dist: lognormal, median: 3h, p59: 1d }"],
            "--set #1 (spec.failures.zone.repair={ dist: lognormal, median: 3h, p59: 1d }): spec.failures.zone.repair.p59: unknown field `p59`, expected one of `dist`, `mean`, `rate`, `shape`, `scale`, `median`, `p95`, `p99`, `mu`, `sigma`, `value`, `min`, `max`",
        ),
        (
            &["spec.failures.controlPlane.repair={ dist: fixed, value: 1h"],
            "--set #1 (spec.failures.controlPlane.repair={ dist: fixed, value: 1h): spec.failures.controlPlane.repair: the value is not YAML (did not find expected ',' or '}', while parsing a flow mapping); quote the whole `--set` for the shell, e.g. --set 'spec.failures.zone.repair={ dist: exponential, mean: 4h }'",
        ),
        // The file's p95 is checked against the overridden median: the
        // error is the file's line, and names the override that broke it.
        (
            &["spec.failures.zone.repair.median=2d"],
            "s.yaml:17:51: spec.failures.zone.repair.p95: `p95` (1d) must be greater than `median` (2d); a lognormal's upper quantile lies above its median (with --set #1 (spec.failures.zone.repair.median=2d) applied)",
        ),
    ];
    for (sets, want) in cases {
        assert_eq!(refused("run", sets), format!("error: {want}\n"), "{sets:?}");
    }
}

#[test]
fn every_command_that_reads_a_scenario_takes_set() {
    let want = "error: --set #1 (spec.topology.clustersPerZone=-1): spec.topology.clustersPerZone: invalid type: integer `-1`, expected u32\n";
    for command in ["run", "check", "blast", "validate"] {
        let stderr = refused(command, &["spec.topology.clustersPerZone=-1"]);
        assert_eq!(stderr, want, "meshsim {command}");
    }
    // And a good one takes effect: validate prints the changed topology.
    let tmp = folder_with(SCENARIO);
    let (stdout, _) = run_meshsim(
        tmp.path(),
        &[
            "validate",
            "s.yaml",
            "--set",
            "spec.topology.clustersPerZone=3",
        ],
        0,
    );
    assert!(
        stdout.starts_with("scenario overrides: 1 regions, 2 zones, 6 clusters,"),
        "{stdout}"
    );
}

/// Every file of a results folder, by name.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Asserts two results folders hold the same files, byte for byte.
fn assert_same(a: &Path, b: &Path) {
    let (a, b) = (contents(a), contents(b));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "different files"
    );
    assert!(a.len() > 10, "only {} files", a.len());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs");
    }
}

fn run_into(dir: &Path, file: &str, out: &str, extra: &[&str]) {
    let mut args = vec!["run", file, "--out", out, "-q", "--threads", "2"];
    args.extend(extra);
    run_meshsim(dir, &args, 0);
}

const SETS: [&str; 6] = [
    "--set",
    "spec.failures.zone.repair.median=6h",
    "--set",
    "spec.deployments[name=per-region].controlPlanes={ per: region, count: 1 }",
    "--set",
    "spec.proxy.certTtl=12h",
];

#[test]
fn a_run_with_set_is_a_run_of_the_edited_file() {
    let edited = SCENARIO
        .replace("median: 3h, p95: 1d", "median: 6h, p95: 1d")
        .replace(
            "{ per: region, count: 2 }",
            "{ per: region, count: 1 }\n  proxy: { certTtl: 12h }",
        );
    let tmp = folder_with(SCENARIO);
    std::fs::write(tmp.path().join("edited.yaml"), edited).unwrap();
    let dir = tmp.path();
    run_into(dir, "s.yaml", "base", &[]);
    run_into(dir, "s.yaml", "set", &SETS);
    run_into(dir, "edited.yaml", "edited", &[]);
    assert_same(&dir.join("set"), &dir.join("edited"));
    // The overrides did change the results.
    let summary = |out: &str| std::fs::read(dir.join(out).join("summary.csv")).unwrap();
    assert_ne!(summary("base"), summary("set"));
}

#[test]
fn the_recorded_scenario_reproduces_a_run_with_set() {
    let tmp = folder_with(SCENARIO);
    let dir = tmp.path();
    run_into(dir, "s.yaml", "set", &SETS);
    let recorded = std::fs::read_to_string(dir.join("set/scenario.yaml")).unwrap();
    assert!(recorded.contains("median: 6h"), "{recorded}");
    assert!(recorded.contains("certTtl: 12h"), "{recorded}");
    std::fs::copy(dir.join("set/scenario.yaml"), dir.join("recorded.yaml")).unwrap();
    run_into(dir, "recorded.yaml", "again", &[]);
    assert_same(&dir.join("set"), &dir.join("again"));
}

#[test]
fn seed_and_replications_flags_win_over_set() {
    let tmp = folder_with(SCENARIO);
    let dir = tmp.path();
    run_into(
        dir,
        "s.yaml",
        "flags",
        &[
            "--set",
            "spec.seed=1",
            "--seed",
            "9",
            "--set",
            "spec.replications=5",
            "--replications",
            "3",
        ],
    );
    let recorded = std::fs::read_to_string(dir.join("flags/scenario.yaml")).unwrap();
    assert!(recorded.contains("seed: 9\n"), "{recorded}");
    assert!(recorded.contains("replications: 3\n"), "{recorded}");
}
