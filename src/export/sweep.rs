//! `sweep.csv` and `sweep.parquet`: the tidy table of a sweep, one row per
//! point × deployment × measure (docs/studies.md, "Sweep results").
//!
//! Columns: `point`; per parameter its value as written (`<path>`) and,
//! for durations and rates, as a number (`<path>_hours`,
//! `<path>_per_year`; counts and shapes are numbers already, so their
//! column is numeric itself); then the summary columns of `summary.csv`;
//! then `point_folder`, the point's own results folder (empty for
//! `--exact-only`, which keeps none).

use super::files::{SWEEP_CSV, SWEEP_PARQUET};
use super::tables::{write_csv, write_parquet};
use super::Folder;
use crate::results::SummaryRow;
use crate::study::{Sweep, Unit};
use polars::prelude::{Column, DataFrame, NamedFrom, PolarsResult, Series};

/// What a point was run with, beside its answers.
#[derive(Clone, Debug, PartialEq)]
pub struct PointRun {
    /// Replications simulated (0 for `--exact-only`).
    pub replications: u64,
    /// Measured years per replication.
    pub horizon_years: f64,
    /// The seed (the same for every point: common random numbers).
    pub seed: u64,
    /// `points/<key>`, relative to the sweep folder; empty when none.
    pub folder: String,
}

/// Writes `sweep.csv` and `sweep.parquet` into `folder`, each atomically.
pub fn write_sweep(folder: &Folder<'_>, sweep: &Sweep, runs: &[PointRun]) -> anyhow::Result<()> {
    let mut frame = sweep_frame(sweep, runs)?;
    write_csv(folder, SWEEP_CSV, &mut frame)?;
    write_parquet(folder, SWEEP_PARQUET, &mut frame)
}

fn sweep_frame(sweep: &Sweep, runs: &[PointRun]) -> PolarsResult<DataFrame> {
    // One entry per row: the point's index and its summary row.
    let rows: Vec<(usize, &SummaryRow)> = sweep
        .points
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.summary.iter().map(move |r| (i, r)))
        .collect();
    let mut cols: Vec<Column> = Vec::new();
    let mut push = |c: Series| cols.push(Column::from(c));
    push(Series::new(
        "point".into(),
        rows.iter().map(|(i, _)| *i as u64).collect::<Vec<_>>(),
    ));
    for (k, p) in sweep.parameters.iter().enumerate() {
        let value = |i: usize| &p.values[sweep.points[i].coords[k]];
        let numbers: Vec<f64> = rows.iter().map(|(i, _)| value(*i).number).collect();
        match p.unit {
            Unit::Plain => push(Series::new(p.path.as_str().into(), numbers)),
            Unit::Hours | Unit::PerYear => {
                let texts: Vec<&str> = rows.iter().map(|(i, _)| value(*i).text.as_str()).collect();
                push(Series::new(p.path.as_str().into(), texts));
                let suffix = if p.unit == Unit::Hours {
                    "hours"
                } else {
                    "per_year"
                };
                push(Series::new(format!("{}_{suffix}", p.path).into(), numbers));
            }
        }
    }
    let f = |g: fn(&SummaryRow) -> f64| rows.iter().map(|(_, r)| g(r)).collect::<Vec<_>>();
    let o = |g: fn(&SummaryRow) -> Option<f64>| rows.iter().map(|(_, r)| g(r)).collect::<Vec<_>>();
    let run = |g: fn(&PointRun) -> u64| rows.iter().map(|(i, _)| g(&runs[*i])).collect::<Vec<_>>();
    push(Series::new(
        "deployment".into(),
        rows.iter()
            .map(|(_, r)| r.deployment.as_str())
            .collect::<Vec<_>>(),
    ));
    push(Series::new(
        "measure".into(),
        rows.iter()
            .map(|(_, r)| r.measure.name())
            .collect::<Vec<_>>(),
    ));
    push(Series::new(
        "unavailability".into(),
        f(|r| r.unavailability),
    ));
    push(Series::new("ci_low".into(), o(|r| r.ci_low)));
    push(Series::new("ci_high".into(), o(|r| r.ci_high)));
    push(Series::new("exact".into(), o(|r| r.exact)));
    push(Series::new(
        "downtime_min_per_year".into(),
        f(|r| r.downtime_min_per_year),
    ));
    push(Series::new("nines".into(), o(|r| r.nines)));
    push(Series::new(
        "incidents_per_year".into(),
        f(|r| r.incidents_per_year),
    ));
    push(Series::new("blast_mean".into(), o(|r| r.blast_mean)));
    push(Series::new("blast_p95".into(), o(|r| r.blast_p95)));
    push(Series::new("blast_max".into(), o(|r| r.blast_max)));
    push(Series::new(
        "rank".into(),
        rows.iter().map(|(_, r)| r.rank).collect::<Vec<_>>(),
    ));
    push(Series::new("replications".into(), run(|p| p.replications)));
    push(Series::new(
        "horizon_years".into(),
        rows.iter()
            .map(|(i, _)| runs[*i].horizon_years)
            .collect::<Vec<_>>(),
    ));
    push(Series::new("seed".into(), run(|p| p.seed)));
    push(Series::new(
        "tied".into(),
        rows.iter().map(|(_, r)| r.tied).collect::<Vec<_>>(),
    ));
    push(Series::new(
        "blast_share_per_year".into(),
        f(|r| r.blast_share_per_year),
    ));
    push(Series::new(
        "point_folder".into(),
        rows.iter()
            .map(|(i, _)| runs[*i].folder.as_str())
            .collect::<Vec<_>>(),
    ));
    DataFrame::new_infer_height(cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Measure;
    use crate::study::{Parameter, PointResult, Scale, Value};

    fn parameter(path: &str, unit: Unit, texts: &[(&str, f64)]) -> Parameter {
        Parameter {
            path: path.into(),
            unit,
            scale: Scale::Linear,
            continuous: unit != Unit::Plain,
            values: texts
                .iter()
                .map(|&(t, n)| Value {
                    text: t.into(),
                    number: n,
                })
                .collect(),
        }
    }

    #[test]
    fn parameters_come_first_with_numeric_columns_for_rates_and_durations() {
        let row = SummaryRow {
            exact: Some(1e-4),
            nines: Some(4.0),
            ..SummaryRow::estimate("a", Measure::Config, 1e-4)
        };
        let sweep = Sweep {
            parameters: vec![
                parameter(
                    "spec.configChanges.rate",
                    Unit::PerYear,
                    &[("4/y", 4.0), ("1/w", 52.142857)],
                ),
                parameter("spec.topology.clustersPerZone", Unit::Plain, &[("2", 2.0)]),
            ],
            points: (0..2)
                .map(|i| PointResult {
                    coords: vec![i, 0],
                    summary: vec![row.clone()],
                    pairs: vec![],
                })
                .collect(),
            exact_only: true,
            mode: crate::study::SweepMode::Grid,
        };
        let run = PointRun {
            replications: 0,
            horizon_years: 10.0,
            seed: 1,
            folder: String::new(),
        };
        let frame = sweep_frame(&sweep, &[run.clone(), run]).unwrap();
        let names: Vec<String> = frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(
            &names[..6],
            [
                "point",
                "spec.configChanges.rate",
                "spec.configChanges.rate_per_year",
                "spec.topology.clustersPerZone",
                "deployment",
                "measure"
            ]
        );
        assert_eq!(names.last().unwrap(), "point_folder");
        assert_eq!(frame.height(), 2);
        let rate = frame.column("spec.configChanges.rate").unwrap();
        assert_eq!(rate.str().unwrap().get(1), Some("1/w"));
    }
}
