//! `meshsim sweep`: the points it runs, the errors it refuses with, common
//! random numbers across points, and resume (an interrupted-then-resumed
//! sweep folder equals an uninterrupted one, byte for byte).

use super::common::{run_meshsim, scenario};
use meshsim::engine::replication::Outcome;
use meshsim::engine::{self, Observer, ObserverError, RunOptions};
use meshsim::model::Layout;
use meshsim::model::{self, exact, Measure};
use meshsim::scenario::{Document, Override};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Three zones of one cluster each; istiod fails exponentially with mean
/// `MEAN` (set by the points).
fn small(sweep: &str) -> String {
    scenario(&format!(
        "  seed: 7
  horizon: 1y
  replications: 40
  topology: {{ regions: 1, zonesPerRegion: 3, clustersPerZone: 1, proxiesPerCluster: 10, networks: single }}
  failures:
    zone:
      failure: {{ dist: exponential, mean: 1y }}
      repair: {{ dist: lognormal, median: 2h, p95: 1d }}
    controlPlane:
      failure: {{ dist: exponential, mean: 30d }}
      repair: {{ dist: lognormal, median: 10m, p95: 2h }}
  deployments:
    - name: per-region
      controlPlanes: {{ per: region }}
    - name: per-zone
      controlPlanes: {{ per: zone }}
{sweep}"
    ))
}

const SWEEP: &str = "  sweep:
    parameters:
      - path: spec.failures.controlPlane.failure.mean
        values: [15d, 1mo, 2mo]
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn a_sweep_runs_every_point_and_writes_the_tidy_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.yaml", &small(SWEEP));
    let (out, _) = run_meshsim(
        dir.path(),
        &[
            "sweep",
            &file,
            "--param",
            "spec.topology.proxiesPerCluster=10,20",
            "--out",
            "r",
        ],
        0,
    );
    assert!(
        out.contains("podStart: downtime, min/year (95% interval)"),
        "{out}"
    );
    assert!(
        out.contains("6 points (6 simulated) × 40 replications"),
        "{out}"
    );
    let csv = std::fs::read_to_string(dir.path().join("r/sweep.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with(
        "point,spec.failures.controlPlane.failure.mean,spec.failures.controlPlane.failure.mean_hours,spec.topology.proxiesPerCluster,deployment,measure,unavailability,ci_low,ci_high,exact,"
    ), "{header}");
    // 6 points × 2 deployments × 4 measures (config, podStart, endpoints, traffic).
    assert_eq!(csv.lines().count(), 1 + 6 * 2 * 4);
    // Grid order: the last parameter fastest; 1mo is 720 hours.
    let second: Vec<&str> = csv.lines().nth(9).unwrap().split(',').collect();
    assert_eq!(&second[..4], ["1", "15d", "360.0", "20.0"]);
    let third: Vec<&str> = csv.lines().nth(17).unwrap().split(',').collect();
    assert_eq!(&third[..4], ["2", "1mo", "720.0", "10.0"]);
    assert_eq!(
        std::fs::read_dir(dir.path().join("r/points"))
            .unwrap()
            .count(),
        6
    );
    // A point's folder is a results folder whose scenario.yaml reruns it.
    let folder = third.last().unwrap();
    let point = dir.path().join("r").join(folder);
    let yaml = std::fs::read_to_string(point.join("scenario.yaml")).unwrap();
    assert!(
        yaml.contains("mean: 1mo") && !yaml.contains("sweep"),
        "{yaml}"
    );
    run_meshsim(
        dir.path(),
        &[
            "run",
            point.join("scenario.yaml").to_str().unwrap(),
            "--out",
            "again",
            "-q",
        ],
        0,
    );
    assert_eq!(
        std::fs::read(dir.path().join("again/summary.csv")).unwrap(),
        std::fs::read(point.join("summary.csv")).unwrap()
    );
    // The top scenario.yaml keeps the merged sweep: rerunning it is the
    // same sweep, every point kept.
    let top = dir.path().join("r/scenario.yaml");
    let (out, _) = run_meshsim(
        dir.path(),
        &["sweep", top.to_str().unwrap(), "--out", "r"],
        0,
    );
    assert!(
        out.contains("6 points (0 simulated, 6 kept from an earlier run)"),
        "{out}"
    );
}

#[test]
fn each_bad_sweep_has_its_own_located_message() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "  sweep:\n    parameters:\n      - path: spec.failures.controlPlane.failure.meen\n        values: [1d]\n",
            ":24:15: spec.sweep.parameters[0].path: `spec.failures.controlPlane.failure.meen` is not a field a sweep can set",
        ),
        (
            "  sweep:\n    mode: zip\n    parameters:\n      - path: spec.failures.controlPlane.failure.mean\n        values: [1d, 2d]\n      - path: spec.topology.clustersPerZone\n        values: [1, 2, 3]\n",
            "spec.sweep.parameters[1]: zip mode takes the i-th value of every parameter together, so they need as many values each: `spec.topology.clustersPerZone` has 3, `spec.failures.controlPlane.failure.mean` has 2",
        ),
        (
            "  sweep:\n    parameters:\n      - path: spec.failures.controlPlane.failure.mean\n        range: { from: 1d, to: 2d, steps: 1 }\n",
            "spec.sweep.parameters[0].range.steps: 1 step: a range needs 2 or more",
        ),
        (
            "  sweep:\n    parameters:\n      - path: spec.failures.controlPlane.failure.mean\n        range: { from: 2d, to: 1d, steps: 3, scale: log }\n",
            "spec.sweep.parameters[0].range: from `2d` is not below to `1d`",
        ),
        (
            "  sweep:\n    parameters:\n      - path: spec.topology.clustersPerZone\n        range: { from: 1h, to: 3, steps: 3 }\n",
            "spec.sweep.parameters[0].range.from: `spec.topology.clustersPerZone` is a count: `1h` is not a whole number",
        ),
        (
            "  sweep:\n    parameters:\n      - path: spec.topology.clustersPerZone\n        values: [1]\n        range: { from: 1, to: 3, steps: 3 }\n",
            "spec.sweep.parameters[0]: `spec.topology.clustersPerZone`: give either `values: [...]` or `range",
        ),
        (
            "  sweep:\n    parameters:\n      - path: spec.topology.clustersPerZone\n        values: [2, 0]\n",
            "error: sweep point 2 of 2 (spec.topology.clustersPerZone=0): spec.topology.clustersPerZone: `clustersPerZone` is 0",
        ),
        (
            "  sweep:\n    parameters:\n      - path: spec.failures.zon.repair.median\n        values: [1h]\n",
            "error: sweep point 1 of 1 (spec.failures.zon.repair.median=1h): spec.failures.zon: unknown field `zon`",
        ),
    ];
    for (i, (sweep, want)) in cases.iter().enumerate() {
        let file = write(dir.path(), &format!("bad{i}.yaml"), &small(sweep));
        let (_, err) = run_meshsim(dir.path(), &["sweep", &file, "--out", "r"], 2);
        assert!(err.contains(want), "case {i}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(
        !dir.path().join("r").exists(),
        "nothing runs before every point is checked"
    );
    // Flags are named in their errors.
    let file = write(dir.path(), "plain.yaml", &small(""));
    let (_, err) = run_meshsim(dir.path(), &["sweep", &file], 2);
    assert!(err.contains("error: nothing to sweep"), "{err}");
    let (_, err) = run_meshsim(
        dir.path(),
        &[
            "sweep",
            &file,
            "--param-range",
            "spec.failures.zone.repair.median=30m..1d",
        ],
        2,
    );
    assert!(err.contains("error: --param-range spec.failures.zone.repair.median=30m..1d: expected PATH=FROM..TO:STEPS[:log]"), "{err}");
}

#[test]
fn an_interrupted_then_resumed_sweep_equals_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.yaml", &small(SWEEP));
    run_meshsim(dir.path(), &["sweep", &file, "--out", "whole", "-q"], 0);

    // Stopped (SIGINT) before its second point: the first is kept.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("meshsim"))
        .current_dir(dir.path())
        .args(["sweep", &file, "--out", "cut", "-q"])
        .env("MESHSIM_TEST_PAUSE_AT", "point 2")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while line.trim_end() != "meshsim: paused at point 2" {
        line.clear();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "the sweep ended before pausing"
        );
    }
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("1 of 3 points are finished and kept in cut/points; run the same command again to resume"), "{rest}");
    let cut = tree(&dir.path().join("cut"));
    assert!(
        !cut.contains_key("sweep.csv"),
        "no table of a sweep cut short"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("cut/points"))
            .unwrap()
            .count(),
        1
    );

    let (out, _) = run_meshsim(dir.path(), &["sweep", &file, "--out", "cut"], 0);
    assert!(
        out.contains("3 points (2 simulated, 1 kept from an earlier run)"),
        "{out}"
    );
    let whole = tree(&dir.path().join("whole"));
    let resumed = tree(&dir.path().join("cut"));
    assert_eq!(
        whole.keys().collect::<Vec<_>>(),
        resumed.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &whole {
        assert!(bytes == &resumed[name], "{name} differs");
    }
    assert!(whole.len() > 3 * 9, "{:?}", whole.keys());
}

/// Per-replication unavailability of one deployment and measure.
struct Collect {
    slot: usize,
    values: Vec<f64>,
}

impl Observer for Collect {
    fn batch(&mut self, outcomes: &[Outcome]) -> Result<(), ObserverError> {
        for o in outcomes {
            self.values
                .push(o.bad_proxy_hours[self.slot] / o.live_proxy_hours);
        }
        Ok(())
    }
}

/// The scenario with istiod's failure mean set to `mean` and the seed to
/// `seed`, as a sweep builds its points.
fn per_replication(mean: &str, seed: u64, deployment: usize, m: Measure) -> (Vec<f64>, f64) {
    let sets = [
        Override::parse(&format!("spec.failures.controlPlane.failure.mean={mean}")).unwrap(),
        Override::parse(&format!("spec.seed={seed}")).unwrap(),
        Override::parse("spec.replications=300").unwrap(),
    ];
    let doc = Document::parse_with(&small(""), "s.yaml", &sets).unwrap();
    let model = model::build(&doc.file).unwrap();
    let mut c = Collect {
        slot: Layout::slot(deployment, m.index()),
        values: Vec::new(),
    };
    engine::run(&model, None, &RunOptions::default(), &mut c).unwrap();
    let exact = exact::unavailability(&model)[deployment][m.index()].unwrap();
    (c.values, exact)
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn var(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64
}

#[test]
fn at_one_seed_the_curve_over_a_mean_is_monotone_like_the_exact_one() {
    let means = ["10d", "15d", "20d", "30d", "45d", "60d", "90d"];
    for d in 0..2 {
        let points: Vec<(f64, f64)> = means
            .iter()
            .map(|m| {
                let (v, exact) = per_replication(m, 7, d, Measure::PodStart);
                (mean(&v), exact)
            })
            .collect();
        for w in points.windows(2) {
            // The exact answer falls as istiod fails less often; so does
            // the simulated curve, point after point, at one seed.
            assert!(w[1].1 < w[0].1);
            assert!(w[1].0 < w[0].0, "deployment {d}: {points:?}");
        }
    }
}

#[test]
fn the_paired_difference_of_adjacent_points_is_far_narrower_than_the_unpaired() {
    let (a, _) = per_replication("30d", 7, 1, Measure::PodStart);
    let (b, _) = per_replication("40d", 7, 1, Measure::PodStart);
    let (b_other, _) = per_replication("40d", 8, 1, Measure::PodStart);
    let n = a.len() as f64;
    let diffs: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    let paired = 1.96 * (var(&diffs) / n).sqrt();
    let unpaired = 1.96 * ((var(&a) + var(&b_other)) / n).sqrt();
    let ratio = unpaired / paired;
    eprintln!("paired half-width {paired:.3e}, unpaired {unpaired:.3e}, ratio {ratio:.1}");
    assert!(mean(&diffs) > 0.0);
    assert!(
        mean(&diffs) - paired > 0.0,
        "the paired interval tells the points apart"
    );
    // About 3 at this seed (docs/studies.md, "Common random numbers"):
    // as many replications would need 9 times more unpaired.
    assert!(ratio > 2.0, "ratio {ratio}");
}

#[test]
fn exact_only_points_carry_the_closed_form_and_no_interval() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.yaml", &small(SWEEP));
    let (out, _) = run_meshsim(
        dir.path(),
        &["sweep", &file, "--exact-only", "--out", "r"],
        0,
    );
    assert!(
        out.contains("podStart: downtime, min/year (exact)"),
        "{out}"
    );
    assert!(
        out.contains("3 points (exact values, no simulation)"),
        "{out}"
    );
    assert!(
        !dir.path().join("r/points").exists(),
        "an exact sweep keeps no points"
    );
    let csv = std::fs::read_to_string(dir.path().join("r/sweep.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    // 3 points × 2 deployments × 3 measures: traffic has no closed form.
    assert_eq!(rows.len(), 3 * 2 * 3);
    assert!(rows.iter().all(|r| r[4] != "traffic"), "{csv}");
    // The middle point's per-zone podStart is the library's exact value.
    let sets = [Override::parse("spec.failures.controlPlane.failure.mean=1mo").unwrap()];
    let doc = Document::parse_with(&small(""), "s.yaml", &sets).unwrap();
    let model = model::build(&doc.file).unwrap();
    let want = exact::unavailability(&model)[1][Measure::PodStart.index()].unwrap();
    let row = rows
        .iter()
        .find(|r| r[0] == "1" && r[3] == "per-zone" && r[4] == "podStart")
        .unwrap();
    // unavailability, ci_low, ci_high, exact
    assert_eq!(row[5].parse::<f64>().unwrap(), want);
    assert_eq!((row[6], row[7]), ("", ""));
    assert_eq!(row[8].parse::<f64>().unwrap(), want);
}

#[test]
fn refine_runs_extra_points_keeps_them_and_narrows_the_bracket() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = std::fs::read_to_string(super::common::fixture("crossover-external.yaml"))
        .unwrap()
        .replace("ISTIOD_MTBF", "30d");
    let file = write(dir.path(), "cx.yaml", &yaml);
    let args = [
        "sweep",
        file.as_str(),
        "--param",
        "spec.failures.controlPlane.failure.mean=25d,200d",
        "--replications",
        "100",
        "--refine",
        "2",
        "--out",
        "r",
    ];
    let (out, _) = run_meshsim(dir.path(), &args, 0);
    assert!(
        out.contains("in-cluster beats external-pair for podStart"),
        "{out}"
    );
    let csv = std::fs::read_to_string(dir.path().join("r/crossovers.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let pod = csv
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[0] == "podStart" && r[col("kind")] == "crossover")
        .unwrap_or_else(|| panic!("{csv}"));
    let refined: u32 = pod[col("refined")].parse().unwrap();
    assert!((1..=2).contains(&refined), "{csv}");
    // The bracket is narrower than the sweep's 25d..200d.
    assert!(
        pod[col("from")] != "25d" || pod[col("to")] != "200d",
        "{csv}"
    );
    // The extra points are kept like the others: a rerun simulates nothing.
    let kept = std::fs::read_dir(dir.path().join("r/points"))
        .unwrap()
        .count();
    assert!(kept > 2, "{kept}");
    let before = std::fs::read(dir.path().join("r/crossovers.csv")).unwrap();
    let (out, _) = run_meshsim(dir.path(), &args, 0);
    assert!(
        out.contains("2 points (0 simulated, 2 kept from an earlier run)"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("r/points"))
            .unwrap()
            .count(),
        kept
    );
    assert_eq!(
        std::fs::read(dir.path().join("r/crossovers.csv")).unwrap(),
        before
    );
}

#[test]
fn exact_only_refines_in_closed_form_without_point_folders() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = std::fs::read_to_string(super::common::fixture("crossover-external.yaml"))
        .unwrap()
        .replace("ISTIOD_MTBF", "30d");
    let file = write(dir.path(), "cx.yaml", &yaml);
    let param = "spec.failures.controlPlane.failure.mean=10d,20d,40d,80d,160d";
    let args = [
        "sweep",
        &file,
        "--exact-only",
        "--param",
        param,
        "--refine",
        "10",
        "--out",
        "r",
    ];
    let (out, _) = run_meshsim(dir.path(), &args, 0);
    assert!(out.contains("refined with 10 extra points"), "{out}");
    assert!(!dir.path().join("r/points").exists());
    let csv = std::fs::read_to_string(dir.path().join("r/crossovers.csv")).unwrap();
    let pod: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("podStart,"))
        .unwrap()
        .split(',')
        .collect();
    // 80d..160d (1920h) halved ten times: under 2 hours wide.
    let hours = |t: &str| t.trim_end_matches('h').parse::<f64>().unwrap();
    assert!(hours(pod[5]) - hours(pod[4]) < 2.0, "{csv}");
}
