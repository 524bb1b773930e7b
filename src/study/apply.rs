//! Setting fields of a scenario by path, for the points of a sweep.
//!
//! A stand-in until the overrides API (`--set`, issue 13's part c) lands:
//! the same path syntax (`spec.a.b`, `[name=x]`, `[2]`), applied to the
//! YAML tree, which is then read like any scenario so that a point goes
//! through every check of the file.

use crate::scenario::{Document, ScenarioError};
use serde_yaml_ng::Value;

/// One `PATH=VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub struct Set {
    /// The field path.
    pub path: String,
    /// The value, a YAML scalar or flow value.
    pub value: String,
}

/// Reads scenario `text` with `sets` applied in order; `origin` names it.
pub fn parse_with(text: &str, origin: &str, sets: &[Set]) -> Result<Document, ScenarioError> {
    if sets.is_empty() {
        return Document::parse(text, origin);
    }
    // A file that does not parse is reported on its own lines.
    Document::parse(text, origin)?;
    let mut tree: Value =
        serde_yaml_ng::from_str(text).map_err(|e| invalid(origin, "", e.to_string()))?;
    for set in sets {
        let value: Value = serde_yaml_ng::from_str(&set.value).map_err(|e| {
            invalid(
                origin,
                &set.path,
                format!("`{}` is not a YAML value: {e}", set.value),
            )
        })?;
        let slot = find(&mut tree, &set.path).map_err(|m| invalid(origin, &set.path, m))?;
        *slot = value;
    }
    let applied =
        serde_yaml_ng::to_string(&tree).map_err(|e| invalid(origin, "", e.to_string()))?;
    let label = sets
        .iter()
        .map(|s| format!("{}={}", s.path, s.value))
        .collect::<Vec<_>>()
        .join(", ");
    Document::parse(&applied, &format!("{origin} with {label}"))
}

fn invalid(origin: &str, path: &str, message: String) -> ScenarioError {
    ScenarioError::Invalid {
        file: origin.to_string(),
        line: 1,
        col: 1,
        path: path.to_string(),
        message,
    }
}

/// The slot at `path`, made if its last key is missing (an optional field
/// the file left out; a name the schema does not know is refused when the
/// result is read).
fn find<'a>(tree: &'a mut Value, path: &str) -> Result<&'a mut Value, String> {
    let mut here = tree;
    for step in steps(path)? {
        here = match step {
            Step::Key(k) => {
                let map = here
                    .as_mapping_mut()
                    .ok_or_else(|| format!("`{k}` is inside something that is not a mapping"))?;
                map.entry(Value::String(k.clone())).or_insert(Value::Null)
            }
            Step::Index(i) => {
                let seq = here
                    .as_sequence_mut()
                    .ok_or_else(|| format!("[{i}] of something that is not a list"))?;
                let n = seq.len();
                seq.get_mut(i)
                    .ok_or_else(|| format!("[{i}] is past the end of a list of {n}"))?
            }
            Step::Name(name) => {
                let seq = here
                    .as_sequence_mut()
                    .ok_or_else(|| format!("[name={name}] of something that is not a list"))?;
                seq.iter_mut()
                    .find(|item| item.get("name").and_then(Value::as_str) == Some(name.as_str()))
                    .ok_or_else(|| format!("no item is named `{name}`"))?
            }
        };
        if here.is_null() {
            *here = Value::Mapping(Default::default());
        }
    }
    Ok(here)
}

enum Step {
    Key(String),
    Index(usize),
    Name(String),
}

fn steps(path: &str) -> Result<Vec<Step>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !key.is_empty() {
            out.push(Step::Key(key.to_string()));
        }
        while let Some(open) = rest.strip_prefix('[') {
            let close = open
                .find(']')
                .ok_or_else(|| format!("`{part}`: `[` without `]`"))?;
            let inside = &open[..close];
            out.push(match inside.strip_prefix("name=") {
                Some(name) => Step::Name(name.to_string()),
                None => Step::Index(
                    inside
                        .parse()
                        .map_err(|_| format!("`[{inside}]`: an index or name=NAME"))?,
                ),
            });
            rest = &open[close + 1..];
        }
    }
    Ok(out)
}
