//! Durations and rates as scenario files write them: a number glued to a
//! unit (`90s`, `1.5h`, `6mo`, `10y`) and `count/unit` rates (`4/y`).
//!
//! Everything inside meshsim measures time in hours (`f64`) until the engine
//! turns it into integer milliseconds; this module is the only place that
//! knows the units. A bare number is refused on purpose: `horizon: 10`
//! could mean hours or years, and guessing wrong silently is the worst
//! kind of availability error.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The units a duration may carry, in milliseconds (exact integers, so
/// `3600s` is exactly `1h`), longest spelling first so that `mo` and `ms`
/// are matched before `m`.
const UNITS: [(&str, f64); 8] = [
    ("ms", 1.0),
    ("mo", 30.0 * 86_400_000.0),
    ("s", 1_000.0),
    ("m", 60_000.0),
    ("h", 3_600_000.0),
    ("d", 86_400_000.0),
    ("w", 7.0 * 86_400_000.0),
    ("y", 365.0 * 86_400_000.0),
];

const MS_PER_HOUR: f64 = 3_600_000.0;

/// The list of units, as error messages print it.
pub const UNIT_LIST: &str = "ms, s, m, h, d, w, mo (30 days), y (365 days)";

/// A non-negative span of simulated time, kept as written so that the
/// scenario can be echoed back (`scenario.yaml` in the results) unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct Duration {
    hours: f64,
    text: String,
}

impl Duration {
    /// Parses `"1.5h"`; the error says what is wrong and what would be right.
    pub fn parse(text: &str) -> Result<Self, String> {
        let hours = parse_with_unit(text, "a duration")?;
        if hours < 0.0 {
            return Err(format!("`{text}` is negative; a duration is 0 or more"));
        }
        Ok(Duration {
            hours,
            text: text.trim().to_string(),
        })
    }

    /// A duration given in hours (for defaults and tests).
    pub fn from_hours(hours: f64) -> Self {
        Duration {
            hours,
            text: format!("{hours}h"),
        }
    }

    /// The length in hours.
    pub fn hours(&self) -> f64 {
        self.hours
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Events per unit of time, written `4/y`, `1/mo` or `0.5/d`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    per_hour: f64,
    text: String,
}

impl Rate {
    /// Parses `"4/y"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((count, unit)) = text.trim().split_once('/') else {
            return Err(format!(
                "`{text}` is not a rate; write a count per unit such as `4/y` (units: {UNIT_LIST})"
            ));
        };
        let count: f64 = count.trim().parse().map_err(|_| {
            format!("`{text}`: `{count}` is not a number; write a rate such as `4/y`")
        })?;
        if !count.is_finite() {
            return Err(format!("`{text}`: the count must be a finite number"));
        }
        let per = unit_ms(unit.trim())
            .ok_or_else(|| format!("`{text}`: unknown unit `{unit}`; use one of {UNIT_LIST}"))?;
        Ok(Rate {
            per_hour: count * MS_PER_HOUR / per,
            text: text.trim().to_string(),
        })
    }

    /// Events per hour.
    pub fn per_hour(&self) -> f64 {
        self.per_hour
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn unit_ms(unit: &str) -> Option<f64> {
    UNITS.iter().find(|(u, _)| *u == unit).map(|(_, ms)| *ms)
}

fn parse_with_unit(text: &str, what: &str) -> Result<f64, String> {
    let t = text.trim();
    let bare = t.trim_start_matches(['+', '-', '.']).to_ascii_lowercase();
    if bare.starts_with("nan") || bare.starts_with("inf") {
        return Err(format!(
            "`{t}` is not a finite number; write {what} such as `4h` (units: {UNIT_LIST})"
        ));
    }
    let split = t
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    if unit.is_empty() {
        return Err(format!(
            "`{t}` has no unit; write {what} as a number glued to a unit such as `4h` or `1.5d` (units: {UNIT_LIST})"
        ));
    }
    let Some(per) = unit_ms(unit) else {
        return Err(format!(
            "`{t}`: unknown unit `{unit}`; use one of {UNIT_LIST}"
        ));
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{t}`: `{number}` is not a number; write e.g. `4h`"))?;
    if !value.is_finite() {
        return Err(format!("`{t}`: the number must be finite"));
    }
    // A finite number can still overflow once converted (`1e308y`).
    let hours = value * per / MS_PER_HOUR;
    if !hours.is_finite() {
        return Err(format!(
            "`{t}` is too large to be {what}; the number must be finite once converted to hours"
        ));
    }
    Ok(hours)
}

/// Accepts a string, or a number (which is then refused with the unit list),
/// so that `horizon: 10` gets the helpful message rather than a type error.
/// Anything else is refused at once: a mapping or sequence is never
/// buffered (an untagged enum would buffer it whole, aliases expanded),
/// and a missing field is reported as missing.
fn text_of<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Text;
    impl serde::de::Visitor<'_> for Text {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a duration such as `4h` (units: {UNIT_LIST})")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            Ok(format!("{v}"))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(format!("{v}"))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(format!("{v}"))
        }
    }
    // serde words the refusal from `expecting` ("invalid type: map,
    // expected a duration such as `4h` …"), and a missing field stays a
    // missing field.
    d.deserialize_any(Text)
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = text_of(d)?;
        Duration::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = text_of(d)?;
        Rate::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_to_hours() {
        let h = |t: &str| Duration::parse(t).unwrap().hours();
        assert_eq!(h("90m"), 1.5);
        assert_eq!(h("1.5h"), 1.5);
        assert_eq!(h("2d"), 48.0);
        assert_eq!(h("1w"), 168.0);
        assert_eq!(h("6mo"), 6.0 * 720.0);
        assert_eq!(h("10y"), 87_600.0);
        assert_eq!(h("3600s"), 1.0);
        assert_eq!(h("3600000ms"), 1.0);
        assert_eq!(h("0s"), 0.0);
    }

    #[test]
    fn bare_numbers_and_unknown_units_name_the_units() {
        let e = Duration::parse("10").unwrap_err();
        assert!(
            e.contains("has no unit") && e.contains("mo (30 days)"),
            "{e}"
        );
        let e = Duration::parse("10yr").unwrap_err();
        assert!(e.contains("unknown unit `yr`"), "{e}");
        let e = Duration::parse("-2h").unwrap_err();
        assert!(e.contains("negative"), "{e}");
        for text in ["NaNh", "NaN", ".inf", "-infh"] {
            let e = Duration::parse(text).unwrap_err();
            assert!(e.contains("not a finite number"), "{text}: {e}");
        }
    }

    #[test]
    fn rates_are_per_hour() {
        assert_eq!(Rate::parse("4/y").unwrap().per_hour(), 4.0 / 8760.0);
        assert_eq!(Rate::parse("2/d").unwrap().per_hour(), 2.0 / 24.0);
        assert!(Rate::parse("4").unwrap_err().contains("`4/y`"));
        assert!(Rate::parse("4/yr").unwrap_err().contains("unknown unit"));
    }
}
