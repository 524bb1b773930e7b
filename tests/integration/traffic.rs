//! `traffic`: proxies lose traffic only once they have been disconnected
//! longer than their remaining certificate lifetime (TTL 24h, rotated at
//! 12h, so between 12h and 24h).

use super::common::{model_of, scenario, simulate};
use meshsim::model::Measure;

/// One cluster with its own istiod whose up and down times are fixed.
/// The horizon is a whole number of cycles, so every replication sees the
/// same loss whatever the cycle's offset, and the warm-up lets the first,
/// random-phase outage pass.
fn fixed_cycle(up: &str, down: &str, horizon: &str) -> String {
    scenario(&format!(
        "  seed: 5\n  horizon: {horizon}\n  warmup: 60d\n  replications: 50\n  topology: {{ regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 100 }}\n  failures:\n    controlPlane: {{ failure: {{ dist: fixed, value: {up} }}, repair: {{ dist: fixed, value: {down} }} }}\n  deployments:\n    - {{ name: local, controlPlanes: {{ per: cluster }} }}\n"
    ))
}

fn assert_exact(what: &str, got: f64, expect: f64) {
    assert!(
        (got / expect - 1.0).abs() < 1e-9,
        "{what}: simulated {got:.9e}, by hand {expect:.9e}"
    );
}

#[test]
fn outages_shorter_than_the_certificate_grace_cost_no_traffic() {
    // Every istiod outage lasts 11h, less than the 12h a certificate has
    // left at worst. Nothing else fails: overlapping outages of other
    // components could chain into a longer disconnection, and a cluster
    // that comes back while its control plane is away has no certificate.
    let model = model_of(&scenario(
        "  seed: 3\n  horizon: 10y\n  replications: 200\n  topology: { regions: 1, zonesPerRegion: 1, clustersPerZone: 3, proxiesPerCluster: 100 }\n  failures:\n    controlPlane: { failure: { dist: exponential, mean: 5d }, repair: { dist: fixed, value: 11h } }\n  deployments:\n    - { name: one-per-region, controlPlanes: { per: region } }\n    - { name: each-cluster, controlPlanes: { per: cluster } }\n",
    ));
    let results = simulate(&model);
    for d in ["one-per-region", "each-cluster"] {
        let pod = results.row(d, Measure::PodStart).unwrap();
        assert!(
            pod.unavailability > 1e-3,
            "{d}: outages must happen: {pod:?}"
        );
        let traffic = results.row(d, Measure::Traffic).unwrap();
        assert_eq!(traffic.unavailability, 0.0, "{d}: {traffic:?}");
        assert_eq!(traffic.ci_high, Some(0.0), "{d}: {traffic:?}");
        assert_eq!(traffic.blast_max, None, "{d}: no incident costs traffic");
    }
}

#[test]
fn long_fixed_outages_lose_what_outlasts_the_certificate() {
    // Up 30 days (a whole number of 12h rotations), down 36h; 232 cycles. At each
    // failure the certificate was renewed 30 days ago at reconnection and
    // rotated every 12h since: it is fresh, 24h left. Traffic is lost for
    // the last 12h of every 36h outage: 12 h per 756 h cycle.
    let model = model_of(&fixed_cycle("30d", "36h", "175392h"));
    let results = simulate(&model);
    let traffic = results.row("local", Measure::Traffic).unwrap();
    assert_exact("traffic", traffic.unavailability, 12.0 / 756.0);
    let pod = results.row("local", Measure::PodStart).unwrap();
    assert_exact("podStart", pod.unavailability, 36.0 / 756.0);
    assert_exact("podStart exact", pod.exact.unwrap(), 36.0 / 756.0);
    // Every istiod failure eventually costs the whole mesh its traffic.
    assert_eq!(traffic.blast_mean, Some(1.0));
    let per_year = 8760.0 / 756.0;
    assert!(
        (traffic.incidents_per_year / per_year - 1.0).abs() < 0.01,
        "{traffic:?}"
    );
}

#[test]
fn the_rotation_phase_sets_the_remaining_lifetime() {
    // Up 725h = 60 rotations + 5h: at each failure the certificate is 5h
    // old, 19h left; a 30h outage then loses 11h of traffic per 755h
    // (232 cycles).
    let model = model_of(&fixed_cycle("725h", "30h", "175160h"));
    let results = simulate(&model);
    let traffic = results.row("local", Measure::Traffic).unwrap();
    assert_exact("traffic", traffic.unavailability, 11.0 / 755.0);
}
