//! `badConfig`: bad config changes reach control planes one at a time and
//! break the proxies they serve until rolled back — the seed's
//! "configuration isolation" and "controlled rollout" benefits.

use super::common::{model_of, scenario};
use meshsim::engine::{self, NoObserver, RunOptions};
use meshsim::model::{Kind, Measure};
use meshsim::results::Results;
use meshsim::stats::t975;

/// Three clusters, nothing fails; one bad change a week on average, rolled
/// out one istiod per hour, detected after 90 minutes, rolled back 30
/// minutes later.
fn rollout_scenario() -> String {
    scenario(
        "  seed: 12\n  horizon: 20y\n  replications: 200\n  topology: { regions: 1, zonesPerRegion: 1, clustersPerZone: 3, proxiesPerCluster: 100 }\n  configChanges:\n    rate: 2/w\n    badShare: 0.5\n    rollout: { order: sequential, interval: 1h }\n    detect: 90m\n    rollback: 30m\n  deployments:\n    - { name: one-istiod, controlPlanes: { per: region } }\n    - { name: each-cluster, controlPlanes: { per: cluster } }\n    - { name: each-cluster-parallel, controlPlanes: { per: cluster } }\n",
    )
}

#[test]
fn a_sequential_rollout_limits_a_bad_change_to_the_istiods_it_reached() {
    let model = model_of(&rollout_scenario());
    let options = RunOptions {
        threads: 0,
        keep_incidents: u64::MAX,
        first: 0,
    };
    let tally = engine::run(&model, None, &options, &mut NoObserver).unwrap();
    let results = Results::new(&model, &tally);
    // By hand: a proxy is bad while a change that reached its istiod is not
    // yet rolled back. One istiod: every change exposes it 0 → 2h. Each
    // cluster: the first istiod 0 → 2h, the second 1h → 2h, the third is
    // never reached (its turn at 2h comes after detection at 1.5h).
    // Changes arrive as a Poisson process of rate λ = 1/168 per hour, so a
    // proxy exposed h hours per change is bad with probability 1 − e^(−λh).
    let bad = |h: f64| 1.0 - (-h / 168.0f64).exp();
    let expect = [
        ("one-istiod", bad(2.0), 1.0),
        ("each-cluster", (bad(2.0) + bad(1.0)) / 3.0, 2.0 / 3.0),
    ];
    for (name, value, blast) in expect {
        let row = results.row(name, Measure::BadConfig).unwrap();
        assert!(
            (row.exact.unwrap() - value).abs() < 1e-12,
            "{name}: exact {:?} vs {value}",
            row.exact
        );
        let se = (row.ci_high.unwrap() - row.unavailability) / t975(results.replications - 1);
        assert!(
            (row.unavailability - value).abs() < 3.5 * se,
            "{name}: simulated {} ± {}, by hand {value}",
            row.unavailability,
            t975(results.replications - 1) * se
        );
        assert_eq!(row.blast_max, Some(blast), "{name}");
    }
    // Every incident of badConfig is a config change, never a component.
    assert!(results
        .incidents
        .iter()
        .filter(|r| r.measure == Measure::BadConfig)
        .all(|r| r.kind == Kind::ConfigChange && &*r.component == "configChange"));
    // Only config changes cause badConfig, and nothing else is hurt.
    for row in &results.cause {
        assert_eq!(
            (row.measure, row.kind),
            (Measure::BadConfig, Kind::ConfigChange),
            "{row:?}"
        );
    }
}

#[test]
fn a_parallel_rollout_reaches_every_istiod() {
    let yaml = rollout_scenario().replace(
        "rollout: { order: sequential, interval: 1h }",
        "rollout: { order: parallel }",
    );
    let model = model_of(&yaml);
    let tally = engine::run(&model, None, &RunOptions::default(), &mut NoObserver).unwrap();
    let results = Results::new(&model, &tally);
    let one = results.row("one-istiod", Measure::BadConfig).unwrap();
    let each = results.row("each-cluster", Measure::BadConfig).unwrap();
    // All istiods carry every change for 2h: isolation buys nothing, and
    // the common random numbers make the two deployments identical.
    assert_eq!(one.unavailability, each.unavailability);
    assert_eq!(each.blast_max, Some(1.0));
}

#[test]
fn without_config_changes_there_is_no_bad_config_measure() {
    let model = model_of(&scenario(
        "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology: { regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 1 }\n  deployments:\n    - { name: a, controlPlanes: { per: cluster } }\n",
    ));
    let tally = engine::run(&model, None, &RunOptions::default(), &mut NoObserver).unwrap();
    let results = Results::new(&model, &tally);
    assert!(!results.measures.contains(&Measure::BadConfig));
    assert!(results.row("a", Measure::BadConfig).is_none());
}
