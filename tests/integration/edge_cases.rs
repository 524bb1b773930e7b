//! Numeric edge cases: every answer is finite (or a clear refusal), never
//! NaN, however odd the scenario.

use super::common::{model_of, scenario, simulate};
use meshsim::model::Measure;
use meshsim::results::Results;

fn assert_finite(results: &Results) {
    for row in &results.summary {
        let numbers = [
            Some(row.unavailability),
            row.ci_low,
            row.ci_high,
            row.exact,
            Some(row.downtime_min_per_year),
            row.nines,
            Some(row.incidents_per_year),
            row.blast_mean,
            row.blast_p95,
            row.blast_max,
        ];
        for n in numbers.into_iter().flatten() {
            assert!(n.is_finite(), "{row:?}");
        }
        assert!((0.0..=1.0).contains(&row.unavailability), "{row:?}");
    }
    for p in &results.pairs {
        assert!(p.diff_mean.is_finite(), "{p:?}");
    }
}

fn one_cluster(horizon: &str, failures: &str, replications: u32) -> String {
    scenario(&format!(
        "  seed: 3\n  horizon: {horizon}\n  replications: {replications}\n  topology: {{ regions: 1, zonesPerRegion: 1, clustersPerZone: 2, proxiesPerCluster: 10 }}\n  failures:\n{failures}  deployments:\n    - {{ name: local, controlPlanes: {{ per: cluster }} }}\n    - {{ name: shared, controlPlanes: {{ per: region }} }}\n"
    ))
}

#[test]
fn nothing_ever_fails() {
    let results = simulate(&model_of(&one_cluster("1y", "", 10)));
    assert_finite(&results);
    for row in &results.summary {
        assert_eq!(row.unavailability, 0.0, "{row:?}");
        assert_eq!(row.nines, None, "infinite nines are left empty, not NaN");
        assert_eq!(row.blast_mean, None);
        if let Some(exact) = row.exact {
            assert_eq!(exact, 0.0);
        }
    }
}

#[test]
fn repairs_far_longer_than_the_horizon() {
    // istiod fails within a day and takes a century to repair: it is down
    // (almost) all the time, in the simulation and in the exact answer.
    let failures = "    controlPlane: { failure: { dist: fixed, value: 1d }, repair: { dist: fixed, value: 100y } }\n";
    let results = simulate(&model_of(&one_cluster("1y", failures, 50)));
    assert_finite(&results);
    let row = results.row("local", Measure::PodStart).unwrap();
    assert!(row.unavailability > 0.99, "{row:?}");
    assert!(
        (row.exact.unwrap() - 36500.0 / 36501.0).abs() < 1e-12,
        "{row:?}"
    );
    assert_eq!(row.nines.map(|n| n > 0.0), Some(true));
}

#[test]
fn a_deployment_that_never_reaches_a_control_plane() {
    // The only istiod lives in a cluster that is always down (up 1 ms in
    // 1000 years): c2's proxies never connect; c1's are dead all along.
    let model = model_of(&scenario(
        r#"  seed: 4
  horizon: 1y
  replications: 20
  topology:
    regions:
      - name: r
        zones:
          - name: z
            clusters:
              - name: c1
                proxies: 10
                failures: { cluster: { failure: { dist: fixed, value: 1ms }, repair: { dist: fixed, value: 1000y } } }
              - { name: c2, proxies: 10 }
  deployments:
    - name: doomed
      controlPlanes:
        instances: [{ name: p, cluster: c1 }]
        attach: { c1: [p], c2: [p] }
"#,
    ));
    let results = simulate(&model);
    assert_finite(&results);
    let row = results.row("doomed", Measure::PodStart).unwrap();
    assert!(row.unavailability > 0.999, "{row:?}");
    let traffic = results.row("doomed", Measure::Traffic).unwrap();
    assert!(
        traffic.unavailability > 0.99,
        "no certificate, ever: {traffic:?}"
    );
}

#[test]
fn a_cluster_without_proxies() {
    let model = model_of(&scenario(
        "  seed: 5\n  horizon: 2y\n  replications: 20\n  topology:\n    regions:\n      - name: r\n        zones:\n          - name: z\n            clusters: [{ name: empty, proxies: 0 }, { name: busy, proxies: 10 }]\n  failures:\n    controlPlane: { failure: { dist: exponential, mean: 10d }, repair: { dist: fixed, value: 2h } }\n  deployments:\n    - { name: each, controlPlanes: { per: cluster } }\n",
    ));
    let results = simulate(&model);
    assert_finite(&results);
    let row = results.row("each", Measure::PodStart).unwrap();
    assert!(
        row.unavailability > 0.0 && row.exact.unwrap() > 0.0,
        "{row:?}"
    );
}

#[test]
fn horizons_of_seconds_and_of_a_thousand_years() {
    let failures = "    controlPlane: { failure: { dist: exponential, mean: 30d }, repair: { dist: lognormal, median: 1h, p95: 1d } }\n    cluster: { failure: { dist: weibull, shape: 0.7, mean: 1y }, repair: { dist: fixed, value: 3h } }\n";
    let short = simulate(&model_of(&one_cluster("5s", failures, 200)));
    assert_finite(&short);
    assert!((short.horizon_years - 5.0 / 3600.0 / 8760.0).abs() < 1e-15);
    let long = simulate(&model_of(&one_cluster("1000y", failures, 4)));
    assert_finite(&long);
    // A thousand years is long enough to land close to the exact value.
    let row = long.row("shared", Measure::PodStart).unwrap();
    let exact = row.exact.unwrap();
    assert!((row.unavailability / exact - 1.0).abs() < 0.1, "{row:?}");
}

/// The engine indexes its tables without bounds checks, relying on every
/// index in its model and dependency index being in range: a simulator
/// refuses a dependency index built for another model, and `meshsim blast`'s
/// list of failed components is checked where it enters.
#[test]
fn a_simulator_refuses_indices_out_of_its_tables() {
    use meshsim::engine::replication::Simulator;
    use meshsim::model::deps::DepIndex;
    let read = |name: &str| {
        let path = super::common::shipped(name);
        model_of(&std::fs::read_to_string(path).unwrap())
    };
    let small = read("shared-control-planes.yaml");
    let large = read("availability-ranking.yaml");
    let message = |f: &dyn Fn()| {
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_err();
        err.downcast_ref::<String>().cloned().unwrap_or_default()
    };
    let other = DepIndex::build(&large);
    let refused = message(&|| {
        Simulator::new(&small, &other);
    });
    assert!(refused.contains("an index of another model"), "{refused}");

    let deps = DepIndex::build(&small);
    let components = small.components.len();
    let refused = message(&|| {
        Simulator::new(&small, &deps).static_state(&[components]);
    });
    assert_eq!(refused, format!("component {components} of {components}"));
    // In range, it works.
    let (dead, _) = Simulator::new(&small, &deps).static_state(&[components - 1]);
    assert!((0.0..=1.0).contains(&dead));
}
