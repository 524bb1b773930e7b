//! Bad input (scenario-format.md, "Bad input"): every rejected scenario gets
//! one message with file, line and column, the field path, what is wrong and
//! what would be right; no panics and no partial results folder.
//!
//! Each test takes one of two valid scenarios below, changes one line (or
//! adds a few), and asserts the full message. The expected `line:col` of
//! every case was worked out by hand from the YAML text: lines and columns
//! are 1-based, and the column is that of the offending value (of the key,
//! for a key that should not be there; of the first key, for a mapping that
//! misses something).

use crate::common::{error_of, meshsim, model_of, scenario};
use meshsim::model;
use meshsim::scenario::Document;
use std::path::Path;

/// A valid scenario with a generated topology. `scenario()` puts five header
/// lines in front (apiVersion, kind, metadata, `  name: test`, spec), so the
/// first line below is line 6:
///
/// ```text
///  6   seed: 1
///  7   horizon: 1y
///  8   replications: 10
///  9   topology:
/// 10     regions: 1
/// 11     zonesPerRegion: 1
/// 12     clustersPerZone: 2
/// 13     proxiesPerCluster: 100
/// 14   failures:
/// 15     zone:
/// 16       failure: { dist: weibull, shape: 0.7, mean: 1y }
/// 17       repair: { dist: lognormal, median: 3h, p95: 20h }
/// 18   deployments:
/// 19     - name: each
/// 20       controlPlanes: { per: cluster }
/// ```
const GENERATED: &str = "  seed: 1
  horizon: 1y
  replications: 10
  topology:
    regions: 1
    zonesPerRegion: 1
    clustersPerZone: 2
    proxiesPerCluster: 100
  failures:
    zone:
      failure: { dist: weibull, shape: 0.7, mean: 1y }
      repair: { dist: lognormal, median: 3h, p95: 20h }
  deployments:
    - name: each
      controlPlanes: { per: cluster }
";

/// A valid scenario with an explicit topology, an external site and explicit
/// instances; again the first line below is line 6:
///
/// ```text
///  6   seed: 1
///  7   horizon: 1y
///  8   replications: 10
///  9   topology:
/// 10     regions:
/// 11       - name: us-east
/// 12         zones:
/// 13           - name: us-east-a
/// 14             clusters:
/// 15               - { name: c1, proxies: 100 }
/// 16               - { name: c2, proxies: 100 }
/// 17     externalSites:
/// 18       - name: managed-cp
/// 19   deployments:
/// 20     - name: shared
/// 21       controlPlanes:
/// 22         instances:
/// 23           - { name: cp-a, cluster: c1 }
/// 24           - { name: cp-b, cluster: c2 }
/// 25         attach:
/// 26           c1: [cp-a, cp-b]
/// 27           c2: [cp-b, cp-a]
/// ```
const EXPLICIT: &str = "  seed: 1
  horizon: 1y
  replications: 10
  topology:
    regions:
      - name: us-east
        zones:
          - name: us-east-a
            clusters:
              - { name: c1, proxies: 100 }
              - { name: c2, proxies: 100 }
    externalSites:
      - name: managed-cp
  deployments:
    - name: shared
      controlPlanes:
        instances:
          - { name: cp-a, cluster: c1 }
          - { name: cp-b, cluster: c2 }
        attach:
          c1: [cp-a, cp-b]
          c2: [cp-b, cp-a]
";

fn generated() -> String {
    scenario(GENERATED)
}

fn explicit() -> String {
    scenario(EXPLICIT)
}

/// `yaml` with the one occurrence of `old` replaced by `new`.
#[track_caller]
fn edit(yaml: &str, old: &str, new: &str) -> String {
    assert_eq!(
        yaml.matches(old).count(),
        1,
        "`{old}` must occur exactly once in\n{yaml}"
    );
    yaml.replacen(old, new, 1)
}

/// The text with line numbers, for failure messages.
fn numbered(yaml: &str) -> String {
    yaml.lines()
        .enumerate()
        .map(|(i, l)| format!("{:>3} | {l}\n", i + 1))
        .collect()
}

/// Asserts that `yaml` is rejected with a message that starts with
/// `test.yaml:<at>: <path>: ` and contains every one of `words`.
#[track_caller]
fn rejects(yaml: &str, at: &str, path: &str, words: &[&str]) {
    rejects_any(yaml, &[at], path, words);
}

/// Like [`rejects`], for a message that may sit at any of `ats`.
#[track_caller]
fn rejects_any(yaml: &str, ats: &[&str], path: &str, words: &[&str]) {
    let msg = error_of(yaml);
    let prefixes: Vec<String> = ats
        .iter()
        .map(|at| {
            if path.is_empty() {
                format!("test.yaml:{at}: ")
            } else {
                format!("test.yaml:{at}: {path}: ")
            }
        })
        .collect();
    assert!(
        prefixes.iter().any(|p| msg.starts_with(p)),
        "expected the message to start with\n  {}\ngot\n  {msg}\nfor\n{}",
        prefixes.join("\n  or "),
        numbered(yaml)
    );
    for w in words {
        assert!(
            msg.contains(w),
            "expected `{w}` in the message\n  {msg}\nfor\n{}",
            numbered(yaml)
        );
    }
}

/// The units every duration message must list.
const UNITS: &str = "ms, s, m, h, d, w, mo (30 days), y (365 days)";

// ---------------------------------------------------------------- baseline

#[test]
fn the_two_base_scenarios_are_valid() {
    // Every other test changes one thing in these; they must be accepted
    // as they are, or the errors below would prove nothing.
    let m = model_of(&generated());
    assert_eq!(m.clusters.len(), 2);
    let m = model_of(&explicit());
    assert_eq!(m.clusters.len(), 2);
    assert_eq!(m.deployments[0].instances.len(), 2);
}

// ---------------------------------------------------------- unknown fields
//
// A key that should not be there is located on its own line: at the key, or
// at its value when that is on the same line (which is where meshsim puts
// every field path it reports).

#[test]
fn unknown_field_at_top_level() {
    // Line 5 is the inserted `status: done`; `spec:` moves to line 6.
    let yaml = edit(&generated(), "spec:\n", "status: done\nspec:\n");
    rejects_any(
        &yaml,
        &["5:1", "5:9"],
        "status",
        &[
            "unknown field `status`",
            "apiVersion",
            "kind",
            "metadata",
            "spec",
        ],
    );
}

#[test]
fn unknown_field_in_spec() {
    // Line 9 is the inserted `  threads: 4`.
    let yaml = edit(
        &generated(),
        "  replications: 10\n",
        "  replications: 10\n  threads: 4\n",
    );
    rejects_any(
        &yaml,
        &["9:3", "9:12"],
        "spec.threads",
        &["unknown field `threads`", "seed", "horizon"],
    );
}

#[test]
fn unknown_field_inside_a_distribution() {
    // Line 17: `      repair: { dist: lognormal, median: 3h, p90: 20h }`.
    let yaml = edit(&generated(), "p95: 20h", "p90: 20h");
    rejects_any(
        &yaml,
        &["17:46", "17:51"],
        "spec.failures.zone.repair.p90",
        &["unknown field `p90`", "p95", "p99"],
    );
}

#[test]
fn unknown_field_inside_a_deployment() {
    // Line 20: `      controlPlane: { per: cluster }` (typo for controlPlanes).
    let yaml = edit(&generated(), "controlPlanes:", "controlPlane:");
    rejects_any(
        &yaml,
        &["20:7", "20:21"],
        "spec.deployments[0].controlPlane",
        &["unknown field `controlPlane`", "controlPlanes"],
    );
}

#[test]
fn unknown_field_inside_control_planes() {
    // Line 20: `      controlPlanes: { per: cluster, replica: 2 }`.
    let yaml = edit(
        &generated(),
        "{ per: cluster }",
        "{ per: cluster, replica: 2 }",
    );
    rejects_any(
        &yaml,
        &["20:38", "20:47"],
        "spec.deployments[0].controlPlanes.replica",
        &["unknown field `replica`", "per", "count", "replicas"],
    );
}

#[test]
fn replicas_out_of_range() {
    // Line 20: `      controlPlanes: { per: cluster, replicas: N }`; the
    // value's column is 48.
    for n in ["0", "101"] {
        let yaml = edit(
            &generated(),
            "{ per: cluster }",
            &format!("{{ per: cluster, replicas: {n} }}"),
        );
        rejects(
            &yaml,
            "20:48",
            "spec.deployments[0].controlPlanes.replicas",
            &[&format!("{n} replicas"), "give 1 to 100 istiod replicas"],
        );
    }
    // Line 24: `          - { name: cp-b, cluster: c2, replicas: 0 }`.
    let yaml = edit(
        &explicit(),
        "{ name: cp-b, cluster: c2 }",
        "{ name: cp-b, cluster: c2, replicas: 0 }",
    );
    rejects(
        &yaml,
        "24:50",
        "spec.deployments[0].controlPlanes.instances[1].replicas",
        &["0 replicas", "give 1 to 100"],
    );
    // Line 20 again, on an external placement: `external: {...}, replicas: 0`.
    let yaml = edit(
        &explicit(),
        "        instances:\n          - { name: cp-a, cluster: c1 }\n          - { name: cp-b, cluster: c2 }\n        attach:\n          c1: [cp-a, cp-b]\n          c2: [cp-b, cp-a]\n",
        "        external: { sites: [managed-cp] }\n        replicas: 0\n",
    );
    rejects(
        &yaml,
        "23:19",
        "spec.deployments[0].controlPlanes.replicas",
        &["0 replicas", "give 1 to 100"],
    );
}

#[test]
fn replicas_count_against_the_instance_limit() {
    // 1000 clusters × 1 instance × 100 replicas × 11 deployments = 1.1
    // million pods, over the limit of a million; without replicas the
    // same deployments are far below it.
    let mut yaml = edit(&generated(), "clustersPerZone: 2", "clustersPerZone: 1000");
    yaml = edit(
        &yaml,
        "    - name: each\n      controlPlanes: { per: cluster }\n",
        &(0..11)
            .map(|d| {
                format!(
                    "    - {{ name: d{d}, controlPlanes: {{ per: cluster, replicas: 100 }} }}\n"
                )
            })
            .collect::<String>(),
    );
    let msg = error_of(&yaml);
    assert!(
        msg.starts_with("test.yaml:") && msg.contains("spec.deployments[10]: "),
        "{msg}"
    );
    assert!(
        msg.contains("more than 1000000 control-plane instances"),
        "{msg}"
    );
    model_of(&yaml.replace("replicas: 100", "replicas: 90"));
}

#[test]
fn common_cause_overridden_where_no_istiod_runs() {
    // A zone cannot override controlPlaneCommon: no istiod runs on a zone.
    let yaml = edit(
        &explicit(),
        "          - name: us-east-a\n",
        "          - name: us-east-a\n            failures:\n              controlPlaneCommon: { failure: { dist: exponential, mean: 1y }, repair: { dist: fixed, value: 1h } }\n",
    );
    let msg = error_of(&yaml);
    assert!(
        msg.contains("spec.topology.regions[0].zones[0].failures.controlPlaneCommon: cannot be overridden here"),
        "{msg}"
    );
    // A cluster can.
    let yaml = edit(
        &explicit(),
        "              - { name: c1, proxies: 100 }\n",
        "              - name: c1\n                proxies: 100\n                failures:\n                  controlPlaneCommon: { failure: { dist: exponential, mean: 1y }, repair: { dist: fixed, value: 1h } }\n",
    );
    let model = model_of(&yaml);
    let cp_a = &model.deployments[0].instances[0];
    assert!(cp_a.common.is_some(), "c1's istiod has its common cause");
    assert!(model.deployments[0].instances[1].common.is_none());
}

#[test]

fn unknown_field_with_a_block_value_in_spec() {
    // Line 9: `  extras:`, line 10: `    threads: 4`. Nothing on line 9 but
    // the key, so the message must point at it.
    let yaml = edit(
        &generated(),
        "  replications: 10\n",
        "  replications: 10\n  extras:\n    threads: 4\n",
    );
    rejects(&yaml, "9:3", "spec.extras", &["unknown field `extras`"]);
}

#[test]

fn unknown_field_with_a_block_value_in_a_deployment() {
    // Line 20: `      controlPlane:`, line 21: `        per: cluster`.
    let yaml = edit(
        &generated(),
        "controlPlanes: { per: cluster }",
        "controlPlane:\n        per: cluster",
    );
    rejects(
        &yaml,
        "20:7",
        "spec.deployments[0].controlPlane",
        &["unknown field `controlPlane`", "controlPlanes"],
    );
}

#[test]

fn a_field_given_twice_in_one_mapping() {
    // Line 21 is a second `  replications: 20`, after the deployments.
    let yaml = format!("{}  replications: 20\n", generated());
    rejects_any(
        &yaml,
        &["21:3", "21:17"],
        "spec.replications",
        &["duplicate field `replications`"],
    );
}

// ------------------------------------------------------ required settings

#[test]
fn missing_seed() {
    // Without `seed:` the spec mapping starts at line 6 with `horizon`.
    let yaml = edit(&generated(), "  seed: 1\n", "");
    rejects(
        &yaml,
        "6:3",
        "spec",
        &["missing field `seed`", "explicit seed", "seed: 1"],
    );
}

#[test]
fn wrong_api_version() {
    let yaml = edit(&generated(), "meshsim/v1alpha1", "meshsim/v1");
    rejects(
        &yaml,
        "1:13",
        "apiVersion",
        &["`meshsim/v1` is not supported", "meshsim/v1alpha1"],
    );
}

#[test]
fn wrong_kind() {
    let yaml = edit(&generated(), "kind: Scenario", "kind: Simulation");
    rejects(
        &yaml,
        "2:7",
        "kind",
        &["`Simulation` is not supported", "Scenario"],
    );
}

#[test]
fn both_replications_and_precision() {
    // Line 9: `  precision: { relativeHalfWidth: 0.05, measure: config }`.
    let yaml = edit(
        &generated(),
        "  replications: 10\n",
        "  replications: 10\n  precision: { relativeHalfWidth: 0.05, measure: config }\n",
    );
    rejects(
        &yaml,
        "9:14",
        "spec.precision",
        &["either `replications` or `precision`", "not both"],
    );
}

#[test]
fn neither_replications_nor_precision() {
    // The spec mapping still starts at line 6 (`seed`).
    let yaml = edit(&generated(), "  replications: 10\n", "");
    rejects(
        &yaml,
        "6:3",
        "spec",
        &["missing `replications`", "replications: 2000", "precision"],
    );
}

#[test]
fn zero_replications() {
    let yaml = edit(&generated(), "replications: 10", "replications: 0");
    rejects(
        &yaml,
        "8:17",
        "spec.replications",
        &["0 replications", "at least 2"],
    );
}

// ----------------------------------------------------- numbers and NaN

#[test]
fn zero_and_negative_means_and_rates() {
    // (replacement of line 16, position, field, words)
    let cases = [
        // `      failure: { dist: weibull, shape: 0.7, mean: 0s }`
        (
            "mean: 1y }",
            "mean: 0s }",
            "16:51",
            "mean",
            &["`mean` is 0s", "greater than zero"][..],
        ),
        // `      failure: { dist: weibull, shape: 0.7, mean: -1y }`
        (
            "mean: 1y }",
            "mean: -1y }",
            "16:51",
            "mean",
            &["`-1y` is negative", "0 or more"][..],
        ),
        // `      failure: { dist: exponential, mean: 0h }`
        (
            "{ dist: weibull, shape: 0.7, mean: 1y }",
            "{ dist: exponential, mean: 0h }",
            "16:43",
            "mean",
            &["`mean` is 0h", "greater than zero"][..],
        ),
        // `      failure: { dist: exponential, mean: -6mo }`
        (
            "{ dist: weibull, shape: 0.7, mean: 1y }",
            "{ dist: exponential, mean: -6mo }",
            "16:43",
            "mean",
            &["`-6mo` is negative"][..],
        ),
        // `      failure: { dist: exponential, rate: 0/y }`
        (
            "{ dist: weibull, shape: 0.7, mean: 1y }",
            "{ dist: exponential, rate: 0/y }",
            "16:43",
            "rate",
            &["`rate` is 0/y", "greater than zero"][..],
        ),
        // `      failure: { dist: exponential, rate: -2/y }`
        (
            "{ dist: weibull, shape: 0.7, mean: 1y }",
            "{ dist: exponential, rate: -2/y }",
            "16:43",
            "rate",
            &["`rate` is -2/y", "greater than zero"][..],
        ),
    ];
    for (old, new, at, field, words) in cases {
        let yaml = edit(&generated(), old, new);
        rejects(
            &yaml,
            at,
            &format!("spec.failures.zone.failure.{field}"),
            words,
        );
    }
}

#[test]
fn zero_median() {
    // Line 17: `      repair: { dist: lognormal, median: 0s, p95: 20h }`.
    let yaml = edit(&generated(), "median: 3h", "median: 0s");
    rejects(
        &yaml,
        "17:42",
        "spec.failures.zone.repair.median",
        &["`median` is 0s", "greater than zero"],
    );
}

#[test]
fn nan_weibull_shape() {
    // Line 16: `      failure: { dist: weibull, shape: .nan, mean: 1y }`.
    let yaml = edit(&generated(), "shape: 0.7", "shape: .nan");
    rejects(
        &yaml,
        "16:40",
        "spec.failures.zone.failure.shape",
        &["NaN", "finite number"],
    );
}

#[test]
fn nan_lognormal_mu() {
    // Line 17: `      repair: { dist: lognormal, mu: .nan, sigma: 1 }`.
    let yaml = edit(&generated(), "median: 3h, p95: 20h", "mu: .nan, sigma: 1");
    rejects(
        &yaml,
        "17:38",
        "spec.failures.zone.repair.mu",
        &["NaN", "finite number"],
    );
}

/// A non-finite duration must be called what it is: not a (finite) number.
/// Blaming the unit is wrong (`NaNh` has the unit `h`, which exists).
#[track_caller]
fn non_finite_duration(written: &str) {
    // Line 16: `      failure: { dist: weibull, shape: 0.7, mean: <written> }`.
    let yaml = edit(&generated(), "mean: 1y }", &format!("mean: {written} }}"));
    rejects(&yaml, "16:51", "spec.failures.zone.failure.mean", &[]);
    let msg = error_of(&yaml);
    assert!(
        msg.contains("finite") || msg.contains("not a number"),
        "`{written}` must be called not a (finite) number:\n{msg}"
    );
    assert!(
        !msg.contains("unknown unit"),
        "`{written}` is not a unit problem:\n{msg}"
    );
}

#[test]
fn nan_duration() {
    non_finite_duration(".nan");
}

#[test]

fn non_finite_durations_with_and_without_a_unit() {
    for written in ["NaNh", "infh", ".inf"] {
        non_finite_duration(written);
    }
}

#[test]
fn overflowing_duration_is_not_finite() {
    // Line 16: `      failure: { dist: weibull, shape: 0.7, mean: 1e400h }`.
    let yaml = edit(&generated(), "mean: 1y }", "mean: 1e400h }");
    rejects(
        &yaml,
        "16:51",
        "spec.failures.zone.failure.mean",
        &["`1e400h`", "must be finite"],
    );
}

#[test]
fn p95_below_the_median() {
    // Line 17: `      repair: { dist: lognormal, median: 3h, p95: 1h }`.
    let yaml = edit(&generated(), "p95: 20h", "p95: 1h");
    rejects(
        &yaml,
        "17:51",
        "spec.failures.zone.repair.p95",
        &["`p95` (1h) must be greater than `median` (3h)"],
    );
    // Equal is no better: a lognormal's p95 lies strictly above its median.
    let yaml = edit(&generated(), "p95: 20h", "p95: 3h");
    rejects(
        &yaml,
        "17:51",
        "spec.failures.zone.repair.p95",
        &["must be greater than `median`"],
    );
}

#[test]
fn weibull_shape_zero_or_negative() {
    // Line 16: `      failure: { dist: weibull, shape: <x>, mean: 1y }`.
    for shape in ["0", "-0.5"] {
        let yaml = edit(&generated(), "shape: 0.7", &format!("shape: {shape}"));
        rejects(
            &yaml,
            "16:40",
            "spec.failures.zone.failure.shape",
            &[&format!("weibull `shape` is {shape}"), "greater than zero"],
        );
    }
}

#[test]
fn uniform_max_not_above_min() {
    // Line 17: `      repair: { dist: uniform, min: 2h, max: <x> }`.
    for max in ["1h", "2h"] {
        let yaml = edit(
            &generated(),
            "{ dist: lognormal, median: 3h, p95: 20h }",
            &format!("{{ dist: uniform, min: 2h, max: {max} }}"),
        );
        rejects(
            &yaml,
            "17:46",
            "spec.failures.zone.repair.max",
            &[&format!("`max` ({max}) must be greater than `min` (2h)")],
        );
    }
}

#[test]
fn exponential_with_mean_and_rate() {
    // Line 16: `      failure: { dist: exponential, mean: 1y, rate: 2/y }`.
    let yaml = edit(
        &generated(),
        "{ dist: weibull, shape: 0.7, mean: 1y }",
        "{ dist: exponential, mean: 1y, rate: 2/y }",
    );
    rejects(
        &yaml,
        "16:53",
        "spec.failures.zone.failure.rate",
        &["either `mean` or `rate`", "not both"],
    );
}

#[test]
fn lognormal_with_p95_and_p99() {
    // Line 17: `      repair: { dist: lognormal, median: 3h, p95: 20h, p99: 2d }`.
    let yaml = edit(&generated(), "p95: 20h", "p95: 20h, p99: 2d");
    rejects(
        &yaml,
        "17:61",
        "spec.failures.zone.repair.p99",
        &["either `p95` or `p99`", "not both"],
    );
}

#[test]
fn parameter_of_another_distribution() {
    // Line 16: `      failure: { dist: weibull, shape: 0.7, median: 1y }`.
    let yaml = edit(&generated(), "mean: 1y }", "median: 1y }");
    rejects(
        &yaml,
        "16:53",
        "spec.failures.zone.failure.median",
        &[
            "`median` is not a parameter of `weibull`",
            "`shape` with `mean` or `scale`",
        ],
    );
}

#[test]
fn unknown_distribution() {
    // Line 16: `      failure: { dist: gamma, shape: 0.7, mean: 1y }`.
    let yaml = edit(&generated(), "dist: weibull", "dist: gamma");
    rejects(
        &yaml,
        "16:24",
        "spec.failures.zone.failure.dist",
        &[
            "unknown variant `gamma`",
            "exponential",
            "weibull",
            "lognormal",
            "fixed",
            "uniform",
        ],
    );
}

#[test]
fn counts_and_choices_of_the_wrong_kind() {
    let cases = [
        // Line 10: `    regions: -1`.
        (
            "regions: 1\n",
            "regions: -1\n",
            "10:14",
            "spec.topology.regions",
            &["-1 regions", "1 or more"][..],
        ),
        // Line 10: `    regions: 0`.
        (
            "regions: 1\n",
            "regions: 0\n",
            "10:14",
            "spec.topology.regions",
            &["is 0", "at least one"][..],
        ),
        // Line 8: `  replications: -5`.
        (
            "replications: 10",
            "replications: -5",
            "8:17",
            "spec.replications",
            &["`-5`"][..],
        ),
        // Line 20: `      controlPlanes: { per: datacenter }`.
        (
            "{ per: cluster }",
            "{ per: datacenter }",
            "20:29",
            "spec.deployments[0].controlPlanes.per",
            &[
                "unknown variant `datacenter`",
                "`region`, `zone`, `cluster`",
            ][..],
        ),
    ];
    for (old, new, at, path, words) in cases {
        rejects(&edit(&generated(), old, new), at, path, words);
    }
}

// ------------------------------------------------------------- durations

#[test]
fn unknown_units() {
    // Line 7: `  horizon: 1yr`.
    let yaml = edit(&generated(), "horizon: 1y", "horizon: 1yr");
    rejects(
        &yaml,
        "7:12",
        "spec.horizon",
        &["`1yr`", "unknown unit `yr`", UNITS],
    );
    // Line 17: `      repair: { dist: lognormal, median: 3hrs, p95: 20h }`.
    let yaml = edit(&generated(), "median: 3h", "median: 3hrs");
    rejects(
        &yaml,
        "17:42",
        "spec.failures.zone.repair.median",
        &["unknown unit `hrs`", UNITS],
    );
}

#[test]
fn bare_number_durations() {
    // Line 7: `  horizon: 10`.
    let yaml = edit(&generated(), "horizon: 1y", "horizon: 10");
    rejects(
        &yaml,
        "7:12",
        "spec.horizon",
        &["`10` has no unit", "such as `4h`", UNITS],
    );
    // Line 17: `      repair: { dist: lognormal, median: 3h, p95: 20 }`.
    let yaml = edit(&generated(), "p95: 20h", "p95: 20");
    rejects(
        &yaml,
        "17:51",
        "spec.failures.zone.repair.p95",
        &["`20` has no unit", UNITS],
    );
}

#[test]
fn a_space_between_number_and_unit() {
    // Line 7: `  horizon: 10 y`.
    let yaml = edit(&generated(), "horizon: 1y", "horizon: 10 y");
    rejects(&yaml, "7:12", "spec.horizon", &["`10 y`", "e.g. `4h`"]);
}

// ------------------------------------------------------------ duplicates

#[test]
fn duplicate_cluster_names() {
    // Line 16: `              - { name: c1, proxies: 100 }`.
    let yaml = edit(
        &explicit(),
        "{ name: c2, proxies: 100 }",
        "{ name: c1, proxies: 100 }",
    );
    rejects(
        &yaml,
        "16:25",
        "spec.topology.regions[0].zones[0].clusters[1].name",
        &[
            "duplicate name `c1`",
            "spec.topology.regions[0].zones[0].clusters[0].name",
            "unique",
        ],
    );
}

#[test]
fn duplicate_region_names() {
    // Line 17 is a second `      - name: us-east`.
    let yaml = edit(
        &explicit(),
        "    externalSites:\n",
        "      - name: us-east\n        zones: [{ name: z2, clusters: [{ name: c3, proxies: 1 }] }]\n    externalSites:\n",
    );
    rejects(
        &yaml,
        "17:15",
        "spec.topology.regions[1].name",
        &["duplicate name `us-east`", "unique"],
    );
}

#[test]
fn zone_named_like_its_region() {
    // Line 13: `          - name: us-east`.
    let yaml = edit(&explicit(), "- name: us-east-a", "- name: us-east");
    rejects(
        &yaml,
        "13:19",
        "spec.topology.regions[0].zones[0].name",
        &["duplicate name `us-east`", "spec.topology.regions[0].name"],
    );
}

#[test]
fn site_named_like_a_cluster() {
    // Line 18: `      - name: c1`.
    let yaml = edit(&explicit(), "- name: managed-cp", "- name: c1");
    rejects(
        &yaml,
        "18:15",
        "spec.topology.externalSites[0].name",
        &["duplicate name `c1`"],
    );
}

#[test]
fn duplicate_deployment_names() {
    // Line 21 is a second `    - name: each`.
    let yaml = format!(
        "{}    - name: each\n      controlPlanes: {{ per: zone }}\n",
        generated()
    );
    rejects(
        &yaml,
        "21:13",
        "spec.deployments[1].name",
        &["duplicate deployment name `each`", "spec.deployments[0]"],
    );
}

#[test]
fn duplicate_instance_names() {
    // Line 24: `          - { name: cp-a, cluster: c2 }`.
    let yaml = edit(
        &explicit(),
        "{ name: cp-b, cluster: c2 }",
        "{ name: cp-a, cluster: c2 }",
    );
    rejects(
        &yaml,
        "24:21",
        "spec.deployments[0].controlPlanes.instances[1].name",
        &["duplicate instance name `cp-a`"],
    );
}

// ---------------------------------------------------------- name lookups

#[test]
fn attach_names_an_unknown_instance() {
    // Line 27: `          c2: [cp-b, cp-z]`.
    let yaml = edit(&explicit(), "c2: [cp-b, cp-a]", "c2: [cp-b, cp-z]");
    rejects(
        &yaml,
        "27:22",
        "spec.deployments[0].controlPlanes.attach.c2[1]",
        &["unknown instance `cp-z`", "`cp-a`, `cp-b`"],
    );
}

#[test]
fn attach_names_an_unknown_cluster() {
    // Line 28 is the added `          c9: [cp-a]`; the position is that of
    // the value of `attach.c9`.
    let yaml = format!("{}          c9: [cp-a]\n", explicit());
    rejects(
        &yaml,
        "28:15",
        "spec.deployments[0].controlPlanes.attach.c9",
        &["unknown cluster `c9`", "`c1`, `c2`"],
    );
}

#[test]
fn instance_on_an_unknown_cluster() {
    // Line 24: `          - { name: cp-b, cluster: c9 }`.
    let yaml = edit(&explicit(), "cluster: c2 }", "cluster: c9 }");
    rejects(
        &yaml,
        "24:36",
        "spec.deployments[0].controlPlanes.instances[1].cluster",
        &["unknown cluster `c9`", "`c1`, `c2`"],
    );
}

#[test]
fn unknown_external_site_without_any_sites() {
    // Line 20: `      controlPlanes: { external: { sites: [nowhere] } }`.
    let yaml = edit(
        &generated(),
        "{ per: cluster }",
        "{ external: { sites: [nowhere] } }",
    );
    rejects(
        &yaml,
        "20:44",
        "spec.deployments[0].controlPlanes.external.sites[0]",
        &[
            "unknown external site `nowhere`",
            "spec.topology.externalSites",
        ],
    );
}

#[test]
fn unknown_external_site_of_an_instance() {
    // Line 24: `          - { name: cp-b, site: elsewhere }`.
    let yaml = edit(&explicit(), "cluster: c2 }", "site: elsewhere }");
    rejects(
        &yaml,
        "24:33",
        "spec.deployments[0].controlPlanes.instances[1].site",
        &["unknown external site `elsewhere`", "`managed-cp`"],
    );
}

#[test]
fn instance_with_both_cluster_and_site() {
    // Line 24: `          - { name: cp-b, cluster: c2, site: managed-cp }`; the
    // instance mapping starts at its `{`.
    let yaml = edit(
        &explicit(),
        "cluster: c2 }",
        "cluster: c2, site: managed-cp }",
    );
    rejects(
        &yaml,
        "24:13",
        "spec.deployments[0].controlPlanes.instances[1]",
        &[
            "exactly one host",
            "cluster: <name>",
            "site: <external site>",
        ],
    );
}

#[test]
fn expect_names_an_unknown_deployment() {
    // Lines 21-23 are added; line 23: `      order: [each, ghost]`.
    let yaml = format!(
        "{}  expect:\n    - measure: config\n      order: [each, ghost]\n",
        generated()
    );
    rejects(
        &yaml,
        "23:21",
        "spec.expect[0].order[1]",
        &["unknown deployment `ghost`", "known: `each`"],
    );
}

// ------------------------------------------- failover of explicit instances

/// The explicit scenario with `failover: <scope>` after its attach lists
/// (line 28, `        failover: <scope>`), where both lists already name
/// both instances, hosted in one zone.
fn explicit_with_failover(scope: &str) -> String {
    format!("{}        failover: {scope}\n", explicit())
}

#[test]
fn failover_that_adds_nothing_to_explicit_lists_leaves_them_as_they_are() {
    // Both lists already name both instances, hosted in one zone: every
    // scope is a no-op, as `failover: domain` is with `per: cluster`.
    let plain = model_of(&explicit());
    for scope in ["domain", "region", "mesh"] {
        let model = model_of(&explicit_with_failover(scope));
        assert_eq!(
            model.deployments[0].attach, plain.deployments[0].attach,
            "failover: {scope}"
        );
    }
}

#[test]
fn failover_region_cannot_reach_instances_on_external_sites() {
    // cp-b moves to the site, and c1 lists only cp-a: the only instance it
    // lacks is in no region, so `region` adds nothing and `mesh` adds it.
    let yaml = edit(
        &explicit(),
        "    - name: shared\n",
        "    - name: shared\n      failover: region\n",
    );
    let yaml = edit(
        &yaml,
        "{ name: cp-b, cluster: c2 }",
        "{ name: cp-b, site: managed-cp }",
    );
    let yaml = edit(&yaml, "c1: [cp-a, cp-b]", "c1: [cp-a]");
    let model = model_of(&yaml);
    assert_eq!(model.deployments[0].attach, vec![vec![0], vec![1, 0]]);
    let yaml = yaml.replace("failover: region", "failover: mesh");
    let model = model_of(&yaml);
    let attach = &model.deployments[0].attach;
    assert_eq!(attach, &vec![vec![0, 1], vec![1, 0]]);
}

#[test]
fn failover_given_twice_for_explicit_instances() {
    let yaml = edit(
        &explicit_with_failover("mesh"),
        "    - name: shared\n",
        "    - name: shared\n      failover: region\n",
    );
    rejects(
        &yaml,
        "21:17",
        "spec.deployments[0].failover",
        &["`failover` is given twice"],
    );
}

// ------------------------------------------- clusters without control plane

#[test]
fn attach_leaves_out_a_cluster() {
    // Line 27 (`c2: ...`) removed; `attach` is the mapping whose first key,
    // `c1`, is at line 26 column 11.
    let yaml = edit(&explicit(), "          c2: [cp-b, cp-a]\n", "");
    rejects(
        &yaml,
        "26:11",
        "spec.deployments[0].controlPlanes.attach",
        &[
            "cluster `c2` has no control plane",
            "add `c2: [<instance>, ...]`",
        ],
    );
}

#[test]
fn attach_gives_a_cluster_an_empty_list() {
    // Line 27: `          c2: []`.
    let yaml = edit(&explicit(), "c2: [cp-b, cp-a]", "c2: []");
    rejects(
        &yaml,
        "27:15",
        "spec.deployments[0].controlPlanes.attach.c2",
        &["cluster `c2` has no control plane", "at least one instance"],
    );
}

#[test]
fn instances_without_attach() {
    // Lines 25-27 removed; `controlPlanes` starts at line 22 column 9.
    let yaml = edit(
        &explicit(),
        "        attach:\n          c1: [cp-a, cp-b]\n          c2: [cp-b, cp-a]\n",
        "",
    );
    rejects(
        &yaml,
        "22:9",
        "spec.deployments[0].controlPlanes.attach",
        &["missing", "every cluster needs an ordered list"],
    );
}

#[test]
fn zero_control_planes_per_domain() {
    // Line 20: `      controlPlanes: { per: zone, count: 0 }`.
    let yaml = edit(&generated(), "{ per: cluster }", "{ per: zone, count: 0 }");
    rejects(
        &yaml,
        "20:42",
        "spec.deployments[0].controlPlanes.count",
        &["without one", "1 or more"],
    );
}

#[test]
fn deployment_without_a_placement() {
    // Line 20: `      controlPlanes: {}`.
    let yaml = edit(&generated(), "{ per: cluster }", "{}");
    rejects(
        &yaml,
        "20:22",
        "spec.deployments[0].controlPlanes",
        &["exactly one of `per`", "`external`", "`instances`"],
    );
}

#[test]
fn empty_deployments_list() {
    // Line 18: `  deployments: []`.
    let yaml = edit(
        &generated(),
        "  deployments:\n    - name: each\n      controlPlanes: { per: cluster }\n",
        "  deployments: []\n",
    );
    rejects(
        &yaml,
        "18:16",
        "spec.deployments",
        &["the list is empty", "at least one deployment"],
    );
}

// ------------------------------------------------------------- overrides

#[test]
fn region_override_inside_a_cluster() {
    // Line 15: `              - { name: c1, proxies: 100, failures: { region: {...} } }`.
    let yaml = edit(
        &explicit(),
        "{ name: c1, proxies: 100 }",
        "{ name: c1, proxies: 100, failures: { region: { failure: { dist: fixed, value: 1d }, repair: { dist: fixed, value: 1h } } } }",
    );
    rejects(
        &yaml,
        "15:63",
        "spec.topology.regions[0].zones[0].clusters[0].failures.region",
        &[
            "cannot be overridden here",
            "cluster, apiServer, eastWestGateway, controlPlane",
        ],
    );
}

#[test]
fn cluster_override_inside_a_site() {
    // Line 18: `      - { name: managed-cp, failures: { cluster: {...} } }`.
    let yaml = edit(
        &explicit(),
        "- name: managed-cp",
        "- { name: managed-cp, failures: { cluster: { failure: { dist: fixed, value: 1d }, repair: { dist: fixed, value: 1h } } } }",
    );
    rejects(
        &yaml,
        "18:50",
        "spec.topology.externalSites[0].failures.cluster",
        &["cannot be overridden here", "externalSite, controlPlane"],
    );
}

// ------------------------------------------------------------ file names

#[test]
fn metadata_name_that_is_not_a_folder_name() {
    // Line 4: `  name: <x>`.
    for name in ["a/b", "..", "../escape", "x\\\\y"] {
        let yaml = edit(&generated(), "name: test", &format!("name: \"{name}\""));
        rejects(
            &yaml,
            "4:9",
            "metadata.name",
            &["cannot name a results folder", "letters, digits"],
        );
    }
}

// ----------------------------------------------------------------- sizes

#[test]
fn a_billion_clusters() {
    // Lines 10-12 set the three counts to 1000; `topology` is the mapping
    // whose first key, `regions`, is at line 10 column 5.
    let yaml = edit(
        &generated(),
        "regions: 1\n    zonesPerRegion: 1\n    clustersPerZone: 2\n",
        "regions: 1000\n    zonesPerRegion: 1000\n    clustersPerZone: 1000\n",
    );
    rejects(
        &yaml,
        "10:5",
        "spec.topology",
        &[
            "1000000000 clusters is beyond what fits in memory",
            "at most 100000",
        ],
    );
}

#[test]
fn region_count_beyond_u32() {
    // Line 10: `    regions: 5000000000`.
    let yaml = edit(&generated(), "regions: 1\n", "regions: 5000000000\n");
    rejects(
        &yaml,
        "10:14",
        "spec.topology.regions",
        &["too many regions"],
    );
}

#[test]
fn control_planes_per_domain_beyond_memory() {
    // Line 20: `      controlPlanes: { per: cluster, count: 20000 }`.
    let yaml = edit(
        &generated(),
        "{ per: cluster }",
        "{ per: cluster, count: 20000 }",
    );
    rejects(
        &yaml,
        "20:45",
        "spec.deployments[0].controlPlanes.count",
        &["20000 instances per domain is beyond what fits in memory"],
    );
}

#[test]
fn replications_beyond_what_can_run() {
    // Line 8: `  replications: 2000000000`.
    let yaml = edit(&generated(), "replications: 10", "replications: 2000000000");
    rejects(
        &yaml,
        "8:17",
        "spec.replications",
        &["beyond what can run", "at most 1000000000"],
    );
}

/// `validate` on `yaml` in a fresh directory, killed after `secs` seconds;
/// it must exit 2 with `expected` on stderr, in time.
#[track_caller]
fn validate_refuses_within(yaml: &str, secs: u64, expected: &str) {
    let dir = dir_with(yaml);
    let out = meshsim(dir.path())
        .args(["validate", "bad.yaml"])
        .timeout(std::time::Duration::from_secs(secs))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "not refused within {secs} s (killed if None):\n{stderr}"
    );
    assert!(
        stderr.contains(expected),
        "expected `{expected}` in\n{stderr}"
    );
}

/// The cluster limit (100 000) with 11 istiod per cluster is 1.1 million
/// instances, over the instance limit (1 000 000). That is known from the
/// counts alone and must be refused at once; today every cluster's nearest
/// instance is searched first, 10^5 x 1.1 * 10^6 steps (hours; 10 000
/// clusters with `count: 101` took 127 s). The binary is killed after 10 s.
#[test]

fn too_many_instances_are_refused_before_placing_them() {
    // Lines 10-12: 1000 x 10 x 10 clusters; line 20:
    // `      controlPlanes: { per: cluster, count: 11 }`.
    let yaml = edit(
        &generated(),
        "regions: 1\n    zonesPerRegion: 1\n    clustersPerZone: 2\n",
        "regions: 1000\n    zonesPerRegion: 10\n    clustersPerZone: 10\n",
    );
    let yaml = edit(&yaml, "{ per: cluster }", "{ per: cluster, count: 11 }");
    validate_refuses_within(
        &yaml,
        10,
        "bad.yaml:19:7: spec.deployments[0]: the deployments need more than 1000000 control-plane instances",
    );
}

/// `failover: mesh` on 100 000 clusters with one istiod each asks for 10^10
/// attachment entries (80 GB), over the limit of 5 * 10^7. It must be
/// refused before the lists are built; today they are built first (at about
/// 230 MB/s, so the 5 s timeout bounds this test at about 1.2 GB).
#[test]

fn too_many_attachment_entries_are_refused_before_building_them() {
    // Lines 10-12: 1000 x 10 x 10 clusters; line 20:
    // `      controlPlanes: { per: cluster, failover: mesh }`.
    let yaml = edit(
        &generated(),
        "regions: 1\n    zonesPerRegion: 1\n    clustersPerZone: 2\n",
        "regions: 1000\n    zonesPerRegion: 10\n    clustersPerZone: 10\n",
    );
    let yaml = edit(
        &yaml,
        "{ per: cluster }",
        "{ per: cluster, failover: mesh }",
    );
    validate_refuses_within(
        &yaml,
        5,
        "bad.yaml:19:7: spec.deployments[0]: the deployments need more than",
    );
}

/// Two clusters of 2^63 proxies: the total does not fit in 64 bits. Either
/// accept the scenario or reject the proxy count; never claim the mesh has
/// no proxies (which is what a wrapped sum of 2^64 = 0 would say).
#[test]

fn proxy_counts_whose_sum_overflows() {
    // Line 13: `    proxiesPerCluster: 9223372036854775808`.
    let yaml = edit(
        &generated(),
        "proxiesPerCluster: 100",
        "proxiesPerCluster: 9223372036854775808",
    );
    let doc = Document::parse(&yaml, "test.yaml").expect("parses");
    if let Err(e) = model::build(&doc.file) {
        let msg = doc.locate(e).to_string();
        assert!(!msg.contains("no proxies"), "misleading message:\n{msg}");
        assert!(
            msg.starts_with("test.yaml:13:24: spec.topology.proxiesPerCluster: "),
            "{msg}"
        );
    }
}

// -------------------------------------------------------------- syntax

#[test]
fn yaml_syntax_error_mapping_value_in_a_scalar() {
    // Line 7: `  horizon: 1y: 2y`; the second `:` is at column 14.
    let yaml = edit(&generated(), "horizon: 1y", "horizon: 1y: 2y");
    rejects(&yaml, "7:14", "", &["mapping values are not allowed"]);
}

#[test]
fn yaml_syntax_error_unclosed_flow_mapping() {
    // Line 20: `      controlPlanes: { per: cluster` and nothing closes the `{`
    // (column 22); the parser finds out at the end of the text, line 21
    // column 1.
    let yaml = edit(&generated(), "{ per: cluster }", "{ per: cluster");
    rejects(
        &yaml,
        "21:1",
        "",
        &["did not find expected ',' or '}'", "flow mapping"],
    );
}

/// A syntax error has no field path (error.rs: "`path` is empty for YAML
/// syntax errors"); the position is printed once, in front; and an
/// unclosed `{` says where it was opened.
#[test]

fn yaml_syntax_errors_have_no_field_path() {
    let yaml = edit(&generated(), "horizon: 1y", "horizon: 1y: 2y");
    let msg = error_of(&yaml);
    assert_eq!(
        msg,
        "test.yaml:7:14: mapping values are not allowed in this context"
    );

    let yaml = edit(&generated(), "{ per: cluster }", "{ per: cluster");
    let msg = error_of(&yaml);
    assert!(
        msg.starts_with("test.yaml:21:1: did not find expected ',' or '}'"),
        "no field path, position once in front:\n{msg}"
    );
    assert!(
        !msg.contains("at line 21 column 1"),
        "the position is printed twice:\n{msg}"
    );
    assert!(
        msg.contains("line 20 column 22") || msg.contains("20:22"),
        "must say where the unclosed `{{` is:\n{msg}"
    );
}

// ------------------------------------------------------ the real binary

/// A temporary directory holding `bad.yaml` with `text`.
fn dir_with(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.yaml"), text).expect("write scenario");
    dir
}

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Runs `meshsim <args>` in `dir`, asserts exit code 2, empty stdout and a
/// stderr holding `expected`; returns stderr.
#[track_caller]
fn fails_with_2(dir: &Path, args: &[&str], expected: &str) -> String {
    let out = meshsim(dir)
        .args(args)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stdout.is_empty(), "stdout must be empty, got:\n{stdout}");
    assert!(
        stderr.contains(expected),
        "expected `{expected}` in stderr:\n{stderr}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one message, got:\n{stderr}"
    );
    stderr
}

#[test]
fn run_refuses_a_semantic_error_without_writing_anything() {
    let dir = dir_with(&edit(&generated(), "p95: 20h", "p95: 1h"));
    fails_with_2(
        dir.path(),
        &["run", "bad.yaml"],
        "error: bad.yaml:17:51: spec.failures.zone.repair.p95: `p95` (1h) must be greater than `median` (3h)",
    );
    assert_eq!(entries(dir.path()), ["bad.yaml"], "nothing may be written");
}

#[test]
fn run_refuses_an_unknown_field_without_creating_out() {
    // Line 17: `      repair: { dist: lognormal, median: 3h, p90: 20h }`; the key
    // is at column 46, its value at 51 (see the unknown-field tests).
    let dir = dir_with(&edit(&generated(), "p95: 20h", "p90: 20h"));
    let stderr = fails_with_2(
        dir.path(),
        &[
            "run",
            "bad.yaml",
            "--out",
            "out",
            "--replications",
            "5",
            "--seed",
            "3",
        ],
        "spec.failures.zone.repair.p90: unknown field `p90`",
    );
    assert!(
        stderr.starts_with("error: bad.yaml:17:46: ")
            || stderr.starts_with("error: bad.yaml:17:51: "),
        "{stderr}"
    );
    assert_eq!(entries(dir.path()), ["bad.yaml"], "nothing may be written");
}

#[test]
fn run_refuses_the_last_check_without_writing_anything() {
    // The `expect` lookup is the last check of the model; everything
    // before it is valid, and still no results folder may appear.
    let yaml = format!(
        "{}  expect:\n    - measure: config\n      order: [each, ghost]\n",
        generated()
    );
    let dir = dir_with(&yaml);
    fails_with_2(
        dir.path(),
        &["run", "bad.yaml"],
        "error: bad.yaml:23:21: spec.expect[0].order[1]: unknown deployment `ghost`",
    );
    assert_eq!(entries(dir.path()), ["bad.yaml"], "nothing may be written");
}

#[test]
fn validate_refuses_with_exit_code_2() {
    let dir = dir_with(&edit(&generated(), "  seed: 1\n", ""));
    fails_with_2(
        dir.path(),
        &["validate", "bad.yaml"],
        "error: bad.yaml:6:3: spec: missing field `seed`",
    );
    assert_eq!(entries(dir.path()), ["bad.yaml"], "nothing may be written");
}

#[test]
fn run_refuses_a_missing_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = meshsim(dir.path())
        .args(["run", "nowhere.yaml"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nowhere.yaml: cannot read the scenario"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(entries(dir.path()).is_empty(), "nothing may be written");
}

#[test]
fn zero_replicas_is_exit_2_from_validate_and_run() {
    let yaml = edit(
        &generated(),
        "{ per: cluster }",
        "{ per: cluster, replicas: 0 }",
    );
    let dir = dir_with(&yaml);
    for args in [&["validate", "bad.yaml"][..], &["run", "bad.yaml"][..]] {
        fails_with_2(
            dir.path(),
            args,
            "bad.yaml:20:48: spec.deployments[0].controlPlanes.replicas: 0 replicas; give 1 to 100 istiod replicas per instance",
        );
    }
    assert_eq!(entries(dir.path()), ["bad.yaml"], "nothing written");
}
