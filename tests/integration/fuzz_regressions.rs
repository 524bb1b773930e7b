//! Regression tests for what fuzzing the scenario front end (fuzz/, issue 5)
//! and the review that came with it found: one test per finding, named
//! after it, with the input that showed it. Each was a panic, a hang or a
//! runaway allocation on some file a user could be handed, or a value the
//! engine would have turned into NaN or an endless loop.
//!
//! These are not speed tests (speed is measured in `benches/`, never in
//! `cargo test`): each asserts what the fix does — the refusal and where it
//! is reported — and a watchdog of [`HANG`] turns a return of the old
//! behaviour (minutes, or no end) into a failure instead of a stuck CI job.
//! The comment of each test gives the time (or memory) before the fix.

use crate::common::{error_of, fixture, model_of, scenario};
use meshsim::model;
use meshsim::scenario::Document;
use std::time::{Duration, Instant};

/// Far above any fixed input's time on a loaded machine (they take
/// milliseconds to a second), far below the regressions' (30 s to 408 s).
const HANG: Duration = Duration::from_secs(20);

/// Parses and builds `text`, returning the rendered error (or "ok"), and
/// fails if that took longer than [`HANG`].
#[track_caller]
fn outcome(text: &str) -> String {
    let start = Instant::now();
    let out = match Document::parse(text, "test.yaml") {
        Err(e) => e.to_string(),
        Ok(doc) => match model::build(&doc.file) {
            Err(e) => doc.locate(e).to_string(),
            Ok(_) => "ok".to_string(),
        },
    };
    let took = start.elapsed();
    assert!(took < HANG, "took {took:?}, as before the fix:\n{out}");
    out
}

/// The header and the first spec fields, ending in `horizon: ` so that
/// tests can write a hostile value right there (line 6, column 12).
const HEAD: &str =
    "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  seed: 1\n  horizon: ";

/// Found by the fuzzer (crash-b41dd6bd…): the YAML scanner's error marker
/// counts characters, and the first version of the nesting fallback sliced
/// the text at it as if it counted bytes — a panic on any syntax error
/// after a multi-byte character.
#[test]
fn scanner_error_after_a_multibyte_character_does_not_panic() {
    let crash = "#11 Tility rankfng\n\n\n>\n'J\n>+\r\r\r::2y::::::\rna\rA\ric. alia\u{180}\0\0";
    let out = outcome(crash);
    assert!(out.starts_with("test.yaml:"), "{out}");
    // The same with the error deep in multi-byte text.
    let text = format!("{HEAD}\"ééé\" ]]\n{}", "é".repeat(1000));
    outcome(&text);
}

/// 200 000 nested `[` under `spec.horizon` (400 KB) took 408 s: the YAML
/// scanner of the source map gives up at 256 levels, and serde_yaml_ng's
/// parser then spent time quadratic in the depth before its own recursion
/// limit. Refused at once now, at the place it starts.
#[test]
fn deep_flow_nesting_is_refused_at_once() {
    let depth = 200_000;
    let text = format!("{HEAD}{}{}\n", "[".repeat(depth), "]".repeat(depth));
    let out = outcome(&text);
    assert!(
        out.starts_with("test.yaml:6:")
            && out.contains("spec.horizon")
            && out.contains("nested more than 32 levels deep"),
        "{out}"
    );
}

/// The same nesting behind a syntax error: the text after the error is
/// measured before serde_yaml_ng gets it, and the syntax error is reported
/// from the source map's scanner, in the words serde would use.
#[test]
fn deep_nesting_behind_a_syntax_error_is_refused_at_once() {
    let depth = 200_000;
    let text = format!("{HEAD}1y: 2y\n  {}\n", "[".repeat(depth));
    let out = outcome(&text);
    assert_eq!(
        out,
        "test.yaml:6:14: mapping values are not allowed in this context"
    );
}

/// A 300 KB file whose aliases repeat a 100 000-element list 1 110 times
/// inside `spec.horizon` took 30 s and 3.5 GB: serde_yaml_ng caps alias
/// jumps at 100 per event (here about 10 million) and a duration was read
/// through an untagged enum that buffered the whole expansion.
#[test]
fn billion_laughs_in_a_duration_is_refused_at_once() {
    let mut layers = vec![format!("&a0 [{}]", vec!["x"; 100_000].join(", "))];
    for i in 1..4 {
        layers.push(format!(
            "&a{i} [{}]",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    let text = format!("{HEAD}[{}]\n", layers.join(", "));
    let out = outcome(&text);
    assert!(
        out.contains("spec.horizon[")
            && out.contains("expand to more than 1000000 YAML nodes (\"billion laughs\")"),
        "{out}"
    );
}

/// A sequence where a duration belongs is refused without being read
/// whole (the duration no longer buffers what it is given).
#[test]
fn a_list_where_a_duration_belongs_is_refused_by_type() {
    let out = outcome(&format!("{HEAD}[[1, 2], {{a: b}}]\n"));
    assert!(
        out.starts_with(
            "test.yaml:6:12: spec.horizon: invalid type: sequence, expected a duration such as `4h`"
        ),
        "{out}"
    );
}

/// Anchors and aliases used the way scenarios use them still work.
#[test]
fn aliases_for_shared_blocks_still_work() {
    let text = std::fs::read_to_string(fixture("fuzz/explicit-anchors.yaml")).expect("fixture");
    let m = model_of(&text);
    assert_eq!(m.clusters.len(), 2);
}

/// Thirty nested keys of 1 000 characters over a list of 300 000 items
/// would have built 300 000 field paths of 30 KB each (9 GB) in the source
/// map; the paths' total size is bounded now.
#[test]
fn long_keys_cannot_blow_up_the_source_map() {
    let mut text = String::from("apiVersion: meshsim/v1alpha1\nkind: Scenario\nspec:\n");
    let mut indent = String::from("  ");
    for i in 0..30 {
        text.push_str(&format!("{indent}{}{i}:\n", "k".repeat(1000)));
        indent.push_str("  ");
    }
    text.push_str(&format!("{indent}[{}]\n", vec!["x"; 300_000].join(", ")));
    let out = outcome(&text);
    assert!(
        out.contains(
            "the keys of this file are too long: their field paths need more than 256 MiB"
        ),
        "{}",
        &out[..out.len().min(600)]
    );
}

/// `1e308y` is a finite number of years but not of hours: it was accepted
/// as an infinite mean (availability ∞/∞ = NaN), or blamed on a Weibull
/// shape.
#[test]
fn duration_overflowing_to_infinity_is_refused() {
    let spec = |mean: &str| {
        scenario(&format!(
            "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology: {{ regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 1 }}\n  failures:\n    zone: {{ failure: {{ dist: {mean} }}, repair: {{ dist: fixed, value: 1h }} }}\n  deployments: [{{ name: d, controlPlanes: {{ per: cluster }} }}]\n"
        ))
    };
    let msg = error_of(&spec("exponential, mean: 1e308y"));
    assert!(
        msg.contains("spec.failures.zone.failure.mean: ")
            && msg.contains("`1e308y` is too large to be a duration"),
        "{msg}"
    );
    let msg = error_of(&spec("weibull, shape: 0.7, mean: 1e308y"));
    assert!(msg.contains("too large to be a duration"), "{msg}");
    assert!(!msg.contains("shape"), "not the shape's fault:\n{msg}");
}

/// A Weibull whose parameters are each fine but whose mean overflows
/// (scale 1e300h × Γ(21)) reached the engine with an infinite mean.
#[test]
fn weibull_whose_mean_overflows_is_refused() {
    let msg = error_of(&scenario(
        "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology: { regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 1 }\n  failures:\n    zone: { failure: { dist: weibull, shape: 0.05, scale: 1e300h }, repair: { dist: fixed, value: 1h } }\n  deployments: [{ name: d, controlPlanes: { per: cluster } }]\n",
    ));
    assert!(
        msg.contains("spec.failures.zone.failure: this weibull has no finite mean"),
        "{msg}"
    );
}

/// Fixed up and down times below half a millisecond round to 0 ms on the
/// engine's clock: the component flipped forever at the same instant and
/// the run never ended. Durations of a distribution are at least 1 ms now.
#[test]
fn sub_millisecond_durations_are_refused() {
    let spec = |dist: &str| {
        scenario(&format!(
            "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology: {{ regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 1 }}\n  failures:\n    cluster: {{ failure: {{ dist: fixed, value: 1h }}, repair: {{ dist: {dist} }} }}\n  deployments: [{{ name: d, controlPlanes: {{ per: cluster }} }}]\n"
        ))
    };
    for (dist, field) in [
        ("fixed, value: 0.0001ms", "value"),
        ("uniform, min: 0ms, max: 0.4ms", "max"),
        ("exponential, mean: 1e-320h", "mean"),
        ("lognormal, median: 0.5ms, p95: 1h", "median"),
        ("weibull, shape: 2, scale: 0.1ms", "scale"),
    ] {
        let msg = error_of(&spec(dist));
        assert!(
            msg.contains(&format!(
                "spec.failures.cluster.repair.{field}: `{field}` is "
            )) && msg.contains("less than 1ms; the simulation clock ticks in whole milliseconds"),
            "{dist}:\n{msg}"
        );
    }
    let msg = error_of(&spec("exponential, rate: 2/ms"));
    assert!(
        msg.contains("spec.failures.cluster.repair.rate: `rate` is 2/ms, more than one event per millisecond"),
        "{msg}"
    );
    // One millisecond is the tick, and allowed.
    model_of(&spec("fixed, value: 1ms"));
}

/// `mu: -1000` gave a lognormal whose mean underflows to 0; with both
/// halves of a process like that, availability was 0/0 = NaN.
#[test]
fn lognormal_mu_below_a_millisecond_is_refused() {
    let msg = error_of(&scenario(
        "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology: { regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 1 }\n  failures:\n    cluster: { failure: { dist: lognormal, mu: -1000, sigma: 1 }, repair: { dist: lognormal, mu: -1000, sigma: 1 } }\n  deployments: [{ name: d, controlPlanes: { per: cluster } }]\n",
    ));
    assert!(
        msg.contains("spec.failures.cluster.failure.mu: lognormal `mu` is -1000: a median of e^mu hours below 1ms")
            && msg.contains("give mu of -15.10 or more"),
        "{msg}"
    );
}

/// 46 000 explicit clusters, each with its own istiod and attach entry
/// (4 MB), took 14.4 s to validate: every name was resolved by a linear
/// search over the clusters (and networks, sites, `expect` orders and
/// attach lists by scans of their own). Names are hashed now (1.7 s, most
/// of it parsing, in `src/model/known.rs`). Here the file must validate;
/// the watchdog would catch the quadratic search only at a larger size.
#[test]
fn a_large_explicit_scenario_validates() {
    let n = 38_000;
    let mut text = String::from("apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  seed: 1\n  horizon: 1y\n  replications: 2\n  topology:\n    proxiesPerCluster: 1\n    regions:\n    - name: r\n      zones:\n      - name: z\n        clusters:\n");
    for i in 0..n {
        text.push_str(&format!("        - {{name: c{i}, network: n{i}}}\n"));
    }
    text.push_str("  deployments:\n  - name: d\n    controlPlanes:\n      instances:\n");
    for i in 0..n {
        text.push_str(&format!("      - {{name: i{i}, cluster: c{i}}}\n"));
    }
    text.push_str("      attach:\n");
    for i in 0..n {
        text.push_str(&format!("        c{i}: [i{i}]\n"));
    }
    assert!(text.len() < 4 * 1024 * 1024);
    let out = outcome(&text);
    assert_eq!(out, "ok");
}

/// A 23 KB file of 499 deployments `{ per: region }` on a generated mesh of
/// 100 000 clusters took 5.8 s and 2.8 GB to validate: each deployment
/// built a list for every cluster, 50 million lists within the old limit of
/// 50 million attachment entries. The limit is 10 million now, and the
/// 101st deployment is refused.
#[test]
fn many_deployments_on_a_large_mesh_are_refused_early() {
    let mut text = String::from("apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  seed: 1\n  horizon: 1y\n  replications: 2\n  topology: {regions: 1000, zonesPerRegion: 10, clustersPerZone: 10, proxiesPerCluster: 1}\n  deployments:\n");
    for i in 0..499 {
        text.push_str(&format!(
            "  - {{name: d{i}, controlPlanes: {{per: region}}}}\n"
        ));
    }
    let out = outcome(&text);
    assert!(
        out.starts_with("test.yaml:110:5: spec.deployments[100]: the deployments need more than 10000000 attachment-list entries"),
        "{out}"
    );
}
