//! Where each field of a scenario file sits: a map from field path
//! (`spec.failures.zone.repair.p95`, `spec.deployments[2].name`) to the
//! line and column of its value.
//!
//! serde tells us *which* field is wrong; this map tells the user *where*
//! it is, so that semantic errors found long after parsing (a p95 below its
//! median, an unknown instance in an `attach` list) still point at the exact
//! spot in the file. It is built from the YAML event stream, which carries
//! positions, in one pass.

use saphyr_parser::{Event, Parser};
use std::collections::HashMap;

/// Field path → 1-based (line, column) of the value, and of the key.
#[derive(Debug, Default)]
pub struct SourceMap {
    positions: HashMap<String, (usize, usize)>,
    keys: HashMap<String, (usize, usize)>,
    /// Keys given a second time in the same mapping: where the repeat is.
    repeats: HashMap<String, (usize, usize)>,
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, index: usize },
}

impl SourceMap {
    /// Indexes `text`. A document the YAML parser cannot read gives an
    /// empty map: serde reports that error with its own position.
    pub fn build(text: &str) -> Self {
        let mut positions = HashMap::new();
        let mut keys = HashMap::new();
        let mut repeats = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            let pos = (span.start.line(), span.start.col() + 1);
            match event {
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Map {
                        key: key @ None, ..
                    }) = stack.last_mut()
                    {
                        *key = Some(value.into_owned());
                        let path = child_path(&stack).unwrap_or_default();
                        if keys.contains_key(&path) {
                            repeats.entry(path).or_insert(pos);
                        } else {
                            keys.insert(path, pos);
                        }
                        continue;
                    }
                    if let Some(path) = child_path(&stack) {
                        positions.entry(path).or_insert(pos);
                    }
                    advance(&mut stack);
                }
                Event::Alias(_) => {
                    if let Some(path) = child_path(&stack) {
                        positions.entry(path).or_insert(pos);
                    }
                    advance(&mut stack);
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let path = child_path(&stack).unwrap_or_default();
                    positions.entry(path.clone()).or_insert(pos);
                    stack.push(if matches!(event, Event::MappingStart(..)) {
                        Frame::Map { path, key: None }
                    } else {
                        Frame::Seq { path, index: 0 }
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                    advance(&mut stack);
                }
                _ => {}
            }
        }
        SourceMap {
            positions,
            keys,
            repeats,
        }
    }

    /// The position of the key of `path` (`spec.extras` → where `extras:`
    /// is written).
    pub fn key(&self, path: &str) -> Option<(usize, usize)> {
        self.keys.get(path).copied()
    }

    /// Where the key of `path` is written a second time, if it is.
    pub fn repeat(&self, path: &str) -> Option<(usize, usize)> {
        self.repeats.get(path).copied()
    }

    /// The position of exactly `path`, if the file has it.
    pub fn get(&self, path: &str) -> Option<(usize, usize)> {
        self.positions.get(path).copied()
    }

    /// The position of `path`, or of its nearest ancestor that is in the
    /// file (a missing field points at the mapping that should hold it).
    pub fn locate(&self, path: &str) -> Option<(usize, usize)> {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

fn child_path(stack: &[Frame]) -> Option<String> {
    match stack.last()? {
        Frame::Map { path, key } => {
            let key = key.as_deref()?;
            Some(if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            })
        }
        Frame::Seq { path, index } => Some(format!("{path}[{index}]")),
    }
}

fn advance(stack: &mut [Frame]) {
    match stack.last_mut() {
        Some(Frame::Map { key, .. }) => *key = None,
        Some(Frame::Seq { index, .. }) => *index += 1,
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_and_flow_values_are_located() {
        let text = "spec:\n  failures:\n    zone: { repair: { dist: lognormal, median: 3h, p95: 1h } }\n  deployments:\n    - name: a\n    - name: b\n";
        let map = SourceMap::build(text);
        assert_eq!(map.locate("spec.failures.zone.repair.p95"), Some((3, 57)));
        assert_eq!(map.locate("spec.deployments[1].name"), Some((6, 13)));
        // A missing field falls back to its parent mapping.
        assert_eq!(
            map.locate("spec.deployments[1].controlPlanes"),
            Some((6, 7))
        );
        assert_eq!(map.key("spec.deployments[1].name"), Some((6, 7)));
    }

    #[test]
    fn repeated_keys_are_remembered() {
        let map = SourceMap::build("spec:\n  seed: 1\n  horizon: 1y\n  seed: 2\n");
        assert_eq!(map.key("spec.seed"), Some((2, 3)));
        assert_eq!(map.repeat("spec.seed"), Some((4, 3)));
        assert_eq!(map.repeat("spec.horizon"), None);
    }
}
