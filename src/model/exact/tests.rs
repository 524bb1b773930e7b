//! The closed form against its slow reference (`reference.rs`), on the
//! fixtures, the shipped scenarios and generated meshes that put attached
//! istiods in the proxy's own cluster, its zone, its region and elsewhere,
//! behind gateways and on external sites.

use super::{reference, unavailability};
use crate::model::{build, Measure, Model};
use crate::scenario::Document;
use std::path::Path;

/// Relative agreement asked of the two forms: they add the same terms in
/// different orders and groupings, so they differ by round-off only.
const TOLERANCE: f64 = 1e-12;

pub(super) fn model_of(text: &str, name: &str) -> Model {
    let doc = Document::parse(text, name).unwrap_or_else(|e| panic!("{e}"));
    build(&doc.file).unwrap_or_else(|e| panic!("{}", doc.locate(e)))
}

pub(super) fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asserts both forms give the same values, the same ones left out, and
/// returns how many values were compared.
fn agree(model: &Model) -> usize {
    same_values(
        model,
        &model.name,
        &unavailability(model),
        &reference::unavailability(model),
    )
}

/// Asserts that `fast` equals the reference `slow` to [`TOLERANCE`] and
/// leaves out the same values; returns how many values were compared.
/// `what` names the model in a failure.
pub(super) fn same_values(
    model: &Model,
    what: &str,
    fast: &[[Option<f64>; Measure::COUNT]],
    slow: &[[Option<f64>; Measure::COUNT]],
) -> usize {
    assert_eq!(fast.len(), slow.len());
    let mut compared = 0;
    for (d, (f, s)) in fast.iter().zip(slow).enumerate() {
        for m in Measure::ALL {
            let what = format!("{what} {} {}", model.deployments[d].name, m.name());
            match (f[m.index()], s[m.index()]) {
                (Some(x), Some(y)) => {
                    let scale = x.abs().max(y.abs()).max(f64::MIN_POSITIVE);
                    assert!(
                        (x - y).abs() <= TOLERANCE * scale,
                        "{what}: {x:e} vs reference {y:e}"
                    );
                    compared += 1;
                }
                (None, None) => {}
                (x, y) => panic!("{what}: {x:?} vs reference {y:?}"),
            }
        }
    }
    compared
}

#[test]
fn the_fixtures_and_shipped_scenarios_agree_with_the_reference() {
    let mut compared = 0;
    for file in [
        "tests/fixtures/exact-distributions.yaml",
        "tests/fixtures/exact-networks.yaml",
        "scenarios/availability-ranking.yaml",
        "scenarios/config-rollout.yaml",
        "scenarios/ranking-without-domain-failures.yaml",
        "scenarios/shared-control-planes.yaml",
    ] {
        compared += agree(&model_of(&read(file), file));
    }
    // Every deployment's config, podStart and endpoints, and badConfig
    // where a scenario has it: nothing compared vacuously.
    assert!(compared >= 50, "only {compared} values compared");
}

/// A generated mesh of `regions` × `zones` × `clusters` with `networks`
/// and the given deployments.
fn mesh(regions: u32, zones: u32, clusters: u32, networks: &str, deployments: &str) -> String {
    format!(
        "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: mesh-{regions}x{zones}x{clusters}-{networks}\nspec:\n  seed: 1\n  horizon: 1y\n  replications: 1\n  topology: {{ regions: {regions}, zonesPerRegion: {zones}, clustersPerZone: {clusters}, proxiesPerCluster: 100, networks: {networks} }}\n  failures:\n    region: {{ failure: {{ dist: exponential, mean: 1y }}, repair: {{ dist: fixed, value: 1d }} }}\n    zone: {{ failure: {{ dist: exponential, mean: 3mo }}, repair: {{ dist: fixed, value: 12h }} }}\n    cluster: {{ failure: {{ dist: exponential, mean: 1mo }}, repair: {{ dist: fixed, value: 6h }} }}\n    apiServer: {{ failure: {{ dist: exponential, mean: 10d }}, repair: {{ dist: fixed, value: 5h }} }}\n    eastWestGateway: {{ failure: {{ dist: exponential, mean: 20d }}, repair: {{ dist: fixed, value: 3h }} }}\n    controlPlane: {{ failure: {{ dist: exponential, mean: 5d }}, repair: {{ dist: fixed, value: 4h }} }}\n  deployments:\n{deployments}"
    )
}

#[test]
fn generated_meshes_with_every_failover_scope_agree_with_the_reference() {
    let deployments = "    - { name: region, controlPlanes: { per: region } }\n    - { name: region-2-mesh, controlPlanes: { per: region, count: 2, failover: mesh } }\n    - { name: zone-domain, controlPlanes: { per: zone, count: 2, failover: domain } }\n    - { name: zone-mesh, controlPlanes: { per: zone, failover: mesh } }\n    - { name: cluster-region, controlPlanes: { per: cluster, failover: region } }\n    - { name: cluster-2-mesh, controlPlanes: { per: cluster, count: 2, failover: mesh } }\n";
    let mut compared = 0;
    for (regions, zones, clusters, networks) in [
        (3, 2, 2, "single"),
        (3, 2, 2, "perZone"),
        (2, 3, 3, "perRegion"),
        (4, 3, 5, "perCluster"),
        (1, 1, 6, "single"),
    ] {
        let text = mesh(regions, zones, clusters, networks, deployments);
        compared += agree(&model_of(&text, "mesh.yaml"));
    }
    assert_eq!(compared, 5 * 6 * 3);
}

#[test]
fn a_mesh_of_hundreds_of_clusters_agrees_with_the_reference() {
    // Many zones per region and many clusters per zone, so the sums over
    // siblings carry real weight.
    let deployments = "    - { name: region, controlPlanes: { per: region } }\n    - { name: zone-2, controlPlanes: { per: zone, count: 2 } }\n    - { name: cluster, controlPlanes: { per: cluster } }\n";
    let model = model_of(&mesh(4, 6, 12, "perZone", deployments), "mesh.yaml");
    assert_eq!(model.clusters.len(), 288);
    assert_eq!(agree(&model), 3 * 3);
}

#[test]
fn uneven_clusters_and_external_sites_agree_with_the_reference() {
    // One cluster holds almost every proxy, one has none, an API server
    // almost never fails, and instances sit in the proxy's own zone, another zone,
    // another region and on a site; in `crossed`, two share a host behind
    // a gateway, and config sources sit where earlier instances of the
    // list run, so conditioning on an instance's path changes the
    // earlier ones'.
    let text = "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: uneven\nspec:\n  seed: 1\n  horizon: 1y\n  replications: 1\n  topology:\n    regions:\n      - name: east\n        zones:\n          - name: east-a\n            clusters:\n              - { name: e1, proxies: 100000, network: n1 }\n              - { name: e2, proxies: 0, network: n1 }\n              - { name: e3, proxies: 3, network: n2 }\n          - name: east-b\n            clusters:\n              - { name: e4, proxies: 50, network: n2 }\n      - name: west\n        zones:\n          - name: west-a\n            clusters:\n              - name: w1\n                proxies: 7\n                network: n3\n                failures:\n                  apiServer: { failure: { dist: exponential, mean: 30y }, repair: { dist: fixed, value: 1m } }\n    externalSites:\n      - name: managed\n  failures:\n    region: { failure: { dist: exponential, mean: 1y }, repair: { dist: fixed, value: 1d } }\n    zone: { failure: { dist: exponential, mean: 3mo }, repair: { dist: fixed, value: 12h } }\n    cluster: { failure: { dist: exponential, mean: 1mo }, repair: { dist: fixed, value: 6h } }\n    apiServer: { failure: { dist: exponential, mean: 10d }, repair: { dist: fixed, value: 5h } }\n    eastWestGateway: { failure: { dist: exponential, mean: 20d }, repair: { dist: fixed, value: 3h } }\n    controlPlane: { failure: { dist: exponential, mean: 5d }, repair: { dist: fixed, value: 4h } }\n    externalSite: { failure: { dist: exponential, mean: 30d }, repair: { dist: fixed, value: 4h } }\n  deployments:\n    - name: spread\n      controlPlanes:\n        instances:\n          - { name: a, cluster: e1 }\n          - { name: b, cluster: e2 }\n          - { name: c, cluster: e4 }\n          - { name: d, cluster: w1 }\n          - { name: s, site: managed, configCluster: e3 }\n        attach: { e1: [a, b, c, d, s], e2: [b, a], e3: [c, d, s, a], e4: [d, a, c], w1: [s, b, d] }\n    - name: zone-mesh\n      controlPlanes: { per: zone, failover: mesh }\n    - name: crossed\n      controlPlanes:\n        instances:\n          - { name: a, cluster: e1 }\n          - { name: a2, cluster: e1 }\n          - { name: b, cluster: e4, configCluster: e1 }\n          - { name: d, cluster: w1, configCluster: e3 }\n          - { name: s, site: managed, configCluster: e2 }\n        attach: { e1: [a, b, a2, s], e2: [s, a, a2, d], e3: [a, a2, b, s, d], e4: [d, b, a, s], w1: [b, a2, s, d, a] }\n";
    assert_eq!(agree(&model_of(text, "uneven.yaml")), 3 * 3);
}

#[test]
fn the_form_by_zone_states_agrees_with_the_tree_form_on_zonal_meshes() {
    // With zonal clusters only there is one zone state, and the form that
    // conditions on them (used for regional clusters) is the tree answer:
    // the same values, computed independently of `reach`, `config` and
    // `stale`.
    let mut compared = 0;
    for file in [
        "tests/fixtures/exact-distributions.yaml",
        "tests/fixtures/exact-networks.yaml",
        "tests/fixtures/exact-replicas.yaml",
        "tests/fixtures/exact-replicas-common.yaml",
        "scenarios/config-rollout.yaml",
    ] {
        let model = model_of(&read(file), file);
        let fast = unavailability(&model);
        let by_zones = super::regional::unavailability(&model);
        for (d, (f, z)) in fast.iter().zip(&by_zones).enumerate() {
            for m in Measure::ALL {
                let what = format!("{file} {} {}", model.deployments[d].name, m.name());
                match (f[m.index()], z[m.index()]) {
                    (Some(x), Some(y)) => {
                        let scale = x.abs().max(y.abs()).max(f64::MIN_POSITIVE);
                        assert!((x - y).abs() <= TOLERANCE * scale, "{what}: {x:e} vs {y:e}");
                        compared += 1;
                    }
                    (None, None) => {}
                    (x, y) => panic!("{what}: {x:?} vs {y:?}"),
                }
            }
        }
    }
    assert!(compared >= 60, "only {compared} values compared");
}
