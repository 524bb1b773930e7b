//! Values made by meshsim (a refined point, a crossover's estimate) written
//! back as text the scenario reader accepts.
//!
//! A refined point is run like any other: its value goes into the scenario
//! as text through the same reader as a value the user wrote, so the text
//! must parse, and parse to the number the bracket was computed with. The
//! number is rounded to nine significant digits first and the value keeps
//! the rounded number, so text and number agree exactly and the scenario as
//! run (`scenario.yaml` of the point) reads like a person wrote it.

use super::{Unit, Value};

/// A value of `number` in `unit`: `47.25h`, `3.5/y`, `2.5`.
pub fn value(unit: Unit, number: f64) -> Value {
    let number = round9(number);
    let text = match unit {
        Unit::Hours => format!("{number}h"),
        Unit::PerYear => format!("{number}/y"),
        Unit::Plain => format!("{number}"),
    };
    Value { text, number }
}

/// `v` to nine significant digits (Rust prints an `f64` with the fewest
/// digits that read back to it, never in exponent form).
fn round9(v: f64) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    format!("{v:.8e}").parse().unwrap_or(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::duration::{Duration, Rate};

    #[test]
    fn written_values_parse_back_to_their_numbers() {
        for h in [47.25, 0.5, 1.0 / 3.0, 1234.5678901234, 8760.0, 1e-4] {
            let v = value(Unit::Hours, h);
            let back = Duration::parse(&v.text).unwrap_or_else(|e| panic!("{}: {e}", v.text));
            assert!((back.hours() - v.number).abs() <= 1e-12 * v.number, "{v:?}");
            assert!((v.number - h).abs() <= 1e-8 * h, "{v:?}");
        }
        for y in [3.5, 0.25, 1.0 / 7.0, 52.0] {
            let v = value(Unit::PerYear, y);
            let back = Rate::parse(&v.text).unwrap_or_else(|e| panic!("{}: {e}", v.text));
            assert!(
                (back.per_hour() * 8760.0 - v.number).abs() <= 1e-12 * v.number,
                "{v:?}"
            );
        }
        assert_eq!(value(Unit::Hours, 47.25).text, "47.25h");
        assert_eq!(value(Unit::PerYear, 3.5).text, "3.5/y");
        assert_eq!(value(Unit::Plain, 2.5).text, "2.5");
        assert_eq!(value(Unit::Hours, 1.0 / 3.0).text, "0.333333333h");
    }
}
