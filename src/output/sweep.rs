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
