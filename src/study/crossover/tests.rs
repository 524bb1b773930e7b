//! Crossovers on synthetic sweeps whose differences are chosen by hand.

use super::*;
use crate::results::SummaryRow;
use crate::study::{Parameter, Unit};

pub(crate) fn param(path: &str, numbers: &[f64], scale: Scale) -> Parameter {
    Parameter {
        path: path.to_string(),
        unit: Unit::Hours,
        scale,
        continuous: true,
        values: numbers
            .iter()
            .map(|&n| Value {
                text: format!("{n}h"),
                number: n,
            })
            .collect(),
    }
}

pub(crate) fn row(dep: &str, u: f64) -> SummaryRow {
    SummaryRow::estimate(dep, Measure::PodStart, u)
}

/// A point where a − b is `mean` with interval `mean ± half` (no interval
/// when `half` is `None`).
pub(crate) fn point(coords: &[usize], mean: f64, half: Option<f64>) -> PointResult {
    PointResult {
        coords: coords.to_vec(),
        summary: vec![
            row("a", 0.01 + mean.max(0.0)),
            row("b", 0.01 - mean.min(0.0)),
        ],
        pairs: vec![PairRow {
            measure: Measure::PodStart,
            a: "a".to_string(),
            b: "b".to_string(),
            diff_mean: mean,
            ci_low: half.map(|h| mean - h),
            ci_high: half.map(|h| mean + h),
        }],
    }
}

/// One parameter at `xs`, a − b = `means` ± 0.1.
fn line(xs: &[f64], means: &[f64], scale: Scale) -> Sweep {
    Sweep {
        parameters: vec![param("spec.failures.controlPlane.failure.mean", xs, scale)],
        points: means
            .iter()
            .enumerate()
            .map(|(i, &m)| point(&[i], m, Some(0.1)))
            .collect(),
        exact_only: false,
        mode: crate::study::SweepMode::Grid,
    }
}

#[test]
fn no_sign_change_no_crossover() {
    let s = line(&[1.0, 2.0, 3.0, 4.0], &[1.0, 0.5, 0.3, 0.2], Scale::Linear);
    assert!(find(&s).is_empty());
    // Fading into an interval with 0 and back to the same sign: no change.
    let s = line(&[1.0, 2.0, 3.0, 4.0], &[1.0, 0.05, 0.0, 0.3], Scale::Linear);
    assert!(find(&s).is_empty());
}

#[test]
fn a_change_across_an_interval_with_zero_is_inconclusive_never_a_crossover() {
    let s = line(
        &[10.0, 20.0, 30.0, 40.0],
        &[1.0, 0.05, -0.05, -1.0],
        Scale::Linear,
    );
    let found = find(&s);
    assert_eq!(found.len(), 1, "{found:?}");
    let c = &found[0];
    assert_eq!(c.kind, Kind::Inconclusive);
    assert_eq!((c.from.point, c.to.point), (Some(0), Some(3)));
    assert_eq!(c.interval, None);
}

#[test]
fn sign_changes_both_ways_are_bracketed_and_interpolated() {
    let s = line(&[10.0, 20.0, 30.0], &[1.0, -1.0, 3.0], Scale::Linear);
    let found = find(&s);
    assert_eq!(found.len(), 2, "{found:?}");
    let (down, up) = (&found[0], &found[1]);
    assert_eq!(down.kind, Kind::Crossover);
    assert_eq!(
        (down.from.values[0].number, down.to.values[0].number),
        (10.0, 20.0)
    );
    assert!((down.estimate - 15.0).abs() < 1e-12);
    assert!(down.a_better_at_to());
    // Lower ends 0.9 → −1.1 cross at 0.45; upper ends 1.1 → −0.9 at 0.55.
    let (lo, hi) = down.interval.unwrap();
    assert!(
        (lo - 14.5).abs() < 1e-9 && (hi - 15.5).abs() < 1e-9,
        "{lo} {hi}"
    );
    assert_eq!(
        (up.from.values[0].number, up.to.values[0].number),
        (20.0, 30.0)
    );
    assert!((up.estimate - 22.5).abs() < 1e-12);
    assert!(!up.a_better_at_to());
    let (lo, hi) = up.interval.unwrap();
    assert!(lo < up.estimate && up.estimate < hi);
}

#[test]
fn a_log_scale_interpolates_in_the_logarithm() {
    let s = line(&[10.0, 1000.0], &[1.0, -1.0], Scale::Log);
    let c = &find(&s)[0];
    assert!((c.estimate - 100.0).abs() < 1e-9, "{}", c.estimate);
}

#[test]
fn an_exact_sweep_uses_the_exact_sign_and_has_no_interval() {
    let mut s = line(&[1.0, 2.0, 3.0], &[0.02, 0.01, -0.03], Scale::Linear);
    // With intervals of ±0.1 nothing is established...
    assert!(find(&s).is_empty());
    // ...without them the exact signs are.
    for p in &mut s.points {
        p.pairs[0].ci_low = None;
        p.pairs[0].ci_high = None;
    }
    s.exact_only = true;
    let found = find(&s);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, Kind::Crossover);
    assert!((found[0].estimate - 2.25).abs() < 1e-12);
    assert_eq!(found[0].interval, None);
    // A simulated point without an interval establishes nothing.
    s.exact_only = false;
    assert!(find(&s).is_empty());
}

#[test]
fn a_grid_walks_each_parameter_with_the_others_held() {
    // x: 1, 2, 3; y: 10, 20. a − b = (x − 1.5) at y = 10, (x + 5) at
    // y = 20: crosses along x only at y = 10; along y only at x = 1.
    let mut points = Vec::new();
    for (j, y) in [10.0, 20.0].into_iter().enumerate() {
        for (i, x) in [1.0, 2.0, 3.0].into_iter().enumerate() {
            let m: f64 = if y == 10.0 { x - 1.5 } else { x - 1.5 + 6.5 };
            points.push(point(&[i, j], m, Some(0.1)));
        }
    }
    let s = Sweep {
        parameters: vec![
            param("spec.x", &[1.0, 2.0, 3.0], Scale::Linear),
            param("spec.y", &[10.0, 20.0], Scale::Linear),
        ],
        points,
        exact_only: false,
        mode: crate::study::SweepMode::Grid,
    };
    let found = find(&s);
    assert_eq!(found.len(), 2, "{found:?}");
    let along_x = &found[0];
    assert_eq!(along_x.parameter, 0);
    assert!((along_x.estimate - 1.5).abs() < 1e-12);
    let held = along_x.held(&s);
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].0.path.as_str(), held[0].1.number),
        ("spec.y", 10.0)
    );
    let along_y = &found[1];
    assert_eq!(along_y.parameter, 1);
    // −0.5 at y = 10, 6 at y = 20.
    assert!((along_y.estimate - (10.0 + 10.0 * 0.5 / 6.5)).abs() < 1e-9);
    assert_eq!(along_y.held(&s)[0].1.number, 1.0);
}

#[test]
fn a_zip_sweep_reports_the_crossing_along_each_parameter() {
    let s = Sweep {
        parameters: vec![
            param("spec.x", &[1.0, 2.0, 3.0], Scale::Linear),
            param("spec.y", &[10.0, 100.0, 1000.0], Scale::Log),
        ],
        points: [0.5, 0.2, -0.3]
            .iter()
            .enumerate()
            .map(|(i, &m)| point(&[i, i], m, Some(0.1)))
            .collect(),
        exact_only: false,
        mode: crate::study::SweepMode::Zip,
    };
    let found = find(&s);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|c| c.zip && c.held(&s).is_empty()));
    assert!((found[0].estimate - 2.4).abs() < 1e-12);
    assert!((found[1].estimate - 10f64.powf(2.4)).abs() < 1e-9);
}

#[test]
fn a_pair_reported_both_ways_is_one_crossing() {
    let mut s = line(&[10.0, 20.0], &[1.0, -1.0], Scale::Linear);
    for p in &mut s.points {
        let mut back = p.pairs[0].clone();
        std::mem::swap(&mut back.a, &mut back.b);
        back.diff_mean = -back.diff_mean;
        (back.ci_low, back.ci_high) = (back.ci_high.map(|v| -v), back.ci_low.map(|v| -v));
        p.pairs.push(back);
    }
    let found = find(&s);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].a.as_str(), found[0].b.as_str()), ("a", "b"));
}
