//! The results of a run: one struct, with units in the field names, that
//! every table, file and chart reads.

use crate::engine::{Tally, BLAST_GROUPS};
use crate::model::{exact, Kind, Measure, Model, HOURS_PER_YEAR};

/// Minutes per (365-day) year.
pub const MINUTES_PER_YEAR: f64 = HOURS_PER_YEAR * 60.0;

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
    /// Mean share of the mesh's proxies an incident turns bad.
    pub blast_mean: Option<f64>,
    /// 95th percentile of that share.
    pub blast_p95: Option<f64>,
    /// Largest share.
    pub blast_max: Option<f64>,
    /// 1 = most available deployment for this measure; ties share a rank.
    pub rank: u32,
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
    /// 95th percentile.
    pub blast_p95: f64,
    /// Largest.
    pub blast_max: f64,
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
    /// Component name.
    pub component: String,
    /// Deployment name.
    pub deployment: String,
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
    /// One row per deployment × measure, deployments in scenario order.
    pub summary: Vec<SummaryRow>,
    /// Paired differences, every ordered pair.
    pub pairs: Vec<PairRow>,
    /// Blast radius per component kind (kinds with incidents only).
    pub blast_by_kind: Vec<BlastRow>,
    /// Kept incidents.
    pub incidents: Vec<IncidentRecord>,
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
        let mut summary = Vec::new();
        for (d, dep) in model.deployments.iter().enumerate() {
            for m in Measure::ALL {
                let slot = d * 4 + m.index();
                let ratio = &tally.ratio[slot];
                let u = ratio.estimate().unwrap_or(0.0);
                let hw = ratio.half_width();
                let blast = &tally.blast[slot * BLAST_GROUPS];
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
                });
            }
        }
        for m in Measure::ALL {
            let values: Vec<f64> = summary
                .iter()
                .filter(|r| r.measure == m)
                .map(|r| r.unavailability)
                .collect();
            for row in summary.iter_mut().filter(|r| r.measure == m) {
                row.rank = 1 + values.iter().filter(|&&v| v < row.unavailability).count() as u32;
            }
        }
        let mut pairs = Vec::new();
        for m in Measure::ALL {
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
        for (d, dep) in model.deployments.iter().enumerate() {
            for m in Measure::ALL {
                for kind in Kind::ALL {
                    let b = &tally.blast[(d * 4 + m.index()) * BLAST_GROUPS + 1 + kind.index()];
                    if let (Some(mean), Some(p95), Some(max)) =
                        (b.mean(), b.quantile(0.95), b.max())
                    {
                        blast_by_kind.push(BlastRow {
                            deployment: dep.name.clone(),
                            measure: m,
                            kind,
                            incidents_per_year: per_year(b.count()),
                            blast_mean: mean,
                            blast_p95: p95,
                            blast_max: max,
                        });
                    }
                }
            }
        }
        let incidents = tally
            .incidents
            .iter()
            .map(|(r, row)| {
                let comp = &model.components[row.component as usize];
                IncidentRecord {
                    replication: *r,
                    time_h: row.time_hours,
                    kind: comp.kind,
                    component: comp.name.clone(),
                    deployment: model.deployments[row.deployment as usize].name.clone(),
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
