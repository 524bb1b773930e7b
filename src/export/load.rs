//! Reads a results folder back into [`Results`], so `meshsim plot` can
//! redraw the charts of an earlier run without simulating again. Only what
//! the charts and tables need is read: the summary, pairs, blast radii by
//! kind, causes and the timeline (not the per-replication and incident
//! files), by the names the writers use (`files.rs`).

use super::files::{
    BLAST_BY_KIND_CSV, CAUSE_CSV, PAIRS_CSV, SCENARIO_YAML, SUMMARY_CSV, TIMELINE_OUTAGES_CSV,
    TIMELINE_SERIES_CSV,
};
use crate::model::{Kind, Measure};
use crate::results::{BlastRow, CauseRow, Outage, PairRow, Results, Series, SummaryRow, Timeline};
use anyhow::{anyhow, Context};
use polars::prelude::{CsvReadOptions, DataFrame, DataType, SerReader};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

/// Loads the results written by `meshsim run` into `dir`.
pub fn load_results(dir: &Path) -> anyhow::Result<Results> {
    let summary = Table::read(dir, SUMMARY_CSV)?;
    let mut rows = Vec::new();
    for i in 0..summary.len() {
        rows.push(SummaryRow {
            deployment: summary.text("deployment", i)?,
            measure: summary.measure(i)?,
            unavailability: summary.num("unavailability", i)?.unwrap_or(0.0),
            ci_low: summary.num("ci_low", i)?,
            ci_high: summary.num("ci_high", i)?,
            exact: summary.num("exact", i)?,
            downtime_min_per_year: summary.num("downtime_min_per_year", i)?.unwrap_or(0.0),
            nines: summary.num("nines", i)?,
            incidents_per_year: summary.num("incidents_per_year", i)?.unwrap_or(0.0),
            blast_mean: summary.num("blast_mean", i)?,
            blast_p95: summary.num("blast_p95", i)?,
            blast_max: summary.num("blast_max", i)?,
            rank: summary.num("rank", i)?.unwrap_or(0.0) as u32,
            tied: summary.flag("tied", i)?,
            blast_share_per_year: summary.num("blast_share_per_year", i)?.unwrap_or(0.0),
        });
    }
    let first = |col: &str| -> anyhow::Result<f64> {
        if summary.len() == 0 {
            return Ok(0.0);
        }
        Ok(summary.num(col, 0)?.unwrap_or(0.0))
    };
    let mut deployments: Vec<String> = Vec::new();
    let mut measures: Vec<Measure> = Vec::new();
    for r in &rows {
        if !deployments.contains(&r.deployment) {
            deployments.push(r.deployment.clone());
        }
        if !measures.contains(&r.measure) {
            measures.push(r.measure);
        }
    }

    let pairs_t = Table::read(dir, PAIRS_CSV)?;
    let pairs = (0..pairs_t.len())
        .map(|i| {
            Ok(PairRow {
                measure: pairs_t.measure(i)?,
                a: pairs_t.text("a", i)?,
                b: pairs_t.text("b", i)?,
                diff_mean: pairs_t.num("diff_mean", i)?.unwrap_or(0.0),
                ci_low: pairs_t.num("ci_low", i)?,
                ci_high: pairs_t.num("ci_high", i)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let blast_t = Table::read(dir, BLAST_BY_KIND_CSV)?;
    let blast_by_kind = (0..blast_t.len())
        .map(|i| {
            Ok(BlastRow {
                deployment: blast_t.text("deployment", i)?,
                measure: blast_t.measure(i)?,
                kind: blast_t.kind(i)?,
                incidents_per_year: blast_t.num("incidents_per_year", i)?.unwrap_or(0.0),
                blast_mean: blast_t.num("blast_mean", i)?.unwrap_or(0.0),
                blast_p50: blast_t.num("blast_p50", i)?.unwrap_or(0.0),
                blast_p95: blast_t.num("blast_p95", i)?.unwrap_or(0.0),
                blast_max: blast_t.num("blast_max", i)?.unwrap_or(0.0),
                blast_share_per_year: blast_t.num("blast_share_per_year", i)?.unwrap_or(0.0),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let cause_t = Table::read(dir, CAUSE_CSV)?;
    let cause = (0..cause_t.len())
        .map(|i| {
            Ok(CauseRow {
                deployment: cause_t.text("deployment", i)?,
                measure: cause_t.measure(i)?,
                kind: cause_t.kind(i)?,
                unavailability: cause_t.num("unavailability", i)?.unwrap_or(0.0),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let outages_t = Table::read(dir, TIMELINE_OUTAGES_CSV)?;
    let mut timeline = Timeline::default();
    for i in 0..outages_t.len() {
        timeline.replication = outages_t.num("replication", i)?.unwrap_or(0.0) as u64;
        timeline.outages.push(Outage {
            component: outages_t.text("component", i)?,
            kind: outages_t.kind(i)?,
            start_h: outages_t.num("start_h", i)?.unwrap_or(0.0),
            end_h: outages_t.num("end_h", i)?.unwrap_or(0.0),
        });
    }
    let series_t = Table::read(dir, TIMELINE_SERIES_CSV)?;
    for i in 0..series_t.len() {
        let deployment = series_t.text("deployment", i)?;
        let measure = series_t.measure(i)?;
        let point = (
            series_t.num("time_h", i)?.unwrap_or(0.0),
            series_t.num("bad_share", i)?.unwrap_or(0.0),
        );
        match timeline.series.last_mut() {
            Some(s) if s.deployment == deployment && s.measure == measure => s.points.push(point),
            _ => timeline.series.push(Series {
                deployment,
                measure,
                points: vec![point],
            }),
        }
    }
    let horizon_years = first("horizon_years")?;
    timeline.hours =
        (horizon_years * crate::model::HOURS_PER_YEAR).min(crate::model::HOURS_PER_YEAR);

    Ok(Results {
        scenario: scenario_name(dir),
        seed: first("seed")? as u64,
        replications: first("replications")? as u64,
        horizon_years,
        deployments,
        measures,
        summary: rows,
        pairs,
        blast_by_kind,
        incidents: Vec::new(),
        cause,
        timeline,
        events: 0,
        precision_reached: None,
    })
}

/// `metadata.name` from the folder's `scenario.yaml`, else the folder name.
fn scenario_name(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(SCENARIO_YAML))
        .ok()
        .and_then(|text| crate::scenario::Document::parse(&text, SCENARIO_YAML).ok())
        .map(|doc| doc.file.metadata.name)
        .unwrap_or_else(|| {
            dir.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        })
}

/// One CSV file of the results folder, with its columns converted once
/// (on first use) to text or numbers.
struct Table {
    name: String,
    df: DataFrame,
    texts: RefCell<HashMap<String, Rc<Vec<String>>>>,
    nums: RefCell<HashMap<String, Rc<Vec<Option<f64>>>>>,
}

impl Table {
    fn read(dir: &Path, name: &str) -> anyhow::Result<Table> {
        let path = dir.join(name);
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(None)
            .try_into_reader_with_file_path(Some(path.clone()))
            .and_then(|r| r.finish())
            .with_context(|| {
                format!(
                    "cannot read {}; is this a results folder written by `meshsim run`?",
                    path.display()
                )
            })?;
        Ok(Table {
            name: name.to_string(),
            df,
            texts: RefCell::default(),
            nums: RefCell::default(),
        })
    }

    fn len(&self) -> usize {
        self.df.height()
    }

    fn column(&self, col: &str) -> anyhow::Result<&polars::prelude::Column> {
        self.df
            .column(col)
            .with_context(|| format!("{}: no column `{col}`", self.name))
    }

    fn text(&self, col: &str, i: usize) -> anyhow::Result<String> {
        if let Some(values) = self.texts.borrow().get(col) {
            return Ok(values[i].clone());
        }
        let c = self.column(col)?.cast(&DataType::String)?;
        let ca = c.str()?;
        let values: Vec<String> = (0..ca.len())
            .map(|i| ca.get(i).unwrap_or_default().to_string())
            .collect();
        let values = Rc::new(values);
        self.texts
            .borrow_mut()
            .insert(col.to_string(), values.clone());
        Ok(values[i].clone())
    }

    fn num(&self, col: &str, i: usize) -> anyhow::Result<Option<f64>> {
        if let Some(values) = self.nums.borrow().get(col) {
            return Ok(values[i]);
        }
        let c = self.column(col)?.cast(&DataType::Float64)?;
        let ca = c.f64()?;
        let values = Rc::new((0..ca.len()).map(|i| ca.get(i)).collect::<Vec<_>>());
        self.nums
            .borrow_mut()
            .insert(col.to_string(), values.clone());
        Ok(values[i])
    }

    /// A `true`/`false` column.
    fn flag(&self, col: &str, i: usize) -> anyhow::Result<bool> {
        match self.text(col, i)?.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(anyhow!(
                "{}: `{col}` is `{other}`, not true or false",
                self.name
            )),
        }
    }

    fn measure(&self, i: usize) -> anyhow::Result<Measure> {
        let name = self.text("measure", i)?;
        Measure::from_name(&name).ok_or_else(|| anyhow!("{}: unknown measure `{name}`", self.name))
    }

    fn kind(&self, i: usize) -> anyhow::Result<Kind> {
        let name = self.text("kind", i)?;
        Kind::from_name(&name).ok_or_else(|| anyhow!("{}: unknown kind `{name}`", self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_without_the_summary_names_the_file_it_looked_for() {
        let dir = tempfile::tempdir().unwrap();
        let err = format!("{:#}", load_results(dir.path()).unwrap_err());
        let want = dir.path().join(SUMMARY_CSV);
        assert!(
            err.starts_with(&format!(
                "cannot read {}; is this a results folder written by `meshsim run`?",
                want.display()
            )),
            "{err}"
        );
    }
}
