//! Every bound on the size of what meshsim reads or runs (issue 5, item 2),
//! asserted on its message: a hostile or mistaken scenario is refused
//! before any work starts, and the refusal says what the limit is and what
//! to do. The limits on the text come first (file size, nesting, aliases,
//! key length), then those on the model (clusters, instances, attachment
//! entries, counts), then the run-size guard with its `--allow-large`
//! override.

use crate::common::{error_of, model_of, scenario, shipped};
use meshsim::engine::{self, NoObserver, RunOptions, KEPT_INCIDENTS};
use meshsim::model::{self, Model};
use meshsim::plan::estimate::{self, Estimate, MAX_EVENTS, MAX_MEMORY_BYTES};
use meshsim::scenario::source_map::{MAX_ALIAS_NODES, MAX_DEPTH};
use meshsim::scenario::{Document, MAX_FILE_BYTES};

/// The header and the first spec fields, ending in `horizon: `, so a test
/// can write its value at line 6, column 12.
const HEAD: &str =
    "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  seed: 1\n  horizon: ";

/// A small valid scenario; `scenario()` puts five lines in front, so the
/// first line here is line 6 (`replications` is line 8).
fn base(horizon: &str, replications: &str, failure: &str) -> String {
    scenario(&format!(
        "  seed: 1
  horizon: {horizon}
  replications: {replications}
  topology:
    regions: 1
    zonesPerRegion: 1
    clustersPerZone: 1
    proxiesPerCluster: 100
  failures:
    cluster: {{ failure: {failure}, repair: {{ dist: fixed, value: 1h }} }}
  deployments:
    - name: each
      controlPlanes: {{ per: cluster }}
"
    ))
}

fn parse_error(text: &str) -> String {
    Document::parse(text, "test.yaml")
        .expect_err("refused")
        .to_string()
}

// ------------------------------------------------------------- the text

#[test]
fn file_size_is_limited_before_reading() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.yaml");
    let size = MAX_FILE_BYTES + 1;
    std::fs::write(&path, vec![b'#'; size as usize]).expect("write");
    let err = Document::read(&path).expect_err("refused").to_string();
    assert_eq!(
        err,
        format!(
            "{}:1:1: the file is 4194305 bytes; scenario files are limited to 4194304 bytes",
            path.display()
        )
    );
    // Text handed to the library directly is held to the same limit.
    let text = "#".repeat(size as usize);
    assert_eq!(
        parse_error(&text),
        "test.yaml:1:1: the file is 4194305 bytes; scenario files are limited to 4194304 bytes"
    );
}

/// A device reports no size and `/dev/zero` never ends: it used to be read
/// until memory ran out.
#[cfg(unix)]
#[test]
fn file_size_is_limited_for_devices_that_never_end() {
    let err = Document::read(std::path::Path::new("/dev/zero"))
        .expect_err("refused")
        .to_string();
    assert_eq!(
        err,
        "/dev/zero:1:1: the file is longer than 4194304 bytes; scenario files are limited to 4194304 bytes"
    );
}

#[test]
fn block_nesting_depth_is_limited() {
    // `spec` is the second collection; the mapping under key a<k> the
    // (k + 3)rd. The 33rd, under a30, starts with key a31 at line 5 + 31,
    // indented 2 + 2 * 31 columns.
    let mut text = String::from("apiVersion: meshsim/v1alpha1\nkind: Scenario\nspec:\n");
    let mut indent = String::from("  ");
    for k in 0..40 {
        text.push_str(&format!("{indent}a{k}:\n"));
        indent.push_str("  ");
    }
    text.push_str(&format!("{indent}x: 1\n"));
    let path: Vec<String> = (0..=30).map(|k| format!("a{k}")).collect();
    assert_eq!(MAX_DEPTH, 32);
    assert_eq!(
        parse_error(&text),
        format!(
            "test.yaml:35:65: spec.{}: nested more than 32 levels deep; the deepest field of a scenario is 12 levels down",
            path.join(".")
        )
    );
}

#[test]
fn flow_nesting_depth_is_limited() {
    // The root and `spec` are two collections, the first `[` (column 12)
    // the third; the 33rd is the 31st `[`, at column 42.
    let text = format!("{HEAD}{}{}\n", "[".repeat(40), "]".repeat(40));
    assert_eq!(
        parse_error(&text),
        format!(
            "test.yaml:6:42: spec.horizon{}: nested more than 32 levels deep; the deepest field of a scenario is 12 levels down",
            "[0]".repeat(30)
        )
    );
}

#[test]
fn the_deepest_field_of_the_format_is_within_the_depth_limit() {
    // A distribution parameter of a cluster override in the explicit form.
    let text = scenario(
        "  seed: 1
  horizon: 1y
  replications: 2
  topology:
    regions:
      - name: r
        zones:
          - name: z
            clusters:
              - name: c
                proxies: 1
                failures:
                  cluster:
                    failure: { dist: fixed, value: 1h }
                    repair: { dist: fixed, value: 1h }
  deployments: [{ name: d, controlPlanes: { per: cluster } }]
",
    );
    model_of(&text);
}

#[test]
fn alias_expansion_is_limited() {
    // a0 is 11 nodes, a<k> 1 + 10 * a<k-1>. The aliases of a1..a4 repeat
    // 123 440 nodes; each *a4 in a5 repeats 111 111 more, so the 8th
    // (spec.horizon[5][7]) crosses 1 000 000.
    let mut layers = vec![format!("&a0 [{}]", ["x"; 10].join(", "))];
    for k in 1..6 {
        layers.push(format!(
            "&a{k} [{}]",
            vec![format!("*a{}", k - 1); 10].join(", ")
        ));
    }
    let line = format!("  horizon: [{}]", layers.join(", "));
    let col = line.match_indices("*a4").nth(7).expect("8 aliases").0 + 1;
    let text = format!("{}[{}]\n", HEAD, layers.join(", "));
    assert_eq!(MAX_ALIAS_NODES, 1_000_000);
    assert_eq!(
        parse_error(&text),
        format!(
            "test.yaml:6:{col}: spec.horizon[5][7]: the aliases of this file expand to more than 1000000 YAML nodes (\"billion laughs\"); use anchors and aliases for a few shared blocks, such as a distribution, not nested repetition"
        )
    );
}

#[test]
fn key_length_is_limited_through_the_size_of_field_paths() {
    let mut text = String::from("apiVersion: meshsim/v1alpha1\nkind: Scenario\nspec:\n");
    let mut indent = String::from("  ");
    for k in 0..30 {
        text.push_str(&format!("{indent}{}{k}:\n", "k".repeat(1000)));
        indent.push_str("  ");
    }
    text.push_str(&format!("{indent}[{}]\n", vec!["x"; 300_000].join(", ")));
    let err = parse_error(&text);
    let (place, message) = err.split_once("…: ").expect("a shortened path");
    assert!(
        place.starts_with("test.yaml:34:") && place.contains(": spec.kkkk"),
        "{place}"
    );
    assert_eq!(
        message,
        "the keys of this file are too long: their field paths need more than 256 MiB; keys are field names and cluster names of a few characters"
    );
}

// ------------------------------------------------------------ the model

#[test]
fn generated_clusters_are_limited() {
    let text = base("1y", "10", "{ dist: fixed, value: 1h }").replace(
        "regions: 1\n    zonesPerRegion: 1\n    clustersPerZone: 1",
        "regions: 100\n    zonesPerRegion: 100\n    clustersPerZone: 11",
    );
    assert_eq!(
        error_of(&text),
        "test.yaml:10:5: spec.topology: 110000 clusters is beyond what fits in memory; meshsim takes at most 100000"
    );
}

#[test]
fn explicit_clusters_are_limited() {
    let mut text = scenario(
        "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology:\n    proxiesPerCluster: 1\n    regions:\n    - name: r\n      zones:\n      - name: z\n        clusters:\n",
    );
    for i in 0..100_001 {
        text.push_str(&format!("        - {{name: c{i}}}\n"));
    }
    text.push_str("  deployments: [{ name: d, controlPlanes: { per: cluster } }]\n");
    // The header is 15 lines; cluster i is on line 16 + i, its mapping at
    // column 11.
    assert_eq!(
        error_of(&text),
        "test.yaml:100016:11: spec.topology.regions[0].zones[0].clusters[100000]: more than 100000 clusters is beyond what fits in memory"
    );
}

/// 100 000 clusters with 11 istiod each; the library refuses from the
/// counts (the binary's test of the same is in bad_input.rs).
#[test]
fn control_plane_instances_are_limited() {
    let text = base("1y", "10", "{ dist: fixed, value: 1h }")
        .replace(
            "regions: 1\n    zonesPerRegion: 1\n    clustersPerZone: 1",
            "regions: 1000\n    zonesPerRegion: 10\n    clustersPerZone: 10",
        )
        .replace("{ per: cluster }", "{ per: cluster, count: 11 }");
    assert_eq!(
        error_of(&text),
        "test.yaml:17:7: spec.deployments[0]: the deployments need more than 1000000 control-plane instances in all, beyond what fits in memory; use fewer instances per domain or fewer deployments"
    );
}

#[test]
fn attachment_entries_are_limited() {
    let text = base("1y", "10", "{ dist: fixed, value: 1h }")
        .replace(
            "regions: 1\n    zonesPerRegion: 1\n    clustersPerZone: 1",
            "regions: 100\n    zonesPerRegion: 10\n    clustersPerZone: 10",
        )
        .replace("{ per: cluster }", "{ per: cluster, failover: mesh }");
    assert_eq!(
        error_of(&text),
        "test.yaml:17:7: spec.deployments[0]: the deployments need more than 10000000 attachment-list entries in all (an entry per istiod in each cluster's list, for every deployment), beyond what fits in memory; use a narrower failover or fewer deployments"
    );
}

#[test]
fn instances_per_domain_and_per_site_are_limited() {
    let text = base("1y", "10", "{ dist: fixed, value: 1h }")
        .replace("{ per: cluster }", "{ per: zone, count: 10001 }");
    assert_eq!(
        error_of(&text),
        "test.yaml:18:42: spec.deployments[0].controlPlanes.count: 10001 instances per domain is beyond what fits in memory"
    );
    let text = base("1y", "10", "{ dist: fixed, value: 1h }")
        .replace(
            "proxiesPerCluster: 100\n",
            "proxiesPerCluster: 100\n    externalSites: [{ name: s }]\n",
        )
        .replace(
            "{ per: cluster }",
            "{ external: { sites: [s], countPerSite: 10001 } }",
        );
    assert_eq!(
        error_of(&text),
        "test.yaml:19:62: spec.deployments[0].controlPlanes.external.countPerSite: give 1 to 10000 instances per site"
    );
}

#[test]
fn proxies_replications_and_horizon_are_limited() {
    let text = base("1y", "10", "{ dist: fixed, value: 1h }")
        .replace("proxiesPerCluster: 100", "proxiesPerCluster: 1000000001");
    assert_eq!(
        error_of(&text),
        "test.yaml:13:24: spec.topology.proxiesPerCluster: 1000000001 proxies in one cluster is beyond any real cluster; give at most 1000000000"
    );
    let text = base("1y", "1000000001", "{ dist: fixed, value: 1h }");
    assert_eq!(
        error_of(&text),
        "test.yaml:8:17: spec.replications: 1000000001 replications is beyond what can run; use at most 1000000000, or shard the study"
    );
    let text = base("4000000y", "10", "{ dist: fixed, value: 1h }");
    assert_eq!(
        error_of(&text),
        "test.yaml:7:12: spec.horizon: horizon plus warm-up beyond a million years cannot be simulated; shorten it"
    );
}

// ------------------------------------------------------------- run size

/// The rendered refusal of the run-size guard for `text`, as `run` would
/// print it (the replications of the file unless `replications` is given).
fn guard(text: &str, replications: Option<u64>) -> (Estimate, Result<(), String>) {
    let doc = Document::parse(text, "test.yaml").expect("parses");
    let m = model::build(&doc.file).expect("builds");
    let e = estimate::estimate(&m, replications, KEPT_INCIDENTS);
    let checked =
        estimate::check(&e, false).map_err(|err| doc.locate(err.field_error(&m)).to_string());
    (e, checked)
}

#[test]
fn too_many_events_are_refused_with_the_numbers_and_the_override() {
    // A cluster up 1h and down 1h: 8760 transitions a year, plus the one
    // (deployment, cluster) pair evaluated at the start.
    let text = base("1y", "2000000", "{ dist: fixed, value: 1h }");
    let (e, checked) = guard(&text, None);
    assert_eq!(e.events_per_replication, 8761.0);
    assert_eq!(e.events, 8761.0 * 2e6);
    let msg = checked.expect_err("refused");
    assert!(
        msg.starts_with(
            "test.yaml:8:17: spec.replications: this run needs about 1.8e10 simulation events (8761 per replication of 1y × 2000000 replications) and about "
        ),
        "{msg}"
    );
    assert!(
        msg.ends_with(
            " of memory; the limit is 1.0e10 events (about half an hour on 2 cores). Shorten the horizon, run fewer replications or deployments, or pass --allow-large to run it anyway"
        ),
        "{msg}"
    );
    assert!(
        estimate::check(&e, true).is_ok(),
        "--allow-large lets it run"
    );
    // The command line's --replications is what counts.
    let (e, checked) = guard(&text, Some(1000));
    assert_eq!(e.replications, 1000);
    assert!(checked.is_ok());
}

#[test]
fn too_much_memory_is_refused_with_the_numbers_and_the_override() {
    // 150,000 years of a cluster that fails every 2 hours: 660 million
    // incidents in one replication, each held by the simulator until the
    // replication ends.
    let text = base("150000y", "1", "{ dist: fixed, value: 1h }");
    let (e, checked) = guard(&text, None);
    assert!(
        e.events < MAX_EVENTS && e.memory_bytes > MAX_MEMORY_BYTES,
        "{e:?}"
    );
    let msg = checked.expect_err("refused");
    assert!(
        msg.starts_with(
            "test.yaml:8:17: spec.replications: this run needs about 1.3e9 simulation events (1.3e9 per replication of 150000y × 1 replications) and about "
        ) && msg.contains(" GiB of memory; the limit is 8.0 GiB of memory. Shorten the horizon, run fewer replications or deployments, or pass --allow-large to run it anyway"),
        "{msg}"
    );
    assert!(estimate::check(&e, true).is_ok());
}

#[test]
fn precision_runs_are_estimated_at_their_maximum() {
    let text = base("1y", "10", "{ dist: fixed, value: 1h }").replace(
        "  replications: 10\n",
        "  precision: { relativeHalfWidth: 0.01, measure: config, maxReplications: 1000000000 }\n",
    );
    let (e, checked) = guard(&text, None);
    assert_eq!(e.replications, 1_000_000_000);
    let msg = checked.expect_err("refused");
    assert!(
        msg.starts_with("test.yaml:8:75: spec.precision.maxReplications: this run needs about 8.8e12 simulation events"),
        "{msg}"
    );
}

#[test]
fn the_guard_counts_what_goes_wrong_millisecond_by_millisecond() {
    // The shortest durations a distribution may have, over a long horizon:
    // 1.6e13 transitions in one replication.
    let text = base("500y", "2", "{ dist: fixed, value: 1ms }").replace(
        "repair: { dist: fixed, value: 1h }",
        "repair: { dist: fixed, value: 1ms }",
    );
    let (e, checked) = guard(&text, None);
    assert!(e.events_per_replication > 1e13, "{e:?}");
    assert!(checked.unwrap_err().contains("--allow-large"));
}

#[test]
fn the_shipped_scenarios_pass_the_guard() {
    for name in [
        "availability-ranking.yaml",
        "config-rollout.yaml",
        "ranking-without-domain-failures.yaml",
        "shared-control-planes.yaml",
    ] {
        let doc = Document::read(std::path::Path::new(&shipped(name))).expect("reads");
        let m = model::build(&doc.file).expect("builds");
        // Also at the README's 10 000 replications.
        for replications in [None, Some(10_000)] {
            let e = estimate::estimate(&m, replications, KEPT_INCIDENTS);
            assert!(estimate::check(&e, false).is_ok(), "{name}: {e}");
        }
    }
}

/// The event estimate is the engine's event count (transitions and rollout
/// steps; the estimate adds one start-up evaluation per deployment and
/// cluster) within sampling noise.
#[test]
fn the_event_estimate_matches_the_engine() {
    for name in ["availability-ranking.yaml", "config-rollout.yaml"] {
        let doc = Document::read(std::path::Path::new(&shipped(name))).expect("reads");
        let m: Model = model::build(&doc.file).expect("builds");
        let replications = 64;
        let tally = engine::run(
            &m,
            Some(replications),
            &RunOptions::default(),
            &mut NoObserver,
        )
        .expect("runs");
        let e = estimate::estimate(&m, Some(replications), KEPT_INCIDENTS);
        let startup = (m.deployments.len() * m.clusters.len()) as f64 * replications as f64;
        let ratio = (e.events - startup) / tally.events as f64;
        assert!(
            (ratio - 1.0).abs() < 0.05,
            "{name}: estimate/engine = {ratio}"
        );
    }
}
