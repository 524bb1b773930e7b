//! Ranking claims (`spec.expect`) tested against paired differences.
//!
//! Each neighbour pair of a claim's order gets one of three verdicts from
//! its paired 95% interval: it `holds` when the interval lies above zero
//! in the claimed direction, is `reversed` when it lies entirely on the
//! other side, and is `inconclusive` when it contains zero. The last two
//! are kept apart because they call for different actions: a reversed
//! claim is wrong, an inconclusive one needs a longer run or was never
//! true (the placements are equivalent). Both fail `meshsim check`, since a
//! claim the data cannot confirm does not belong in CI.

use super::Results;
use crate::model::{Measure, Model};

/// What the data say about one neighbour pair of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The interval lies above zero: the claimed order, with confidence.
    Holds,
    /// The interval lies below zero: the opposite order, with confidence.
    Reversed,
    /// The interval contains zero (or there is none): either order fits.
    Inconclusive,
}

impl Outcome {
    /// The word printed in the verdict column.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Holds => "holds",
            Outcome::Reversed => "reversed",
            Outcome::Inconclusive => "inconclusive",
        }
    }
}

/// How much longer a run would have to be to settle an inconclusive pair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Settle {
    /// About this many replications in all would likely settle it.
    After(u64),
    /// The difference is so small against its noise (more than
    /// [`EQUIVALENT_FACTOR`] times the run) or exactly 0 that the
    /// placements look equivalent; `Some(n)` is the count it would take
    /// for a difference that is not exactly 0.
    Equivalent(Option<u64>),
    /// Both deployments have an exact long-run value and the two are
    /// equal: the placements are equivalent, whatever the simulation's
    /// noise says, and no run length will settle the claim.
    ExactlyEqual,
    /// No interval (fewer than two replications): nothing to extrapolate.
    Unknown,
}

/// Exact values this close (relative) are equal: the closed form sums
/// the same terms in another order for placements that are equivalent.
const EXACT_TOLERANCE: f64 = 1e-9;

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
    /// The verdict.
    pub outcome: Outcome,
    /// For an inconclusive pair, what would settle it.
    pub settle: Option<Settle>,
}

/// The standard normal's 80% quantile: "likely" is 80% power.
const NORMAL_Q80: f64 = 0.841_621_233_572_914_3;

/// Past this many times the current run, a difference is called
/// equivalent rather than unsettled: no one runs a hundred times longer to
/// split placements that close.
pub const EQUIVALENT_FACTOR: f64 = 100.0;

/// The replications a run would likely need to settle a pair whose
/// difference is `diff` with 95% half-width `half_width` after `n`
/// replications. The standard error is the half-width over Student's t
/// for n − 1 degrees of freedom, and it shrinks as 1/√n; for the interval
/// to clear zero with 80% probability when the true difference is `diff`,
/// the difference must be (1.96 + 0.84) standard errors of the longer run,
/// so n′ = n · ((1.96 + 0.84) · se/|diff|)², rounded up to two significant
/// digits.
pub fn replications_to_settle(n: u64, diff: f64, half_width: f64) -> Settle {
    if n < 2 || !(half_width.is_finite() && diff.is_finite()) {
        return Settle::Unknown;
    }
    if diff == 0.0 {
        return Settle::Equivalent(None);
    }
    let se = half_width / crate::stats::t975(n - 1);
    let ratio = (crate::stats::NORMAL_Q975 + NORMAL_Q80) * se / diff.abs();
    let needed = n as f64 * ratio * ratio;
    let rounded = round_up_2(needed.min(u64::MAX as f64 / 2.0)).max(n + 1);
    if needed > EQUIVALENT_FACTOR * n as f64 {
        Settle::Equivalent(Some(rounded))
    } else {
        Settle::After(rounded)
    }
}

/// `v` rounded up to two significant digits (12,345 → 13,000).
fn round_up_2(v: f64) -> u64 {
    if v <= 10.0 {
        return v.ceil().max(0.0) as u64;
    }
    let step = 10f64.powf(v.log10().floor() - 1.0);
    ((v / step).ceil() * step) as u64
}

/// The verdict of a pair from its interval.
pub fn outcome(ci_low: Option<f64>, ci_high: Option<f64>) -> Outcome {
    match (ci_low, ci_high) {
        (Some(lo), _) if lo > 0.0 => Outcome::Holds,
        (_, Some(hi)) if hi < 0.0 => Outcome::Reversed,
        _ => Outcome::Inconclusive,
    }
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
            let outcome = outcome(ci_low, ci_high);
            let exact = |d: &str| results.row(d, claim.measure).and_then(|r| r.exact);
            let exactly_equal = match (exact(lower), exact(higher)) {
                (Some(a), Some(b)) => (a - b).abs() <= EXACT_TOLERANCE * a.abs().max(b.abs()),
                _ => false,
            };
            let settle = (outcome == Outcome::Inconclusive).then(|| match (ci_low, ci_high) {
                _ if exactly_equal => Settle::ExactlyEqual,
                (Some(lo), Some(hi)) => {
                    replications_to_settle(results.replications, diff, (hi - lo) / 2.0)
                }
                _ => Settle::Unknown,
            });
            out.push(Verdict {
                measure: claim.measure,
                lower: lower.clone(),
                higher: higher.clone(),
                diff,
                ci_low,
                ci_high,
                outcome,
                settle,
            });
        }
    }
    out
}

/// "all 16 claims hold", or "2 reversed, 1 inconclusive of 16 claims".
pub fn tally_line(verdicts: &[Verdict]) -> String {
    let count = |o: Outcome| verdicts.iter().filter(|v| v.outcome == o).count();
    let (reversed, inconclusive) = (count(Outcome::Reversed), count(Outcome::Inconclusive));
    let n = verdicts.len();
    match (reversed, inconclusive) {
        (0, 0) => format!("all {n} claims hold"),
        (r, 0) => format!("{r} reversed of {n} claims"),
        (0, i) => format!("{i} inconclusive of {n} claims"),
        (r, i) => format!("{r} reversed, {i} inconclusive of {n} claims"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_decides_the_verdict() {
        assert_eq!(outcome(Some(1e-4), Some(3e-4)), Outcome::Holds);
        assert_eq!(outcome(Some(-3e-4), Some(-1e-4)), Outcome::Reversed);
        assert_eq!(outcome(Some(-1e-4), Some(3e-4)), Outcome::Inconclusive);
        // An interval touching zero does not exclude it.
        assert_eq!(outcome(Some(0.0), Some(3e-4)), Outcome::Inconclusive);
        assert_eq!(outcome(Some(-3e-4), Some(0.0)), Outcome::Inconclusive);
        assert_eq!(outcome(None, None), Outcome::Inconclusive);
    }

    #[test]
    fn the_needed_run_grows_as_the_square_of_the_noise() {
        // Half-width equal to the difference: (2.80/1.96)² ≈ 2.04 times
        // the run, 1,000 → 2,041 → 2,100.
        assert_eq!(
            replications_to_settle(1000, 1e-5, 1e-5),
            Settle::After(2100)
        );
        // Twice the noise, four times that: 8,164 → 8,200.
        assert_eq!(
            replications_to_settle(1000, -1e-5, 2e-5),
            Settle::After(8200)
        );
        // A tiny interval never asks for fewer than one more replication.
        assert_eq!(replications_to_settle(1000, 1.0, 1e-9), Settle::After(1001));
    }

    #[test]
    fn a_negligible_or_zero_difference_is_called_equivalent() {
        assert_eq!(
            replications_to_settle(1000, 0.0, 1e-5),
            Settle::Equivalent(None)
        );
        // 10⁻⁷ against a half-width of 10⁻⁵: 2·10⁴ times the run.
        assert_eq!(
            replications_to_settle(1000, 1e-7, 1e-5),
            Settle::Equivalent(Some(21_000_000))
        );
        assert_eq!(replications_to_settle(1, 1e-7, 1e-5), Settle::Unknown);
    }

    #[test]
    fn rounding_up_keeps_two_digits() {
        assert_eq!(round_up_2(12_345.0), 13_000);
        assert_eq!(round_up_2(12_000.0), 12_000);
        assert_eq!(round_up_2(99.1), 100);
        assert_eq!(round_up_2(7.2), 8);
    }

    fn verdict(outcome: Outcome) -> Verdict {
        Verdict {
            measure: Measure::Config,
            lower: "a".into(),
            higher: "b".into(),
            diff: 0.0,
            ci_low: None,
            ci_high: None,
            outcome,
            settle: None,
        }
    }

    #[test]
    fn the_tally_names_each_failing_kind() {
        use Outcome::*;
        let of = |o: &[Outcome]| tally_line(&o.iter().map(|&o| verdict(o)).collect::<Vec<_>>());
        assert_eq!(of(&[Holds, Holds]), "all 2 claims hold");
        assert_eq!(of(&[Holds, Reversed]), "1 reversed of 2 claims");
        assert_eq!(of(&[Inconclusive, Holds]), "1 inconclusive of 2 claims");
        assert_eq!(
            of(&[Reversed, Inconclusive, Reversed, Holds]),
            "2 reversed, 1 inconclusive of 4 claims"
        );
    }
}
