//! `precision:` runs stop after the first batch whose intervals are tight
//! enough (counting the batch simulated alongside it), at the same
//! replication for any thread count.

use super::common::{model_of, scenario};
use meshsim::engine::{self, NoObserver, RunOptions, BATCH};
use meshsim::model::Measure;
use meshsim::results::Results;

fn precision_scenario(target: f64, max: u64) -> String {
    scenario(&format!(
        "  seed: 4\n  horizon: 1y\n  precision: {{ relativeHalfWidth: {target}, measure: podStart, maxReplications: {max} }}\n  topology: {{ regions: 1, zonesPerRegion: 2, clustersPerZone: 2, proxiesPerCluster: 10 }}\n  failures:\n    controlPlane: {{ failure: {{ dist: exponential, mean: 20d }}, repair: {{ dist: lognormal, median: 1h, p95: 6h }} }}\n    apiServer: {{ failure: {{ dist: exponential, mean: 60d }}, repair: {{ dist: fixed, value: 2h }} }}\n  deployments:\n    - {{ name: per-zone, controlPlanes: {{ per: zone }} }}\n    - {{ name: each, controlPlanes: {{ per: cluster }} }}\n"
    ))
}

fn run(yaml: &str, threads: usize) -> Results {
    let model = model_of(yaml);
    let options = RunOptions {
        threads,
        keep_incidents: 0,
        first: 0,
    };
    let tally = engine::run(&model, None, &options, &mut NoObserver).unwrap();
    Results::new(&model, &tally)
}

#[test]
fn stops_once_every_deployment_reaches_the_target() {
    let results = run(&precision_scenario(0.02, 100_000), 0);
    assert_eq!(results.precision_reached, Some(true));
    assert_eq!(results.replications % BATCH, 0, "stops at a batch boundary");
    assert!(
        results.replications > BATCH,
        "0.02 needs more than one batch"
    );
    for d in ["per-zone", "each"] {
        let row = results.row(d, Measure::PodStart).unwrap();
        let hw = row.ci_high.unwrap() - row.unavailability;
        assert!(hw <= 0.02 * row.unavailability, "{d}: {row:?}");
    }
    // The target was first met one batch before the end: the batch
    // simulated alongside that check is counted too, then the run stops.
    let model = model_of(&precision_scenario(0.02, 100_000));
    let loose_at = |replications: u64| {
        let tally = engine::run(
            &model,
            Some(replications),
            &RunOptions::default(),
            &mut NoObserver,
        )
        .unwrap();
        let earlier = Results::new(&model, &tally);
        ["per-zone", "each"].iter().any(|d| {
            let row = earlier.row(d, Measure::PodStart).unwrap();
            row.ci_high.unwrap() - row.unavailability > 0.02 * row.unavailability
        })
    };
    assert!(
        !loose_at(results.replications - BATCH),
        "the target was met a batch earlier"
    );
    assert!(
        loose_at(results.replications - 2 * BATCH),
        "the run went on after reaching its target"
    );
    // The stopping point does not depend on the thread count.
    assert_eq!(
        run(&precision_scenario(0.02, 100_000), 1).replications,
        results.replications
    );
}

#[test]
fn gives_up_at_max_replications_and_says_so() {
    let results = run(&precision_scenario(0.0001, 300), 0);
    assert_eq!(results.replications, 300);
    assert_eq!(results.precision_reached, Some(false));
}
