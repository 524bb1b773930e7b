//! The results of a run: one struct, with units in the field names, that
//! every table, file and chart reads.

pub mod claims;
pub mod rank;
mod timeline;

use crate::engine::Tally;
use crate::model::{exact, Kind, Layout, Measure, Model, HOURS_PER_YEAR};
use std::sync::Arc;

/// Minutes per (365-day) year.
pub const MINUTES_PER_YEAR: f64 = HOURS_PER_YEAR * 60.0;

/// Rows per row group of `replications.parquet` (a row is one replication
/// × deployment × measure), in whole replications. The writer holds one row
/// group while it builds it, and polars' writer keeps about 12 KB per row
/// group until it writes the footer: 65,536 rows keep both small (6 MB and
/// 0.2 byte per row). It is here, in the core, so the run-size estimate
/// counts the same rows.
pub const ROW_GROUP_ROWS: u64 = 65_536;

/// Replications per row group of `replications.parquet` for a scenario of
/// `deployments` × `measures` rows per replication: as many whole
/// replications as fit in [`ROW_GROUP_ROWS`], at least one.
pub fn replications_per_row_group(deployments: usize, measures: usize) -> u64 {
    (ROW_GROUP_ROWS / (deployments * measures).max(1) as u64).max(1)
}

/// One deployment × measure.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// Deployment name.
    pub deployment: String,
    /// Measure.
    pub measure: Measure,
    /// Fraction of live proxy-time in the bad state.
    pub unavailability: f64,
    /// 95% interval, lower end (clamped at 0).
    pub ci_low: Option<f64>,
    /// 95% interval, upper end.
    pub ci_high: Option<f64>,
    /// Exact long-run value, where there is a closed form.
    pub exact: Option<f64>,
    /// `unavailability` × minutes in a year.
    pub downtime_min_per_year: f64,
    /// −log10(unavailability); `None` when it is 0.
    pub nines: Option<f64>,
    /// Incidents per year that hurt this deployment and measure.
    pub incidents_per_year: f64,
    /// Mean share of the mesh's proxies an incident that hurts turns bad.
    pub blast_mean: Option<f64>,
    /// 95th percentile of that share.
    pub blast_p95: Option<f64>,
    /// Largest share.
    pub blast_max: Option<f64>,
    /// 1 = most available deployment for this measure; deployments whose
    /// paired interval contains zero share a rank ([`rank`]).
    pub rank: u32,
    /// Another deployment of this measure shares `rank`.
    pub tied: bool,
    /// `incidents_per_year` × `blast_mean` (0 without incidents): the
    /// blast radii of a year's incidents summed, in shares of the mesh's
    /// proxies — how many times a year the average proxy is hurt. Beside
    /// the size of a blast it says how often, so a rare large blast does
    /// not read as worse than a frequent small one.
    pub blast_share_per_year: f64,
}

impl SummaryRow {
    /// A row that knows only its estimate: no interval, exact value, blast
    /// radius or incidents, rank 1. What an `--exact-only` sweep point
    /// starts from, and what tests fill in with `..`.
    pub fn estimate(deployment: &str, measure: Measure, unavailability: f64) -> Self {
        SummaryRow {
            deployment: deployment.to_string(),
            measure,
            unavailability,
            ci_low: None,
            ci_high: None,
            exact: None,
            downtime_min_per_year: unavailability * MINUTES_PER_YEAR,
            nines: (unavailability > 0.0).then(|| -unavailability.log10()),
            incidents_per_year: 0.0,
            blast_mean: None,
            blast_p95: None,
            blast_max: None,
            rank: 1,
            tied: false,
            blast_share_per_year: 0.0,
        }
    }

    /// The rank as printed: "2=" when another deployment shares it.
    pub fn rank_label(&self) -> String {
        if self.tied {
            format!("{}=", self.rank)
        } else {
            self.rank.to_string()
        }
    }
}

/// Paired difference a − b of one measure.
#[derive(Clone, Debug, PartialEq)]
pub struct PairRow {
    /// Measure.
    pub measure: Measure,
    /// First deployment.
    pub a: String,
    /// Second deployment.
    pub b: String,
    /// unavailability(a) − unavailability(b).
    pub diff_mean: f64,
    /// 95% interval of the difference, paired per replication.
    pub ci_low: Option<f64>,
    /// Upper end.
    pub ci_high: Option<f64>,
}

/// Blast radius of one component kind on one deployment and measure.
#[derive(Clone, Debug, PartialEq)]
pub struct BlastRow {
    /// Deployment name.
    pub deployment: String,
    /// Measure.
    pub measure: Measure,
    /// Component kind.
    pub kind: Kind,
    /// Incidents per year with a non-zero blast radius.
    pub incidents_per_year: f64,
    /// Mean share of the mesh's proxies.
    pub blast_mean: f64,
    /// Median.
    pub blast_p50: f64,
    /// 95th percentile.
    pub blast_p95: f64,
    /// Largest.
    pub blast_max: f64,
    /// `incidents_per_year` × `blast_mean`: this kind's blast radii of a
    /// year summed, in shares of the mesh's proxies.
    pub blast_share_per_year: f64,
}

/// The part of a deployment's unavailability that one component kind
/// caused (`cause.csv`): bad proxy-time is attributed to the kind of the
/// highest failed component on the path that made the proxy bad, at the
/// moment it turned bad (see docs/semantics.md). The parts of a deployment
/// and measure add up to its unavailability.
#[derive(Clone, Debug, PartialEq)]
pub struct CauseRow {
    /// Deployment name.
    pub deployment: String,
    /// Measure.
    pub measure: Measure,
    /// Component kind.
    pub kind: Kind,
    /// Part of `unavailability` attributed to this kind.
    pub unavailability: f64,
}

/// One outage of one component in the timeline replication.
#[derive(Clone, Debug, PartialEq)]
pub struct Outage {
    /// Component name.
    pub component: String,
    /// Component kind.
    pub kind: Kind,
    /// Start, hours since the end of the warm-up (clipped to the timeline).
    pub start_h: f64,
    /// End, hours since the end of the warm-up (clipped to the timeline).
    pub end_h: f64,
}

/// The share of the mesh's proxies that are bad, over time, for one
/// deployment and measure: a step function, each point holding until the
/// next.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Deployment name.
    pub deployment: String,
    /// Measure.
    pub measure: Measure,
    /// (hours since the end of the warm-up, bad share of the mesh's
    /// proxies from then on), in time order, starting at 0.
    pub points: Vec<(f64, f64)>,
}

/// The first year (or the whole horizon, if shorter) of replication 0, for
/// the timeline chart (`timeline_outages.csv`, `timeline_series.csv`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Timeline {
    /// Which replication.
    pub replication: u64,
    /// Length shown, hours.
    pub hours: f64,
    /// Every component outage that overlaps the shown period.
    pub outages: Vec<Outage>,
    /// Per deployment and measure.
    pub series: Vec<Series>,
}

/// One kept incident (`incidents.parquet`).
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRecord {
    /// Replication.
    pub replication: u64,
    /// Hours since the end of the warm-up.
    pub time_h: f64,
    /// Component kind.
    pub kind: Kind,
    /// Component name (shared by its rows: a hundred thousand rows would
    /// otherwise each copy their names, which cost more time than the
    /// simulation of a short run).
    pub component: Arc<str>,
    /// Deployment name (shared likewise).
    pub deployment: Arc<str>,
    /// Measure.
    pub measure: Measure,
    /// Share of the mesh's proxies.
    pub blast: f64,
}

/// Everything a run reports.
#[derive(Clone, Debug)]
pub struct Results {
    /// `metadata.name`.
    pub scenario: String,
    /// Root seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u64,
    /// Measured years per replication.
    pub horizon_years: f64,
    /// Deployment names in scenario order.
    pub deployments: Vec<String>,
    /// The measures reported (`badConfig` only with `configChanges`).
    pub measures: Vec<Measure>,
    /// One row per deployment × measure, deployments in scenario order.
    pub summary: Vec<SummaryRow>,
    /// Paired differences, every ordered pair.
    pub pairs: Vec<PairRow>,
    /// Blast radius per component kind (kinds with incidents only).
    pub blast_by_kind: Vec<BlastRow>,
    /// Kept incidents.
    pub incidents: Vec<IncidentRecord>,
    /// Unavailability by cause, every deployment × measure × kind.
    pub cause: Vec<CauseRow>,
    /// One replication's first year.
    pub timeline: Timeline,
    /// Component transitions simulated.
    pub events: u64,
    /// For `precision:` runs: was the target reached?
    pub precision_reached: Option<bool>,
}

impl Results {
    /// Assembles the results of `tally`, with exact answers from `model`.
    pub fn new(model: &Model, tally: &Tally) -> Self {
        let exact = exact::unavailability(model);
        let years = tally.replications as f64 * model.horizon_hours / HOURS_PER_YEAR;
        let per_year = |n: u64| if years > 0.0 { n as f64 / years } else { 0.0 };
        let measures = model.measures();
        let mut summary = Vec::new();
        for (d, dep) in model.deployments.iter().enumerate() {
            for &m in &measures {
                let slot = Layout::slot(d, m.index());
                let ratio = &tally.ratio[slot];
                let u = ratio.estimate().unwrap_or(0.0);
                let hw = ratio.half_width();
                let blast = &tally.blast[Layout::blast(slot, 0)];
                summary.push(SummaryRow {
                    deployment: dep.name.clone(),
                    measure: m,
                    unavailability: u,
                    ci_low: hw.map(|h| (u - h).max(0.0)),
                    ci_high: hw.map(|h| u + h),
                    exact: exact[d][m.index()],
                    downtime_min_per_year: u * MINUTES_PER_YEAR,
                    nines: (u > 0.0).then(|| -u.log10()),
                    incidents_per_year: per_year(blast.count()),
                    blast_mean: blast.mean(),
                    blast_p95: blast.quantile(0.95),
                    blast_max: blast.max(),
                    rank: 0,
                    tied: false,
                    blast_share_per_year: per_year(blast.count()) * blast.mean().unwrap_or(0.0),
                });
            }
        }
        let paired = |m: Measure, a: usize, b: usize| {
            let r = tally.pair(m.index(), a, b);
            let diff = r.estimate().unwrap_or(0.0);
            r.half_width().map(|h| (diff - h, diff + h))
        };
        for &m in &measures {
            let values: Vec<f64> = summary
                .iter()
                .filter(|r| r.measure == m)
                .map(|r| r.unavailability)
                .collect();
            let ranks = rank::ranks(&values, |a, b| paired(m, a, b));
            for (row, r) in summary.iter_mut().filter(|r| r.measure == m).zip(ranks) {
                row.rank = r.rank;
                row.tied = r.tied;
            }
        }
        let mut pairs = Vec::new();
        for &m in &measures {
            for (a, da) in model.deployments.iter().enumerate() {
                for (b, db) in model.deployments.iter().enumerate() {
                    if a == b {
                        continue;
                    }
                    let r = tally.pair(m.index(), a, b);
                    let diff = r.estimate().unwrap_or(0.0);
                    let hw = r.half_width();
                    pairs.push(PairRow {
                        measure: m,
                        a: da.name.clone(),
                        b: db.name.clone(),
                        diff_mean: diff,
                        ci_low: hw.map(|h| diff - h),
                        ci_high: hw.map(|h| diff + h),
                    });
                }
            }
        }
        let mut blast_by_kind = Vec::new();
        let mut cause = Vec::new();
        for (d, dep) in model.deployments.iter().enumerate() {
            for &m in &measures {
                for kind in Kind::ALL {
                    let hours = tally.cause_proxy_hours[Layout::cell(d, m.index(), kind.index())];
                    if hours > 0.0 && tally.live_proxy_hours > 0.0 {
                        cause.push(CauseRow {
                            deployment: dep.name.clone(),
                            measure: m,
                            kind,
                            unavailability: hours / tally.live_proxy_hours,
                        });
                    }
                }
            }
        }
        for (d, dep) in model.deployments.iter().enumerate() {
            for &m in &measures {
                for kind in Kind::ALL {
                    let slot = Layout::slot(d, m.index());
                    let b = &tally.blast[Layout::blast(slot, 1 + kind.index())];
                    if let (Some(mean), Some(p50), Some(p95), Some(max)) =
                        (b.mean(), b.quantile(0.5), b.quantile(0.95), b.max())
                    {
                        blast_by_kind.push(BlastRow {
                            deployment: dep.name.clone(),
                            measure: m,
                            kind,
                            incidents_per_year: per_year(b.count()),
                            blast_mean: mean,
                            blast_p50: p50,
                            blast_p95: p95,
                            blast_max: max,
                            blast_share_per_year: per_year(b.count()) * mean,
                        });
                    }
                }
            }
        }
        let component_names: Vec<Arc<str>> = model
            .components
            .iter()
            .map(|c| c.name.as_str().into())
            .collect();
        let change_name: Arc<str> = "configChange".into();
        let deployment_names: Vec<Arc<str>> = model
            .deployments
            .iter()
            .map(|d| d.name.as_str().into())
            .collect();
        let incidents = tally
            .incidents
            .iter()
            .filter(|(_, row)| measures.contains(&row.measure))
            .map(|(r, row)| {
                let (kind, component) = match model.components.get(row.component as usize) {
                    Some(comp) => (comp.kind, component_names[row.component as usize].clone()),
                    None => (Kind::ConfigChange, change_name.clone()),
                };
                IncidentRecord {
                    replication: *r,
                    time_h: row.time_hours,
                    kind,
                    component,
                    deployment: deployment_names[row.deployment as usize].clone(),
                    measure: row.measure,
                    blast: row.blast,
                }
            })
            .collect();
        Results {
            scenario: model.name.clone(),
            seed: model.seed,
            replications: tally.replications,
            horizon_years: model.horizon_hours / HOURS_PER_YEAR,
            deployments: model.deployments.iter().map(|d| d.name.clone()).collect(),
            summary,
            pairs,
            blast_by_kind,
            incidents,
            timeline: tally
                .trace
                .as_ref()
                .map(|t| timeline::from_trace(model, t, &measures))
                .unwrap_or_default(),
            cause,
            measures,
            events: tally.events,
            precision_reached: tally.precision_reached,
        }
    }

    /// The summary row of a deployment and measure.
    pub fn row(&self, deployment: &str, measure: Measure) -> Option<&SummaryRow> {
        self.summary
            .iter()
            .find(|r| r.deployment == deployment && r.measure == measure)
    }
}
