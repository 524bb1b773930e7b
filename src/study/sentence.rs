//! A crossover in one plain sentence, for the terminal and the README:
//! "per-zone beats per-region for podStart once the istiod MTBF exceeds
//! 47 days (41–52)".
//!
//! The reader of a capacity plan thinks in "istiod MTBF" and "days", not
//! in `spec.failures.controlPlane.failure.mean` and hours, so the common
//! failure and repair fields get names and durations get a readable unit;
//! any other field is named by the last two segments of its path. The
//! sentence keeps the pair's order (a before b) and says the direction:
//! "exceeds" when a is the better one at the larger value, "falls below"
//! otherwise.

use super::crossover::{Crossover, Kind};
use super::{Parameter, Sweep, Unit};

/// Components' names as people say them, by the key the failures section
/// uses.
const COMPONENTS: [(&str, &str); 8] = [
    ("controlPlane", "istiod"),
    ("apiServer", "API server"),
    ("eastWestGateway", "east-west gateway"),
    ("externalSite", "external site"),
    ("zone", "zone"),
    ("region", "region"),
    ("cluster", "cluster"),
    ("configChange", "config change"),
];

/// The sentence for `c`, with the held values of the other parameters in
/// brackets at the end (grid mode).
pub fn sentence(sweep: &Sweep, c: &Crossover) -> String {
    let par = &sweep.parameters[c.parameter];
    let name = name(&par.path);
    let measure = c.measure.name();
    let (x0, x1) = (
        c.from.values[c.parameter].number,
        c.to.values[c.parameter].number,
    );
    let held = held(sweep, c);
    match c.kind {
        Kind::Crossover if !par.continuous => {
            // A count has no value between two points: say the first
            // count at which a is better, not an interpolated 1.3.
            let up = (x1 > x0) == c.a_better_at_to();
            let (lo, hi) = (x0.min(x1), x0.max(x1));
            let when = if up {
                format!("reaches {}", readable(par, hi))
            } else {
                format!("is {} or fewer", readable(par, lo))
            };
            format!(
                "{} beats {} for {measure} once {name} {when}{held}",
                c.a, c.b
            )
        }
        Kind::Crossover => {
            // a is better at `to`: "a beats b once x passes towards `to`".
            let up = (x1 > x0) == c.a_better_at_to();
            let verb = if up { "exceeds" } else { "falls below" };
            let (unit, scale) = readable_unit(par.unit, c.estimate);
            let value = format!("{} {unit}", round(c.estimate / scale));
            let range = match c.interval {
                Some((lo, hi)) => format!(" ({}–{})", round(lo / scale), round(hi / scale)),
                None => String::new(),
            };
            let note = if c.refined > 0 {
                let points = if c.refined == 1 { "point" } else { "points" };
                format!(", refined with {} extra {points}", c.refined)
            } else {
                String::new()
            };
            format!(
                "{} beats {} for {measure} once {name} {verb} {}{range}{held}{note}",
                c.a,
                c.b,
                value.trim_end()
            )
        }
        Kind::Inconclusive => format!(
            "{} vs {} for {measure}: inconclusive between {name} {} and {} (the sign changes, \
             but an interval in between contains 0; more replications would place it){held}",
            c.a,
            c.b,
            readable(par, x0),
            readable(par, x1)
        ),
    }
}

/// " (with clustersPerZone 3)" for the held parameters, or nothing.
fn held(sweep: &Sweep, c: &Crossover) -> String {
    let held = c.held(sweep);
    if held.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = held
        .iter()
        .map(|(p, v)| format!("{} {}", name(&p.path), v.text))
        .collect();
    format!(" (with {})", parts.join(", "))
}

/// A person's name for a field path: "the istiod MTBF", "the median zone
/// repair time", else the path's last two segments.
pub fn name(path: &str) -> String {
    let segments: Vec<&str> = path.split('.').collect();
    if let [.., "failures", kind, what, stat] = segments.as_slice() {
        if let Some((_, person)) = COMPONENTS.iter().find(|(k, _)| k == kind) {
            match (*what, *stat) {
                ("failure", "mean") => return format!("the {person} MTBF"),
                ("failure", "rate") => return format!("the {person} failure rate"),
                ("repair", "mean") => return format!("the mean {person} repair time"),
                ("repair", "median") => return format!("the median {person} repair time"),
                ("repair", "p95") => return format!("the p95 {person} repair time"),
                _ => {}
            }
        }
    }
    if let [.., "topology", count] = segments.as_slice() {
        let person = match *count {
            "regions" => Some("the number of regions"),
            "zonesPerRegion" => Some("the number of zones per region"),
            "clustersPerZone" => Some("the number of clusters per zone"),
            "proxiesPerCluster" => Some("the number of proxies per cluster"),
            _ => None,
        };
        if let Some(person) = person {
            return person.to_string();
        }
    }
    let n = segments.len();
    segments[n.saturating_sub(2)..].join(".")
}

/// A value of a parameter, readable: "47 days", "3.5 a year", "3".
fn readable(par: &Parameter, x: f64) -> String {
    let (unit, scale) = readable_unit(par.unit, x);
    format!("{} {unit}", round(x / scale))
        .trim_end()
        .to_string()
}

/// The unit to say a value in, and its size in the parameter's unit.
pub(crate) fn readable_unit(unit: Unit, x: f64) -> (&'static str, f64) {
    match unit {
        Unit::Hours => {
            let h = x.abs();
            if h < 1.0 / 60.0 {
                ("seconds", 1.0 / 3600.0)
            } else if h < 1.0 {
                ("minutes", 1.0 / 60.0)
            } else if h < 48.0 {
                ("hours", 1.0)
            } else if h < 2.0 * 8760.0 {
                ("days", 24.0)
            } else {
                ("years", 8760.0)
            }
        }
        Unit::PerYear => ("a year", 1.0),
        Unit::Plain => ("", 1.0),
    }
}

/// Two or three significant digits: 47, 4.7, 0.47, 1,234.
fn round(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "—".to_string()
    } else if a >= 10.0 {
        crate::output::format::thousands(v.round() as i64)
    } else if a >= 1.0 {
        trim(format!("{v:.1}"))
    } else if a == 0.0 {
        "0".to_string()
    } else {
        let digits = (1 - a.log10().floor() as i32).clamp(0, 12) as usize;
        trim(format!("{v:.digits$}"))
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::crossover::find;
    use crate::study::crossover::tests::{param, point};
    use crate::study::Scale;

    /// per-zone − per-region = `means` at the istiod MTBFs `days`.
    fn sweep(days: &[f64], means: &[f64]) -> Sweep {
        let hours: Vec<f64> = days.iter().map(|d| d * 24.0).collect();
        let mut points: Vec<PointResult> = means
            .iter()
            .enumerate()
            .map(|(i, &m)| point(&[i], m, Some(0.1)))
            .collect();
        for p in &mut points {
            p.pairs[0].a = "per-zone".to_string();
            p.pairs[0].b = "per-region".to_string();
        }
        Sweep {
            parameters: vec![param(
                "spec.failures.controlPlane.failure.mean",
                &hours,
                Scale::Linear,
            )],
            points,
            exact_only: false,
            mode: crate::study::SweepMode::Grid,
        }
    }
    use crate::study::PointResult;

    #[test]
    fn a_crossover_reads_as_one_plain_sentence() {
        // +0.6 ± 0.1 at 35 days, −0.6 ± 0.1 at 59 days: 47 days (45–49).
        let s = sweep(&[35.0, 59.0], &[0.6, -0.6]);
        let c = &find(&s)[0];
        assert_eq!(
            sentence(&s, c),
            "per-zone beats per-region for podStart once the istiod MTBF exceeds 47 days (45–49)"
        );
        // The other way round: per-zone better at the lower MTBF.
        let s = sweep(&[35.0, 59.0], &[-0.6, 0.6]);
        let c = &find(&s)[0];
        assert_eq!(
            sentence(&s, c),
            "per-zone beats per-region for podStart once the istiod MTBF falls below 47 days (45–49)"
        );
    }

    #[test]
    fn a_count_crosses_at_a_count_not_between_two() {
        let mut s = sweep(&[1.0, 2.0, 3.0], &[0.6, -0.6, -0.7]);
        let p = &mut s.parameters[0];
        p.path = "spec.topology.clustersPerZone".to_string();
        p.unit = Unit::Plain;
        p.continuous = false;
        for (v, n) in p.values.iter_mut().zip([1.0, 2.0, 3.0]) {
            v.number = n;
            v.text = n.to_string();
        }
        let c = &find(&s)[0];
        assert_eq!(
            sentence(&s, c),
            "per-zone beats per-region for podStart once the number of clusters per zone reaches 2"
        );
        let mut s = s.clone();
        for p in &mut s.points {
            p.pairs[0].diff_mean = -p.pairs[0].diff_mean;
            let (lo, hi) = (p.pairs[0].ci_low, p.pairs[0].ci_high);
            p.pairs[0].ci_low = hi.map(|h| -h);
            p.pairs[0].ci_high = lo.map(|l| -l);
        }
        let c = &find(&s)[0];
        assert_eq!(
            sentence(&s, c),
            "per-zone beats per-region for podStart once the number of clusters per zone is 1 or fewer"
        );
    }

    #[test]
    fn an_inconclusive_change_says_so() {
        let s = sweep(&[15.0, 30.0, 60.0], &[0.6, 0.05, -0.6]);
        let c = &find(&s)[0];
        assert_eq!(
            sentence(&s, c),
            "per-zone vs per-region for podStart: inconclusive between the istiod MTBF 15 days \
             and 60 days (the sign changes, but an interval in between contains 0; more \
             replications would place it)"
        );
    }

    #[test]
    fn fields_are_named_as_people_say_them() {
        assert_eq!(
            name("spec.failures.zone.repair.median"),
            "the median zone repair time"
        );
        assert_eq!(
            name("spec.failures.apiServer.failure.mean"),
            "the API server MTBF"
        );
        assert_eq!(
            name("spec.topology.clustersPerZone"),
            "the number of clusters per zone"
        );
        assert_eq!(name("spec.proxy.certTtl"), "proxy.certTtl");
        assert_eq!(name("x"), "x");
        assert_eq!(readable_unit(Unit::Hours, 0.5), ("minutes", 1.0 / 60.0));
        assert_eq!(readable_unit(Unit::Hours, 6.0), ("hours", 1.0));
        assert_eq!(readable_unit(Unit::Hours, 3.0 * 8760.0), ("years", 8760.0));
        assert_eq!(round(47.4), "47");
        assert_eq!(round(4.75), "4.8");
        assert_eq!(round(0.0347), "0.035");
        assert_eq!(round(1234.0), "1,234");
    }
}
