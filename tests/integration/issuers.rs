//! Certificate issuers (issue 14): `spec.certificates` as written and as
//! modelled — the CAs it makes, the bad input it refuses (each on its
//! message, at its line and column), `--set` on it — and what a CA outage
//! does to `traffic`.

use crate::common::{error_of, model_of, run_meshsim, scenario};
use meshsim::model::{Issuer, Kind};

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
    assert!(out.contains("cluster"), "{out}");
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
