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

/// A mesh whose `traffic` loss is large (istiod outages often outlast the
/// certificates, clusters often come back while their istiod is away), at
/// the given horizon and replications.
fn often_expired(horizon: &str, replications: u32) -> String {
    scenario(&format!(
        "  seed: 7\n  horizon: {horizon}\n  replications: {replications}\n  topology: {{ regions: 1, zonesPerRegion: 2, clustersPerZone: 2, proxiesPerCluster: 100 }}\n  failures:\n    controlPlane: {{ failure: {{ dist: exponential, mean: 10d }}, repair: {{ dist: lognormal, median: 12h, p95: 3d }} }}\n    cluster: {{ failure: {{ dist: weibull, shape: 0.7, mean: 20d }}, repair: {{ dist: lognormal, median: 3h, p95: 1d }} }}\n  deployments:\n    - {{ name: one-per-region, controlPlanes: {{ per: region }} }}\n    - {{ name: each-cluster, controlPlanes: {{ per: cluster }} }}\n"
    ))
}

#[test]
fn short_horizons_start_with_the_long_run_certificates() {
    // A replication starts in the long run's state, certificates included:
    // a pair disconnected at time 0 has been so for a while, and a cluster
    // that came back without a control plane has no certificate. Then
    // `traffic` over a week or a month agrees with the long run. (Starting
    // such pairs with fresh certificates put the week 10% low, 7 and 14
    // standard errors off.)
    let reference = simulate(&model_of(&often_expired("10y", 1000)));
    for (horizon, replications) in [("1w", 40_000), ("30d", 10_000)] {
        let short = simulate(&model_of(&often_expired(horizon, replications)));
        for d in ["one-per-region", "each-cluster"] {
            let long = reference.row(d, Measure::Traffic).unwrap();
            let got = short.row(d, Measure::Traffic).unwrap();
            let se = |r: &meshsim::results::SummaryRow, n: u64| {
                (r.ci_high.unwrap() - r.unavailability) / meshsim::stats::t975(n - 1)
            };
            let both = se(long, reference.replications).hypot(se(got, short.replications));
            assert!(long.unavailability > 0.01, "{d}: too little traffic loss");
            assert!(
                (got.unavailability - long.unavailability).abs() <= 3.5 * both,
                "{d} over {horizon}: {:.5} vs {:.5} in the long run (SE {both:.1e})",
                got.unavailability,
                long.unavailability
            );
        }
    }
}

#[test]
fn a_cluster_back_without_a_certificate_is_charged_to_the_istiod_outage() {
    // The istiod lives in c1 (100 proxies) and is down 8h in every 750h;
    // c2 (300 proxies) is up 3h, down 1h, so each istiod outage holds
    // exactly two of c2's returns, whatever their phase. Each time c2
    // comes back without a certificate and loses traffic until it dies
    // or the istiod returns; c1 never loses any (8h is less than the 12h
    // a certificate has left at worst). So every istiod failure is a
    // traffic incident of blast 300/400 (c2 counts once however often it
    // flaps through the outage): 8760/750 a year. Traffic lost per outage:
    // 3h after the first return, min(3h, 4h − s) after the second (s, the
    // first return's offset, uniform in [0, 4h)): 4.875h on average, of
    // 750h · (100 + 0.75 · 300) live proxy-hours.
    let model = model_of(&scenario(
        "  seed: 11\n  horizon: 75000h\n  replications: 50\n  topology:\n    regions:\n      - name: r\n        zones:\n          - { name: z1, clusters: [ { name: c1, proxies: 100 } ] }\n          - name: z2\n            clusters:\n              - name: c2\n                proxies: 300\n                failures: { cluster: { failure: { dist: fixed, value: 3h }, repair: { dist: fixed, value: 1h } } }\n  failures:\n    controlPlane: { failure: { dist: fixed, value: 742h }, repair: { dist: fixed, value: 8h } }\n  deployments:\n    - { name: shared, controlPlanes: { per: region } }\n",
    ));
    let results = simulate(&model);
    let traffic = results.row("shared", Measure::Traffic).unwrap();
    let per_year = 8760.0 / 750.0;
    // An outage in the last hours of the horizon may end it before c2
    // comes back: 2 in 75,000 incidents on average.
    assert!(
        (traffic.incidents_per_year / per_year - 1.0).abs() < 1e-3,
        "{traffic:?}"
    );
    assert_eq!(traffic.blast_mean, Some(0.75), "{traffic:?}");
    assert_eq!(traffic.blast_max, Some(0.75), "{traffic:?}");
    let expect = 4.875 * 300.0 / (750.0 * (100.0 + 0.75 * 300.0));
    let se = (traffic.ci_high.unwrap() - traffic.unavailability)
        / meshsim::stats::t975(results.replications - 1);
    assert!(
        (traffic.unavailability - expect).abs() <= 3.5 * se.max(1e-4 * expect),
        "{traffic:?}: by hand {expect}"
    );
}
