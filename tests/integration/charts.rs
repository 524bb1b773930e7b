//! Charts: every chart is written as a PNG of the size it asked for and an
//! SVG naming every deployment, for the real ranking scenario and for ten
//! synthetic deployments with long names (the readability case), and a run
//! with no cause or timeline data still gets valid charts that say so.
//!
//! Set `MESHSIM_KEEP_CHARTS=DIR` to keep the rendered files in
//! `DIR/real` and `DIR/synthetic` for looking at them.

use super::common::{model_of, root, simulate};
use meshsim::charts::{self, Blast, Cause, Chart, Ranking, TimelineChart};
use meshsim::model::{Kind, Measure};
use meshsim::results::{
    BlastRow, CauseRow, Outage, Results, Series, SummaryRow, Timeline, MINUTES_PER_YEAR,
};
use std::path::{Path, PathBuf};

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Ten placements, the longest names a scenario is likely to use.
const NAMES: [&str; 10] = [
    "one-cluster-per-region",
    "multiple-clusters-per-region",
    "one-cluster-per-zone",
    "multiple-clusters-per-zone",
    "each-cluster",
    "external-control-plane-per-region",
    "primary-remote-per-zone",
    "shared-control-planes-3-for-2",
    "each-cluster-with-mesh-failover",
    "multiple-clusters-per-zone-failover",
];

/// A small deterministic generator, so the synthetic data is the same on
/// every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The share of the mesh one outage of `kind` turns bad for deployment
/// `d` (more control planes, smaller share).
fn share(kind: Kind, d: usize) -> f64 {
    let planes = [3.0, 6.0, 9.0, 18.0, 27.0, 3.0, 9.0, 2.0, 27.0, 18.0][d];
    match kind {
        Kind::Region => 1.0 / 3.0,
        Kind::Zone => 1.0 / 9.0,
        Kind::ControlPlane => 1.0 / planes,
        Kind::EastWestGateway => 0.5 / planes,
        _ => 1.0 / 27.0,
    }
}

/// Results for ten deployments with every table filled: summary with
/// intervals of several widths, blast per kind, causes that add up, and a
/// year's timeline with outages of every kind.
fn synthetic() -> Results {
    let deployments: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    let kinds = [
        Kind::Region,
        Kind::Zone,
        Kind::Cluster,
        Kind::ApiServer,
        Kind::EastWestGateway,
        Kind::ControlPlane,
    ];
    let mut summary = Vec::new();
    let mut blast_by_kind = Vec::new();
    let mut cause = Vec::new();
    for (d, dep) in deployments.iter().enumerate() {
        for m in Measure::ALL {
            let base = [2.6e-3, 2.1e-3, 2.6e-3, 5.7e-4, 1e-3][m.index() % 5];
            let u = base / (1.0 + 0.35 * d as f64);
            // Traffic intervals are wide (rare long outages), the others
            // narrow, as in real runs.
            let rel = if m == Measure::Traffic { 0.3 } else { 0.01 };
            summary.push(SummaryRow {
                deployment: dep.clone(),
                measure: m,
                unavailability: u,
                ci_low: Some(u * (1.0 - rel)),
                ci_high: Some(u * (1.0 + rel)),
                exact: (m != Measure::Traffic).then_some(u * 0.995),
                downtime_min_per_year: u * MINUTES_PER_YEAR,
                nines: Some(-u.log10()),
                incidents_per_year: 10.0,
                blast_mean: Some(0.1),
                blast_p95: Some(0.2),
                blast_max: Some(0.3),
                rank: d as u32 + 1,
                tied: false,
                blast_share_per_year: 10.0 * 0.1,
            });
            let weights = [0.1, 0.2, 0.15, 0.2, 0.05, 0.3];
            for (k, w) in kinds.iter().zip(weights) {
                cause.push(CauseRow {
                    deployment: dep.clone(),
                    measure: m,
                    kind: *k,
                    unavailability: u * w,
                });
                let s = share(*k, d);
                blast_by_kind.push(BlastRow {
                    deployment: dep.clone(),
                    measure: m,
                    kind: *k,
                    incidents_per_year: 3.0,
                    blast_mean: s * 0.8,
                    blast_p50: s * 0.7,
                    blast_p95: s,
                    blast_max: (s * 1.5).min(1.0),
                    blast_share_per_year: 3.0 * s * 0.8,
                });
            }
        }
    }
    let hours = 8760.0;
    let mut rng = Lcg(7);
    let mut outages = Vec::new();
    for (kind, count, median_h) in [
        (Kind::Region, 1, 6.0),
        (Kind::Zone, 3, 8.0),
        (Kind::Cluster, 25, 2.0),
        (Kind::ApiServer, 20, 1.5),
        (Kind::EastWestGateway, 6, 1.0),
        (Kind::ControlPlane, 60, 0.2),
    ] {
        for i in 0..count {
            let start = rng.next() * (hours - 48.0);
            let length = median_h * (0.2 + 3.0 * rng.next());
            outages.push(Outage {
                component: format!("{}-{i}", kind.name()),
                kind,
                start_h: start,
                end_h: start + length,
            });
        }
    }
    let mut series = Vec::new();
    for (d, dep) in deployments.iter().enumerate() {
        for m in [Measure::PodStart, Measure::Traffic] {
            let mut times: Vec<f64> = outages.iter().flat_map(|o| [o.start_h, o.end_h]).collect();
            times.push(0.0);
            times.sort_by(f64::total_cmp);
            let points = times
                .into_iter()
                .map(|t| {
                    let s = outages
                        .iter()
                        // Traffic is lost only in outages longer than a
                        // certificate's remaining lifetime.
                        .filter(|o| m != Measure::Traffic || o.end_h - o.start_h > 12.0)
                        .filter(|o| o.start_h <= t && t < o.end_h)
                        .map(|o| share(o.kind, d))
                        .fold(0.0, f64::max);
                    (t, s)
                })
                .collect();
            series.push(Series {
                deployment: dep.clone(),
                measure: m,
                points,
            });
        }
    }
    Results {
        scenario: "synthetic-ten-placements".to_string(),
        seed: 42,
        replications: 10_000,
        horizon_years: 10.0,
        deployments,
        measures: Measure::ALL.to_vec(),
        summary,
        pairs: Vec::new(),
        blast_by_kind,
        incidents: Vec::new(),
        cause,
        timeline: Timeline {
            replication: 0,
            hours,
            outages,
            series,
        },
        events: 0,
        precision_reached: None,
    }
}

/// The ranking scenario, with fewer replications to keep the test fast.
fn ranking_scenario() -> Results {
    let path = root().join("scenarios/availability-ranking.yaml");
    let yaml = std::fs::read_to_string(&path).expect("scenario readable");
    assert!(yaml.contains("replications: 10000"));
    simulate(&model_of(
        &yaml.replace("replications: 10000", "replications: 200"),
    ))
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(PNG_SIGNATURE), "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Renders every chart into a fresh folder (or a kept one), checks the
/// files, and returns the SVG text per chart name.
fn render_and_check(results: &Results, keep_as: &str) -> Vec<(String, String)> {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir: PathBuf = match std::env::var_os("MESHSIM_KEEP_CHARTS") {
        Some(d) => Path::new(&d).join(keep_as),
        None => temp.path().join("charts"),
    };
    let files = charts::render_all(results, &dir).unwrap_or_else(|e| panic!("{e:#}"));
    let expected: Vec<(&str, (u32, u32))> = vec![
        ("ranking", Ranking.size(results).expect("size")),
        ("blast", Blast.size(results).expect("size")),
        ("cause", Cause.size(results).expect("size")),
        ("timeline", TimelineChart.size(results).expect("size")),
    ];
    let mut want = Vec::new();
    for (name, _) in &expected {
        want.push(dir.join(format!("{name}.png")));
        want.push(dir.join(format!("{name}.svg")));
    }
    assert_eq!(files, want);
    let mut svgs = Vec::new();
    for (name, size) in expected {
        let png = std::fs::read(dir.join(format!("{name}.png"))).expect("png written");
        assert_eq!(png_size(&png), size, "{name}.png");
        assert!(png.len() > 20_000, "{name}.png is only {} bytes", png.len());
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).expect("svg written");
        assert!(svg.starts_with("<svg"), "{name}.svg");
        assert!(svg.trim_end().ends_with("</svg>"), "{name}.svg");
        assert!(
            svg.contains(&format!(r#"width="{}" height="{}""#, size.0, size.1)),
            "{name}.svg size"
        );
        assert!(svg.contains(&results.scenario), "{name}.svg has no title");
        svgs.push((name.to_string(), svg));
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    svgs
}

fn svg<'a>(svgs: &'a [(String, String)], name: &str) -> &'a str {
    &svgs.iter().find(|(n, _)| n == name).expect("chart").1
}

#[test]
fn ten_long_named_deployments_are_named_in_every_chart() {
    let results = synthetic();
    let svgs = render_and_check(&results, "synthetic");
    for (name, text) in &svgs {
        for dep in &results.deployments {
            assert!(text.contains(dep.as_str()), "{name}.svg lacks {dep}");
        }
    }
    for m in Measure::ALL {
        for chart in ["ranking", "blast", "cause"] {
            assert!(
                svg(&svgs, chart).contains(m.name()),
                "{chart}.svg lacks {}",
                m.name()
            );
        }
    }
    // Kinds in the legends of the kind-coloured charts.
    for k in [Kind::Region, Kind::ControlPlane, Kind::EastWestGateway] {
        for chart in ["blast", "cause", "timeline"] {
            assert!(
                svg(&svgs, chart).contains(k.name()),
                "{chart}.svg lacks {}",
                k.name()
            );
        }
    }
    assert!(svg(&svgs, "ranking").contains("exact long-run value"));
    assert!(
        !svg(&svgs, "cause").contains("unattributed"),
        "the parts add up"
    );
}

#[test]
fn the_ranking_scenario_renders_every_chart() {
    let results = ranking_scenario();
    let svgs = render_and_check(&results, "real");
    for chart in ["ranking", "blast"] {
        for dep in &results.deployments {
            assert!(
                svg(&svgs, chart).contains(dep.as_str()),
                "{chart}.svg lacks {dep}"
            );
        }
    }
}

#[test]
fn missing_cause_and_timeline_give_charts_that_say_so() {
    let mut results = synthetic();
    results.cause.clear();
    results.timeline = Timeline::default();
    results.blast_by_kind.clear();
    let svgs = render_and_check(&results, "empty");
    assert!(svg(&svgs, "timeline").contains("no timeline data"));
    assert!(svg(&svgs, "cause").contains("no cause breakdown"));
    assert!(svg(&svgs, "blast").contains("no incidents"));
}

#[test]
fn parts_short_of_the_total_show_as_unattributed() {
    let mut results = synthetic();
    results.cause.retain(|c| c.kind != Kind::ControlPlane);
    let svgs = render_and_check(&results, "shortfall");
    assert!(svg(&svgs, "cause").contains("unattributed"));
}

#[test]
fn a_zero_downtime_deployment_still_gets_its_row() {
    let mut results = synthetic();
    for row in results
        .summary
        .iter_mut()
        .filter(|r| r.deployment == NAMES[4])
    {
        row.unavailability = 0.0;
        row.ci_low = Some(0.0);
        row.ci_high = Some(0.0);
        row.exact = Some(0.0);
    }
    let svgs = render_and_check(&results, "zero");
    assert!(svg(&svgs, "ranking").contains("no bad time observed"));
}

#[test]
fn shared_ranks_are_labelled_in_the_ranking_chart() {
    let mut results = synthetic();
    for row in results
        .summary
        .iter_mut()
        .filter(|r| r.rank == 3 || r.rank == 4)
    {
        row.rank = 3;
        row.tied = true;
    }
    let svgs = render_and_check(&results, "ties");
    let ranking = svg(&svgs, "ranking");
    // SVG text sits on a line of its own.
    assert!(ranking.contains("\n3=\n"), "no shared rank label");
    assert!(!ranking.contains("\n4\n"), "rank 4 is shared as 3=");
}

#[test]
fn the_blast_chart_names_each_kind_on_its_line_and_gives_its_frequency() {
    let results = synthetic();
    let svgs = render_and_check(&results, "blast-frequency");
    let blast = svg(&svgs, "blast");
    // Every kind's name once per deployment row and measure panel, not
    // only in a legend, and the total line in each row.
    let lines = results.deployments.len() * results.measures.len();
    for k in [Kind::Region, Kind::ControlPlane, Kind::EastWestGateway] {
        let label = format!("\n{}\n", k.name());
        assert_eq!(blast.matches(&label).count(), lines, "{}", k.name());
    }
    assert_eq!(blast.matches("\nall kinds\n").count(), lines);
    assert!(blast.contains("failures/yr") && blast.contains("hits a year"));
    // Each kind line prints its failures a year (3.0 in the synthetic
    // data) and each total line the deployment's (10).
    assert_eq!(blast.matches("\n3.0\n").count(), lines * 6);
    assert!(blast.contains("\n10\n"));
}
