//! The per-region form of `regional.rs` against the form that conditions
//! on every zone of the mesh at once (`by_zone_states.rs`, the reference):
//! the fixtures with regional clusters, the shipped study on them, and
//! random small meshes mixing zonal and regional clusters, replicas,
//! networks and every failover scope.

use super::tests::{model_of, read, same_values};
use super::{by_zone_states, regional};
use crate::model::{Measure, Model, REGIONAL};

/// Asserts both forms give the same values (to the round-off of adding
/// the same terms grouped by region instead of by mesh-wide zone state)
/// and leave out the same ones; returns how many values were compared.
fn agree(model: &Model, what: &str) -> usize {
    same_values(
        model,
        what,
        &regional::unavailability(model),
        &by_zone_states::unavailability(model),
    )
}

#[test]
fn the_regional_fixtures_and_study_agree_with_the_reference() {
    let mut compared = 0;
    for file in [
        "tests/fixtures/exact-regional.yaml",
        "tests/fixtures/exact-regional-mixed.yaml",
        "tests/fixtures/exact-issuer-cluster-regional.yaml",
        "scenarios/replicas-or-placement.yaml",
    ] {
        let model = model_of(&read(file), file);
        assert!(model.has_regional(), "{file}");
        compared += agree(&model, file);
    }
    // podStart, config and endpoints of every deployment, and traffic
    // where a CA issues: nothing compared vacuously.
    assert_eq!(compared, 50);
}

#[test]
fn generated_regional_meshes_with_every_failover_scope_agree_with_the_reference() {
    let deployments = "    - { name: region, controlPlanes: { per: region, replicas: 3 } }\n    - { name: region-2-mesh, controlPlanes: { per: region, count: 2, failover: mesh } }\n    - { name: cluster-region, controlPlanes: { per: cluster, failover: region } }\n    - { name: cluster-2-mesh, controlPlanes: { per: cluster, replicas: 2, failover: mesh } }\n";
    let mut compared = 0;
    for (regions, zones, clusters, networks) in [
        (3, 2, 2, "single"),
        (2, 3, 2, "perRegion"),
        (3, 3, 1, "perCluster"),
        (1, 4, 3, "single"),
    ] {
        let text = format!(
            "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: mesh\nspec:\n  seed: 1\n  horizon: 1y\n  replications: 1\n  topology: {{ regions: {regions}, zonesPerRegion: {zones}, clustersPerRegion: {clusters}, proxiesPerCluster: 100, networks: {networks} }}\n  failures:\n    region: {{ failure: {{ dist: exponential, mean: 1y }}, repair: {{ dist: fixed, value: 1d }} }}\n    zone: {{ failure: {{ dist: exponential, mean: 3mo }}, repair: {{ dist: fixed, value: 12h }} }}\n    cluster: {{ failure: {{ dist: exponential, mean: 1mo }}, repair: {{ dist: fixed, value: 6h }} }}\n    apiServer: {{ failure: {{ dist: exponential, mean: 10d }}, repair: {{ dist: fixed, value: 5h }} }}\n    eastWestGateway: {{ failure: {{ dist: exponential, mean: 20d }}, repair: {{ dist: fixed, value: 3h }} }}\n    controlPlane: {{ failure: {{ dist: exponential, mean: 5d }}, repair: {{ dist: fixed, value: 4h }} }}\n    controlPlaneCommon: {{ failure: {{ dist: exponential, mean: 1y }}, repair: {{ dist: fixed, value: 1h }} }}\n  deployments:\n{deployments}"
        );
        compared += agree(
            &model_of(&text, "mesh.yaml"),
            &format!("{regions}x{zones}x{clusters}"),
        );
    }
    assert_eq!(compared, 4 * 4 * 3);
}

/// A small deterministic generator (the tests need no statistical quality).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// A random small mesh: 1–3 regions of 1–3 zones, each zone with 0–1
/// zonal clusters, each region with 0–2 regional clusters spanning a
/// random ordered subset of its zones (every zone left without a cluster
/// is spanned), proxies 0–400, two networks, an external site, and
/// deployments with 1–3 replicas: per region, per cluster with failover
/// across the mesh, and explicit attachment with one istiod on the site.
fn random_mesh(rng: &mut Lcg, case: u64) -> String {
    let mut text = String::new();
    let mut clusters: Vec<String> = Vec::new();
    for r in 0..1 + rng.below(3) {
        let zone_names: Vec<String> = (0..1 + rng.below(3)).map(|z| format!("r{r}z{z}")).collect();
        let mut covered = Vec::new();
        text.push_str(&format!("      - name: r{r}\n        zones:\n"));
        for z in &zone_names {
            if rng.below(2) == 0 {
                let name = format!("{z}c");
                text.push_str(&format!(
                    "          - {{ name: {z}, clusters: [{{ name: {name}, proxies: {}, network: n{} }}] }}\n",
                    rng.below(400),
                    rng.below(2)
                ));
                covered.push(true);
                clusters.push(name);
            } else {
                text.push_str(&format!("          - {{ name: {z} }}\n"));
                covered.push(false);
            }
        }
        let regional = rng.below(3).max(u64::from(covered.iter().any(|z| !z)));
        let mut lines = String::new();
        for k in 0..regional {
            let mut span: Vec<usize> = (0..zone_names.len()).filter(|_| rng.below(3) > 0).collect();
            if k + 1 == regional {
                let missing: Vec<usize> = (0..zone_names.len())
                    .filter(|&z| !covered[z] && !span.contains(&z))
                    .collect();
                span.extend(missing);
            }
            if span.is_empty() {
                span.push(rng.below(zone_names.len() as u64) as usize);
            }
            if rng.below(2) == 0 {
                span.reverse();
            }
            for &z in &span {
                covered[z] = true;
            }
            let names: Vec<&str> = span.iter().map(|&z| zone_names[z].as_str()).collect();
            let name = format!("r{r}g{k}");
            lines.push_str(&format!(
                "          - {{ name: {name}, proxies: {}, network: n{}, zones: [{}] }}\n",
                1 + rng.below(400),
                rng.below(2),
                names.join(", ")
            ));
            clusters.push(name);
        }
        if !lines.is_empty() {
            text.push_str("        clusters:\n");
            text.push_str(&lines);
        }
    }
    let pick = |rng: &mut Lcg| clusters[rng.below(clusters.len() as u64) as usize].clone();
    let (a, b, cfg) = (pick(rng), pick(rng), pick(rng));
    let attach: Vec<String> = clusters
        .iter()
        .map(|c| match rng.below(3) {
            0 => format!("{c}: [x, s, y]"),
            1 => format!("{c}: [s, y]"),
            _ => format!("{c}: [y, x]"),
        })
        .collect();
    let replicas: Vec<u64> = (0..5).map(|_| 1 + rng.below(3)).collect();
    format!(
        "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: random-{case}\nspec:\n  seed: {case}\n  horizon: 5y\n  replications: 1\n  topology:\n    externalSites: [{{ name: site }}]\n    regions:\n{text}  failures:\n    region: {{ failure: {{ dist: exponential, mean: 1y }}, repair: {{ dist: exponential, mean: 1d }} }}\n    zone: {{ failure: {{ dist: exponential, mean: 2mo }}, repair: {{ dist: lognormal, median: 6h, p95: 2d }} }}\n    cluster: {{ failure: {{ dist: exponential, mean: 3mo }}, repair: {{ dist: fixed, value: 4h }} }}\n    apiServer: {{ failure: {{ dist: exponential, mean: 1mo }}, repair: {{ dist: uniform, min: 30m, max: 6h }} }}\n    eastWestGateway: {{ failure: {{ dist: exponential, mean: 20d }}, repair: {{ dist: fixed, value: 3h }} }}\n    controlPlane: {{ failure: {{ dist: exponential, mean: 4d }}, repair: {{ dist: lognormal, median: 4h, p95: 2d }} }}\n    externalSite: {{ failure: {{ dist: exponential, mean: 30d }}, repair: {{ dist: fixed, value: 4h }} }}\n  configChanges: {{ rate: 10/w, badShare: 0.02, rollout: {{ order: sequential, interval: 15m }}, detect: 40m, rollback: 15m }}\n  deployments:\n    - {{ name: region, controlPlanes: {{ per: region, replicas: {} }} }}\n    - {{ name: cluster-mesh, controlPlanes: {{ per: cluster, replicas: {}, failover: mesh }} }}\n    - name: explicit\n      controlPlanes:\n        instances: [{{ name: x, cluster: {a}, replicas: {} }}, {{ name: y, cluster: {b}, replicas: {}, configCluster: {cfg} }}, {{ name: s, site: site, configCluster: {a}, replicas: {} }}]\n        attach: {{ {} }}\n",
        replicas[0],
        replicas[1],
        replicas[2],
        replicas[3],
        replicas[4],
        attach.join(", ")
    )
}

#[test]
fn random_regional_meshes_agree_with_the_reference() {
    let mut rng = Lcg(0x5eed_2026);
    let mut compared = 0;
    for case in 0..40 {
        let yaml = random_mesh(&mut rng, case);
        let model = model_of(&yaml, "random.yaml");
        assert!(model.clusters.iter().any(|c| c.zone == REGIONAL), "{yaml}");
        compared += agree(&model, &format!("case {case}\n{yaml}\n"));
    }
    // podStart, config, endpoints and badConfig of three deployments.
    assert_eq!(compared, 40 * 3 * 4);
}

#[test]
fn the_budgets_admit_the_benchmarked_meshes_and_refuse_a_region_of_many_zones() {
    let mesh = |regions: u32, zones: u32| {
        format!(
            "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: mesh\nspec:\n  seed: 1\n  horizon: 1y\n  replications: 1\n  topology: {{ regions: {regions}, zonesPerRegion: {zones}, clustersPerRegion: 3, proxiesPerCluster: 100 }}\n  failures:\n    zone: {{ failure: {{ dist: exponential, mean: 3mo }}, repair: {{ dist: fixed, value: 12h }} }}\n    controlPlane: {{ failure: {{ dist: exponential, mean: 5d }}, repair: {{ dist: fixed, value: 4h }} }}\n  deployments:\n    - {{ name: mesh, controlPlanes: {{ per: cluster, replicas: 2, failover: mesh }} }}\n"
        )
    };
    // 20 regions × 5 zones (BENCHMARKS.md, issue 14): answered.
    let wide = model_of(&mesh(20, 5), "wide.yaml");
    assert!(regional::unavailability(&wide)[0][Measure::PodStart.index()].is_some());
    // One region of 18 zones: 2^18 states of its components to hold and
    // sum over for every term, left out.
    let deep = model_of(&mesh(1, 18), "deep.yaml");
    assert!(regional::unavailability(&deep)[0][Measure::PodStart.index()].is_none());
    // More zones than are ever conditioned on.
    let deeper = model_of(&mesh(1, regional::MAX_ZONES as u32 + 1), "deeper.yaml");
    assert!(regional::unavailability(&deeper)[0][Measure::PodStart.index()].is_none());
}
