//! `spec.sweep` as written: the fields a sweep is declared with, typed
//! but not checked. Turning them into points (paths that exist, lengths
//! that agree, ranges that make sense) is `crate::study::spec`'s job, so
//! that each error can name the field it is about.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `spec.sweep`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SweepSpec {
    /// `grid` (default) or `zip`.
    #[serde(default)]
    pub mode: SweepMode,
    /// The swept fields.
    pub parameters: Vec<ParameterSpec>,
}

/// How the parameters' values combine into points.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum SweepMode {
    /// Every combination, the last parameter changing fastest.
    #[default]
    Grid,
    /// The i-th value of every parameter together (equal lengths).
    Zip,
}

/// One swept field: `values` or `range`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParameterSpec {
    /// The field path, as error messages print it.
    pub path: String,
    /// The values, as the field would be written (`15d`, `4/y`, `3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Scalar>>,
    /// Or evenly spaced values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<RangeSpec>,
}

/// `range: { from, to, steps, scale }`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RangeSpec {
    /// First value.
    pub from: Scalar,
    /// Last value.
    pub to: Scalar,
    /// How many values, both ends included (2 or more).
    pub steps: u32,
    /// `linear` (default) or `log`.
    #[serde(default)]
    pub scale: RangeScale,
}

/// `range.scale`.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum RangeScale {
    /// Evenly spaced values.
    #[default]
    Linear,
    /// Evenly spaced logarithms (a constant ratio between neighbours).
    Log,
}

/// A YAML scalar kept as its text (`15d`, `3`, `0.7`), since what it means
/// depends on the field it is set to.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value such as `15d`, `4/y` or `3`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.trim().to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Scalar {
    /// A number is written back as a number, so that `scenario.yaml` reads
    /// like the file it came from.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Ok(n) = self.0.parse::<u64>() {
            s.serialize_u64(n)
        } else if let Ok(x) = self.0.parse::<f64>() {
            s.serialize_f64(x)
        } else {
            s.serialize_str(&self.0)
        }
    }
}
