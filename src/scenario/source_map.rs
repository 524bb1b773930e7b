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

/// Field path → 1-based (line, column) of the value.
#[derive(Debug, Default)]
pub struct SourceMap {
    positions: HashMap<String, (usize, usize)>,
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
        SourceMap { positions }
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
    }
}
