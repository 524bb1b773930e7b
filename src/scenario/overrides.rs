//! Command-line overrides, `--set PATH=VALUE`: a field of the scenario
//! changed without editing the file.
//!
//! An override is applied to the YAML tree of the file *before* the typed
//! parse, so that it goes through exactly the checks the file does (types,
//! units, unknown fields, then the model's meaning) and a sweep point is
//! nothing but the file with a few overrides. What this module adds is
//! knowing, for every error, whether an override caused it: each applied
//! override remembers the part of the tree it replaced or created, in the
//! index form error paths print (`spec.deployments[1].controlPlanes`), and
//! an error at or under that part is reported on the override, not on a
//! line of a file that does not say it.
//!
//! The rules a user sees (also in docs/studies.md, "Overrides"):
//! - PATH is a field path as errors print it; a list item is picked by
//!   index (`[2]`) or by its `name` (`[name=per-zone]`).
//! - VALUE is one YAML scalar or flow value (`6h`, `4/y`, `{ dist:
//!   exponential, mean: 30d }`); a mapping replaces the whole mapping, it
//!   is not merged; `null` clears an optional field.
//! - A field absent from the file is created, with any absent mappings on
//!   the way (`spec.proxy.certTtl` in a file without `proxy:`); whether it
//!   exists in the schema is then the typed parse's `unknown field` check,
//!   so a misspelt name is an error and never a silent new key. List items
//!   are never created: an index past the end is an error.
//! - Overrides apply in order; a later one sees the earlier ones' changes.

use super::source_map::SourceMap;
use super::ScenarioError;
use serde_yaml_ng::{Mapping, Value};

/// One `--set PATH=VALUE`, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// The field path, `spec.failures.zone.repair.median`.
    pub path: String,
    /// The new value, as YAML text: `6h`, `{ dist: fixed, value: 1h }`.
    pub value: String,
}

impl Override {
    /// Splits `PATH=VALUE` at its first `=` outside `[...]` (a path may
    /// pick an item by `[name=...]`, a value may hold more). The error says
    /// what is wrong and what would be right; the caller adds which
    /// override it was ([`Override::parse_all`] does).
    pub fn parse(text: &str) -> Result<Override, String> {
        let mut depth = 0usize;
        let split = text.char_indices().find_map(|(i, c)| {
            match c {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                '=' if depth == 0 => return Some(i),
                _ => {}
            }
            None
        });
        let Some((path, value)) = split.map(|i| (&text[..i], &text[i + 1..])) else {
            return Err(
                "no `=`: write PATH=VALUE, e.g. `--set spec.failures.zone.repair.median=6h`"
                    .to_string(),
            );
        };
        let path = path.trim();
        if path.is_empty() {
            return Err(
                "the path before `=` is empty: write PATH=VALUE, e.g. `--set spec.topology.clustersPerZone=3`"
                    .to_string(),
            );
        }
        if value.trim().is_empty() {
            return Err(format!(
                "the value after `=` is empty: write a value, e.g. `{path}=6h`, or `{path}=null` to clear an optional field"
            ));
        }
        Ok(Override {
            path: path.to_string(),
            value: value.to_string(),
        })
    }

    /// Parses every `--set` of a command line, numbering them from 1 in
    /// errors as they are numbered everywhere else.
    pub fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Override>, ScenarioError> {
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                Override::parse(text.as_ref()).map_err(|message| ScenarioError::Override {
                    index: i + 1,
                    text: text.as_ref().to_string(),
                    path: String::new(),
                    message,
                })
            })
            .collect()
    }

    /// How errors name it: `spec.seed=7`.
    pub fn text(&self) -> String {
        format!("{}={}", self.path, self.value)
    }
}

/// An override applied to the tree: which one, and which part of the tree
/// it accounts for.
#[derive(Clone, Debug)]
pub(super) struct Applied {
    /// 1-based, in command-line order.
    pub index: usize,
    /// `PATH=VALUE` as given.
    pub text: String,
    /// The shallowest path the override replaced or created, in index
    /// form: errors at or under it are the override's.
    pub root: String,
    /// The whole path set, in index form: errors about an enclosing
    /// mapping are the file's, but mention the override.
    pub path: String,
}

/// Who an error at some path belongs to.
pub(super) enum Blame<'a> {
    /// The error is inside what this override wrote.
    Override(&'a Applied),
    /// The error is about a mapping or list holding what this override
    /// wrote, or about a field beside it (a `p95` checked against an
    /// overridden `median`): the file's, mentioning the override.
    Around(&'a Applied),
    /// Nothing set touches it.
    File,
}

/// Who answers for an error at `path`: the override that last wrote it
/// (of those whose part holds it, the latest: it overwrote the earlier
/// ones there), else one set inside it or beside it, else the file.
pub(super) fn blame<'a>(applied: &'a [Applied], path: &str) -> Blame<'a> {
    let inside = applied.iter().rev().find(|a| at_or_under(path, &a.root));
    if let Some(a) = inside {
        return Blame::Override(a);
    }
    let beside = |a: &Applied| {
        field_parent(&a.path).is_some() && field_parent(&a.path) == field_parent(path)
    };
    match applied
        .iter()
        .rev()
        .find(|a| at_or_under(&a.path, path) || beside(a))
    {
        Some(a) => Blame::Around(a),
        None => Blame::File,
    }
}

/// The mapping holding the field `path` names (`a.b` of `a.b.c`), where
/// fields beside each other are checked against each other (a
/// distribution's parameters, a placement's `per` and `count`). `None` for
/// a list item, whose siblings are other items, and for the top-level
/// sections and `spec`'s own fields, which are mostly independent.
fn field_parent(path: &str) -> Option<&str> {
    if path.ends_with(']') {
        return None;
    }
    let parent = &path[..path.rfind('.')?];
    parent.contains(['.', '[']).then_some(parent)
}

/// `path` is `root` or lies inside it (`a.b` is under `a`, `a.bc` is not).
fn at_or_under(path: &str, root: &str) -> bool {
    match path.strip_prefix(root) {
        Some(rest) => root.is_empty() || rest.is_empty() || rest.starts_with(['.', '[']),
        None => false,
    }
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// A mapping key.
    Key(String),
    /// A list item by position.
    Index(usize),
    /// A list item by its `name:`.
    Name(String),
}

/// Reads `spec.deployments[name=per-zone].controlPlanes.count`.
fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut rest = path;
    loop {
        let end = rest.find(['.', '[', ']']).unwrap_or(rest.len());
        let key = &rest[..end];
        if key.is_empty() {
            return Err(format!(
                "a field name is missing in `{path}`; write names joined by `.`, e.g. `spec.failures.zone.repair.median`"
            ));
        }
        steps.push(Step::Key(key.to_string()));
        rest = &rest[end..];
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(close) = inner.find(']') else {
                return Err(format!("`[` without its `]` in `{path}`"));
            };
            let pick = &inner[..close];
            steps.push(if let Some(name) = pick.strip_prefix("name=") {
                if name.is_empty() {
                    return Err(format!("`[name=]` without a name in `{path}`"));
                }
                Step::Name(name.to_string())
            } else {
                Step::Index(pick.parse().map_err(|_| {
                    format!(
                        "`[{pick}]` in `{path}` picks no list item; write an index such as `[2]` or a name such as `[name=per-zone]`"
                    )
                })?)
            });
            rest = &inner[close + 1..];
        }
        match rest.chars().next() {
            None => return Ok(steps),
            Some('.') => rest = &rest[1..],
            Some(c) => return Err(format!("unexpected `{c}` in `{path}`")),
        }
    }
}

/// Reads VALUE as YAML: a scalar or a flow collection.
fn parse_value(text: &str) -> Result<Value, String> {
    if let Some(r) = SourceMap::build(text).refusal() {
        return Err(format!("the value is refused: {}", r.message));
    }
    serde_yaml_ng::from_str(text).map_err(|e| {
        // A position inside a one-line value helps nobody.
        let mut why = e.to_string();
        if let Some(at) = e.location() {
            why = why.replacen(&format!(" at line {} column {}", at.line(), at.column()), "", 1);
        }
        format!("the value is not YAML ({why}); quote the whole `--set` for the shell, e.g. --set 'spec.failures.zone.repair={{ dist: exponential, mean: 4h }}'")
    })
}

/// The typed scenario of `tree` (a file's YAML tree) with `overrides`
/// applied, or `None` on any error — the fast path of a sweep, which
/// builds thousands of points from one file: the tree is parsed once, and
/// only a point that fails is read again by
/// [`super::Document::parse_with`] for its located message. The result is
/// the same as that parse's (the tree goes through text the same way).
pub fn typed_with(tree: &Value, overrides: &[Override]) -> Option<super::ScenarioFile> {
    let mut tree = tree.clone();
    for (i, o) in overrides.iter().enumerate() {
        apply(&mut tree, o, i + 1).ok()?;
    }
    let text = serde_yaml_ng::to_string(&tree).ok()?;
    serde_yaml_ng::from_str(&text).ok()
}

/// Applies `o` to `root`; the error says which part of the path is wrong.
pub(super) fn apply(
    root: &mut Value,
    o: &Override,
    index: usize,
) -> Result<Applied, ScenarioError> {
    let fail = |path: String, message: String| ScenarioError::Override {
        index,
        text: o.text(),
        path,
        message,
    };
    let steps = parse_path(&o.path).map_err(|m| fail(String::new(), m))?;
    let value = parse_value(&o.value).map_err(|m| fail(o.path.clone(), m))?;
    let mut here = root;
    let mut path = String::new();
    let mut created: Option<String> = None;
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let parent = path.clone();
        here = match step {
            Step::Key(key) => {
                path = if parent.is_empty() {
                    key.clone()
                } else {
                    format!("{parent}.{key}")
                };
                // `failures:` with nothing after it is an absent mapping.
                if here.is_null() {
                    *here = Value::Mapping(Mapping::new());
                }
                let Value::Mapping(map) = here else {
                    return Err(fail(parent.clone(), not_a_mapping(&parent, here, key)));
                };
                if !map.contains_key(key.as_str()) {
                    created.get_or_insert_with(|| path.clone());
                    let empty = if last {
                        Value::Null
                    } else {
                        Value::Mapping(Mapping::new())
                    };
                    map.insert(Value::String(key.clone()), empty);
                }
                map.get_mut(key.as_str())
                    .expect("the key was found or inserted above")
            }
            Step::Index(at) => {
                path = format!("{parent}[{at}]");
                let Value::Sequence(items) = here else {
                    return Err(fail(parent.clone(), not_a_list(&parent, here)));
                };
                let len = items.len();
                items.get_mut(*at).ok_or_else(|| {
                    fail(
                        parent.clone(),
                        format!(
                            "index {at} is out of range: the list has {len} item{}{}",
                            if len == 1 { "" } else { "s" },
                            if len == 0 {
                                String::new()
                            } else {
                                format!(", [0] to [{}]", len - 1)
                            }
                        ),
                    )
                })?
            }
            Step::Name(name) => {
                let Value::Sequence(items) = here else {
                    return Err(fail(parent.clone(), not_a_list(&parent, here)));
                };
                let names: Vec<String> = items.iter().filter_map(item_name).collect();
                let found: Vec<usize> = (0..items.len())
                    .filter(|&i| item_name(&items[i]).as_deref() == Some(name))
                    .collect();
                match found[..] {
                    [at] => {
                        path = format!("{parent}[{at}]");
                        &mut items[at]
                    }
                    [] => {
                        return Err(fail(
                            parent.clone(),
                            format!(
                                "no item is named `{name}`; the names are {}",
                                quoted_list(&names)
                            ),
                        ))
                    }
                    _ => {
                        return Err(fail(
                            parent.clone(),
                            format!(
                            "{} items are named `{name}`; pick one by index, e.g. `{parent}[{}]`",
                            found.len(),
                            found[0]
                        ),
                        ))
                    }
                }
            }
        };
    }
    *here = value;
    Ok(Applied {
        index,
        text: o.text(),
        root: created.unwrap_or_else(|| path.clone()),
        path,
    })
}

/// The `name:` of a list item, if it has one.
fn item_name(item: &Value) -> Option<String> {
    match item.get("name")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn quoted_list(names: &[String]) -> String {
    if names.is_empty() {
        return "none (the items have no `name`; pick one by index)".to_string();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why `key` cannot be looked up in `here`.
fn not_a_mapping(parent: &str, here: &Value, key: &str) -> String {
    match here {
        Value::Sequence(_) => format!(
            "a list has no field `{key}`; pick an item first, e.g. `{parent}[0].{key}` or `{parent}[name=…].{key}`"
        ),
        other => format!(
            "{} has no fields, so it has no `{key}`; set `{parent}` itself",
            describe(other)
        ),
    }
}

/// Why a list item cannot be picked from `here`.
fn not_a_list(parent: &str, here: &Value) -> String {
    format!(
        "{} is not a list, so no item can be picked; set `{parent}` itself",
        describe(here)
    )
}

/// A value as messages name it.
fn describe(v: &Value) -> String {
    match v {
        Value::Mapping(_) => "a mapping".to_string(),
        Value::Sequence(_) => "a list".to_string(),
        Value::Null => "an empty value".to_string(),
        other => match serde_yaml_ng::to_string(other) {
            Ok(text) => format!("the value `{}`", text.trim_end()),
            Err(_) => "a value".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_splits_at_the_first_equals_outside_brackets() {
        let o = Override::parse("spec.deployments[name=a].name=b=c").unwrap();
        assert_eq!(o.path, "spec.deployments[name=a].name");
        assert_eq!(o.value, "b=c");
        let o = Override::parse(" spec.seed = 7").unwrap();
        assert_eq!((o.path.as_str(), o.value.as_str()), ("spec.seed", " 7"));
        assert!(Override::parse("spec.seed")
            .unwrap_err()
            .starts_with("no `=`"));
        assert!(Override::parse("=7")
            .unwrap_err()
            .contains("path before `=` is empty"));
        assert!(Override::parse("spec.seed= ")
            .unwrap_err()
            .contains("`spec.seed=null`"));
    }

    #[test]
    fn parse_all_numbers_from_one() {
        let err = Override::parse_all(&["spec.seed=1", "oops"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--set #2 (oops): no `=`: write PATH=VALUE, e.g. `--set spec.failures.zone.repair.median=6h`"
        );
    }

    #[test]
    fn paths_read_keys_indices_and_names() {
        assert_eq!(
            parse_path("spec.deployments[name=per-zone].controlPlanes.attach.c1[0]").unwrap(),
            vec![
                Step::Key("spec".into()),
                Step::Key("deployments".into()),
                Step::Name("per-zone".into()),
                Step::Key("controlPlanes".into()),
                Step::Key("attach".into()),
                Step::Key("c1".into()),
                Step::Index(0),
            ]
        );
        for bad in [
            "spec..seed",
            "spec.",
            ".spec",
            "spec[x]",
            "spec[1",
            "spec[1]x",
            "a[name=]",
        ] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    fn tree() -> Value {
        serde_yaml_ng::from_str(
            "spec:\n  seed: 1\n  deployments:\n    - name: a\n      controlPlanes: { per: zone }\n    - name: b\n      controlPlanes: { per: region }\n",
        )
        .unwrap()
    }

    fn set(root: &mut Value, path: &str, value: &str) -> Result<Applied, String> {
        let o = Override {
            path: path.into(),
            value: value.into(),
        };
        apply(root, &o, 1).map_err(|e| e.to_string())
    }

    #[test]
    fn names_resolve_to_indices() {
        let mut root = tree();
        let a = set(
            &mut root,
            "spec.deployments[name=b].controlPlanes.count",
            "2",
        )
        .unwrap();
        assert_eq!(a.path, "spec.deployments[1].controlPlanes.count");
        assert_eq!(a.root, "spec.deployments[1].controlPlanes.count");
        assert_eq!(
            root["spec"]["deployments"][1]["controlPlanes"]["count"],
            Value::from(2)
        );
        // An existing field is replaced in place; a mapping value replaces
        // the whole mapping.
        let a = set(
            &mut root,
            "spec.deployments[0].controlPlanes",
            "{ per: cluster }",
        )
        .unwrap();
        assert_eq!(a.root, "spec.deployments[0].controlPlanes");
        assert_eq!(
            serde_yaml_ng::to_string(&root["spec"]["deployments"][0]).unwrap(),
            "name: a\ncontrolPlanes:\n  per: cluster\n"
        );
    }

    #[test]
    fn absent_fields_are_created_and_blamed_from_the_first_created() {
        let mut root = tree();
        let a = set(&mut root, "spec.proxy.certTtl", "12h").unwrap();
        assert_eq!(a.root, "spec.proxy");
        assert_eq!(a.path, "spec.proxy.certTtl");
        assert_eq!(root["spec"]["proxy"]["certTtl"], Value::from("12h"));
        let applied = [a];
        assert!(matches!(blame(&applied, "spec.proxy"), Blame::Override(_)));
        assert!(matches!(
            blame(&applied, "spec.proxy.certTtl"),
            Blame::Override(_)
        ));
        assert!(matches!(blame(&applied, "spec"), Blame::Around(_)));
        assert!(matches!(
            blame(&applied, "spec.proxy.certGraceRatio"),
            Blame::Override(_)
        ));
        assert!(matches!(blame(&applied, "spec.proxyX"), Blame::File));
        assert!(matches!(blame(&applied, "spec.seed"), Blame::File));
    }

    #[test]
    fn fields_beside_an_override_mention_it() {
        let mut root = tree();
        let applied = [set(&mut root, "spec.deployments[1].controlPlanes.per", "zone").unwrap()];
        let around = |path| matches!(blame(&applied, path), Blame::Around(_));
        assert!(around("spec.deployments[1].controlPlanes.count"));
        assert!(around("spec.deployments[1].controlPlanes"));
        assert!(around("spec.deployments[1]"));
        assert!(!around("spec.deployments[0].controlPlanes.count"));
        assert!(!around("spec.deployments[0]"));
        assert!(!around("spec.seed"));
    }

    #[test]
    fn the_override_that_last_wrote_a_field_answers() {
        let mut root = tree();
        let mut applied = Vec::new();
        for (index, (path, value)) in [
            ("spec.deployments[0]", "{ name: a, controlPlanes: {} }"),
            ("spec.deployments[0].controlPlanes.per", "zone"),
            ("spec.deployments[1].controlPlanes.count", "0"),
            (
                "spec.deployments[1].controlPlanes",
                "{ per: region, count: 0 }",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let mut a = set(&mut root, path, value).unwrap();
            a.index = index + 1;
            applied.push(a);
        }
        let answers = |path| match blame(&applied, path) {
            Blame::Override(a) => a.index,
            _ => 0,
        };
        assert_eq!(answers("spec.deployments[0].controlPlanes.per"), 2);
        assert_eq!(answers("spec.deployments[0].name"), 1);
        // #3 was overwritten by #4.
        assert_eq!(answers("spec.deployments[1].controlPlanes.count"), 4);
        assert_eq!(answers("spec.deployments[1].name"), 0);
    }

    #[test]
    fn wrong_paths_say_what_is_there() {
        let mut root = tree();
        let err = set(&mut root, "spec.deployments[name=c].name", "x").unwrap_err();
        assert_eq!(
            err,
            "--set #1 (spec.deployments[name=c].name=x): spec.deployments: no item is named `c`; the names are `a`, `b`"
        );
        let err = set(&mut root, "spec.deployments[2].name", "x").unwrap_err();
        assert_eq!(
            err,
            "--set #1 (spec.deployments[2].name=x): spec.deployments: index 2 is out of range: the list has 2 items, [0] to [1]"
        );
        let err = set(&mut root, "spec.deployments.name", "x").unwrap_err();
        assert!(err.ends_with("a list has no field `name`; pick an item first, e.g. `spec.deployments[0].name` or `spec.deployments[name=…].name`"), "{err}");
        let err = set(&mut root, "spec.seed.x", "1").unwrap_err();
        assert!(
            err.ends_with(
                "spec.seed: the value `1` has no fields, so it has no `x`; set `spec.seed` itself"
            ),
            "{err}"
        );
        let err = set(&mut root, "spec.seed[0]", "1").unwrap_err();
        assert!(err.ends_with("spec.seed: the value `1` is not a list, so no item can be picked; set `spec.seed` itself"), "{err}");
        let err = set(&mut root, "spec.seed", "{ a: [").unwrap_err();
        assert!(err.contains("spec.seed: the value is not YAML"), "{err}");
    }

    proptest::proptest! {
        /// Any `--set` text is applied or refused with a message; never a
        /// panic (the command line is input like any other).
        #[test]
        fn any_text_is_applied_or_refused(
            start in proptest::sample::select(vec!["", "spec", "spec.deployments", "spec.deployments[1]", "spec.deployments[name=b]", "spec.seed"]),
            rest in "[a-z\\[\\]=.0-9 {}:,~-]{0,30}",
        ) {
            let text = format!("{start}{rest}");
            let mut root = tree();
            if let Ok(o) = Override::parse(&text) {
                let _ = apply(&mut root, &o, 1);
            }
        }
    }
}
