//! Ranking claims (`spec.expect`) tested against paired differences: a
//! claim holds when every neighbour pair of its order differs in the stated
//! direction with 95% paired confidence.

use super::Results;
use crate::model::{Measure, Model};

/// One neighbour pair of one claim.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Measure of the claim.
    pub measure: Measure,
    /// The deployment claimed less available.
    pub lower: String,
    /// The deployment claimed more available.
    pub higher: String,
    /// unavailability(lower) − unavailability(higher).
    pub diff: f64,
    /// 95% paired interval of `diff`, lower end.
    pub ci_low: Option<f64>,
    /// Upper end.
    pub ci_high: Option<f64>,
    /// The whole interval lies above zero.
    pub holds: bool,
}

/// Every neighbour pair of every claim of `model`, in claim order.
pub fn check(model: &Model, results: &Results) -> Vec<Verdict> {
    let mut out = Vec::new();
    for claim in &model.claims {
        for pair in claim.order.windows(2) {
            let lower = &model.deployments[pair[0]].name;
            let higher = &model.deployments[pair[1]].name;
            let row = results
                .pairs
                .iter()
                .find(|p| p.measure == claim.measure && &p.a == lower && &p.b == higher);
            let (diff, ci_low, ci_high) =
                row.map_or((0.0, None, None), |p| (p.diff_mean, p.ci_low, p.ci_high));
            out.push(Verdict {
                measure: claim.measure,
                lower: lower.clone(),
                higher: higher.clone(),
                diff,
                ci_low,
                ci_high,
                holds: ci_low.is_some_and(|lo| lo > 0.0),
            });
        }
    }
    out
}
