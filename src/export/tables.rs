//! The summary, pairs, blast-by-kind and incident tables, and the scenario
//! as run.

use super::files::{
    BLAST_BY_KIND_CSV, CAUSE_CSV, INCIDENTS_PARQUET, PAIRS_CSV, SCENARIO_YAML, SUMMARY_CSV,
    SUMMARY_PARQUET, TIMELINE_OUTAGES_CSV, TIMELINE_SERIES_CSV,
};
use super::{run_in_order, Folder, Job};
use crate::results::Results;
use anyhow::Context;
use polars::df;
use polars::prelude::{CsvWriter, DataFrame, ParquetWriter, PolarsResult, SerWriter};

/// Writes every table of `results` into `folder` (which must exist), plus
/// the scenario text as run, running the folder's check before each file.
pub fn write_results(
    folder: &Folder<'_>,
    results: &Results,
    scenario_yaml: &str,
) -> anyhow::Result<()> {
    run_in_order(table_jobs(folder, results, scenario_yaml))
}

/// [`write_results`] as jobs for [`run_in_order`]: incidents.parquet, the
/// largest, then the other tables and the scenario (each waits on the disk
/// in turn, so the two go side by side).
pub fn table_jobs<'a>(
    folder: &'a Folder<'a>,
    results: &'a Results,
    scenario_yaml: &'a str,
) -> Vec<Job<'a>> {
    vec![
        Box::new(move || write_parquet(folder, INCIDENTS_PARQUET, &mut incidents_frame(results)?)),
        Box::new(move || write_small(folder, results, scenario_yaml)),
    ]
}

/// Every table but incidents.parquet, and the scenario.
fn write_small(folder: &Folder<'_>, results: &Results, scenario_yaml: &str) -> anyhow::Result<()> {
    let mut summary = summary_frame(results)?;
    write_csv(folder, SUMMARY_CSV, &mut summary)?;
    write_parquet(folder, SUMMARY_PARQUET, &mut summary)?;
    write_csv(folder, PAIRS_CSV, &mut pairs_frame(results)?)?;
    write_csv(folder, BLAST_BY_KIND_CSV, &mut blast_frame(results)?)?;
    write_csv(folder, CAUSE_CSV, &mut cause_frame(results)?)?;
    write_csv(folder, TIMELINE_OUTAGES_CSV, &mut outages_frame(results)?)?;
    write_csv(folder, TIMELINE_SERIES_CSV, &mut series_frame(results)?)?;
    folder.write(SCENARIO_YAML, scenario_yaml.as_bytes())
}

pub(super) fn write_csv(folder: &Folder<'_>, name: &str, df: &mut DataFrame) -> anyhow::Result<()> {
    let mut f = folder.create(name)?;
    CsvWriter::new(f.file())
        .finish(df)
        .with_context(|| format!("cannot write {}", f.dest().display()))?;
    f.commit()
}

pub(super) fn write_parquet(
    folder: &Folder<'_>,
    name: &str,
    df: &mut DataFrame,
) -> anyhow::Result<()> {
    let mut f = folder.create(name)?;
    let dest = f.dest().to_path_buf();
    // The Parquet writer writes its metadata a field at a time: unbuffered,
    // a 40-row summary took 2,700 write calls.
    let mut buffered = std::io::BufWriter::new(f.file());
    ParquetWriter::new(&mut buffered)
        .finish(df)
        .with_context(|| format!("cannot write {}", dest.display()))?;
    std::io::Write::flush(&mut buffered)
        .with_context(|| format!("cannot write {}", dest.display()))?;
    drop(buffered);
    f.commit()
}

fn summary_frame(r: &Results) -> PolarsResult<DataFrame> {
    let s = &r.summary;
    let col = |f: fn(&crate::results::SummaryRow) -> f64| s.iter().map(f).collect::<Vec<_>>();
    let opt =
        |f: fn(&crate::results::SummaryRow) -> Option<f64>| s.iter().map(f).collect::<Vec<_>>();
    let n = s.len();
    df!(
        "deployment" => s.iter().map(|x| x.deployment.as_str()).collect::<Vec<_>>(),
        "measure" => s.iter().map(|x| x.measure.name()).collect::<Vec<_>>(),
        "unavailability" => col(|x| x.unavailability),
        "ci_low" => opt(|x| x.ci_low),
        "ci_high" => opt(|x| x.ci_high),
        "exact" => opt(|x| x.exact),
        "downtime_min_per_year" => col(|x| x.downtime_min_per_year),
        "nines" => opt(|x| x.nines),
        "incidents_per_year" => col(|x| x.incidents_per_year),
        "blast_mean" => opt(|x| x.blast_mean),
        "blast_p95" => opt(|x| x.blast_p95),
        "blast_max" => opt(|x| x.blast_max),
        "rank" => s.iter().map(|x| x.rank).collect::<Vec<_>>(),
        "replications" => vec![r.replications; n],
        "horizon_years" => vec![r.horizon_years; n],
        "seed" => vec![r.seed; n],
        "tied" => s.iter().map(|x| x.tied).collect::<Vec<_>>(),
        "blast_share_per_year" => col(|x| x.blast_share_per_year),
    )
}

fn pairs_frame(r: &Results) -> PolarsResult<DataFrame> {
    let p = &r.pairs;
    df!(
        "measure" => p.iter().map(|x| x.measure.name()).collect::<Vec<_>>(),
        "a" => p.iter().map(|x| x.a.as_str()).collect::<Vec<_>>(),
        "b" => p.iter().map(|x| x.b.as_str()).collect::<Vec<_>>(),
        "diff_mean" => p.iter().map(|x| x.diff_mean).collect::<Vec<_>>(),
        "ci_low" => p.iter().map(|x| x.ci_low).collect::<Vec<_>>(),
        "ci_high" => p.iter().map(|x| x.ci_high).collect::<Vec<_>>(),
    )
}

fn blast_frame(r: &Results) -> PolarsResult<DataFrame> {
    let b = &r.blast_by_kind;
    df!(
        "deployment" => b.iter().map(|x| x.deployment.as_str()).collect::<Vec<_>>(),
        "measure" => b.iter().map(|x| x.measure.name()).collect::<Vec<_>>(),
        "kind" => b.iter().map(|x| x.kind.name()).collect::<Vec<_>>(),
        "incidents_per_year" => b.iter().map(|x| x.incidents_per_year).collect::<Vec<_>>(),
        "blast_mean" => b.iter().map(|x| x.blast_mean).collect::<Vec<_>>(),
        "blast_p50" => b.iter().map(|x| x.blast_p50).collect::<Vec<_>>(),
        "blast_p95" => b.iter().map(|x| x.blast_p95).collect::<Vec<_>>(),
        "blast_max" => b.iter().map(|x| x.blast_max).collect::<Vec<_>>(),
        "blast_share_per_year" => b.iter().map(|x| x.blast_share_per_year).collect::<Vec<_>>(),
    )
}

fn incidents_frame(r: &Results) -> PolarsResult<DataFrame> {
    let i = &r.incidents;
    df!(
        "replication" => i.iter().map(|x| x.replication).collect::<Vec<_>>(),
        "time_h" => i.iter().map(|x| x.time_h).collect::<Vec<_>>(),
        "kind" => i.iter().map(|x| x.kind.name()).collect::<Vec<_>>(),
        "component" => i.iter().map(|x| &*x.component).collect::<Vec<_>>(),
        "deployment" => i.iter().map(|x| &*x.deployment).collect::<Vec<_>>(),
        "measure" => i.iter().map(|x| x.measure.name()).collect::<Vec<_>>(),
        "blast" => i.iter().map(|x| x.blast).collect::<Vec<_>>(),
    )
}

fn cause_frame(r: &Results) -> PolarsResult<DataFrame> {
    let c = &r.cause;
    df!(
        "deployment" => c.iter().map(|x| x.deployment.as_str()).collect::<Vec<_>>(),
        "measure" => c.iter().map(|x| x.measure.name()).collect::<Vec<_>>(),
        "kind" => c.iter().map(|x| x.kind.name()).collect::<Vec<_>>(),
        "unavailability" => c.iter().map(|x| x.unavailability).collect::<Vec<_>>(),
    )
}

fn outages_frame(r: &Results) -> PolarsResult<DataFrame> {
    let o = &r.timeline.outages;
    df!(
        "replication" => vec![r.timeline.replication; o.len()],
        "component" => o.iter().map(|x| x.component.as_str()).collect::<Vec<_>>(),
        "kind" => o.iter().map(|x| x.kind.name()).collect::<Vec<_>>(),
        "start_h" => o.iter().map(|x| x.start_h).collect::<Vec<_>>(),
        "end_h" => o.iter().map(|x| x.end_h).collect::<Vec<_>>(),
    )
}

fn series_frame(r: &Results) -> PolarsResult<DataFrame> {
    let mut deployment = Vec::new();
    let mut measure = Vec::new();
    let mut time = Vec::new();
    let mut share = Vec::new();
    for s in &r.timeline.series {
        for &(t, v) in &s.points {
            deployment.push(s.deployment.as_str());
            measure.push(s.measure.name());
            time.push(t);
            share.push(v);
        }
    }
    df!(
        "deployment" => deployment,
        "measure" => measure,
        "time_h" => time,
        "bad_share" => share,
    )
}
