//! From what the user wrote (`spec.sweep`, `--param`, `--param-range`) to
//! checked [`Parameter`]s: each parameter's unit decided from the field it
//! sets, ranges expanded, and every mistake reported against the place it
//! was made (a field of the file, or the flag), with the fix.
//!
//! The unit comes from the field's name in the scenario schema, not from
//! the values: `clustersPerZone: [2, 3]` must be whole numbers, and
//! `mean: [30, 60]` must carry a unit, whatever the values look like.

use super::{Parameter, Scale, Unit, Value};
use crate::model::HOURS_PER_YEAR;
use crate::scenario::duration::{Duration, Rate};
use crate::scenario::sweep::{ParameterSpec, RangeScale, RangeSpec, Scalar, SweepMode, SweepSpec};
use crate::scenario::{FieldError, Override};

/// What kind of value a field holds, from its name in the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// `15d`: hours.
    Duration,
    /// `4/y`: per year.
    Rate,
    /// A whole number (`clustersPerZone`, `count`, `proxies`).
    Count,
    /// Any number (`shape`, `sigma`, `badShare`).
    Number,
}

/// The kind of the field at `path` (by its last name), or `None` for a
/// field a sweep cannot set (a name, a `dist:`, a list).
pub fn field_kind(path: &str) -> Option<FieldKind> {
    let leaf = path.rsplit('.').next().unwrap_or(path);
    if leaf.contains('[') {
        return None;
    }
    Some(match leaf {
        "mean" | "median" | "p95" | "p99" | "scale" | "value" | "min" | "max" | "horizon"
        | "warmup" | "detect" | "rollback" | "interval" | "certTtl" => FieldKind::Duration,
        "rate" => FieldKind::Rate,
        "regions" | "zonesPerRegion" | "clustersPerZone" | "proxiesPerCluster" | "proxies"
        | "count" | "countPerSite" => FieldKind::Count,
        "shape" | "mu" | "sigma" | "badShare" | "certGraceRatio" => FieldKind::Number,
        _ => return None,
    })
}

/// Where a parameter was declared, for its errors.
#[derive(Clone, Debug)]
pub enum Origin {
    /// `spec.sweep.parameters[i]` of the scenario file.
    File(usize),
    /// A command-line flag, as given (`--param spec.x=1,2`).
    Flag(String),
}

/// A mistake in a sweep's declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum SpecError {
    /// In the file: locate it with `Document::locate`.
    Field(FieldError),
    /// On the command line: the message names the flag.
    Flag(String),
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpecError::Field(e) => write!(f, "{}: {}", e.path, e.message),
            SpecError::Flag(m) => f.write_str(m),
        }
    }
}

impl Origin {
    /// An error about `field` of this parameter (`range.steps`; empty for
    /// the parameter as a whole).
    fn error(&self, field: &str, message: String) -> SpecError {
        match self {
            Origin::File(i) => {
                let mut path = format!("spec.sweep.parameters[{i}]");
                if !field.is_empty() {
                    path = format!("{path}.{field}");
                }
                SpecError::Field(FieldError::new(path, message))
            }
            Origin::Flag(flag) => SpecError::Flag(format!("{flag}: {message}")),
        }
    }
}

/// One parameter as declared, before checking.
#[derive(Clone, Debug)]
pub struct Declared {
    /// Where it came from.
    pub origin: Origin,
    /// What was written.
    pub spec: ParameterSpec,
}

/// The sweep to run: the mode and the checked parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Grid or zip.
    pub mode: SweepMode,
    /// The parameters, file's first (those replaced by a flag in place),
    /// then the flags' new ones.
    pub parameters: Vec<Parameter>,
    /// The same sweep as `spec.sweep` would declare it, for the
    /// `scenario.yaml` of the results: running that file sweeps the same
    /// points.
    pub declared: SweepSpec,
}

/// Merges the file's sweep with the command line's parameters (a flag
/// replaces the file's parameter of the same path and adds the others)
/// and checks everything.
pub fn plan(
    file: Option<&SweepSpec>,
    flags: Vec<Declared>,
    mode: Option<SweepMode>,
) -> Result<Plan, SpecError> {
    let mut declared: Vec<Declared> = file
        .map(|s| {
            s.parameters
                .iter()
                .enumerate()
                .map(|(i, p)| Declared {
                    origin: Origin::File(i),
                    spec: p.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    for flag in flags {
        match declared.iter_mut().find(|d| d.spec.path == flag.spec.path) {
            Some(old) if matches!(old.origin, Origin::File(_)) => *old = flag,
            Some(_) => {
                return Err(flag.origin.error(
                    "",
                    format!(
                        "`{}` is swept twice on the command line; give it once",
                        flag.spec.path
                    ),
                ))
            }
            None => declared.push(flag),
        }
    }
    if declared.is_empty() {
        return Err(SpecError::Flag(
            "nothing to sweep: add `spec.sweep.parameters` to the scenario or give --param PATH=V1,V2,… / --param-range PATH=FROM..TO:STEPS".into(),
        ));
    }
    let mut parameters: Vec<Parameter> = Vec::new();
    for (i, d) in declared.iter().enumerate() {
        if let Some(j) = declared[..i]
            .iter()
            .position(|e| e.spec.path == d.spec.path)
        {
            return Err(d.origin.error(
                "path",
                format!(
                    "`{}` is already swept by parameter {j}; give each field once",
                    d.spec.path
                ),
            ));
        }
        parameters.push(parameter(d)?);
    }
    let mode = mode.or(file.map(|s| s.mode)).unwrap_or_default();
    if mode == SweepMode::Zip {
        let n = parameters[0].values.len();
        if let Some(i) = parameters.iter().position(|p| p.values.len() != n) {
            return Err(declared[i].origin.error(
                "",
                format!(
                    "zip mode takes the i-th value of every parameter together, so they need as many values each: `{}` has {}, `{}` has {n}; give them equal lengths or use mode: grid",
                    parameters[i].path,
                    parameters[i].values.len(),
                    parameters[0].path
                ),
            ));
        }
    }
    let declared = SweepSpec {
        mode,
        parameters: declared.into_iter().map(|d| d.spec).collect(),
    };
    Ok(Plan {
        mode,
        parameters,
        declared,
    })
}

/// Checks one parameter and expands its values.
fn parameter(d: &Declared) -> Result<Parameter, SpecError> {
    let path = d.spec.path.trim();
    let o = &d.origin;
    if !path.starts_with("spec.") {
        return Err(o.error(
            "path",
            format!("`{path}` is not a field of the scenario; a path starts with `spec.` (e.g. `spec.failures.zone.repair.median`)"),
        ));
    }
    let kind = field_kind(path).ok_or_else(|| {
        o.error(
            "path",
            format!(
                "`{path}` is not a field a sweep can set; a sweep sets a duration (mean, median, p95, …), a rate, a count (clustersPerZone, count, proxies, …) or a number (shape, sigma, badShare, …)"
            ),
        )
    })?;
    let (unit, continuous) = match kind {
        FieldKind::Duration => (Unit::Hours, true),
        FieldKind::Rate => (Unit::PerYear, true),
        FieldKind::Count => (Unit::Plain, false),
        FieldKind::Number => (Unit::Plain, true),
    };
    let (values, scale) = match (&d.spec.values, &d.spec.range) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(o.error(
                "",
                format!("`{path}`: give either `values: [...]` or `range: {{ from, to, steps }}`, not both or neither"),
            ))
        }
        (Some(list), None) => {
            if list.is_empty() {
                return Err(o.error("values", "no values; give one or more".into()));
            }
            let values = list
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    value(path, kind, &s.0).map_err(|m| o.error(&format!("values[{i}]"), m))
                })
                .collect::<Result<Vec<_>, _>>()?;
            (values, Scale::Linear)
        }
        (None, Some(range)) => (expand(path, kind, range, o)?, scale_of(range.scale)),
    };
    Ok(Parameter {
        path: path.to_string(),
        unit,
        scale,
        continuous,
        values,
    })
}

fn scale_of(s: RangeScale) -> Scale {
    match s {
        RangeScale::Linear => Scale::Linear,
        RangeScale::Log => Scale::Log,
    }
}

/// Reads one value written for a field of `kind`.
fn value(path: &str, kind: FieldKind, text: &str) -> Result<Value, String> {
    let number = match kind {
        FieldKind::Duration => Duration::parse(text)
            .map_err(|e| format!("`{path}` is a duration: {e}"))?
            .hours(),
        FieldKind::Rate => {
            Rate::parse(text)
                .map_err(|e| format!("`{path}` is a rate: {e}"))?
                .per_hour()
                * HOURS_PER_YEAR
        }
        FieldKind::Count => match text.parse::<u64>() {
            Ok(n) => n as f64,
            Err(_) => {
                return Err(format!(
                    "`{path}` is a count: `{text}` is not a whole number 0 or more"
                ))
            }
        },
        FieldKind::Number => match text.parse::<f64>() {
            Ok(x) if x.is_finite() => x,
            _ => return Err(format!("`{path}` is a number: `{text}` is not one")),
        },
    };
    Ok(Value {
        text: text.to_string(),
        number,
    })
}

/// The values of a range, each written back as text the field accepts.
fn expand(path: &str, kind: FieldKind, r: &RangeSpec, o: &Origin) -> Result<Vec<Value>, SpecError> {
    let from = value(path, kind, &r.from.0).map_err(|m| o.error("range.from", m))?;
    let to = value(path, kind, &r.to.0).map_err(|m| o.error("range.to", m))?;
    if r.steps < 2 {
        return Err(o.error(
            "range.steps",
            format!(
                "{} step{}: a range needs 2 or more (both ends are included); for one value write `values: [{}]`",
                r.steps,
                if r.steps == 1 { "" } else { "s" },
                r.from.0
            ),
        ));
    }
    if r.steps > 100_000 {
        return Err(o.error(
            "range.steps",
            format!(
                "{} steps is more points than a sweep can show; use 100000 or fewer",
                r.steps
            ),
        ));
    }
    if from.number >= to.number {
        return Err(o.error(
            "range",
            format!(
                "from `{}` is not below to `{}`; a range runs upward (list the values to give another order)",
                r.from.0, r.to.0
            ),
        ));
    }
    if r.scale == RangeScale::Log && from.number <= 0.0 {
        return Err(o.error(
            "range.from",
            format!(
                "`{}`: a log range starts above 0; use scale: linear or a positive from",
                r.from.0
            ),
        ));
    }
    let n = r.steps as usize;
    // The ends are written as given, so a range and a list of the same
    // values make the same points. The values between are rounded to what
    // a person would write — 3 significant digits of a duration in the unit
    // that reads best, 4 of other numbers, more only where a fine range
    // needs them to keep its values apart — so the tables read `2.09d`,
    // not `50.1762h`. The point runs at the rounded value, which the text
    // and the number columns both carry; the spacing moves by at most 0.5%.
    'digits: for extra in 0..=MORE_DIGITS {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let t = i as f64 / (n - 1) as f64;
            let x = match r.scale {
                RangeScale::Linear => from.number + t * (to.number - from.number),
                RangeScale::Log => {
                    (from.number.ln() + t * (to.number.ln() - from.number.ln())).exp()
                }
            };
            let text = if i == 0 {
                r.from.0.clone()
            } else if i == n - 1 {
                r.to.0.clone()
            } else {
                match kind {
                    FieldKind::Duration => readable_duration(x, 3 + extra),
                    FieldKind::Rate => format!("{}/y", significant(x, 4 + extra)),
                    FieldKind::Number => significant(x, 4 + extra),
                    FieldKind::Count => {
                        let whole = x.round();
                        if (x - whole).abs() > 1e-6 * x.abs().max(1.0) {
                            return Err(o.error(
                                "range.steps",
                                format!(
                                    "`{path}` is a count, and {} steps from {} to {} give {}, not a whole number; choose steps so every value is whole, or list the values",
                                    r.steps, r.from.0, r.to.0, short(x)
                                ),
                            ));
                        }
                        format!("{whole}")
                    }
                }
            };
            let v = value(path, kind, &text).map_err(|m| o.error("range", m))?;
            if let Some(prev) = out.last().map(|p: &Value| p.number) {
                if v.number <= prev {
                    if extra < MORE_DIGITS && kind != FieldKind::Count {
                        continue 'digits;
                    }
                    return Err(o.error(
                        "range.steps",
                        format!(
                            "{} steps from {} to {} repeat a value ({text}); use fewer steps",
                            r.steps, r.from.0, r.to.0
                        ),
                    ));
                }
            }
            out.push(v);
        }
        return Ok(out);
    }
    unreachable!("the last round of digits returns")
}

/// How many digits past the readable ones a fine range may take to keep
/// its values apart.
const MORE_DIGITS: i32 = 6;

/// A number with 6 significant digits and no trailing zeros: short
/// enough to read in a table, exact enough for a curve.
pub fn short(x: f64) -> String {
    significant(x, 6)
}

/// `hours` as a duration in the unit that reads best — minutes below an
/// hour, hours below three days, days from there — to `digits`
/// significant digits: `51m`, `7.07h`, `4.37d` with 3.
fn readable_duration(hours: f64, digits: i32) -> String {
    if hours < 1.0 {
        format!("{}m", significant(hours * 60.0, digits))
    } else if hours < 72.0 {
        format!("{}h", significant(hours, digits))
    } else {
        format!("{}d", significant(hours / 24.0, digits))
    }
}

/// `x` with `n` significant digits and no trailing zeros.
fn significant(x: f64, n: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = n - 1 - x.abs().log10().floor() as i32;
    let text = if digits > 0 {
        format!("{:.*}", digits as usize, x)
    } else {
        let p = 10f64.powi(-digits);
        format!("{}", (x / p).round() * p)
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `PATH=REST` split at the first `=` outside `[...]` (a path may pick a
/// list item by `[name=...]`), as `--set` splits.
fn split(arg: &str) -> Option<(String, String)> {
    Override::parse(arg).ok().map(|o| (o.path, o.value))
}

/// Reads `--param PATH=V1,V2,...`.
pub fn param_flag(arg: &str) -> Result<Declared, SpecError> {
    let flag = format!("--param {arg}");
    let (path, list) = split(arg).ok_or_else(|| {
        SpecError::Flag(format!("{flag}: expected PATH=V1,V2,… (e.g. spec.failures.controlPlane.failure.mean=15d,1mo,2mo)"))
    })?;
    let values = list
        .split(',')
        .map(|v| Scalar(v.trim().to_string()))
        .collect::<Vec<_>>();
    if values.iter().any(|v| v.0.is_empty()) {
        return Err(SpecError::Flag(format!(
            "{flag}: an empty value; separate values with single commas"
        )));
    }
    Ok(Declared {
        origin: Origin::Flag(flag),
        spec: ParameterSpec {
            path: path.trim().to_string(),
            values: Some(values),
            range: None,
        },
    })
}

/// Reads `--param-range PATH=FROM..TO:STEPS[:log|:linear]`.
pub fn range_flag(arg: &str) -> Result<Declared, SpecError> {
    let flag = format!("--param-range {arg}");
    let bad = || {
        SpecError::Flag(format!(
            "{flag}: expected PATH=FROM..TO:STEPS[:log] (e.g. spec.failures.zone.repair.median=30m..1d:7:log)"
        ))
    };
    let (path, rest) = split(arg).ok_or_else(bad)?;
    let mut parts = rest.split(':');
    let bounds = parts.next().ok_or_else(bad)?;
    let (from, to) = bounds.split_once("..").ok_or_else(bad)?;
    let steps = parts.next().ok_or_else(bad)?;
    let steps: u32 = steps
        .trim()
        .parse()
        .map_err(|_| SpecError::Flag(format!("{flag}: STEPS `{steps}` is not a whole number")))?;
    let scale = match parts.next().map(str::trim) {
        None | Some("linear") => RangeScale::Linear,
        Some("log") => RangeScale::Log,
        Some(other) => {
            return Err(SpecError::Flag(format!(
                "{flag}: unknown scale `{other}`; use `log` or `linear`"
            )))
        }
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(Declared {
        origin: Origin::Flag(flag),
        spec: ParameterSpec {
            path: path.trim().to_string(),
            values: None,
            range: Some(RangeSpec {
                from: Scalar(from.trim().to_string()),
                to: Scalar(to.trim().to_string()),
                steps,
                scale,
            }),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(arg: &str) -> Result<Plan, SpecError> {
        plan(None, vec![range_flag(arg)?], None)
    }

    #[test]
    fn a_log_range_of_durations_is_geometric_and_keeps_its_ends_as_written() {
        let p = one("spec.failures.zone.repair.median=1h..100h:3:log").unwrap();
        let v = &p.parameters[0];
        assert_eq!(v.unit, Unit::Hours);
        assert_eq!(v.scale, Scale::Log);
        let texts: Vec<_> = v.values.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts, ["1h", "10h", "100h"]);
        assert!((v.values[1].number - 10.0).abs() < 1e-9);
    }

    #[test]
    fn a_fine_range_takes_the_digits_it_needs_and_no_more() {
        let p = one("spec.failures.controlPlane.failure.mean=15d..1y:1000:log").unwrap();
        let v = &p.parameters[0].values;
        assert_eq!(v.len(), 1000);
        assert!(v.windows(2).all(|w| w[0].number < w[1].number));
        // Coarse: three digits.
        let p = one("spec.failures.controlPlane.failure.mean=1d..1y:9:log").unwrap();
        assert_eq!(p.parameters[0].values[1].text, "50.2h");
    }

    #[test]
    fn rates_are_per_year_and_counts_must_stay_whole() {
        let p = plan(
            None,
            vec![param_flag("spec.configChanges.rate=1/w,4/y").unwrap()],
            None,
        )
        .unwrap();
        assert_eq!(p.parameters[0].unit, Unit::PerYear);
        assert!((p.parameters[0].values[1].number - 4.0).abs() < 1e-9);
        let err = one("spec.topology.clustersPerZone=1..4:3")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("is a count, and 3 steps from 1 to 4 give 2.5"),
            "{err}"
        );
        let err = one("spec.topology.clustersPerZone=1h..4:3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`1h` is not a whole number"), "{err}");
    }

    #[test]
    fn each_mistake_has_its_own_message() {
        let cases = [
            (
                "spec.failures.zone.repair.median=1h..2h:1",
                "a range needs 2 or more",
            ),
            (
                "spec.failures.zone.repair.median=2h..1h:3:log",
                "is not below to",
            ),
            (
                "spec.failures.zone.repair.median=0h..1h:3:log",
                "a log range starts above 0",
            ),
            (
                "spec.failures.zone.repair.median=1h..2h:3:cubic",
                "unknown scale `cubic`",
            ),
            (
                "spec.failures.zone.repair.median=1h-2h:3",
                "expected PATH=FROM..TO:STEPS",
            ),
            (
                "spec.failures.zone.repair.dist=1h..2h:3",
                "not a field a sweep can set",
            ),
            (
                "failures.zone.repair.median=1h..2h:3",
                "a path starts with `spec.`",
            ),
            ("spec.failures.zone.repair.median=1..2:3", "is a duration"),
        ];
        for (arg, want) in cases {
            let err = one(arg).unwrap_err().to_string();
            assert!(err.starts_with(&format!("--param-range {arg}: ")), "{err}");
            assert!(err.contains(want), "{arg}: {err}");
        }
    }

    #[test]
    fn a_flag_replaces_the_files_parameter_and_zip_needs_equal_lengths() {
        let file: SweepSpec = serde_yaml_ng::from_str(
            "mode: zip\nparameters:\n  - path: spec.failures.zone.repair.median\n    values: [1h, 2h]\n  - path: spec.topology.clustersPerZone\n    values: [1, 2]\n",
        )
        .unwrap();
        let p = plan(
            Some(&file),
            vec![param_flag("spec.topology.clustersPerZone=3,4").unwrap()],
            None,
        )
        .unwrap();
        assert_eq!(p.parameters[1].values[0].text, "3");
        assert_eq!(p.mode, SweepMode::Zip);
        let err = plan(
            Some(&file),
            vec![param_flag("spec.topology.clustersPerZone=3").unwrap()],
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("zip mode takes the i-th value"), "{err}");
        let err = plan(Some(&file), vec![], Some(SweepMode::Grid)).map(|p| p.mode);
        assert_eq!(err, Ok(SweepMode::Grid));
        match plan(None, vec![], None) {
            Err(SpecError::Flag(m)) => assert!(m.starts_with("nothing to sweep")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn short_numbers_keep_six_digits() {
        assert_eq!(short(10.0), "10");
        assert_eq!(short(1.2345678), "1.23457");
        assert_eq!(short(123456789.0), "123457000");
        assert_eq!(short(0.000123456789), "0.000123457");
    }

    #[test]
    fn range_durations_read_as_a_person_writes_them() {
        assert_eq!(readable_duration(50.1762, 3), "50.2h");
        assert_eq!(readable_duration(104.902, 3), "4.37d");
        assert_eq!(readable_duration(4190.03, 3), "175d");
        assert_eq!(readable_duration(0.849191, 3), "51m");
        assert_eq!(readable_duration(1.0, 3), "1h");
        assert_eq!(readable_duration(50.1762, 5), "50.176h");
        assert_eq!(significant(0.123456, 4), "0.1235");
    }
}
