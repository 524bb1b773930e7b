//! Scenario files: reading YAML into typed form and pointing every error at
//! its place in the file.
//!
//! This is the first stage of the pipeline (scenario → model → engine →
//! results → tables/charts). It checks syntax and types only; meaning is
//! checked by [`crate::model::build`], whose errors come back here to be
//! located.

pub mod duration;
pub mod error;
pub mod file;
pub mod overrides;
pub mod source_map;
pub mod sweep;

pub use error::{FieldError, ScenarioError};
pub use file::ScenarioFile;
pub use overrides::Override;

use overrides::Blame;

use source_map::SourceMap;
use std::io::Read;
use std::path::Path;

/// Scenario files larger than this are refused before parsing: real
/// scenarios are a few kilobytes, and a huge file is a mistake or an attack.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A parsed scenario file and what is needed to locate errors in it.
#[derive(Debug)]
pub struct Document {
    /// The typed content.
    pub file: ScenarioFile,
    /// The name errors are reported against.
    pub origin: String,
    map: SourceMap,
    /// The `--set` overrides applied, to blame errors on.
    applied: Vec<overrides::Applied>,
}

impl Document {
    /// Reads and parses a scenario file.
    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        Self::read_with(path, &[])
    }

    /// Reads a scenario file and applies `--set` overrides to it (see
    /// [`Document::parse_with`]).
    pub fn read_with(path: &Path, overrides: &[Override]) -> Result<Self, ScenarioError> {
        let origin = path.display().to_string();
        let read_err = |source| ScenarioError::Read {
            file: origin.clone(),
            source,
        };
        let size = std::fs::metadata(path).map_err(read_err)?.len();
        if size > MAX_FILE_BYTES {
            return Err(too_big(&origin, size));
        }
        // Devices and pipes report no size (`/dev/zero` never ends): read
        // one byte past the limit at most.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(read_err)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(ScenarioError::Invalid {
                file: origin.clone(),
                line: 1,
                col: 1,
                path: String::new(),
                message: format!(
                    "the file is longer than {MAX_FILE_BYTES} bytes; scenario files are limited to {MAX_FILE_BYTES} bytes"
                ),
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            read_err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ))
        })?;
        Self::parse_with(&text, &origin, overrides)
    }

    /// Parses scenario text; `origin` names it in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        Self::parse_with(text, origin, &[])
    }

    /// Parses scenario text with `--set` overrides applied to its YAML tree
    /// before the typed parse (see [`overrides`]). An error inside what an
    /// override wrote is reported on the override; any other on the file.
    pub fn parse_with(
        text: &str,
        origin: &str,
        overrides: &[Override],
    ) -> Result<Self, ScenarioError> {
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(too_big(origin, text.len() as u64));
        }
        let map = SourceMap::build(text);
        if let Some(r) = map.refusal() {
            return Err(ScenarioError::Invalid {
                file: origin.to_string(),
                line: r.line,
                col: r.col,
                path: r.path.clone(),
                message: r.message.clone(),
            });
        }
        let in_file = |(line, col, path, message)| ScenarioError::Invalid {
            file: origin.to_string(),
            line,
            col,
            path,
            message,
        };
        if overrides.is_empty() {
            let file = typed(text, &map).map_err(in_file)?;
            return Ok(Document {
                file,
                origin: origin.to_string(),
                map,
                applied: Vec::new(),
            });
        }
        let mut tree: serde_yaml_ng::Value = match serde_yaml_ng::from_str(text) {
            Ok(tree) => tree,
            // Syntax errors and repeated keys: reported exactly as the file
            // alone reports them.
            Err(e) => {
                return Err(match typed(text, &map) {
                    Err(located) => in_file(located),
                    Ok(_) => in_file((1, 1, String::new(), e.to_string())),
                })
            }
        };
        let applied = overrides
            .iter()
            .enumerate()
            .map(|(i, o)| overrides::apply(&mut tree, o, i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        // The tree goes back to text so that it is read by the very parse a
        // file is (serde_yaml_ng reads a plain `123` as a name from text,
        // not from a tree), with the same messages.
        let changed = serde_yaml_ng::to_string(&tree)
            .map_err(|e| in_file((1, 1, String::new(), e.to_string())))?;
        let file =
            typed(&changed, &SourceMap::build(&changed)).map_err(|(_, _, path, message)| {
                // Positions in the changed text mean nothing to the user: the
                // file's own map places an error that is the file's.
                let pos = if message.starts_with("unknown field") {
                    map.key(&path)
                } else {
                    map.get(&path)
                };
                let pos = pos.or_else(|| map.locate(&path)).unwrap_or((1, 1));
                blame(&applied, origin, pos, path, message)
            })?;
        Ok(Document {
            file,
            origin: origin.to_string(),
            map,
            applied,
        })
    }

    /// Attaches file, line and column to a semantic error, or the override
    /// it came from.
    pub fn locate(&self, e: FieldError) -> ScenarioError {
        let pos = self.map.locate(&e.path).unwrap_or((1, 1));
        blame(&self.applied, &self.origin, pos, e.path, e.message)
    }
}

/// The error at `path` (written at `pos` in the file, if the file has it),
/// on the override that wrote that part of the scenario, if one did.
fn blame(
    applied: &[overrides::Applied],
    origin: &str,
    (line, col): (usize, usize),
    path: String,
    message: String,
) -> ScenarioError {
    let message = match overrides::blame(applied, &path) {
        Blame::Override(a) => {
            return ScenarioError::Override {
                index: a.index,
                text: a.text.clone(),
                path,
                message,
            }
        }
        Blame::Around(a) => format!("{message} (with --set #{} ({}) applied)", a.index, a.text),
        Blame::File => message,
    };
    ScenarioError::Invalid {
        file: origin.to_string(),
        line,
        col,
        path,
        message,
    }
}

/// The typed parse of scenario text, or where it fails (line, column,
/// field path, message).
fn typed(text: &str, map: &SourceMap) -> Result<ScenarioFile, (usize, usize, String, String)> {
    let de = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, ScenarioFile>(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let (line, col, path, message) = locate_parse_error(map, path, &inner);
        let message = friendlier(&message, &path);
        (line, col, path, message)
    })
}

/// The refusal of a file over [`MAX_FILE_BYTES`].
fn too_big(origin: &str, size: u64) -> ScenarioError {
    ScenarioError::Invalid {
        file: origin.to_string(),
        line: 1,
        col: 1,
        path: String::new(),
        message: format!(
            "the file is {size} bytes; scenario files are limited to {MAX_FILE_BYTES} bytes"
        ),
    }
}

/// Where a serde error is, which field it is about, and its message.
///
/// The YAML library knows where syntax errors are but places errors raised
/// while converting a value loosely (often at the start of the enclosing
/// mapping); the source map knows where every key and value is written.
fn locate_parse_error(
    map: &SourceMap,
    path: String,
    inner: &serde_yaml_ng::Error,
) -> (usize, usize, String, String) {
    let raw = inner.to_string();
    let yaml_pos = inner.location().map(|l| (l.line(), l.column()));
    if path == "." {
        if let Some(found) = root_field_error(map, &raw) {
            return found;
        }
    }
    // A path with `?` means serde never reached a field: a syntax error.
    if path == "." || path.contains('?') {
        let (line, col) = yaml_pos.unwrap_or((1, 1));
        // Drop the position we print in front; keep any other (e.g. where
        // an unclosed flow mapping starts).
        let message = raw.replacen(&format!(" at line {line} column {col}"), "", 1);
        return (line, col, String::new(), message);
    }
    let message = match raw.rfind(" at line ") {
        Some(cut) => raw[..cut].to_string(),
        None => raw,
    };
    let message = strip_path_prefix(&message, &path);
    if let Some(field) = message
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.split('`').next())
    {
        let repeated = format!("{path}.{field}");
        if let Some((line, col)) = map.repeat(&repeated) {
            return (line, col, repeated, message);
        }
    }
    let pos = if message.starts_with("unknown field") {
        map.key(&path)
    } else {
        map.get(&path)
    };
    let (line, col) = pos
        .or(yaml_pos)
        .or_else(|| map.locate(&path))
        .unwrap_or((1, 1));
    (line, col, path, message)
}

/// A top-level field missing or given twice. serde reports these at the
/// document (path `.`), which has no name; the field's own name is the
/// path to print, and what to add is known.
fn root_field_error(map: &SourceMap, raw: &str) -> Option<(usize, usize, String, String)> {
    let message = raw.split(" at line ").next().unwrap_or(raw);
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        let add = match field {
            "apiVersion" => "add `apiVersion: meshsim/v1alpha1`",
            "kind" => "add `kind: Scenario`",
            "metadata" => "add `metadata: { name: <name of the results folder> }`",
            _ => "add the scenario's `spec:` (see docs/scenarios.md)",
        };
        let (line, col) = map.get("").unwrap_or((1, 1));
        return Some((line, col, field.to_string(), format!("{message}; {add}")));
    }
    let field = message
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.split('`').next())?;
    let (line, col) = map.repeat(field)?;
    Some((line, col, field.to_string(), message.to_string()))
}

/// serde_yaml_ng starts some messages with its own, coarser idea of the
/// path (`spec: ...`); we print the precise path ourselves.
fn strip_path_prefix(message: &str, path: &str) -> String {
    if let Some((head, rest)) = message.split_once(": ") {
        let is_prefix = !head.is_empty()
            && !head.contains(' ')
            && (path == head
                || path.starts_with(&format!("{head}."))
                || path.starts_with(&format!("{head}[")));
        if is_prefix {
            return rest.to_string();
        }
    }
    message.to_string()
}

/// serde's wording is written for Rust programmers; a few cases are worth
/// saying in the scenario's own terms.
fn friendlier(message: &str, path: &str) -> String {
    if let Some(rest) = message.strip_prefix("missing field `seed`") {
        return format!(
            "missing field `seed`{rest}; every run needs an explicit seed (e.g. `seed: 1`) so its results can be reproduced"
        );
    }
    // A list or mapping where a name such as `weibull` belongs: serde_yaml_ng
    // speaks of YAML tags, which scenarios never use.
    if let Some(head) = message.strip_suffix("expected a YAML tag starting with '!'") {
        let field = path.rsplit('.').next().unwrap_or(path);
        let choices = match field {
            "dist" => "`exponential`, `weibull`, `lognormal`, `fixed`, `uniform`",
            "per" => "`region`, `zone`, `cluster`",
            "failover" => "`none`, `domain`, `region`, `mesh`",
            "networks" => "`single`, `perRegion`, `perZone`, `perCluster`",
            "measure" => "`config`, `podStart`, `endpoints`, `traffic`, `badConfig`",
            "order" => "`sequential`, `parallel`",
            _ => "the names listed in docs/scenarios.md",
        };
        return format!("{head}expected one of {choices}");
    }
    shorten_numbers(message)
}

/// serde prints a float such as 1e300 with all its digits; a number of more
/// than 20 digits is shown in scientific notation instead.
fn shorten_numbers(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find('`') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let end = rest.find('`').unwrap_or(rest.len());
        let quoted = &rest[..end];
        match quoted.parse::<f64>() {
            Ok(x) if quoted.len() > 20 => out.push_str(&format!("{x:e}")),
            _ => out.push_str(quoted),
        }
        rest = &rest[end..];
        if let Some(close) = rest.strip_prefix('`') {
            out.push('`');
            rest = close;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_numbers_are_shortened() {
        let long = format!(
            "invalid type: floating point `1{}`, expected u32",
            "0".repeat(300)
        );
        assert_eq!(
            shorten_numbers(&long),
            "invalid type: floating point `1e300`, expected u32"
        );
        assert_eq!(shorten_numbers("`1.5` and `x`"), "`1.5` and `x`");
    }

    #[test]
    fn type_errors_carry_path_and_position() {
        let text = "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: { name: x }\nspec:\n  seed: 1\n  horizon: 10\n";
        let err = Document::parse(text, "s.yaml").unwrap_err().to_string();
        assert!(
            err.starts_with("s.yaml:6:12: spec.horizon: `10` has no unit"),
            "{err}"
        );
        assert!(err.contains("spec.horizon: "), "{err}");
        assert!(err.contains("has no unit"), "{err}");
    }

    const SMALL: &str = "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: { name: x }\nspec:\n  seed: 1\n  horizon: 1y\n  topology: { regions: 1, zonesPerRegion: 2, clustersPerZone: 1 }\n  failures:\n    zone:\n      failure: { dist: exponential, mean: 1y }\n      repair: { dist: lognormal, median: 3h, p95: 1d }\n  deployments:\n    - name: per-zone\n      controlPlanes: { per: zone }\n    - name: per-region\n      controlPlanes: { per: region, count: 2 }\n";

    fn with(sets: &[&str]) -> Result<Document, String> {
        let overrides = Override::parse_all(sets).map_err(|e| e.to_string())?;
        Document::parse_with(SMALL, "s.yaml", &overrides).map_err(|e| e.to_string())
    }

    #[test]
    fn overrides_change_the_typed_scenario() {
        let doc = with(&[
            "spec.failures.zone.repair.median=6h",
            "spec.deployments[name=per-region].controlPlanes.count=3",
            "spec.proxy.certTtl=12h",
            "metadata.name=2024",
            "spec.warmup=30d",
        ])
        .unwrap();
        let spec = &doc.file.spec;
        let repair = &spec.failures.zone.as_ref().unwrap().repair;
        assert_eq!(repair.median.as_ref().unwrap().to_string(), "6h");
        assert_eq!(spec.deployments[1].control_planes.count, Some(3));
        assert_eq!(spec.proxy.cert_ttl.to_string(), "12h");
        assert_eq!(spec.proxy.cert_grace_ratio, 0.5);
        assert_eq!(doc.file.metadata.name, "2024");
        assert_eq!(spec.warmup.as_ref().unwrap().to_string(), "30d");
        // `null` clears an optional field.
        let doc = with(&["spec.deployments[1].controlPlanes.count=null"]).unwrap();
        assert_eq!(doc.file.spec.deployments[1].control_planes.count, None);
    }

    #[test]
    fn type_errors_inside_an_override_are_the_overrides() {
        assert_eq!(
            with(&["spec.seed=2", "spec.failures.zone.repair.median=6x"]).unwrap_err(),
            "--set #2 (spec.failures.zone.repair.median=6x): spec.failures.zone.repair.median: `6x`: unknown unit `x`; use one of ms, s, m, h, d, w, mo (30 days), y (365 days)"
        );
        let err = with(&["spec.topology.clusterPerZone=3"]).unwrap_err();
        assert!(
            err.starts_with("--set #1 (spec.topology.clusterPerZone=3): spec.topology.clusterPerZone: unknown field `clusterPerZone`, expected one of `regions`,"),
            "{err}"
        );
        let err = with(&["spec.failures.zone.repair={ dist: lognormal, median: 3h, p59: 1d }"])
            .unwrap_err();
        assert!(
            err.starts_with("--set #1 (spec.failures.zone.repair={ dist: lognormal, median: 3h, p59: 1d }): spec.failures.zone.repair.p59: unknown field `p59`"),
            "{err}"
        );
        // A misspelt block on the way is the override's too.
        let err = with(&["spec.failure.zone.repair.median=6h"]).unwrap_err();
        assert!(err.starts_with("--set #1 (spec.failure.zone.repair.median=6h): spec.failure: unknown field `failure`"), "{err}");
    }

    #[test]
    fn errors_elsewhere_stay_on_the_file() {
        let text = SMALL.replace("horizon: 1y", "horizon: 10");
        let o = Override::parse_all(&["spec.seed=2"]).unwrap();
        let with = Document::parse_with(&text, "s.yaml", &o)
            .unwrap_err()
            .to_string();
        let without = Document::parse(&text, "s.yaml").unwrap_err().to_string();
        assert_eq!(with, without);
        assert!(
            with.starts_with("s.yaml:6:12: spec.horizon: `10` has no unit"),
            "{with}"
        );
        // An override can mend the file.
        let o = Override::parse_all(&["spec.horizon=2y"]).unwrap();
        let doc = Document::parse_with(&text, "s.yaml", &o).unwrap();
        assert_eq!(doc.file.spec.horizon.to_string(), "2y");
        // A syntax error is the file's, overrides or not.
        let text = SMALL.replace("metadata: { name: x }", "metadata: { name: x");
        let with = Document::parse_with(&text, "s.yaml", &o)
            .unwrap_err()
            .to_string();
        assert_eq!(
            with,
            Document::parse(&text, "s.yaml").unwrap_err().to_string()
        );
    }

    #[test]
    fn semantic_errors_are_blamed_by_path() {
        let doc = with(&["spec.deployments[name=per-region].controlPlanes.count=3"]).unwrap();
        let inside = doc.locate(FieldError::new(
            "spec.deployments[1].controlPlanes.count",
            "bad count",
        ));
        assert_eq!(
            inside.to_string(),
            "--set #1 (spec.deployments[name=per-region].controlPlanes.count=3): spec.deployments[1].controlPlanes.count: bad count"
        );
        let around = doc.locate(FieldError::new("spec.deployments[1]", "bad deployment"));
        assert_eq!(
            around.to_string(),
            "s.yaml:15:7: spec.deployments[1]: bad deployment (with --set #1 (spec.deployments[name=per-region].controlPlanes.count=3) applied)"
        );
        let elsewhere = doc.locate(FieldError::new("spec.deployments[0].name", "bad name"));
        assert_eq!(
            elsewhere.to_string(),
            "s.yaml:13:13: spec.deployments[0].name: bad name"
        );
    }
}
