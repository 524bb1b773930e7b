//! What a user sees: the commands, their output and the results folder.

use super::common::{meshsim, root, run_meshsim, shipped};

const SUMMARY_COLUMNS: &str = "deployment,measure,unavailability,ci_low,ci_high,exact,downtime_min_per_year,nines,incidents_per_year,blast_mean,blast_p95,blast_max,rank,replications,horizon_years,seed,tied,blast_share_per_year";

#[test]
fn run_prints_the_summary_and_writes_the_results_folder() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/availability-ranking.yaml");
    let (out, _) = run_meshsim(
        dir.path(),
        &["run", scenario.to_str().unwrap(), "--replications", "300"],
        0,
    );
    assert!(out.contains("unavailability ± 95% CI"), "{out}");
    for name in [
        "one-cluster-per-region",
        "multiple-clusters-per-region",
        "one-cluster-per-zone",
        "multiple-clusters-per-zone",
        "each-cluster",
    ] {
        assert_eq!(
            out.matches(name).count(),
            4,
            "{name} once per measure:\n{out}"
        );
    }
    assert!(
        out.contains("300 replications × 10 years, seed 20261124"),
        "{out}"
    );
    assert!(out.contains("events/s"), "{out}");

    // Default folder: results/<metadata.name> under the working directory.
    let results = dir.path().join("results/availability-ranking");
    let summary = std::fs::read_to_string(results.join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert_eq!(lines.next(), Some(SUMMARY_COLUMNS));
    assert_eq!(lines.count(), 5 * 4);
    let pairs = std::fs::read_to_string(results.join("pairs.csv")).unwrap();
    assert!(
        pairs.starts_with("measure,a,b,diff_mean,ci_low,ci_high\n"),
        "{pairs}"
    );
    assert_eq!(pairs.lines().count(), 1 + 4 * 5 * 4);
    let blast = std::fs::read_to_string(results.join("blast_by_kind.csv")).unwrap();
    assert!(
        blast.starts_with("deployment,measure,kind,incidents_per_year,blast_mean,blast_p50,blast_p95,blast_max,blast_share_per_year\n"),
        "{blast}"
    );
    for file in [
        "summary.parquet",
        "replications.parquet",
        "incidents.parquet",
        "blast_by_kind.csv",
    ] {
        let bytes = std::fs::read(results.join(file)).unwrap();
        assert!(bytes.len() > 100, "{file}");
    }
    // No temporary files are left behind.
    for entry in std::fs::read_dir(&results).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(!name.starts_with('.'), "left over: {name}");
    }
    // The scenario as run parses again, with the replication override.
    let yaml = std::fs::read_to_string(results.join("scenario.yaml")).unwrap();
    let doc = meshsim::scenario::Document::parse(&yaml, "scenario.yaml").unwrap();
    assert_eq!(doc.file.spec.replications, Some(300));
    meshsim::model::build(&doc.file).unwrap();
}

#[test]
fn validate_lists_topology_and_attachment() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/shared-control-planes.yaml");
    let (out, _) = run_meshsim(dir.path(), &["validate", scenario.to_str().unwrap()], 0);
    assert!(out.contains("1 regions, 3 zones, 3 clusters"), "{out}");
    assert!(out.contains("c3       cp-2 (c3) → cp-1 (c1)"), "{out}");
    assert!(out.trim_end().ends_with("valid"), "{out}");
    assert!(
        !dir.path().join("results").exists(),
        "validate writes nothing"
    );
}

/// Explicit instances with each failover scope: `region` adds the
/// instances of the cluster's region, `domain` those in the zone (or on
/// the site) of the cluster's first listed instance, `mesh` every other
/// instance; each after the given list, nearest first.
const EXPLICIT_FAILOVER: &str = r#"apiVersion: meshsim/v1alpha1
kind: Scenario
metadata:
  name: ex
spec:
  seed: 1
  horizon: 1y
  replications: 10
  topology:
    proxiesPerCluster: 100
    regions:
      - name: east
        zones:
          - { name: east-a, clusters: [ { name: e1 }, { name: e2 } ] }
          - { name: east-b, clusters: [ { name: e3 } ] }
      - name: west
        zones:
          - { name: west-a, clusters: [ { name: w1 } ] }
    externalSites:
      - name: managed
  deployments:
    - name: region
      controlPlanes:
        instances:
          - { name: west-1, cluster: w1 }
          - { name: east-3, cluster: e3 }
          - { name: east-1, cluster: e1 }
          - { name: ext, site: managed }
        attach: { e1: [east-1], e2: [east-1], e3: [east-3], w1: [west-1] }
        failover: region
    - name: domain
      failover: domain
      controlPlanes:
        instances:
          - { name: a1, cluster: e1 }
          - { name: a2, cluster: e2 }
          - { name: b1, cluster: e3 }
          - { name: x1, site: managed }
          - { name: x2, site: managed }
        attach: { e1: [a2], e2: [a2], e3: [b1], w1: [x2] }
    - name: mesh
      controlPlanes:
        instances:
          - { name: a1, cluster: e1 }
          - { name: w, cluster: w1 }
          - { name: x1, site: managed }
        attach: { e1: [a1], e2: [x1, a1], e3: [a1], w1: [w] }
        failover: mesh
"#;

#[test]
fn validate_lists_explicit_attachment_with_failover() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ex.yaml"), EXPLICIT_FAILOVER).unwrap();
    let (out, _) = run_meshsim(dir.path(), &["validate", "ex.yaml"], 0);
    let expected = [
        "deployment region: explicit instances and attach lists, failover: region (4 instances)",
        "e1       east-1 (e1) → east-3 (e3)",
        "e2       east-1 (e1) → east-3 (e3)",
        "e3       east-3 (e3) → east-1 (e1)",
        "w1       west-1 (w1)",
        "deployment domain: explicit instances and attach lists, failover: domain (5 instances)",
        "e1       a2 (e2) → a1 (e1)",
        "e2       a2 (e2) → a1 (e1)",
        "e3       b1 (e3)",
        "w1       x2 (managed) → x1 (managed)",
        "deployment mesh: explicit instances and attach lists, failover: mesh (3 instances)",
        "e1       a1 (e1) → w (w1) → x1 (managed)",
        "e2       x1 (managed) → a1 (e1) → w (w1)",
        "e3       a1 (e1) → w (w1) → x1 (managed)",
        "w1       w (w1) → a1 (e1) → x1 (managed)",
    ];
    // In this order, each line once.
    let mut rest = out.as_str();
    for line in expected {
        let at = rest
            .find(&format!("{line}\n"))
            .unwrap_or_else(|| panic!("`{line}` missing or out of order in\n{out}"));
        rest = &rest[at + line.len()..];
    }
    assert!(out.trim_end().ends_with("valid"), "{out}");
}

#[test]
fn every_shipped_scenario_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            meshsim(dir.path())
                .arg("validate")
                .arg(&path)
                .assert()
                .success();
            seen += 1;
        }
    }
    assert!(seen >= 2);
}

#[test]
fn run_draws_the_charts_and_plot_redraws_them_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    // A scenario with shared ranks, so the round trip carries `tied`.
    let scenario = root().join("scenarios/ranking-without-domain-failures.yaml");
    let (out, _) = run_meshsim(
        dir.path(),
        &[
            "run",
            scenario.to_str().unwrap(),
            "--replications",
            "300",
            "--out",
            "r",
        ],
        0,
    );
    assert!(out.contains("charts: ranking.png, ranking.svg"), "{out}");
    let charts = ["ranking", "blast", "cause", "timeline"];
    let results = dir.path().join("r");
    let summary = std::fs::read_to_string(results.join("summary.csv")).unwrap();
    assert!(summary.contains(",true,"), "no tie to carry:\n{summary}");
    let drawn: Vec<Vec<u8>> = charts
        .iter()
        .map(|c| std::fs::read(results.join(format!("{c}.svg"))).unwrap())
        .collect();
    for c in charts {
        std::fs::remove_file(results.join(format!("{c}.svg"))).unwrap();
        std::fs::remove_file(results.join(format!("{c}.png"))).unwrap();
    }
    run_meshsim(dir.path(), &["plot", "r"], 0);
    for (c, before) in charts.iter().zip(drawn) {
        let after = std::fs::read(results.join(format!("{c}.svg"))).unwrap();
        assert!(
            before == after,
            "{c}.svg differs when redrawn from the files"
        );
        assert!(results.join(format!("{c}.png")).exists());
    }
}

#[test]
fn plot_on_a_folder_without_results_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = run_meshsim(dir.path(), &["plot", "."], 1);
    assert!(
        err.contains("summary.csv") && err.contains("results folder"),
        "{err}"
    );
}

#[test]
fn a_run_too_large_for_the_machine_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = run_meshsim(
        dir.path(),
        &[
            "run",
            &shipped("availability-ranking.yaml"),
            "--replications",
            "1000000000",
        ],
        2,
    );
    assert!(
        err.contains("spec.replications: this run needs about"),
        "{err}"
    );
    assert!(err.contains("--allow-large"), "{err}");
    assert!(!dir.path().join("results").exists(), "nothing is written");
}

/// `replications.parquet` is written in row groups of whole replications,
/// about `ROW_GROUP_ROWS` rows each; a run spanning two of them holds every
/// replication once, in order, and its numbers give the summary's ratio of
/// totals.
#[test]
fn replications_parquet_holds_every_replication_across_row_groups() {
    use meshsim::results::replications_per_row_group;
    use polars::prelude::{ParquetReader, SerReader};
    let dir = tempfile::tempdir().unwrap();
    let scenario = shipped("shared-control-planes.yaml");
    let text = std::fs::read_to_string(&scenario).unwrap();
    let doc = meshsim::scenario::Document::parse(&text, &scenario).unwrap();
    let model = meshsim::model::build(&doc.file).unwrap();
    let (deployments, measures) = (model.deployments.len(), model.measures().len());
    let group = replications_per_row_group(deployments, measures);
    let rows = (deployments * measures) as u64;
    let n = (group + 76) as usize;
    run_meshsim(
        dir.path(),
        &[
            "run",
            &scenario,
            "--replications",
            &n.to_string(),
            "--out",
            "r",
            "-q",
        ],
        0,
    );
    let file = std::fs::File::open(dir.path().join("r/replications.parquet")).unwrap();
    let mut reader = ParquetReader::new(file);
    let groups: Vec<usize> = reader
        .get_metadata()
        .unwrap()
        .row_groups
        .iter()
        .map(|g| g.num_rows())
        .collect();
    assert_eq!(groups, [group * rows, 76 * rows].map(|r| r as usize));
    let df = reader.finish().unwrap();
    let per = df.height() / n;
    assert_eq!(df.height(), n * per, "rows: {}", df.height());
    assert!(per > 0);
    let replication: Vec<u64> = df
        .column("replication")
        .unwrap()
        .u64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    for (row, &r) in replication.iter().enumerate() {
        assert_eq!(r, (row / per) as u64, "row {row}");
    }
    // Σ bad / Σ live of the first (deployment, measure) is its summary row.
    let text = |col: &str, i: usize| {
        let value = df.column(col).unwrap().get(i).unwrap();
        value.get_str().unwrap().to_string()
    };
    let (deployment, measure) = (text("deployment", 0), text("measure", 0));
    let (mut bad, mut live) = (0.0, 0.0);
    let bads = df.column("bad_proxy_hours").unwrap().f64().unwrap();
    let lives = df.column("live_proxy_hours").unwrap().f64().unwrap();
    for row in (0..df.height()).step_by(per) {
        bad += bads.get(row).unwrap();
        live += lives.get(row).unwrap();
    }
    let summary = std::fs::read_to_string(dir.path().join("r/summary.csv")).unwrap();
    let line = summary
        .lines()
        .find(|l| l.starts_with(&format!("{deployment},{measure},")))
        .unwrap_or_else(|| panic!("{deployment} {measure} in\n{summary}"));
    let reported: f64 = line.split(',').nth(2).unwrap().parse().unwrap();
    assert!(
        (reported - bad / live).abs() <= 1e-9 * reported.abs().max(1e-300),
        "summary {reported}, file {}",
        bad / live
    );
}

#[test]
fn plot_refuses_a_summary_with_a_bad_or_missing_tied_column() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "run",
        &shipped("shared-control-planes.yaml"),
        "--replications",
        "50",
        "--out",
        "r",
        "-q",
    ];
    run_meshsim(dir.path(), &args, 0);
    let path = dir.path().join("r/summary.csv");
    let summary = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, summary.replacen(",false,", ",maybe,", 1)).unwrap();
    let (_, err) = run_meshsim(dir.path(), &["plot", "r"], 1);
    assert!(
        err.contains("summary.csv: `tied` is `maybe`, not true or false"),
        "{err}"
    );
    // A folder from before the column existed.
    let old: String = summary
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            format!("{}\n", cells[..cells.len() - 2].join(","))
        })
        .collect();
    std::fs::write(&path, old).unwrap();
    let (_, err) = run_meshsim(dir.path(), &["plot", "r"], 1);
    assert!(err.contains("summary.csv: no column `tied`"), "{err}");
}
