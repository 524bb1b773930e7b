//! Blast radius on a case checkable by hand: one istiod serves the whole
//! mesh, so when it fails every live proxy turns bad, and its blast radius
//! is the live share of the mesh at that moment.

use super::common::{model_of, scenario};
use meshsim::engine::{self, NoObserver, RunOptions};
use meshsim::model::{Kind, Measure};
use meshsim::results::Results;

#[test]
fn a_control_plane_serving_the_whole_mesh_blasts_its_live_share() {
    // c1, c2, c3 with 100, 200, 300 proxies; one istiod on an external site
    // that never fails. c3 is up 10 days, down 5: a third of the time half
    // the mesh is dead. istiod failures are Poisson, so a third of them find
    // c3 down (blast 300/600 = 0.5), the rest find it up (blast 1.0).
    let model = model_of(&scenario(
        r#"  seed: 9
  horizon: 5y
  replications: 40
  topology:
    regions:
      - name: r
        zones:
          - name: z
            clusters:
              - { name: c1, proxies: 100 }
              - { name: c2, proxies: 200 }
              - name: c3
                proxies: 300
                failures:
                  cluster: { failure: { dist: fixed, value: 10d }, repair: { dist: fixed, value: 5d } }
    externalSites: [{ name: managed }]
  failures:
    controlPlane: { failure: { dist: exponential, mean: 5d }, repair: { dist: fixed, value: 1h } }
  deployments:
    - name: single
      controlPlanes:
        instances: [{ name: p, site: managed }]
        attach: { c1: [p], c2: [p], c3: [p] }
"#,
    ));
    let options = RunOptions {
        threads: 0,
        keep_incidents: u64::MAX,
        first: 0,
    };
    let tally = engine::run(&model, None, &options, &mut NoObserver).unwrap();
    let results = Results::new(&model, &tally);
    for m in [Measure::Config, Measure::PodStart, Measure::Endpoints] {
        let rows: Vec<_> = results
            .incidents
            .iter()
            .filter(|r| r.measure == m)
            .collect();
        assert!(rows.len() > 1000, "{m:?}: {} incidents", rows.len());
        assert!(
            rows.iter().all(|r| r.kind == Kind::ControlPlane),
            "only istiod failures hurt"
        );
        let full = rows.iter().filter(|r| r.blast == 1.0).count();
        let half = rows.iter().filter(|r| r.blast == 0.5).count();
        assert_eq!(
            full + half,
            rows.len(),
            "{m:?}: every blast is the live share"
        );
        let share = full as f64 / rows.len() as f64;
        // Binomial(n, 2/3): 4 standard errors.
        let se = (2.0 / 9.0 / rows.len() as f64).sqrt();
        assert!(
            (share - 2.0 / 3.0).abs() < 4.0 * se,
            "{m:?}: {share} of incidents found c3 up"
        );
        let row = results.row("single", m).unwrap();
        assert_eq!(row.blast_max, Some(1.0));
        assert_eq!(row.blast_p95, Some(1.0));
        let mean = row.blast_mean.unwrap();
        assert!(
            (mean - (0.5 + share / 2.0)).abs() < 1e-12,
            "{m:?}: mean {mean}"
        );
    }
}

#[test]
fn a_cluster_failure_is_not_in_anyone_s_blast_radius() {
    // Dead proxies are lost to their own failure: a cluster outage turns no
    // live proxy bad when each cluster has its own istiod.
    let model = model_of(&scenario(
        "  seed: 2\n  horizon: 2y\n  replications: 20\n  topology: { regions: 1, zonesPerRegion: 2, clustersPerZone: 2, proxiesPerCluster: 50 }\n  failures:\n    cluster: { failure: { dist: exponential, mean: 10d }, repair: { dist: fixed, value: 6h } }\n  deployments:\n    - { name: each, controlPlanes: { per: cluster } }\n",
    ));
    let tally = engine::run(&model, None, &RunOptions::default(), &mut NoObserver).unwrap();
    let results = Results::new(&model, &tally);
    assert!(
        results.incidents.is_empty(),
        "{:?}",
        &results.incidents[..1]
    );
    assert!(results
        .summary
        .iter()
        .all(|r| r.unavailability == 0.0 && r.blast_max.is_none()));
}
