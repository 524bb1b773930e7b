//! Memory bounded by default (issue 11, point 3): incidents.parquet keeps
//! the run's first `--keep-incidents` rows in replication order, the same
//! rows whatever the thread count, and the run-size guard's memory estimate
//! is within a factor of two of the peak resident set measured on meshes
//! of 30, 300 and 3,000 clusters.

use crate::common::{model_of, run_meshsim, shipped};
use meshsim::engine::replication::IncidentRow;
use meshsim::engine::{self, NoObserver, RunOptions, KEPT_INCIDENTS};
use meshsim::model::Model;

/// The shipped ranking study's text, with one spec line replaced.
fn ranking_with(edits: &[(&str, &str)]) -> String {
    let text = std::fs::read_to_string(shipped("availability-ranking.yaml")).expect("shipped");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (key, value) in edits {
        let prefix = format!("{key}: ");
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&prefix))
            .unwrap_or_else(|| panic!("no `{key}` line"));
        let indent = lines[at].len() - lines[at].trim_start().len();
        lines[at] = format!("{}{prefix}{value}", " ".repeat(indent));
    }
    lines.join("\n") + "\n"
}

fn kept(model: &Model, keep: u64, threads: usize) -> Vec<(u64, IncidentRow)> {
    let options = RunOptions {
        threads,
        keep_incidents: keep,
        first: 0,
    };
    engine::run(model, None, &options, &mut NoObserver)
        .expect("runs")
        .incidents
}

#[test]
fn kept_incidents_are_the_first_rows_in_replication_order_on_any_thread_count() {
    // 40 replications of a year: a few thousand rows each.
    let model = model_of(&ranking_with(&[("horizon", "1y"), ("replications", "40")]));
    let all = kept(&model, u64::MAX, 1);
    let first = all.iter().take_while(|(r, _)| *r == 0).count();
    assert!(
        first > 100 && all.len() > 20 * first / 2,
        "{first} of {}",
        all.len()
    );
    // Inside the first replication, at its end, across replications, at
    // the total and beyond.
    for keep in [
        0,
        1,
        57,
        first as u64 - 1,
        first as u64,
        first as u64 + 3,
        all.len() as u64 / 2,
        all.len() as u64,
        all.len() as u64 + 10,
    ] {
        for threads in [1, 2, 3] {
            let rows = kept(&model, keep, threads);
            let want = &all[..(keep as usize).min(all.len())];
            assert!(
                rows == want,
                "keep {keep} on {threads} threads: {} rows, want {}",
                rows.len(),
                want.len()
            );
        }
    }
}

#[test]
fn the_terminal_says_when_incident_rows_were_cut() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let scenario = dir.path().join("short.yaml");
    std::fs::write(
        &scenario,
        ranking_with(&[("horizon", "1y"), ("replications", "20")]),
    )
    .expect("write");
    let scenario = scenario.to_string_lossy().into_owned();
    let (out, _) = run_meshsim(
        dir.path(),
        &["run", &scenario, "--keep-incidents", "1000", "--out", "cut"],
        0,
    );
    assert!(
        out.contains("incidents.parquet: the first 1000 incident rows only, of replications 0 to 0 (--keep-incidents)\n"),
        "{out}"
    );
    let (out, _) = run_meshsim(
        dir.path(),
        &[
            "run",
            &scenario,
            "--keep-incidents",
            "100000000",
            "--out",
            "all",
        ],
        0,
    );
    assert!(!out.contains("incidents.parquet:"), "{out}");
}

/// MiB in a figure as `meshsim run` prints it (`51.2 MiB`, `1.1 GiB`).
fn mib(figure: &str) -> f64 {
    let (value, unit) = figure.split_once(' ').expect("value and unit");
    let value: f64 = value.parse().expect("a number");
    match unit {
        "KiB" => value / 1024.0,
        "MiB" => value,
        "GiB" => value * 1024.0,
        other => panic!("unit {other}"),
    }
}

/// The guard's estimate against the peak resident set the run reports (the
/// kernel's high-water mark of its own memory), on the ranking study's
/// placements over meshes of 30, 300 and 3,000 clusters; few replications,
/// each with more incident rows than the default keeps on the larger meshes.
#[test]
fn the_memory_estimate_is_within_a_factor_of_two_of_the_peak() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (clusters, (regions, zones, per_zone), replications) in [
        (30, (2, 3, 5), "8"),
        (300, (5, 3, 20), "2"),
        (3_000, (10, 3, 100), "1"),
    ] {
        let text = ranking_with(&[
            ("regions", &regions.to_string()),
            ("zonesPerRegion", &zones.to_string()),
            ("clustersPerZone", &per_zone.to_string()),
            ("horizon", "2y"),
            ("replications", replications),
        ]);
        let scenario = dir.path().join(format!("mesh-{clusters}.yaml"));
        std::fs::write(&scenario, text).expect("write");
        let scenario = scenario.to_string_lossy().into_owned();
        let out = format!("out-{clusters}");
        let (stdout, _) = run_meshsim(dir.path(), &["run", &scenario, "--out", &out], 0);
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("memory: peak "))
            .unwrap_or_else(|| panic!("no memory line:\n{stdout}"));
        let (peak, estimated) = line
            .strip_suffix(" before the run")
            .and_then(|l| l.split_once(" resident, estimated "))
            .unwrap_or_else(|| panic!("memory line: {line}"));
        let ratio = mib(estimated) / mib(peak);
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{clusters} clusters: estimated {estimated}, peak {peak} (ratio {ratio:.2})"
        );
        if clusters == 3_000 {
            assert!(
                stdout.contains(&format!(
                    "incidents.parquet: the first {KEPT_INCIDENTS} incident rows only"
                )),
                "{stdout}"
            );
        }
    }
}
