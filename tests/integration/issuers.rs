//! Certificate issuers (issue 14): `spec.certificates` as written and as
//! modelled — the CAs it makes, the bad input it refuses (each on its
//! message, at its line and column), `--set` on it — and what a CA outage
//! does to `traffic`.

use crate::common::{error_of, fixture, model_of, run_meshsim, scenario, simulate};
use crate::exact::Coverage;
use meshsim::model::{Issuer, Kind, Measure};

/// Two clusters in one zone, an external site, one istiod per cluster. The
/// first line is line 6 (five header lines from `scenario`):
///
/// ```text
///  6   seed: 1
///  ...
/// 18       - name: managed-cp
/// 19       - name: vault
/// 20   deployments:
/// 21     - name: each
/// 22       controlPlanes: { per: cluster }
/// 23   (the certificates line each test adds)
/// ```
const MESH: &str = "  seed: 1
  horizon: 1y
  replications: 10
  topology:
    regions:
      - name: us-east
        zones:
          - name: us-east-a
            clusters:
              - { name: c1, proxies: 100 }
              - { name: c2, proxies: 300, failures: { ca: { failure: { dist: fixed, value: 10d }, repair: { dist: fixed, value: 1d } } } }
    externalSites:
      - name: managed-cp
      - name: vault
  deployments:
    - name: each
      controlPlanes: { per: cluster }
";

fn mesh_with(certificates: &str) -> String {
    scenario(&format!("{MESH}{certificates}"))
}

#[track_caller]
fn rejects(yaml: &str, at: &str, path: &str, words: &[&str]) {
    let msg = error_of(yaml);
    let prefix = format!("test.yaml:{at}: {path}: ");
    assert!(
        msg.starts_with(&prefix),
        "expected `{prefix}…`, got\n  {msg}"
    );
    for w in words {
        assert!(msg.contains(w), "`{w}` missing from\n  {msg}");
    }
}

#[test]
fn without_certificates_istiod_issues_and_there_is_no_ca() {
    let model = model_of(&mesh_with(""));
    assert_eq!(model.issuer, Issuer::Istiod);
    assert!(model.components.iter().all(|c| c.kind != Kind::Ca));
    let explicit = model_of(&mesh_with("  certificates: { issuer: istiod }\n"));
    assert_eq!(explicit.components.len(), model.components.len());
}

#[test]
fn a_cluster_issuer_puts_a_ca_under_every_cluster() {
    let model = model_of(&mesh_with("  certificates: { issuer: cluster }\n"));
    let Issuer::Cluster { cas } = &model.issuer else {
        panic!("{:?}", model.issuer)
    };
    assert_eq!(cas.len(), 2);
    for (c, &ca) in cas.iter().enumerate() {
        let comp = &model.components[ca];
        assert_eq!(comp.kind, Kind::Ca);
        assert_eq!(comp.name, format!("{}/ca", model.clusters[c].name));
        assert_eq!(comp.parent, Some(model.clusters[c].component));
        assert_eq!(model.issuer.ca_of(c), Some(ca));
    }
    // No `failures.ca` default: c1's CA never fails; c2's has its override.
    assert!(model.components[cas[0]].process.is_none());
    let p = model.components[cas[1]].process.as_ref().expect("override");
    assert_eq!(p.availability(), 10.0 / 11.0);
}

#[test]
fn a_site_issuer_puts_one_ca_at_the_site_for_every_cluster() {
    let model = model_of(&mesh_with(
        "  certificates: { issuer: site, site: vault }\n  failures:\n    ca: { failure: { dist: exponential, mean: 1y }, repair: { dist: fixed, value: 4h } }\n",
    ));
    let Issuer::Site { site, ca } = model.issuer else {
        panic!("{:?}", model.issuer)
    };
    assert_eq!(model.sites[site].name, "vault");
    let comp = &model.components[ca];
    assert_eq!((comp.kind, comp.name.as_str()), (Kind::Ca, "vault/ca"));
    assert_eq!(comp.parent, Some(model.sites[site].component));
    assert!(comp.process.is_some(), "the kind default applies");
    assert_eq!(model.issuer.ca_of(0), Some(ca));
    assert_eq!(model.issuer.ca_of(1), Some(ca));
}

#[test]
fn a_ca_keeps_its_history_whatever_the_deployments() {
    // Same CA name, same stream: common random numbers across scenarios.
    let one = model_of(&mesh_with("  certificates: { issuer: cluster }\n"));
    let more = scenario(&format!(
        "{MESH}    - name: shared\n      controlPlanes: {{ per: region }}\n  certificates: {{ issuer: cluster }}\n"
    ));
    let two = model_of(&more);
    let streams = |m: &meshsim::model::Model| {
        let mut v: Vec<(String, u64)> = m
            .components
            .iter()
            .filter(|c| c.kind == Kind::Ca)
            .map(|c| (c.name.clone(), c.stream))
            .collect();
        v.sort();
        v
    };
    assert_eq!(streams(&one), streams(&two));
}

#[test]
fn an_issuer_site_that_does_not_exist_is_refused_with_the_known_sites() {
    // Line 23: `  certificates: { issuer: site, site: nowhere }`; the value
    // `nowhere` is at column 39.
    rejects(
        &mesh_with("  certificates: { issuer: site, site: nowhere }\n"),
        "23:39",
        "spec.certificates.site",
        &[
            "unknown external site `nowhere`",
            "known: `managed-cp`, `vault`",
        ],
    );
}

#[test]
fn an_issuer_site_without_any_sites_says_where_to_declare_one() {
    let yaml = scenario(
        "  seed: 1
  horizon: 1y
  replications: 10
  topology: { regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 10 }
  deployments:
    - { name: each, controlPlanes: { per: cluster } }
  certificates: { issuer: site, site: vault }
",
    );
    rejects(
        &yaml,
        "12:39",
        "spec.certificates.site",
        &[
            "unknown external site `vault`",
            "none are defined",
            "spec.topology.externalSites",
        ],
    );
}

#[test]
fn issuer_site_needs_a_site() {
    // Line 23; a mapping that misses a key is located at its `{`.
    rejects(
        &mesh_with("  certificates: { issuer: site }\n"),
        "23:17",
        "spec.certificates",
        &[
            "`issuer: site` needs",
            "add `site: NAME`",
            "`managed-cp`, `vault`",
        ],
    );
}

#[test]
fn a_site_with_another_issuer_is_refused() {
    // Line 23: `  certificates: { issuer: cluster, site: vault }`; the value
    // of `site` is at column 42.
    rejects(
        &mesh_with("  certificates: { issuer: cluster, site: vault }\n"),
        "23:42",
        "spec.certificates.site",
        &["only `issuer: site`", "set `issuer: site` or remove `site`"],
    );
}

#[test]
fn an_unknown_issuer_lists_the_three() {
    let msg = error_of(&mesh_with("  certificates: { issuer: vault }\n"));
    assert!(msg.starts_with("test.yaml:23:"), "{msg}");
    for w in [
        "spec.certificates.issuer",
        "`istiod`",
        "`cluster`",
        "`site`",
    ] {
        assert!(msg.contains(w), "`{w}` missing from\n  {msg}");
    }
}

#[test]
fn a_ca_override_where_no_ca_lives_is_refused() {
    // A zone hosts no CA: its `failures` may not name `ca`.
    let yaml = mesh_with("  certificates: { issuer: cluster }\n").replace(
        "          - name: us-east-a\n",
        "          - name: us-east-a\n            failures: { ca: { failure: { dist: fixed, value: 1d }, repair: { dist: fixed, value: 1h } } }\n",
    );
    let msg = error_of(&yaml);
    assert!(
        msg.contains("failures.ca: cannot be overridden here"),
        "{msg}"
    );
}

#[test]
fn set_chooses_the_issuer_and_a_bad_site_fails_on_the_override() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.yaml"), mesh_with("")).unwrap();
    let (out, _) = run_meshsim(
        tmp.path(),
        &[
            "validate",
            "s.yaml",
            "--set",
            "spec.certificates.issuer=cluster",
        ],
        0,
    );
    assert!(
        out.contains("\ncertificates: issuer cluster (a CA in every cluster"),
        "{out}"
    );
    // Each CA, the cluster it runs in, and its own availability: c1's
    // never fails, c2's is up 10 days of every 11.
    let row = |ca: &str| -> Vec<&str> {
        let line = out.lines().find(|l| l.starts_with(ca)).expect("a CA row");
        line.split("  ")
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .collect()
    };
    assert_eq!(row("c1/ca"), ["c1/ca", "c1", "never fails"], "{out}");
    assert_eq!(row("c2/ca"), ["c2/ca", "c2", "90.9091%"], "{out}");
    let (plain, _) = run_meshsim(tmp.path(), &["validate", "s.yaml"], 0);
    assert!(
        !plain.contains("certificates"),
        "istiod, the default, is not listed: {plain}"
    );
    let (_, err) = run_meshsim(
        tmp.path(),
        &[
            "validate",
            "s.yaml",
            "--set",
            "spec.certificates={ issuer: site, site: hashicorp }",
        ],
        2,
    );
    assert!(
        err.contains("--set #1 (spec.certificates={ issuer: site, site: hashicorp }): "),
        "{err}"
    );
    assert!(
        err.contains("spec.certificates.site: unknown external site `hashicorp`; known: `managed-cp`, `vault`"),
        "{err}"
    );
}

#[test]
fn simulation_matches_exact_traffic_under_cluster_and_site_issuers() {
    let mut coverage = Coverage::default();
    let traffic = coverage.fixtures(&[
        "exact-issuer-cluster.yaml",
        "exact-issuer-site.yaml",
        "exact-issuer-cluster-regional.yaml",
    ]);
    assert_eq!(
        traffic, 6,
        "traffic of every deployment has an exact answer, regional clusters included"
    );
    coverage.assert_mostly_inside();
}

/// One cluster of 10 proxies that never fails unless `cluster` says so,
/// its own istiod (which never fails), certificates of 24h rotated every
/// 12h from a CA in the cluster with process `ca`.
fn one_cluster(cluster: &str, ca: &str) -> String {
    scenario(&format!(
        "  seed: 3
  horizon: 10y
  replications: 40
  certificates: {{ issuer: cluster }}
  topology: {{ regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 10 }}
  failures:
{cluster}    ca: {ca}
  deployments:
    - {{ name: local, controlPlanes: {{ per: cluster }} }}
"
    ))
}

/// The exact `traffic` of a scenario (the same for every deployment).
fn exact_traffic(model: &meshsim::model::Model) -> Option<f64> {
    let exact = meshsim::model::exact::unavailability(model);
    let t = exact[0][Measure::Traffic.index()];
    assert!(exact.iter().all(|d| d[Measure::Traffic.index()] == t));
    t
}

#[test]
fn a_ca_outage_longer_than_the_certificate_by_hand() {
    // The cluster never fails; its CA is up exactly 245h, then down 30h:
    // a 275h cycle. Rotations start when the CA comes back, every 12h, so
    // the last before the failure is at 240h (245 mod 12 = 5h before it)
    // and the certificate has 24 − 5 = 19h left: each outage loses its
    // last 30 − 19 = 11h. traffic = 11 / 275 = 0.04 exactly, podStart 0.
    let model = model_of(&one_cluster(
        "",
        "{ failure: { dist: fixed, value: 245h }, repair: { dist: fixed, value: 30h } }",
    ));
    let exact = exact_traffic(&model).expect("an exact traffic");
    assert!((exact - 0.04).abs() < 1e-9, "{exact}");
    let results = simulate(&model);
    let row = traffic_row(&results);
    let (lo, hi) = (row.ci_low.unwrap(), row.ci_high.unwrap());
    assert!(lo <= 0.04 && 0.04 <= hi, "{lo} {hi}");
    assert!(hi - lo < 0.002, "{lo} {hi}");
}

#[test]
fn a_cluster_back_during_a_short_ca_outage_by_hand() {
    // The cluster is up exactly 100h, down 10h (live 100/110); its CA up
    // 245h, down 8h. An 8h outage never outlasts a certificate (at least
    // 12h left), so the only loss is a cluster that comes back while the
    // CA is down, without a certificate, until the CA is back. At a moment
    // the CA has been down for a ≤ 8h, the cluster is live but came back
    // less than a ago with probability a/110 (it comes back once per
    // 110h); the CA is down with age in [a, a + da) with density 1/253.
    // So P(bad) = ∫₀⁸ a/110 da / 253 = 32 / 27830, and per live proxy
    // traffic = (32 / 27830) / (100/110) = 35.2 / 27830 ≈ 1.2648e-3.
    // (A rare loss, so more replications than the other cases.)
    let text = one_cluster(
        "    cluster: { failure: { dist: fixed, value: 100h }, repair: { dist: fixed, value: 10h } }\n",
        "{ failure: { dist: fixed, value: 245h }, repair: { dist: fixed, value: 8h } }",
    );
    let model = model_of(&text.replace("replications: 40\n", "replications: 1000\n"));
    let by_hand = 35.2 / 27830.0;
    let exact = exact_traffic(&model).expect("an exact traffic");
    assert!(
        (exact - by_hand).abs() < 1e-9 * by_hand.max(1.0),
        "{exact} vs {by_hand}"
    );
    let results = simulate(&model);
    let row = traffic_row(&results);
    let (lo, hi) = (row.ci_low.unwrap(), row.ci_high.unwrap());
    assert!(lo <= by_hand && by_hand <= hi, "{lo} {hi} vs {by_hand}");
    assert!(hi - lo < 0.2 * by_hand, "{lo} {hi}");
}

#[test]
fn a_ca_that_never_fails_costs_no_traffic_and_istiod_has_no_closed_form() {
    let model = model_of(&one_cluster(
        "    controlPlane: { failure: { dist: fixed, value: 10h }, repair: { dist: fixed, value: 30h } }\n",
        "null",
    ));
    assert_eq!(exact_traffic(&model), Some(0.0));
    let results = simulate(&model);
    assert_eq!(
        traffic_row(&results).unavailability,
        0.0,
        "istiod's outages cost no traffic"
    );
    let istiod = model_of(&mesh_with(""));
    assert_eq!(exact_traffic(&istiod), None);
    // A site CA whose site fails too: two processes, no exact form here.
    let both = model_of(&mesh_with(
        "  certificates: { issuer: site, site: vault }\n  failures:\n    externalSite: { failure: { dist: exponential, mean: 1y }, repair: { dist: fixed, value: 4h } }\n    ca: { failure: { dist: exponential, mean: 1y }, repair: { dist: fixed, value: 4h } }\n",
    ));
    assert_eq!(exact_traffic(&both), None);
}

fn traffic_row(results: &meshsim::results::Results) -> &meshsim::results::SummaryRow {
    results
        .summary
        .iter()
        .find(|r| r.measure == Measure::Traffic)
        .expect("a traffic row")
}

#[test]
fn a_ca_outage_is_its_own_cause_and_blast_kind_and_the_n_minus_1_table_lists_it() {
    let yaml = std::fs::read_to_string(fixture("exact-issuer-site.yaml"))
        .unwrap()
        .replace("replications: 200", "replications: 20");
    let results = simulate(&model_of(&yaml));
    // traffic is charged to the CA alone: istiods and gateways fail often
    // and long, but no longer sign certificates.
    let traffic: Vec<_> = results
        .cause
        .iter()
        .filter(|r| r.measure == Measure::Traffic)
        .collect();
    assert!(!traffic.is_empty());
    assert!(traffic.iter().all(|r| r.kind == Kind::Ca), "{traffic:?}");
    let blast: Vec<_> = results
        .blast_by_kind
        .iter()
        .filter(|r| r.measure == Measure::Traffic)
        .collect();
    assert!(blast.iter().all(|r| r.kind == Kind::Ca), "{blast:?}");
    // The site's CA serves every cluster: its worst outage hurts them all.
    assert!(blast.iter().all(|r| r.blast_max == 1.0), "{blast:?}");

    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.yaml"), &yaml).unwrap();
    let (out, _) = run_meshsim(tmp.path(), &["blast", "s.yaml"], 0);
    let ca_rows = out
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("ca"));
    assert_eq!(ca_rows.count(), 3, "one row per static measure:\n{out}");
}

/// The shipped study's istio-csr variant is its istiod one with a CA in
/// every cluster, nothing else: the scenarios as run (`scenario.yaml`,
/// comments gone) are the same from `spec:` on once the issuer is set on
/// the first. Were one file's failures or deployments edited alone, the
/// README's comparison of the two would compare two meshes.
#[test]
fn the_istio_csr_study_differs_from_its_istiod_twin_by_the_issuer_only() {
    let tmp = tempfile::tempdir().unwrap();
    let spec_of = |scenario: &str, set: &[&str], out: &str| {
        let scenario = crate::common::root().join("scenarios").join(scenario);
        let out = tmp.path().join(out);
        let mut args = vec![
            "run",
            scenario.to_str().unwrap(),
            "--replications",
            "1",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(set);
        run_meshsim(tmp.path(), &args, 0);
        let text = std::fs::read_to_string(out.join("scenario.yaml")).unwrap();
        text[text.find("\nspec:").expect("a spec")..].to_string()
    };
    let istiod = spec_of("replicas-or-placement.yaml", &[], "istiod");
    let csr = spec_of("replicas-or-placement-istio-csr.yaml", &[], "csr");
    assert_ne!(istiod, csr, "the two differ by their issuer");
    let set = ["--set", "spec.certificates.issuer=cluster"];
    assert_eq!(spec_of("replicas-or-placement.yaml", &set, "set"), csr);
}
