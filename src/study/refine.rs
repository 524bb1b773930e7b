//! `--refine N`: narrowing a crossover's bracket with extra simulated
//! points.
//!
//! A sweep's grid is chosen before the answer is known, so a crossing is
//! often bracketed by a factor of two in the parameter. Bisection halves
//! the bracket with each extra point (on a log scale, halves its
//! logarithm), keeping the half whose ends still lie on opposite sides of
//! zero, so N points shrink it 2^N times. It stops early when a midpoint's
//! interval contains zero: the simulation cannot tell the two deployments
//! apart there, so neither half can be chosen honestly, and the bracket
//! narrowed so far is the answer. Only a continuous parameter (a duration,
//! a rate, a shape) has values between two of its values; a count does not.

use super::crossover::{bracket, pair_at, Crossover, Diff, End, Kind};
use super::{text, PointResult, Sweep, Value};
use anyhow::Context;

/// Whether [`refine`] can bisect `c`: a crossover proper (an inconclusive
/// change has no sides to keep) along parameters that are all continuous
/// (in zip mode all of them move).
pub fn refinable(sweep: &Sweep, c: &Crossover) -> bool {
    c.kind == Kind::Crossover
        && moving(sweep, c)
            .iter()
            .all(|&q| sweep.parameters[q].continuous)
}

/// The parameters that differ between the bracket's ends.
fn moving(sweep: &Sweep, c: &Crossover) -> Vec<usize> {
    if c.zip {
        (0..sweep.parameters.len()).collect()
    } else {
        vec![c.parameter]
    }
}

/// Bisects `c`'s bracket with up to `n` extra points, each run by
/// `run_point` (given the value of every parameter, in
/// [`Sweep::parameters`] order); returns the crossover over the narrowed
/// bracket with its estimate and interval recomputed, and
/// [`Crossover::refined`] counting the points run.
///
/// An error if `c` is not [`refinable`], if a point fails, or if a point
/// does not report the crossover's pair.
pub fn refine(
    sweep: &Sweep,
    c: &Crossover,
    n: usize,
    run_point: &mut dyn FnMut(&[Value]) -> anyhow::Result<PointResult>,
) -> anyhow::Result<Crossover> {
    let path = &sweep.parameters[c.parameter].path;
    anyhow::ensure!(
        c.kind == Kind::Crossover,
        "cannot refine the change of {} − {} along {path}: it is inconclusive (an interval \
         contains 0), so there is no side to keep; run more replications",
        c.a,
        c.b
    );
    let moving = moving(sweep, c);
    if let Some(&q) = moving.iter().find(|&&q| !sweep.parameters[q].continuous) {
        anyhow::bail!(
            "cannot refine along {}: it is a count, with no values between {} and {}; \
             add values to the sweep instead",
            sweep.parameters[q].path,
            c.from.values[q].text,
            c.to.values[q].text
        );
    }
    let (mut lo, mut hi) = (c.from.clone(), c.to.clone());
    let lo_sign = lo.diff.sign(sweep.exact_only);
    let mut runs = 0;
    for _ in 0..n {
        let values: Vec<Value> = (0..sweep.parameters.len())
            .map(|q| {
                if moving.contains(&q) {
                    let par = &sweep.parameters[q];
                    let x = super::crossover::interpolate(
                        par.scale,
                        lo.values[q].number,
                        hi.values[q].number,
                        0.5,
                    );
                    text::value(par.unit, x)
                } else {
                    lo.values[q].clone()
                }
            })
            .collect();
        let point = run_point(&values).with_context(|| {
            format!(
                "refining {} − {} along {path} at {}",
                c.a, c.b, values[c.parameter].text
            )
        })?;
        runs += 1;
        let row = pair_at(&point, c.measure, &c.a, &c.b).with_context(|| {
            format!(
                "the refined point at {path} = {} has no {} pair {} − {}",
                values[c.parameter].text,
                c.measure.name(),
                c.a,
                c.b
            )
        })?;
        let mid = End {
            point: None,
            values,
            diff: Diff::of(row),
        };
        match mid.diff.sign(sweep.exact_only) {
            0 => break,
            s if s == lo_sign => lo = mid,
            _ => hi = mid,
        }
    }
    Ok(bracket(
        sweep,
        Kind::Crossover,
        c.measure,
        (&c.a, &c.b),
        c.parameter,
        c.zip,
        lo,
        hi,
        c.refined + runs,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::duration::Duration;
    use crate::study::crossover::find;
    use crate::study::crossover::tests::{param, point};
    use crate::study::Scale;

    /// a − b = x − 47.3 with a ±`half` interval, over x from 10 to 110.
    fn sweep(scale: Scale) -> Sweep {
        let xs = [10.0, 110.0];
        Sweep {
            parameters: vec![param("spec.failures.controlPlane.failure.mean", &xs, scale)],
            points: xs
                .iter()
                .enumerate()
                .map(|(i, x)| point(&[i], x - 47.3, Some(0.01)))
                .collect(),
            exact_only: false,
            mode: crate::study::SweepMode::Grid,
        }
    }

    fn run(half: f64) -> impl FnMut(&[Value]) -> anyhow::Result<PointResult> {
        move |values: &[Value]| {
            // The value is read back from its text, as a scenario would.
            let x = Duration::parse(&values[0].text)
                .map_err(anyhow::Error::msg)?
                .hours();
            assert!((x - values[0].number).abs() <= 1e-12 * x);
            Ok(point(&[0], x - 47.3, Some(half)))
        }
    }

    #[test]
    fn each_point_halves_the_bracket() {
        for scale in [Scale::Linear, Scale::Log] {
            let s = sweep(scale);
            let c = &find(&s)[0];
            let width = |c: &Crossover| match scale {
                Scale::Linear => c.to.values[0].number - c.from.values[0].number,
                Scale::Log => (c.to.values[0].number / c.from.values[0].number).ln(),
            };
            let r = refine(&s, c, 6, &mut run(0.01)).unwrap();
            assert_eq!(r.refined, 6);
            assert!(
                (width(&r) - width(c) / 64.0).abs() < 1e-6 * width(c),
                "{scale:?}: {} vs {}",
                width(&r),
                width(c)
            );
            let (lo, hi) = (r.from.values[0].number, r.to.values[0].number);
            assert!(lo < 47.3 && 47.3 < hi, "{scale:?}: {lo} {hi}");
            // Linear in x: exact on a linear scale, close on a log one.
            assert!(
                (r.estimate - 47.3).abs() < (hi - lo) / 20.0,
                "{}",
                r.estimate
            );
            let (il, ih) = r.interval.unwrap();
            assert!(il <= 47.3 && 47.3 <= ih, "{il} {ih}");
        }
    }

    #[test]
    fn an_inconclusive_midpoint_stops_with_the_bracket_so_far() {
        let s = sweep(Scale::Linear);
        let c = &find(&s)[0];
        // ±20 at every new point: the first midpoint (60, a − b = 12.7)
        // already contains 0.
        let r = refine(&s, c, 5, &mut run(20.0)).unwrap();
        assert_eq!(r.refined, 1);
        assert_eq!(
            (r.from.values[0].number, r.to.values[0].number),
            (10.0, 110.0)
        );
    }

    #[test]
    fn a_count_or_an_inconclusive_change_is_refused_with_the_reason() {
        let mut s = sweep(Scale::Linear);
        s.parameters[0].path = "spec.topology.clustersPerZone".to_string();
        s.parameters[0].continuous = false;
        let c = find(&s).remove(0);
        assert!(!refinable(&s, &c));
        let err = refine(&s, &c, 3, &mut run(0.01)).unwrap_err().to_string();
        assert!(
            err.contains("cannot refine along spec.topology.clustersPerZone: it is a count"),
            "{err}"
        );
        s.parameters[0].continuous = true;
        let mut c = find(&s).remove(0);
        assert!(refinable(&s, &c));
        c.kind = Kind::Inconclusive;
        let err = refine(&s, &c, 3, &mut run(0.01)).unwrap_err().to_string();
        assert!(err.contains("it is inconclusive"), "{err}");
    }

    #[test]
    fn a_failing_point_names_where_it_was() {
        let s = sweep(Scale::Linear);
        let c = &find(&s)[0];
        let err = refine(&s, c, 3, &mut |_: &[Value]| anyhow::bail!("boom")).unwrap_err();
        let chain = format!("{err:#}");
        assert!(
            chain.contains(
                "refining a − b along spec.failures.controlPlane.failure.mean at 60h: boom"
            ),
            "{chain}"
        );
    }
}
