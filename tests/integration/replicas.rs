//! istiod replicas and the common-cause process (model.md, "Replicas"):
//! the exact formula by hand, the identities that keep common random
//! numbers, the N−1 table and the cause tables, and the same bytes for any
//! thread count. The simulation against the exact answers is in `exact`.

use super::common::{fixture, model_of, run_meshsim, scenario, simulate};
use meshsim::engine::single::single_failures;
use meshsim::model::{stream_id, Kind, Measure};

/// One cluster with its own istiod of `replicas` replicas; the pods are up
/// 90% of the time (up 90 h, down 10 h on average), the API server 96%
/// and, when `common`, the common-cause process 98%.
fn one_cluster(replicas: u32, common: bool) -> String {
    let common = if common {
        "    controlPlaneCommon: { failure: { dist: exponential, mean: 49h }, repair: { dist: fixed, value: 1h } }\n"
    } else {
        ""
    };
    scenario(&format!(
        "  seed: 1\n  horizon: 1y\n  replications: 10\n  topology: {{ regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 10 }}\n  failures:\n    controlPlane: {{ failure: {{ dist: exponential, mean: 90h }}, repair: {{ dist: fixed, value: 10h }} }}\n    apiServer: {{ failure: {{ dist: weibull, shape: 2, mean: 48h }}, repair: {{ dist: uniform, min: 1h, max: 3h }} }}\n{common}  deployments:\n    - {{ name: local, controlPlanes: {{ per: cluster, replicas: {replicas} }} }}\n"
    ))
}

#[test]
fn exact_answer_with_replicas_by_hand() {
    // podStart (and config, from the same API server) is bad unless the API
    // server is up and the instance is: P(common up) × (1 − 0.1^n).
    let cases = [
        (1, false, 0.96 * 0.9),
        (2, false, 0.96 * (1.0 - 0.01)),
        (3, false, 0.96 * (1.0 - 0.001)),
        (1, true, 0.96 * 0.98 * 0.9),
        (2, true, 0.96 * 0.98 * 0.99),
        (3, true, 0.96 * 0.98 * 0.999),
    ];
    for (replicas, common, up) in cases {
        let model = model_of(&one_cluster(replicas, common));
        let exact = meshsim::model::exact::unavailability(&model);
        for m in [Measure::PodStart, Measure::Config, Measure::Endpoints] {
            let got = exact[0][m.index()].unwrap();
            assert!(
                (got - (1.0 - up)).abs() < 1e-12,
                "{replicas} replicas, common {common}, {}: {got} vs {}",
                m.name(),
                1.0 - up
            );
        }
    }
}

#[test]
fn replica_identities_keep_common_random_numbers() {
    let model = model_of(&std::fs::read_to_string(fixture("exact-replicas.yaml")).unwrap());
    let by_name = |d: &str| {
        model
            .deployments
            .iter()
            .find(|dep| dep.name == d)
            .unwrap_or_else(|| panic!("{d}"))
    };
    let (one, three) = (
        &by_name("zone-1").instances[0],
        &by_name("zone-3").instances[0],
    );
    // Replica 0 is the one-replica instance: same component, same name,
    // the stream a one-replica instance has always had.
    assert_eq!(one.replicas, vec![one.component]);
    assert_eq!(three.replicas[0], one.component);
    let names: Vec<&str> = three
        .replicas
        .iter()
        .map(|&r| model.components[r].name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "e1/istiod-0",
            "e1/istiod-0/replica-1",
            "e1/istiod-0/replica-2"
        ]
    );
    for &r in &three.replicas {
        let c = &model.components[r];
        assert_eq!(c.kind, Kind::ControlPlane);
        assert_eq!(c.stream, stream_id(Kind::ControlPlane, &c.name));
        assert_eq!(
            c.parent, model.components[one.component].parent,
            "on the host"
        );
    }
    // zone-2 shares the first two replicas, cluster-2 the e1 ones too.
    let two = &by_name("zone-2").instances[0];
    assert_eq!(two.replicas[..], three.replicas[..2]);
    assert_eq!(by_name("cluster-2").instances[0].replicas, two.replicas);
    assert_eq!(
        by_name("cluster-2").instances[0].component,
        two.component,
        "same host, ordinal and replica count: one instance component"
    );
    // The instances with replicas stand for their sets, and never fail on
    // their own.
    assert_ne!(three.component, one.component);
    assert_ne!(three.component, two.component);
    let set = model
        .replica_set_of(three.component)
        .expect("a replica set");
    assert_eq!(set.replicas, three.replicas);
    assert!(model.components[three.component].process.is_none());
    assert_eq!(
        model.components[three.component].name,
        "e1/istiod-0 (3 replicas)"
    );
    // An explicit instance's own count wins over the deployment's.
    let mixed = by_name("mixed");
    assert_eq!(mixed.instances[0].replicas.len(), 3);
    assert_eq!(mixed.instances[1].replicas.len(), 2);
    // No common cause without `controlPlaneCommon`.
    assert!(model
        .components
        .iter()
        .all(|c| c.kind != Kind::ControlPlaneCommon));
}

#[test]
fn the_common_cause_is_one_process_per_instance_whatever_its_replicas() {
    let model = model_of(&std::fs::read_to_string(fixture("exact-replicas-common.yaml")).unwrap());
    let zone1 = &model.deployments[0].instances[0];
    let zone3 = &model.deployments[2].instances[0];
    let common = zone1.common.expect("one replica has its common cause too");
    assert_eq!(zone3.common, Some(common), "shared across replica counts");
    assert_eq!(model.components[common].kind, Kind::ControlPlaneCommon);
    assert_eq!(model.components[common].name, "e1/istiod-0/common");
    assert_ne!(zone1.component, zone1.replicas[0], "a set of one replica");
    assert_eq!(
        model.components[zone1.component].name,
        "e1/istiod-0 (1 replica)"
    );
}

#[test]
fn one_replica_down_hurts_no_one_and_the_n_minus_1_table_lists_replicas() {
    let model = model_of(&std::fs::read_to_string(fixture("exact-replicas-common.yaml")).unwrap());
    let failures = single_failures(&model);
    let zone1 = &model.deployments[0].instances[0];
    let zone2 = &model.deployments[1].instances[0];
    let of = |x: usize| {
        failures
            .iter()
            .find(|f| f.component == x)
            .unwrap_or_else(|| panic!("{} is listed", model.components[x].name))
    };
    // e1's replica 1 is only a replica of multi-replica instances: no
    // deployment loses anything.
    let replica1 = of(zone2.replicas[1]);
    for d in 0..model.deployments.len() {
        for m in [Measure::PodStart, Measure::Config, Measure::Endpoints] {
            assert_eq!(replica1.blast(d, m), 0.0, "deployment {d} {}", m.name());
        }
    }
    // Its common cause takes every instance of e1/istiod-0 down: zone-1's
    // and zone-2's east-a clusters (e1, e2: 400 of 600 proxies) lose it.
    let common = of(zone1.common.unwrap());
    let share = 400.0 / 600.0;
    for d in [0, 1] {
        let got = common.blast(d, Measure::PodStart);
        assert!((got - share).abs() < 1e-12, "deployment {d}: {got}");
    }
    // Both of e1's replicas down takes zone-2's instance down with them
    // (the last replica's failure is the one that hurts), not zone-3's.
    let deps = meshsim::model::deps::DepIndex::build(&model);
    let mut sim = meshsim::engine::replication::Simulator::new(&model, &deps);
    let (_, bad) = sim.static_state(&zone2.replicas);
    let slot = |d: usize| meshsim::model::Layout::slot(d, Measure::PodStart.index());
    assert!(
        (bad[slot(1)] - share).abs() < 1e-12,
        "zone-2: {}",
        bad[slot(1)]
    );
    assert_eq!(bad[slot(2)], 0.0, "zone-3 keeps its third replica");
    // The instances that stand for replica sets are no failure of their
    // own.
    assert!(failures
        .iter()
        .all(|f| model.replica_set_of(f.component).is_none()));
    assert_eq!(
        failures.len(),
        model.components.len() - model.replica_sets.len()
    );
}

#[test]
fn causes_and_blasts_name_the_common_cause() {
    let mut yaml = std::fs::read_to_string(fixture("exact-replicas-common.yaml")).unwrap();
    yaml = yaml.replace("replications: 400", "replications: 40");
    let model = model_of(&yaml);
    let results = simulate(&model);
    for kind in [Kind::ControlPlane, Kind::ControlPlaneCommon] {
        assert!(
            results
                .cause
                .iter()
                .any(|c| c.kind == kind && c.deployment == "zone-3"),
            "zone-3 loses time to {}",
            kind.name()
        );
        assert!(
            results
                .blast_by_kind
                .iter()
                .any(|b| b.kind == kind && b.deployment == "zone-3"),
            "{} incidents hurt zone-3",
            kind.name()
        );
    }
    // With three replicas, losing all of them at once is rarer than the
    // common cause, for the same instance: the common cause's share of
    // zone-3's podStart loss is the larger.
    let share = |k: Kind| -> f64 {
        results
            .cause
            .iter()
            .filter(|c| c.kind == k && c.deployment == "zone-3" && c.measure == Measure::PodStart)
            .map(|c| c.unavailability)
            .sum()
    };
    assert!(share(Kind::ControlPlaneCommon) > share(Kind::ControlPlane));
}

#[test]
fn same_bytes_for_any_thread_count_with_replicas() {
    crate::determinism::same_bytes_on_1_and_4_threads(&fixture("exact-replicas-common.yaml"));
}

#[test]
fn validate_lists_replicas_with_their_zones_and_blast_lists_the_common_cause() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = fixture("exact-replicas-common.yaml");
    let (out, _) = run_meshsim(dir.path(), &["validate", scenario.to_str().unwrap()], 0);
    assert!(
        out.contains("deployment zone-3: 1 per zone, 3 replicas each (2 instances)"),
        "{out}"
    );
    assert!(
        out.contains("e1/istiod-0  3         east-a, east-a, east-a  e1/istiod-0/common"),
        "{out}"
    );
    assert!(
        out.contains(
            "deployment mixed: explicit instances and attach lists, replicas per instance"
        ),
        "{out}"
    );
    assert!(out.contains("small     2         east-b, east-b "), "{out}");
    // A one-replica scenario lists no replica table.
    let plain = fixture("exact-networks.yaml");
    let (out, _) = run_meshsim(dir.path(), &["validate", plain.to_str().unwrap()], 0);
    assert!(!out.contains("zone of each replica"), "{out}");

    let (out, _) = run_meshsim(
        dir.path(),
        &["blast", scenario.to_str().unwrap(), "--out", "b"],
        0,
    );
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("podStart")).collect();
    assert!(
        rows.iter().any(|l| l.contains("controlPlaneCommon")),
        "{out}"
    );
    let csv = std::fs::read_to_string(dir.path().join("b/blast.csv")).unwrap();
    assert!(
        csv.contains("controlPlane,e1/istiod-0/replica-2,zone-3,podStart,0.0,"),
        "{csv}"
    );
    assert!(
        !csv.contains("(3 replicas)"),
        "instances of replica sets are not failures"
    );
}

#[test]
fn a_bad_replicas_override_names_the_override() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = fixture("exact-replicas.yaml");
    let (_, err) = run_meshsim(
        dir.path(),
        &[
            "validate",
            scenario.to_str().unwrap(),
            "--set",
            "spec.deployments[name=zone-2].controlPlanes.replicas=101",
        ],
        2,
    );
    assert!(
        err.contains("--set #1 (spec.deployments[name=zone-2].controlPlanes.replicas=101): spec.deployments[1].controlPlanes.replicas: 101 replicas; give 1 to 100 istiod replicas per instance"),
        "{err}"
    );
    // And a good one takes effect.
    let (out, _) = run_meshsim(
        dir.path(),
        &[
            "validate",
            scenario.to_str().unwrap(),
            "--set",
            "spec.deployments[name=zone-2].controlPlanes.replicas=4",
        ],
        0,
    );
    assert!(
        out.contains("deployment zone-2: 1 per zone, 4 replicas each"),
        "{out}"
    );
}
