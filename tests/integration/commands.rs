//! `meshsim check` and `meshsim blast`.

use super::common::{model_of, root, run_meshsim, scenario};
use meshsim::engine::single::single_failures;
use meshsim::model::Measure;

fn check_scenario(order: &str) -> String {
    scenario(&format!(
        "  seed: 8\n  horizon: 5y\n  replications: 300\n  topology: {{ regions: 1, zonesPerRegion: 3, clustersPerZone: 2, proxiesPerCluster: 100 }}\n  failures:\n    controlPlane: {{ failure: {{ dist: exponential, mean: 20d }}, repair: {{ dist: lognormal, median: 1h, p95: 6h }} }}\n    zone: {{ failure: {{ dist: exponential, mean: 6mo }}, repair: {{ dist: lognormal, median: 3h, p95: 1d }} }}\n  deployments:\n    - {{ name: one-per-region, controlPlanes: {{ per: region }} }}\n    - {{ name: each-cluster, controlPlanes: {{ per: cluster }} }}\n  expect:\n    - {{ measure: podStart, order: [{order}] }}\n"
    ))
}

#[test]
fn check_passes_on_a_claim_that_holds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.yaml"),
        check_scenario("one-per-region, each-cluster"),
    )
    .unwrap();
    let (out, _) = run_meshsim(dir.path(), &["check", "s.yaml", "-q"], 0);
    assert!(out.contains("one-per-region < each-cluster"), "{out}");
    assert!(
        out.contains("holds") && out.contains("all 1 claims hold"),
        "{out}"
    );
}

#[test]
fn check_fails_on_a_reversed_claim_and_names_the_pair() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.yaml"),
        check_scenario("each-cluster, one-per-region"),
    )
    .unwrap();
    let (out, _) = run_meshsim(dir.path(), &["check", "s.yaml", "-q"], 1);
    let line = out
        .lines()
        .find(|l| l.ends_with("reversed"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("podStart") && line.contains("each-cluster < one-per-region"),
        "{line}"
    );
    // The figures that broke it: a negative difference with its interval.
    assert!(line.contains(" -"), "a negative difference: {line}");
    assert!(out.contains("\n1 reversed of 1 claims\n"), "{out}");
    assert!(
        out.contains(
            "podStart each-cluster < one-per-region is reversed: one-per-region is the less \
             available with 95% confidence, so the claim is wrong"
        ),
        "{out}"
    );
}

/// Claims the data cannot confirm fail too, and say what would settle
/// them: a real difference measured too briefly, and two identical
/// placements that no run can order.
#[test]
fn check_fails_on_inconclusive_claims_and_says_what_would_settle_them() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = check_scenario("one-per-region, each-cluster")
        .replace(
            "    - { name: each-cluster, controlPlanes: { per: cluster } }\n",
            "    - { name: each-cluster, controlPlanes: { per: cluster } }\n    - { name: each-cluster-again, controlPlanes: { per: cluster } }\n",
        )
        .replace(
            "    - { measure: podStart, order: [one-per-region, each-cluster] }\n",
            "    - { measure: traffic, order: [one-per-region, each-cluster] }\n    - { measure: podStart, order: [each-cluster, one-per-region] }\n    - { measure: podStart, order: [each-cluster, each-cluster-again] }\n    - { measure: traffic, order: [each-cluster, each-cluster-again] }\n",
        );
    std::fs::write(dir.path().join("s.yaml"), yaml).unwrap();
    let args = ["check", "s.yaml", "-q", "--replications", "10"];
    let (out, _) = run_meshsim(dir.path(), &args, 1);
    let verdict = |claim: &str| {
        out.lines()
            .find(|l| l.contains(claim) && l.contains('['))
            .and_then(|l| l.split_whitespace().last())
            .unwrap_or_else(|| panic!("{claim}:\n{out}"))
            .to_string()
    };
    assert_eq!(verdict("one-per-region < each-cluster"), "inconclusive");
    assert_eq!(verdict("each-cluster < one-per-region"), "reversed");
    assert!(
        out.contains("\n1 reversed, 3 inconclusive of 4 claims\n"),
        "{out}"
    );
    // 10 replications leave traffic's interval across zero; the estimate
    // of what settles it (47) is borne out by a run of 47 below.
    assert!(
        out.contains(
            "traffic one-per-region < each-cluster is inconclusive: the interval contains 0; \
             about 47 replications would likely settle it (this run: 10)"
        ),
        "{out}"
    );
    // Identical placements: podStart has a closed form that says so,
    // traffic only a difference of exactly 0.
    assert!(
        out.contains(
            "podStart each-cluster < each-cluster-again is inconclusive: the exact long-run \
             values are equal: the placements are equivalent, and no run length will settle it"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "traffic each-cluster < each-cluster-again is inconclusive: the difference is \
             exactly 0; the placements look equivalent, and no run length will settle it"
        ),
        "{out}"
    );
    let args = ["check", "s.yaml", "-q", "--replications", "47"];
    let (out, _) = run_meshsim(dir.path(), &args, 1);
    assert_eq!(
        out.lines()
            .find(|l| l.starts_with("traffic") && l.contains('['))
            .and_then(|l| l.split_whitespace().last()),
        Some("holds"),
        "{out}"
    );
}

#[test]
fn check_without_claims_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = check_scenario("a, b");
    let yaml = &yaml[..yaml.find("  expect:").unwrap()];
    std::fs::write(dir.path().join("s.yaml"), yaml).unwrap();
    let (_, err) = run_meshsim(dir.path(), &["check", "s.yaml"], 2);
    assert!(err.contains("spec.expect: no claims to check"), "{err}");
    assert!(!dir.path().join("results").exists());
}

#[test]
fn the_canonical_ranking_claims_hold() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/availability-ranking.yaml");
    run_meshsim(
        dir.path(),
        &[
            "check",
            scenario.to_str().unwrap(),
            "--replications",
            "1000",
            "-q",
        ],
        0,
    );
}

/// c1 (100 proxies) and c2 (200) in zone za, c3 (300) in zone zb.
fn blast_model() -> meshsim::model::Model {
    model_of(&scenario(
        r#"  seed: 1
  horizon: 1y
  replications: 2
  topology:
    regions:
      - name: r
        zones:
          - name: za
            clusters: [{ name: c1, proxies: 100 }, { name: c2, proxies: 200 }]
          - name: zb
            clusters: [{ name: c3, proxies: 300 }]
  deployments:
    - name: one
      controlPlanes:
        instances: [{ name: p, cluster: c1 }]
        attach: { c1: [p], c2: [p], c3: [p] }
    - name: each
      controlPlanes: { per: cluster }
"#,
    ))
}

#[test]
fn blast_matches_shares_worked_out_by_hand() {
    let model = blast_model();
    let failures = single_failures(&model);
    let of = |name: &str| {
        let i = model
            .components
            .iter()
            .position(|c| c.name == name)
            .unwrap();
        failures.iter().find(|f| f.component == i).unwrap()
    };
    let (one, each) = (0, 1);
    let close = |got: f64, want: f64, what: &str| {
        assert!((got - want).abs() < 1e-12, "{what}: {got} vs {want}")
    };
    // Cluster c1 down: its 100 proxies are dead; "one" loses its istiod,
    // so c2 and c3 (500 of 600) stay live but turn bad.
    let f = of("c1");
    close(f.dead, 100.0 / 600.0, "c1 dead");
    close(f.blast(one, Measure::PodStart), 500.0 / 600.0, "c1 one");
    close(f.blast(each, Measure::PodStart), 0.0, "c1 each");
    // Zone za down: c1 and c2 dead; c3 is cut off in "one".
    let f = of("za");
    close(f.dead, 0.5, "za dead");
    close(f.blast(one, Measure::Config), 0.5, "za one");
    close(f.blast(each, Measure::Config), 0.0, "za each");
    // c1's API server down: in "one" c1's proxies cannot authenticate
    // (podStart 100/600) and everyone's config source is gone (config 1);
    // endpoints: c1 counts fully, the other 500 see c1's 100 proxies stale.
    let f = of("c1/apiServer");
    close(f.dead, 0.0, "api dead");
    close(
        f.blast(one, Measure::PodStart),
        100.0 / 600.0,
        "api one podStart",
    );
    close(f.blast(one, Measure::Config), 1.0, "api one config");
    close(
        f.blast(one, Measure::Endpoints),
        (100.0 + 500.0 * 100.0 / 600.0) / 600.0,
        "api one endpoints",
    );
    close(
        f.blast(each, Measure::Config),
        100.0 / 600.0,
        "api each config",
    );
    // The shared istiod: everyone in "one"; c2's own istiod: only c2.
    close(
        of("c1/istiod-0").blast(one, Measure::PodStart),
        1.0,
        "istiod one",
    );
    close(
        of("c2/istiod-0").blast(each, Measure::PodStart),
        200.0 / 600.0,
        "istiod each",
    );
}

#[test]
fn blast_writes_the_full_table() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/shared-control-planes.yaml");
    let (out, _) = run_meshsim(
        dir.path(),
        &["blast", scenario.to_str().unwrap(), "--out", "b"],
        0,
    );
    assert!(
        out.contains("worst single failure per component kind"),
        "{out}"
    );
    let csv = std::fs::read_to_string(dir.path().join("b/blast.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("kind,component,deployment,measure,blast,dead")
    );
    assert!(
        csv.contains("controlPlane,c1/istiod-0,one-control-plane,podStart,1.0,0.0"),
        "{csv}"
    );
    assert!(
        csv.contains("controlPlane,c1/istiod-0,shared-pair,podStart,0.0,0.0"),
        "{csv}"
    );
}
