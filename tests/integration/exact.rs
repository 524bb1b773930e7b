//! The simulation against the exact long-run answers (model.md, "Exact
//! answers"), on scenarios that cover every distribution and parameter
//! form, failover scopes, several networks with east-west gateways,
//! external control planes and explicit attachment.
//!
//! Two checks, both on fixed seeds (so the outcome is deterministic):
//! every estimate is within 3.5 standard errors of the exact value (a
//! family-wise bound: with 50 comparisons a correct simulator fails it by
//! chance about 2% of the time), and at least 85% of the exact values lie
//! inside the 95% intervals (an honest interval covers ~95%). Each interval
//! must also be tight (half-width under 10% of the value), so agreement is
//! not bought with wide intervals.

use super::common::{fixture, model_of, simulate};
use meshsim::stats::Z95;

struct Coverage {
    checks: usize,
    inside: usize,
}

fn check_against_exact(yaml: &str, coverage: &mut Coverage) {
    let model = model_of(yaml);
    let results = simulate(&model);
    for row in &results.summary {
        let Some(exact) = row.exact else { continue };
        let (lo, hi) = (row.ci_low.unwrap(), row.ci_high.unwrap());
        let hw = hi - row.unavailability;
        let what = format!(
            "{} {} {}: simulated {:.4e} ± {:.2e}, exact {:.4e}",
            model.name,
            row.deployment,
            row.measure.name(),
            row.unavailability,
            hw,
            exact
        );
        assert!(exact > 0.0, "{what}: scenario too reliable to test");
        assert!(
            hw < 0.1 * exact,
            "{what}: interval too wide to test anything"
        );
        let se = hw / Z95;
        assert!(
            (row.unavailability - exact).abs() <= 3.5 * se,
            "{what}: off by more than 3.5 SE"
        );
        coverage.checks += 1;
        if lo <= exact && exact <= hi {
            coverage.inside += 1;
        }
    }
}

#[test]
fn simulation_matches_exact_answers() {
    let mut coverage = Coverage {
        checks: 0,
        inside: 0,
    };
    for name in ["exact-distributions.yaml", "exact-networks.yaml"] {
        let yaml = std::fs::read_to_string(fixture(name)).unwrap();
        check_against_exact(&yaml, &mut coverage);
    }
    let ranking =
        std::fs::read_to_string(super::common::root().join("scenarios/availability-ranking.yaml"))
            .unwrap()
            .replace("replications: 2000", "replications: 1000");
    check_against_exact(&ranking, &mut coverage);
    assert_eq!(
        coverage.checks, 53,
        "every deployment × exact measure is checked"
    );
    assert!(
        coverage.inside as f64 >= 0.85 * coverage.checks as f64,
        "only {} of {} exact values inside the 95% intervals",
        coverage.inside,
        coverage.checks
    );
}

#[test]
fn exact_answer_of_a_single_chain_by_hand() {
    // One cluster, its own istiod, nothing else fails but the istiod (up
    // 99 h, down 1 h on average) and the API server (up 48 h, down 2 h):
    // podStart bad = 1 − 0.99 · 0.96, and config is the same (the config
    // source is the same API server); endpoints equals podStart because
    // there is no other cluster to go stale.
    let model = model_of(&super::common::scenario(
        "  seed: 1\n  horizon: 1y\n  replications: 10\n  topology: { regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 10 }\n  failures:\n    controlPlane: { failure: { dist: exponential, mean: 99h }, repair: { dist: fixed, value: 1h } }\n    apiServer: { failure: { dist: weibull, shape: 2, mean: 48h }, repair: { dist: uniform, min: 1h, max: 3h } }\n  deployments:\n    - { name: local, controlPlanes: { per: cluster } }\n",
    ));
    let exact = meshsim::model::exact::unavailability(&model);
    let expect = 1.0 - 0.99 * 0.96;
    for (m, got) in exact[0][..3].iter().enumerate() {
        let got = got.unwrap();
        assert!(
            (got - expect).abs() < 1e-12,
            "measure {m}: {got} vs {expect}"
        );
    }
    assert_eq!(exact[0][3], None, "traffic has no closed form");
}
