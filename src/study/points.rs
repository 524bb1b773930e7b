//! The points of a sweep: which value of each parameter a point takes
//! (grid: every combination, the last parameter changing fastest; zip:
//! the i-th of each), the overrides that make it, and the key its results
//! are kept under.

use super::{Parameter, Value};
use crate::scenario::sweep::SweepMode;

/// One point: an index into each parameter's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    /// Position in the sweep, from 0.
    pub index: usize,
    /// Per parameter, the index of its value.
    pub coords: Vec<usize>,
}

impl Point {
    /// The `PATH=VALUE` overrides that make this point.
    pub fn overrides<'a>(&self, parameters: &'a [Parameter]) -> Vec<(&'a str, &'a Value)> {
        parameters
            .iter()
            .zip(&self.coords)
            .map(|(p, &i)| (p.path.as_str(), &p.values[i]))
            .collect()
    }

    /// The point's value of each parameter.
    pub fn values(&self, parameters: &[Parameter]) -> Vec<Value> {
        parameters
            .iter()
            .zip(&self.coords)
            .map(|(p, &i)| p.values[i].clone())
            .collect()
    }

    /// `path=value, …`, to name the point in messages.
    pub fn label(&self, parameters: &[Parameter]) -> String {
        self.overrides(parameters)
            .iter()
            .map(|(p, v)| format!("{p}={}", v.text))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Every point of a sweep, in order.
pub fn points(mode: SweepMode, parameters: &[Parameter]) -> Vec<Point> {
    let lens: Vec<usize> = parameters.iter().map(|p| p.values.len()).collect();
    match mode {
        SweepMode::Zip => (0..lens.first().copied().unwrap_or(0))
            .map(|i| Point {
                index: i,
                coords: vec![i; lens.len()],
            })
            .collect(),
        SweepMode::Grid => {
            let total: usize = lens.iter().product();
            (0..total)
                .map(|index| {
                    let mut rest = index;
                    let mut coords = vec![0; lens.len()];
                    for (c, &n) in coords.iter_mut().zip(&lens).rev() {
                        *c = rest % n;
                        rest /= n;
                    }
                    Point { index, coords }
                })
                .collect()
        }
    }
}

/// How many points a sweep has, without listing them (to refuse a huge
/// grid before building it).
pub fn count(mode: SweepMode, parameters: &[Parameter]) -> u128 {
    let lens = parameters.iter().map(|p| p.values.len() as u128);
    match mode {
        SweepMode::Zip => lens.max().unwrap_or(0),
        SweepMode::Grid => lens.product(),
    }
}

/// The key a point's results are kept under: FNV-1a (64 bits, hex) of the
/// point's scenario as run. The same scenario text always gives the same
/// key, on every machine and version of Rust (unlike `std`'s hasher), so
/// a rerun finds what an earlier one finished.
pub fn key(scenario_yaml: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in scenario_yaml.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::{Scale, Unit};

    fn param(n: usize) -> Parameter {
        Parameter {
            path: format!("spec.p{n}"),
            unit: Unit::Plain,
            scale: Scale::Linear,
            continuous: false,
            values: (0..n)
                .map(|i| Value {
                    text: i.to_string(),
                    number: i as f64,
                })
                .collect(),
        }
    }

    #[test]
    fn a_grid_changes_the_last_parameter_fastest_and_zip_goes_together() {
        let ps = [param(2), param(3)];
        let grid: Vec<_> = points(SweepMode::Grid, &ps)
            .into_iter()
            .map(|p| p.coords)
            .collect();
        assert_eq!(
            grid,
            [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]].map(|c| c.to_vec())
        );
        assert_eq!(count(SweepMode::Grid, &ps), 6);
        let ps = [param(3), param(3)];
        let zip: Vec<_> = points(SweepMode::Zip, &ps)
            .into_iter()
            .map(|p| p.coords)
            .collect();
        assert_eq!(zip, [[0, 0], [1, 1], [2, 2]].map(|c| c.to_vec()));
        assert_eq!(
            points(SweepMode::Zip, &ps)[1].label(&ps),
            "spec.p3=1, spec.p3=1"
        );
    }

    #[test]
    fn the_key_is_fnv1a_of_the_text() {
        // The published FNV-1a test vectors.
        assert_eq!(key(""), "cbf29ce484222325");
        assert_eq!(key("a"), "af63dc4c8601ec8c");
        assert_ne!(key("seed: 1"), key("seed: 2"));
    }
}
