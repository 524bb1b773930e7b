//! Regional clusters (model.md, "Replicas, regional clusters, certificate
//! issuers"): the scenario format and its errors, the zone slices, where
//! replicas run, attachment and `per: region` over regional clusters, and
//! the simulation held to a hand-worked exact answer.

use super::common::{error_of, model_of, scenario, simulate};
use meshsim::model::{Host, Measure, REGIONAL};
use meshsim::stats::t975;

/// A generated mesh of `topology` with two deployments.
fn generated(topology: &str, deployments: &str) -> String {
    scenario(&format!(
        "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology: {topology}\n  deployments:\n{deployments}"
    ))
}

/// An explicit region `r1` of zones a, b, c: zone a has the zonal cluster
/// `za`, and `clusters` (the region's regional clusters) follow.
fn explicit(clusters: &str, deployments: &str) -> String {
    scenario(&format!(
        "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology:\n    proxiesPerCluster: 500\n    regions:\n      - name: r1\n        zones:\n          - name: a\n            clusters: [{{ name: za }}]\n          - name: b\n          - name: c\n        clusters:\n{clusters}  deployments:\n{deployments}"
    ))
}

const PER_CLUSTER: &str = "    - { name: local, controlPlanes: { per: cluster, replicas: 3 } }\n";

#[track_caller]
fn rejects(yaml: &str, prefix: &str, words: &[&str]) {
    let msg = error_of(yaml);
    assert!(
        msg.starts_with(prefix),
        "expected `{prefix}…`, got\n  {msg}"
    );
    for w in words {
        assert!(msg.contains(w), "expected `{w}` in\n  {msg}");
    }
}

#[test]
fn generated_regional_clusters_are_named_per_region_and_split_their_proxies() {
    let model = model_of(&generated(
        "{ regions: 2, zonesPerRegion: 3, clustersPerRegion: 2, proxiesPerCluster: 500 }",
        PER_CLUSTER,
    ));
    let names: Vec<&str> = model.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["r1-c1", "r1-c2", "r2-c1", "r2-c2"]);
    let c = &model.clusters[0];
    assert_eq!(c.zone, REGIONAL);
    let zones: Vec<&str> = c
        .zones
        .iter()
        .map(|&z| model.zones[z].name.as_str())
        .collect();
    assert_eq!(zones, ["r1-z1", "r1-z2", "r1-z3"]);
    let split: Vec<u64> = model.slices[c.slices.clone()]
        .iter()
        .map(|s| s.proxies)
        .collect();
    assert_eq!(split, [167, 167, 166]);
    // Replica j runs in entry j mod 3 of the host's zones.
    let inst = &model.deployments[0].instances[0];
    let replica_zones: Vec<usize> = inst
        .replicas
        .iter()
        .map(|&r| {
            let slice = model.components[r].parent.unwrap();
            model
                .slices
                .iter()
                .find(|s| s.component == slice)
                .unwrap()
                .zone
        })
        .collect();
    assert_eq!(replica_zones, c.zones);
    // The API server depends on the cluster and region only.
    let api = model.components[c.api_server].parent.unwrap();
    assert_eq!(api, c.component);
    assert_eq!(
        model.components[c.component].parent,
        Some(model.regions[0].component)
    );
}

#[test]
fn explicit_regional_clusters_come_after_the_zonal_ones_and_span_the_zones_they_list() {
    let model = model_of(&explicit(
        "          - { name: reg, proxies: 7, zones: [c, a, b] }\n",
        PER_CLUSTER,
    ));
    let names: Vec<&str> = model.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["za", "reg"]);
    let reg = &model.clusters[1];
    let slices: Vec<(&str, u64)> = model.slices[reg.slices.clone()]
        .iter()
        .map(|s| (model.zones[s.zone].name.as_str(), s.proxies))
        .collect();
    // In list order, the remainder to the first zones; zones b and c have
    // no cluster of their own, which is valid since `reg` spans them.
    assert_eq!(slices, [("c", 3), ("a", 2), ("b", 2)]);
}

#[test]
fn bad_regional_topologies_are_refused_with_the_fix() {
    rejects(
        &generated(
            "{ regions: 1, zonesPerRegion: 3, clustersPerZone: 1, clustersPerRegion: 1, proxiesPerCluster: 5 }",
            PER_CLUSTER,
        ),
        "test.yaml:9:",
        &["spec.topology.clustersPerRegion", "not both"],
    );
    rejects(
        &generated(
            "{ regions: 1, zonesPerRegion: 3, clustersPerRegion: 1, proxiesPerCluster: 5, networks: perZone }",
            PER_CLUSTER,
        ),
        "test.yaml:9:",
        &["spec.topology.networks", "use `perRegion` or `perCluster`"],
    );
    rejects(
        &generated(
            "{ regions: 1, zonesPerRegion: 3, clustersPerRegion: 1, proxiesPerCluster: 5 }",
            "    - { name: z, controlPlanes: { per: zone } }\n",
        ),
        "test.yaml:11:",
        &[
            "spec.deployments[0].controlPlanes.per",
            "`r1-c1` is a regional cluster",
            "use `per: region`, or `per: cluster` with `replicas`",
        ],
    );
    // A zone of another name: line 20 is the regional cluster.
    rejects(
        &explicit("          - { name: reg, zones: [a, b, x] }\n", PER_CLUSTER),
        "test.yaml:19:",
        &[
            "spec.topology.regions[0].clusters[0].zones[2]",
            "`x` is no zone of region `r1`",
            "a, b, c",
        ],
    );
    rejects(
        &explicit(
            "          - { name: reg, zones: [a, a, b, c] }\n",
            PER_CLUSTER,
        ),
        "test.yaml:19:",
        &["clusters[0].zones[1]", "listed twice"],
    );
    rejects(
        &explicit("          - { name: reg }\n", PER_CLUSTER),
        "test.yaml:19:",
        &[
            "clusters[0].zones",
            "needs the zones it spans",
            "zones: [a, b, c]",
        ],
    );
    // Zone c has no cluster and no regional cluster spans it.
    rejects(
        &explicit("          - { name: reg, zones: [a, b] }\n", PER_CLUSTER),
        "test.yaml:17:13:",
        &[
            "spec.topology.regions[0].zones[2].clusters",
            "zone `c` has no cluster",
            "regional cluster",
        ],
    );
    // `zones` on a cluster listed under a zone.
    let yaml = explicit("          - { name: reg, zones: [a, b, c] }\n", PER_CLUSTER)
        .replace("[{ name: za }]", "[{ name: za, zones: [a] }]");
    rejects(
        &yaml,
        "test.yaml:15:43:",
        &[
            "spec.topology.regions[0].zones[0].clusters[0].zones",
            "listed in its region's `clusters:`",
        ],
    );
}

#[test]
fn attachment_counts_an_istiod_on_a_regional_cluster_of_the_region_as_same_region() {
    // za (zonal, zone a) has no istiod of its own; the region's only one
    // runs on the regional cluster, before an istiod on another region's
    // cluster in explicit order.
    let yaml = scenario(
        "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology:\n    proxiesPerCluster: 10\n    regions:\n      - name: r0\n        zones: [{ name: o, clusters: [{ name: far }] }]\n      - name: r1\n        zones:\n          - { name: a, clusters: [{ name: za }] }\n          - { name: b }\n        clusters: [{ name: reg, zones: [a, b] }]\n  deployments:\n    - name: two\n      controlPlanes:\n        instances: [{ name: x, cluster: far }, { name: y, cluster: reg }]\n        failover: mesh\n        attach: { far: [x], za: [x], reg: [y] }\n    - { name: per-region, controlPlanes: { per: region, failover: region } }\n",
    );
    let model = model_of(&yaml);
    let za = model.clusters.iter().position(|c| c.name == "za").unwrap();
    // Explicit: za listed x; mesh failover appends y.
    assert_eq!(model.deployments[0].attach[za], [0, 1]);
    // per: region puts r1's istiod on the regional cluster (regional
    // clusters first), and za attaches to it as its region's.
    let dep = &model.deployments[1];
    let reg = model.clusters.iter().position(|c| c.name == "reg").unwrap();
    let primary = &dep.instances[dep.attach[za][0]];
    assert_eq!(primary.host, Host::Cluster(reg));
}

#[test]
fn per_region_in_a_mixed_region_goes_round_robin_regional_clusters_first() {
    let model = model_of(&explicit(
        "          - { name: reg1, zones: [a, b, c] }\n          - { name: reg2, zones: [b, c] }\n",
        "    - { name: r, controlPlanes: { per: region, count: 4 } }\n",
    ));
    let hosts: Vec<&str> = model.deployments[0]
        .instances
        .iter()
        .map(|i| match i.host {
            Host::Cluster(h) => model.clusters[h].name.as_str(),
            Host::Site(_) => unreachable!(),
        })
        .collect();
    assert_eq!(hosts, ["reg1", "reg2", "za", "reg1"]);
}

/// Two zones up 90% each (region, cluster never fail), one regional
/// cluster with its API server up 96%, one istiod with 2 replicas each up
/// 90%: replica 0 in zone 1, replica 1 in zone 2.
const HAND: &str = "  seed: 11\n  horizon: 20y\n  replications: 24\n  topology: { regions: 1, zonesPerRegion: 2, clustersPerRegion: 1, proxiesPerCluster: 100 }\n  failures:\n    zone: { failure: { dist: exponential, mean: 90h }, repair: { dist: exponential, mean: 10h } }\n    controlPlane: { failure: { dist: exponential, mean: 90h }, repair: { dist: exponential, mean: 10h } }\n    apiServer: { failure: { dist: exponential, mean: 96h }, repair: { dist: exponential, mean: 4h } }\n  deployments:\n    - { name: two, controlPlanes: { per: cluster, replicas: 2 } }\n";

#[test]
fn simulation_matches_a_hand_worked_regional_cluster() {
    // By hand. The slice in zone 1 is live when zone 1 is up (A_z = 0.9).
    // Given that, its proxies are connected when the API server is up
    // (A_a = 0.96) and some replica is effectively up: replica 0 (in zone
    // 1, up) with probability A_p = 0.9, else replica 1 needs itself and
    // zone 2 up: A_p·A_z = 0.81. So
    //   P(connected | live) = A_a · (1 − (1 − A_p)(1 − A_p·A_z))
    //                       = 0.96 · (1 − 0.1 · 0.19) = 0.94176,
    // the same for the zone-2 slice by symmetry, and podStart = 0.05824.
    // With one cluster the config source is the proxies' own API server,
    // and a connected proxy sees no stale endpoints, so config and
    // endpoints are the same. (Replicas that ignored zones would give
    // 1 − 0.96 · 0.99 = 0.0496; one zone outage killing both, 0.1.)
    let expected: f64 = 1.0 - 0.96 * (1.0 - 0.1 * (1.0 - 0.9 * 0.9));
    assert!((expected - 0.05824).abs() < 1e-12);
    let model = model_of(&scenario(HAND));
    let exact = meshsim::model::exact::unavailability(&model);
    for m in [Measure::PodStart, Measure::Config, Measure::Endpoints] {
        let got = exact[0][m.index()].expect("an exact answer");
        assert!((got - expected).abs() < 1e-12, "exact {}: {got}", m.name());
    }
    let results = simulate(&model);
    for m in [Measure::PodStart, Measure::Config, Measure::Endpoints] {
        let row = results
            .summary
            .iter()
            .find(|r| r.measure == m)
            .expect("a row");
        let hw = row.ci_high.unwrap() - row.unavailability;
        let se = hw / t975(results.replications - 1);
        let what = format!(
            "{}: simulated {:.5} ± {:.5}, by hand {expected:.5}",
            m.name(),
            row.unavailability,
            hw
        );
        assert!(hw < 0.05 * expected, "{what}: interval too wide");
        assert!(
            (row.unavailability - expected).abs() <= 3.5 * se,
            "{what}: off by more than 3.5 SE"
        );
    }
}

/// A small deterministic generator (an LCG), so that the random
/// topologies below are the same on every run: a statistical check on a
/// fixed sample is a deterministic test.
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

/// A random small mesh: 1–2 regions of 1–3 zones, each zone with 0–1
/// zonal clusters, each region with 0–2 regional clusters spanning a
/// random ordered subset of its zones (every zone left without a cluster
/// is spanned), proxies 1–400, two networks, and three deployments with
/// 1–3 replicas: per region, per cluster, and explicit attachment with
/// mesh failover.
fn random_mesh(rng: &mut Lcg, case: u64) -> String {
    let mut text = String::new();
    let mut clusters: Vec<String> = Vec::new();
    for r in 0..1 + rng.below(2) {
        let zones = 1 + rng.below(3);
        let zone_names: Vec<String> = (0..zones).map(|z| format!("r{r}z{z}")).collect();
        let mut zonal = Vec::new();
        text.push_str(&format!("      - name: r{r}\n        zones:\n"));
        for z in &zone_names {
            if rng.below(2) == 0 {
                let name = format!("{z}c");
                text.push_str(&format!(
                    "          - {{ name: {z}, clusters: [{{ name: {name}, proxies: {}, network: n{} }}] }}\n",
                    1 + rng.below(400),
                    rng.below(2)
                ));
                zonal.push(true);
                clusters.push(name);
            } else {
                text.push_str(&format!("          - {{ name: {z} }}\n"));
                zonal.push(false);
            }
        }
        let regional = rng.below(3).max(u64::from(zonal.iter().any(|z| !z)));
        let mut covered = zonal.clone();
        let mut lines = String::new();
        for k in 0..regional {
            // A random ordered subset, plus what is still uncovered on the
            // last one.
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
    let replicas = |rng: &mut Lcg| 1 + rng.below(3);
    let (a, b) = (
        &clusters[rng.below(clusters.len() as u64) as usize],
        &clusters[rng.below(clusters.len() as u64) as usize],
    );
    let attach: Vec<String> = clusters.iter().map(|c| format!("{c}: [x]")).collect();
    scenario(&format!(
        "  seed: {case}\n  horizon: 5y\n  replications: 200\n  topology:\n    regions:\n{text}  failures:\n    region: {{ failure: {{ dist: exponential, mean: 1y }}, repair: {{ dist: exponential, mean: 1d }} }}\n    zone: {{ failure: {{ dist: exponential, mean: 2mo }}, repair: {{ dist: lognormal, median: 6h, p95: 2d }} }}\n    cluster: {{ failure: {{ dist: exponential, mean: 3mo }}, repair: {{ dist: fixed, value: 4h }} }}\n    apiServer: {{ failure: {{ dist: exponential, mean: 1mo }}, repair: {{ dist: uniform, min: 30m, max: 6h }} }}\n    eastWestGateway: {{ failure: {{ dist: exponential, mean: 20d }}, repair: {{ dist: fixed, value: 3h }} }}\n    controlPlane: {{ failure: {{ dist: exponential, mean: 4d }}, repair: {{ dist: lognormal, median: 4h, p95: 2d }} }}\n  deployments:\n    - {{ name: region, controlPlanes: {{ per: region, replicas: {} }} }}\n    - {{ name: cluster, controlPlanes: {{ per: cluster, replicas: {} }} }}\n    - name: explicit\n      controlPlanes:\n        instances: [{{ name: x, cluster: {a}, replicas: {} }}, {{ name: y, cluster: {b}, replicas: {} }}]\n        attach: {{ {} }}\n        failover: mesh\n",
        replicas(rng),
        replicas(rng),
        replicas(rng),
        replicas(rng),
        attach.join(", ")
    ))
}

#[test]
fn random_regional_meshes_agree_with_their_exact_answers() {
    // Twelve random small meshes with regional clusters and replicas:
    // every estimate within 3.5 standard errors of the exact answer
    // (conditioned on the zones' states), at least 85% of the exact
    // values inside the 95% intervals, and the intervals tight enough
    // (under 15% of the value) to mean something for most of them.
    let mut rng = Lcg(0x5eed_2026);
    let (mut checks, mut inside, mut tight) = (0, 0, 0);
    for case in 0..12 {
        let yaml = random_mesh(&mut rng, case);
        let model = model_of(&yaml);
        assert!(model.clusters.iter().any(|c| c.zone == REGIONAL), "{yaml}");
        let results = simulate(&model);
        for row in &results.summary {
            let Some(exact) = row.exact else { continue };
            let hw = row.ci_high.unwrap() - row.unavailability;
            let se = hw / t975(results.replications - 1);
            let what = format!(
                "case {case} {} {}: simulated {:.4e} ± {:.2e}, exact {exact:.4e}\n{yaml}",
                row.deployment,
                row.measure.name(),
                row.unavailability,
                hw
            );
            assert!(
                (row.unavailability - exact).abs() <= 3.5 * se.max(1e-12),
                "{what}: off by more than 3.5 SE"
            );
            checks += 1;
            inside += usize::from(row.ci_low.unwrap() <= exact && exact <= row.ci_high.unwrap());
            tight += usize::from(hw < 0.15 * exact);
        }
    }
    assert_eq!(checks, 12 * 3 * 3, "every deployment × exact measure");
    assert!(
        inside as f64 >= 0.85 * checks as f64,
        "{inside} of {checks} inside"
    );
    assert!(
        tight as f64 >= 0.8 * checks as f64,
        "only {tight} of {checks} tight"
    );
}

#[test]
fn regional_results_are_the_same_bytes_for_any_thread_count() {
    crate::determinism::same_bytes_on_1_and_4_threads(&super::common::fixture(
        "exact-regional-mixed.yaml",
    ));
}
