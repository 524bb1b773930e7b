//! Crossovers: where one deployment stops beating another as a parameter
//! moves.
//!
//! A sweep answers "how does downtime move"; the question behind it is
//! usually "where does the answer flip". The ranking at each point already
//! has a paired 95% interval for every difference of two deployments, so a
//! flip is two adjacent points whose intervals lie strictly on opposite
//! sides of zero: the sign is established at both ends, so it changed in
//! between. A point whose interval contains zero does not establish a sign,
//! so a change seen across such a point is reported as *inconclusive*,
//! never as a crossover: the simulation cannot yet say where (or whether
//! for sure) the curves cross, and guessing would be the kind of confident
//! wrong answer a capacity plan must not rest on.
//!
//! The estimate interpolates the mean difference linearly between the two
//! points (in the parameter's number, or its logarithm on a log scale); the
//! interval interpolates the interval ends the same way and takes where
//! they cross zero. If the difference is linear in between and its true
//! value lies inside the interval at both ends, the crossing lies inside
//! that interval (docs/studies-crossovers.md says what that assumption
//! costs). An `--exact-only` sweep has no intervals: the exact difference's
//! sign decides, and there is an estimate but no interval.

use super::{Parameter, PointResult, Scale, Sweep, Value};
use crate::model::Measure;
use crate::results::PairRow;

/// A crossover proper, or a sign change the intervals cannot place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Both ends' intervals exclude zero, on opposite sides.
    Crossover,
    /// The sign changes across points whose interval contains zero: the
    /// curves cross somewhere in the bracket, but where is not known.
    Inconclusive,
}

/// The paired difference a − b at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diff {
    /// Mean difference of unavailability (a − b); negative: a is better.
    pub mean: f64,
    /// 95% interval, lower end (`None` in an `--exact-only` sweep).
    pub low: Option<f64>,
    /// Upper end.
    pub high: Option<f64>,
}

impl Diff {
    /// The difference as the pairs table reports it.
    pub fn of(row: &PairRow) -> Self {
        Diff {
            mean: row.diff_mean,
            low: row.ci_low,
            high: row.ci_high,
        }
    }

    /// −1 or +1 when the point establishes a sign, 0 when it does not: an
    /// interval containing zero, a simulated point without an interval
    /// (too few replications to have one), or an exact tie.
    pub fn sign(&self, exact_only: bool) -> i8 {
        let sign = |v: f64| {
            if v > 0.0 {
                1
            } else if v < 0.0 {
                -1
            } else {
                0
            }
        };
        if exact_only {
            return sign(self.mean);
        }
        match (self.low, self.high) {
            (Some(lo), Some(_)) if lo > 0.0 => 1,
            (Some(_), Some(hi)) if hi < 0.0 => -1,
            _ => 0,
        }
    }
}

/// One end of a bracket: the point, its value of every parameter, and the
/// difference there.
#[derive(Clone, Debug, PartialEq)]
pub struct End {
    /// The point's index in [`Sweep::points`]; `None` for a point made by
    /// [`super::refine`].
    pub point: Option<usize>,
    /// The value of every parameter, in [`Sweep::parameters`] order.
    pub values: Vec<Value>,
    /// a − b there.
    pub diff: Diff,
}

/// A change of sign of a − b between two points along one parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Crossover {
    /// Crossover or inconclusive.
    pub kind: Kind,
    /// The measure.
    pub measure: Measure,
    /// First deployment of the pair (as in [`PointResult::pairs`]).
    pub a: String,
    /// Second deployment.
    pub b: String,
    /// The parameter walked along, an index into [`Sweep::parameters`].
    pub parameter: usize,
    /// In zip mode every parameter moves together: the bracket's ends
    /// differ in all of them. In grid mode only in `parameter`.
    pub zip: bool,
    /// The end with the lower index in the parameter's values.
    pub from: End,
    /// The other end.
    pub to: End,
    /// Where the interpolated mean difference is zero, in the parameter's
    /// unit.
    pub estimate: f64,
    /// Where the interpolated interval ends are zero (`None` for an
    /// inconclusive change and in an `--exact-only` sweep).
    pub interval: Option<(f64, f64)>,
    /// Extra points [`super::refine`] ran inside the original bracket.
    pub refined: usize,
}

impl Crossover {
    /// The parameters held fixed along this line, with their values
    /// (grid mode; none in zip mode).
    pub fn held<'a>(&'a self, sweep: &'a Sweep) -> Vec<(&'a Parameter, &'a Value)> {
        if self.zip {
            return Vec::new();
        }
        sweep
            .parameters
            .iter()
            .zip(&self.from.values)
            .enumerate()
            .filter(|(q, _)| *q != self.parameter)
            .map(|(_, pv)| pv)
            .collect()
    }

    /// Is `a` the better one (lower unavailability) at the `to` end?
    pub fn a_better_at_to(&self) -> bool {
        self.to.diff.mean < 0.0
    }
}

/// Every crossover and inconclusive change of sign in `sweep`, for every
/// measure, pair of deployments and parameter; along a parameter, once for
/// every combination of the others' values (grid), or once along the
/// points in order (zip). Ordered by measure, pair, parameter, line, then
/// position along the line.
pub fn find(sweep: &Sweep) -> Vec<Crossover> {
    let mut out = Vec::new();
    let zip = sweep.is_zip();
    for measure in sweep.measures() {
        for (a, b) in pairs(sweep, measure) {
            for p in 0..sweep.parameters.len() {
                for line in lines(sweep, p, zip) {
                    walk(sweep, measure, (&a, &b), p, zip, &line, &mut out);
                }
            }
        }
    }
    out
}

/// The deployment pairs of a measure, in the order the points report them.
/// A run reports both orders (a − b and b − a); the first seen is kept,
/// since the other is the same crossing said backwards.
fn pairs(sweep: &Sweep, measure: Measure) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for row in sweep.points.iter().flat_map(|p| &p.pairs) {
        let seen = |(a, b): &(String, String)| {
            (*a == row.a && *b == row.b) || (*a == row.b && *b == row.a)
        };
        if row.measure == measure && !out.iter().any(seen) {
            out.push((row.a.clone(), row.b.clone()));
        }
    }
    out
}

/// The lines along parameter `p`: lists of point indices that differ only
/// in `p` (grid) or all points (zip), each sorted by the index of `p`'s
/// value. Lines come in order of their first point.
fn lines(sweep: &Sweep, p: usize, zip: bool) -> Vec<Vec<usize>> {
    let mut out: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for (i, point) in sweep.points.iter().enumerate() {
        let key: Vec<usize> = if zip {
            Vec::new()
        } else {
            point
                .coords
                .iter()
                .enumerate()
                .filter(|(q, _)| *q != p)
                .map(|(_, &c)| c)
                .collect()
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, line)) => line.push(i),
            None => out.push((key, vec![i])),
        }
    }
    out.into_iter()
        .map(|(_, mut line)| {
            line.sort_by_key(|&i| sweep.points[i].coords.get(p).copied().unwrap_or(0));
            line
        })
        .collect()
}

/// The pair row of (measure, a, b) at a point.
pub fn pair_at<'a>(
    point: &'a PointResult,
    measure: Measure,
    a: &str,
    b: &str,
) -> Option<&'a PairRow> {
    point
        .pairs
        .iter()
        .find(|r| r.measure == measure && r.a == a && r.b == b)
}

/// The value of every parameter at a point.
fn values_at(sweep: &Sweep, point: &PointResult) -> Vec<Value> {
    sweep
        .parameters
        .iter()
        .zip(&point.coords)
        .filter_map(|(par, &c)| par.values.get(c).cloned())
        .collect()
}

/// Walks one line, remembering the last point that established a sign;
/// a point of the other sign closes a bracket with it.
fn walk(
    sweep: &Sweep,
    measure: Measure,
    (a, b): (&str, &str),
    p: usize,
    zip: bool,
    line: &[usize],
    out: &mut Vec<Crossover>,
) {
    // (position along the line, point index, diff, sign)
    let mut last: Option<(usize, usize, Diff, i8)> = None;
    for (pos, &i) in line.iter().enumerate() {
        let Some(row) = pair_at(&sweep.points[i], measure, a, b) else {
            continue;
        };
        let diff = Diff::of(row);
        let sign = diff.sign(sweep.exact_only);
        if sign == 0 {
            continue;
        }
        if let Some((last_pos, j, last_diff, last_sign)) = last {
            if last_sign != sign {
                // Points in between that established no sign (exact ties
                // excepted) make the change inconclusive.
                let kind = if pos == last_pos + 1 || sweep.exact_only {
                    Kind::Crossover
                } else {
                    Kind::Inconclusive
                };
                let from = End {
                    point: Some(j),
                    values: values_at(sweep, &sweep.points[j]),
                    diff: last_diff,
                };
                let to = End {
                    point: Some(i),
                    values: values_at(sweep, &sweep.points[i]),
                    diff,
                };
                out.push(bracket(sweep, kind, measure, (a, b), p, zip, from, to, 0));
            }
        }
        last = Some((pos, i, diff, sign));
    }
}

/// A crossover between two ends, with its estimate and interval.
#[allow(clippy::too_many_arguments)]
pub(super) fn bracket(
    sweep: &Sweep,
    kind: Kind,
    measure: Measure,
    (a, b): (&str, &str),
    p: usize,
    zip: bool,
    from: End,
    to: End,
    refined: usize,
) -> Crossover {
    let par = &sweep.parameters[p];
    let (x0, x1) = (from.values[p].number, to.values[p].number);
    let at = |t: f64| interpolate(par.scale, x0, x1, t);
    let estimate = at(zero_at(from.diff.mean, to.diff.mean));
    let interval = match (kind, from.diff, to.diff) {
        (
            Kind::Crossover,
            Diff {
                low: Some(l0),
                high: Some(h0),
                ..
            },
            Diff {
                low: Some(l1),
                high: Some(h1),
                ..
            },
        ) if !sweep.exact_only => {
            let (u, v) = (at(zero_at(l0, l1)), at(zero_at(h0, h1)));
            Some((u.min(v), u.max(v)))
        }
        _ => None,
    };
    Crossover {
        kind,
        measure,
        a: a.to_string(),
        b: b.to_string(),
        parameter: p,
        zip,
        from,
        to,
        estimate,
        interval,
        refined,
    }
}

/// Where the line from (0, `d0`) to (1, `d1`) is zero, held to 0..1 (the
/// ends have opposite signs in a crossover, so it is inside).
fn zero_at(d0: f64, d1: f64) -> f64 {
    let t = d0 / (d0 - d1);
    if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    }
}

/// The value a share `t` of the way from `x0` to `x1`: in the number on a
/// linear scale, in its logarithm on a log scale (a log scale of values
/// that are not all positive is read as linear).
pub fn interpolate(scale: Scale, x0: f64, x1: f64, t: f64) -> f64 {
    match scale {
        Scale::Log if x0 > 0.0 && x1 > 0.0 => (x0.ln() + t * (x1.ln() - x0.ln())).exp(),
        _ => x0 + t * (x1 - x0),
    }
}

#[cfg(test)]
pub(crate) mod tests;
