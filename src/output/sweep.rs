//! The terminal view of a sweep: one compact table per measure, points
//! down and deployments across, each cell the downtime in minutes a year
//! with its 95% interval. The files keep everything; this is for reading
//! the shape of the curves at a glance, so a long sweep is cut to its
//! first rows with a pointer to `sweep.csv`.

use super::table::render;
use crate::results::{SummaryRow, MINUTES_PER_YEAR};
use crate::study::Sweep;

/// Rows shown per measure before the table is cut.
pub const MAX_ROWS: usize = 40;

/// One table per measure.
pub fn tables(sweep: &Sweep) -> String {
    let deployments: Vec<&str> = {
        let mut out: Vec<&str> = Vec::new();
        for r in sweep.points.iter().flat_map(|p| &p.summary) {
            if !out.contains(&r.deployment.as_str()) {
                out.push(&r.deployment);
            }
        }
        out
    };
    let mut text = String::new();
    for m in sweep.measures() {
        let mut header: Vec<String> = sweep
            .parameters
            .iter()
            .map(|p| p.path.strip_prefix("spec.").unwrap_or(&p.path).to_string())
            .collect();
        header.extend(deployments.iter().map(|d| d.to_string()));
        let mut rows = Vec::new();
        for p in sweep.points.iter().take(MAX_ROWS) {
            let mut row: Vec<String> = sweep
                .parameters
                .iter()
                .zip(&p.coords)
                .map(|(par, &i)| par.values[i].text.clone())
                .collect();
            for d in &deployments {
                let cell = p
                    .summary
                    .iter()
                    .find(|r| r.measure == m && r.deployment == *d)
                    .map_or_else(|| "—".to_string(), cell);
                row.push(cell);
            }
            rows.push(row);
        }
        let head: Vec<&str> = header.iter().map(String::as_str).collect();
        text += &format!(
            "{}: downtime, min/year{}\n",
            m.name(),
            if sweep.exact_only {
                " (exact)"
            } else {
                " (95% interval)"
            }
        );
        text += &render(&head, &rows, 0);
        if sweep.points.len() > MAX_ROWS {
            text += &format!(
                "… {} more points in sweep.csv\n",
                sweep.points.len() - MAX_ROWS
            );
        }
        text.push('\n');
    }
    text
}

/// `12.3 (11.0–13.6)`, or the value alone without an interval.
fn cell(r: &SummaryRow) -> String {
    let min = |x: f64| format_minutes(x * MINUTES_PER_YEAR);
    match (r.ci_low, r.ci_high) {
        (Some(lo), Some(hi)) => format!("{} ({}–{})", min(r.unavailability), min(lo), min(hi)),
        _ => min(r.unavailability),
    }
}

/// Three significant digits, at least one decimal below 100.
fn format_minutes(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else if x >= 0.01 || x == 0.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Measure;
    use crate::study::{Parameter, PointResult, Scale, Unit, Value};

    fn row(dep: &str, u: f64, ci: Option<(f64, f64)>) -> SummaryRow {
        SummaryRow {
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
            ..SummaryRow::estimate(dep, Measure::PodStart, u)
        }
    }

    fn sweep(points: usize, ci: bool) -> Sweep {
        let values = (0..points)
            .map(|i| Value {
                text: format!("{}d", i + 1),
                number: 24.0 * (i + 1) as f64,
            })
            .collect();
        let u = 1e-4;
        Sweep {
            parameters: vec![Parameter {
                path: "spec.failures.zone.repair.median".into(),
                unit: Unit::Hours,
                scale: Scale::Linear,
                continuous: true,
                values,
            }],
            points: (0..points)
                .map(|i| PointResult {
                    coords: vec![i],
                    summary: vec![
                        row("a", u, ci.then_some((0.5 * u, 1.5 * u))),
                        row("b", 2e-8, None),
                    ],
                    pairs: vec![],
                })
                .collect(),
            exact_only: !ci,
            mode: crate::study::SweepMode::Grid,
        }
    }

    #[test]
    fn points_go_down_deployments_across_with_intervals_in_minutes() {
        let text = tables(&sweep(2, true));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "podStart: downtime, min/year (95% interval)");
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            ["failures.zone.repair.median", "a", "b"]
        );
        // 1e-4 of a year is 52.56 minutes; 2e-8 is 0.0105.
        assert_eq!(
            lines[3].split_whitespace().collect::<Vec<_>>(),
            ["1d", "52.6", "(26.3–78.8)", "0.01"]
        );
        assert_eq!(lines.len(), 6);
    }

    #[test]
    fn exact_tables_say_so_and_long_sweeps_are_cut() {
        let text = tables(&sweep(MAX_ROWS + 5, false));
        assert!(text.starts_with("podStart: downtime, min/year (exact)\n"));
        assert!(text.contains("… 5 more points in sweep.csv\n"), "{text}");
        assert!(!text.contains(&format!("{}d ", MAX_ROWS + 1)), "{text}");
        assert_eq!(format_minutes(0.001), "1.0e-3");
        assert_eq!(format_minutes(1234.4), "1234");
    }
}
