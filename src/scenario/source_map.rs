//! Where each field of a scenario file sits: a map from field path
//! (`spec.failures.zone.repair.p95`, `spec.deployments[2].name`) to the
//! line and column of its value.
//!
//! serde tells us *which* field is wrong; this map tells the user *where*
//! it is, so that semantic errors found long after parsing (a p95 below its
//! median, an unknown instance in an `attach` list) still point at the exact
//! spot in the file. It is built from the YAML event stream, which carries
//! positions, in one pass.
//!
//! That pass runs before serde sees the text, so it is also where hostile
//! shapes are refused, with a position and a path: nesting deeper than any
//! scenario needs (serde_yaml_ng would stop at 128 levels, after this map
//! had spent time quadratic in the depth on paths), aliases that expand to
//! an enormous document ("billion laughs": serde_yaml_ng caps alias jumps
//! at 100 per event, which still lets a 300 KB file expand into gigabytes
//! of buffered nodes), and keys so long that the paths built from them
//! would not fit in memory.

use saphyr_parser::{Event, Parser};
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// Collections nested deeper than this are refused. The deepest field of
/// the format (a distribution parameter of a cluster override in the
/// explicit topology) sits 12 levels down.
pub const MAX_DEPTH: usize = 32;
/// Aliases may repeat at most this many YAML nodes in all (a shared
/// distribution is about 7 nodes, a shared `failures` block about 30).
pub const MAX_ALIAS_NODES: u64 = 1_000_000;
/// The field paths of a file may take at most this many bytes in all; a
/// 4 MB scenario of short keys needs about 30 MB.
pub const MAX_PATH_BYTES: usize = 256 * 1024 * 1024;

/// A file refused for its shape before it is parsed into types.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// Field path of the place, possibly shortened.
    pub path: String,
    /// What is wrong and what would be right.
    pub message: String,
}

/// Field path → 1-based (line, column) of the value, and of the key.
#[derive(Debug, Default)]
pub struct SourceMap {
    positions: HashMap<String, (usize, usize)>,
    keys: HashMap<String, (usize, usize)>,
    /// Keys given a second time in the same mapping: where the repeat is.
    repeats: HashMap<String, (usize, usize)>,
    refusal: Option<Refusal>,
}

enum Frame {
    Map {
        path: String,
        key: Option<String>,
        anchor: Anchored,
    },
    Seq {
        path: String,
        index: usize,
        anchor: Anchored,
    },
}

/// A collection's anchor id (0: none) and the expanded node count when it
/// opened, so that its size is known when it closes.
type Anchored = (usize, u64);

/// Counts the nodes aliases repeat and the bytes of the paths built.
#[derive(Default)]
struct Budget {
    /// Expanded size, in nodes, of each anchored node seen so far.
    sizes: HashMap<usize, u64>,
    /// Nodes of the document with every alias expanded.
    nodes: u64,
    /// Nodes repeated by aliases.
    repeated: u64,
    path_bytes: usize,
}

impl SourceMap {
    /// Indexes `text`. A document the YAML parser cannot read gives an
    /// empty map: serde reports that error with its own position. A
    /// document of a hostile shape gives a map with a [`Refusal`].
    pub fn build(text: &str) -> Self {
        let mut map = SourceMap::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut budget = Budget::default();
        for item in Parser::new_from_str(text) {
            let (event, span) = match item {
                Ok(item) => item,
                Err(e) => {
                    // The scanner gives up on flow collections nested 256
                    // deep before it emits their events; serde_yaml_ng's
                    // parser would spend time quadratic in the depth on
                    // them. Any other syntax error is serde's to report,
                    // unless the text behind it is nested that deep too:
                    // then it is reported from here, without a path as
                    // every syntax error is.
                    let m = e.marker();
                    let pos = (m.line(), m.col() + 1);
                    if e.info() == "recursion limit exceeded" {
                        let path = child_path(&stack).unwrap_or_default();
                        map.refusal = Some(too_deep(&path, pos));
                    } else if flow_depth(text.chars().skip(m.index())) > MAX_DEPTH {
                        // The marker counts characters, not bytes.
                        map.refusal = Some(Refusal {
                            line: pos.0,
                            col: pos.1,
                            path: String::new(),
                            message: e.info().to_string(),
                        });
                    }
                    break;
                }
            };
            let pos = (span.start.line(), span.start.col() + 1);
            if let Err(refusal) = map.index(event, pos, &mut stack, &mut budget) {
                map.refusal = Some(refusal);
                break;
            }
        }
        map
    }

    /// Takes one event into the map, or refuses the file.
    fn index(
        &mut self,
        event: Event,
        pos: (usize, usize),
        stack: &mut Vec<Frame>,
        budget: &mut Budget,
    ) -> Result<(), Refusal> {
        let refuse = |path: &str, message: String| Refusal {
            line: pos.0,
            col: pos.1,
            path: shorten(path),
            message,
        };
        match event {
            Event::Scalar(value, _, anchor, _) => {
                budget.nodes = budget.nodes.saturating_add(1);
                if anchor != 0 {
                    budget.sizes.insert(anchor, 1);
                }
                if let Some(Frame::Map {
                    key: key @ None, ..
                }) = stack.last_mut()
                {
                    *key = Some(value.into_owned());
                    let path = child_path(stack).unwrap_or_default();
                    budget.spend(&path).map_err(|m| refuse(&path, m))?;
                    match self.keys.entry(path) {
                        Entry::Occupied(first) => {
                            self.repeats.entry(first.key().clone()).or_insert(pos);
                        }
                        Entry::Vacant(slot) => {
                            slot.insert(pos);
                        }
                    }
                    return Ok(());
                }
                if let Some(path) = child_path(stack) {
                    budget.spend(&path).map_err(|m| refuse(&path, m))?;
                    self.positions.entry(path).or_insert(pos);
                }
                advance(stack);
            }
            Event::Alias(anchor) => {
                let size = budget.sizes.get(&anchor).copied().unwrap_or(1);
                budget.nodes = budget.nodes.saturating_add(size);
                budget.repeated = budget.repeated.saturating_add(size);
                let path = child_path(stack).unwrap_or_default();
                if budget.repeated > MAX_ALIAS_NODES {
                    return Err(refuse(
                        &path,
                        format!(
                            "the aliases of this file expand to more than {MAX_ALIAS_NODES} YAML nodes (\"billion laughs\"); use anchors and aliases for a few shared blocks, such as a distribution, not nested repetition"
                        ),
                    ));
                }
                if let Some(Frame::Map { key: None, .. }) = stack.last() {
                    // An alias as a key: nothing to index.
                    if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                        *key = Some(String::from("*"));
                    }
                    return Ok(());
                }
                budget.spend(&path).map_err(|m| refuse(&path, m))?;
                self.positions.entry(path).or_insert(pos);
                advance(stack);
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                let path = child_path(stack).unwrap_or_default();
                if stack.len() >= MAX_DEPTH {
                    return Err(too_deep(&path, pos));
                }
                budget.spend(&path).map_err(|m| refuse(&path, m))?;
                budget.nodes = budget.nodes.saturating_add(1);
                self.positions.entry(path.clone()).or_insert(pos);
                let anchor = (anchor, budget.nodes - 1);
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Map {
                        path,
                        key: None,
                        anchor,
                    }
                } else {
                    Frame::Seq {
                        path,
                        index: 0,
                        anchor,
                    }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(Frame::Map { anchor, .. } | Frame::Seq { anchor, .. }) = stack.pop() {
                    if anchor.0 != 0 {
                        budget.sizes.insert(anchor.0, budget.nodes - anchor.1);
                    }
                }
                advance(stack);
            }
            _ => {}
        }
        Ok(())
    }

    /// Why the file is refused before parsing, if it is.
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
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
        Frame::Map { path, key, .. } => {
            let key = key.as_deref()?;
            Some(if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            })
        }
        Frame::Seq { path, index, .. } => Some(format!("{path}[{index}]")),
    }
}

fn advance(stack: &mut [Frame]) {
    match stack.last_mut() {
        Some(Frame::Map { key, .. }) => *key = None,
        Some(Frame::Seq { index, .. }) => *index += 1,
        None => {}
    }
}

impl Budget {
    /// Counts a path built; refuses once the paths outgrow the limit.
    fn spend(&mut self, path: &str) -> Result<(), String> {
        self.path_bytes = self.path_bytes.saturating_add(path.len());
        if self.path_bytes > MAX_PATH_BYTES {
            return Err(format!(
                "the keys of this file are too long: their field paths need more than {} MiB; keys are field names and cluster names of a few characters",
                MAX_PATH_BYTES >> 20
            ));
        }
        Ok(())
    }
}

fn too_deep(path: &str, (line, col): (usize, usize)) -> Refusal {
    Refusal {
        line,
        col,
        path: shorten(path),
        message: format!(
            "nested more than {MAX_DEPTH} levels deep; the deepest field of a scenario is 12 levels down"
        ),
    }
}

/// The deepest nesting of `[` and `{` in `chars`, skipping quoted strings
/// and comments: a rough measure for text the YAML scanner gave up on.
fn flow_depth(mut chars: impl Iterator<Item = char>) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        match c {
            '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            '#' if prev.is_whitespace() => {
                chars.by_ref().take_while(|&c| c != '\n').for_each(drop);
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
            }
            '\'' if !prev.is_alphanumeric() => {
                chars.by_ref().take_while(|&c| c != '\'').for_each(drop);
            }
            _ => {}
        }
        prev = c;
    }
    deepest
}

/// A path short enough to print: at most 200 bytes, cut at a character
/// boundary and marked with `…`.
fn shorten(path: &str) -> String {
    const MAX: usize = 200;
    if path.len() <= MAX {
        return path.to_string();
    }
    let mut cut = MAX;
    while !path.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &path[..cut])
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
