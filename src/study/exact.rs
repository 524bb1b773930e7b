//! `--exact-only` points: the closed-form answers of a model as the rows a
//! simulated point would have, without simulating.
//!
//! A row's `unavailability` is the exact value and there is no interval;
//! a pair's difference is the difference of the exact values. Measures
//! with no closed form (`traffic`) are left out rather than guessed, and
//! the blast and incident columns, which only a simulation observes, are
//! empty or 0.

use super::PointResult;
use crate::model::{exact, Measure, Model};
use crate::results::{rank, PairRow, SummaryRow};

/// The exact answers of `model`, at the point `coords`.
pub fn point(model: &Model, coords: Vec<usize>) -> PointResult {
    let values = exact::unavailability(model);
    let measures: Vec<Measure> = model
        .measures()
        .into_iter()
        .filter(|m| values.iter().all(|v| v[m.index()].is_some()))
        .collect();
    let mut summary = Vec::new();
    let mut pairs = Vec::new();
    for &m in &measures {
        let u: Vec<f64> = values.iter().map(|v| v[m.index()].unwrap_or(0.0)).collect();
        // Exact values are told apart by their difference alone.
        let ranks = rank::ranks(&u, |a, b| {
            let d = u[a] - u[b];
            Some((d, d))
        });
        for ((dep, &x), r) in model.deployments.iter().zip(&u).zip(ranks) {
            summary.push(SummaryRow {
                exact: Some(x),
                rank: r.rank,
                tied: r.tied,
                ..SummaryRow::estimate(&dep.name, m, x)
            });
        }
        for (a, da) in model.deployments.iter().enumerate() {
            for (b, db) in model.deployments.iter().enumerate() {
                if a != b {
                    pairs.push(PairRow {
                        measure: m,
                        a: da.name.clone(),
                        b: db.name.clone(),
                        diff_mean: u[a] - u[b],
                        ci_low: None,
                        ci_high: None,
                    });
                }
            }
        }
    }
    // Summary in deployment-then-measure order, as a run writes it.
    let n = model.deployments.len();
    summary.sort_by_key(|r| {
        let d = model
            .deployments
            .iter()
            .position(|x| x.name == r.deployment)
            .unwrap_or(n);
        (d, r.measure.index())
    });
    PointResult {
        coords,
        summary,
        pairs,
    }
}
