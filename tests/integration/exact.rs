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
use meshsim::stats::t975;

/// How many exact values were checked, and how many of them fell inside
/// the simulation's 95% interval.
#[derive(Default)]
pub struct Coverage {
    pub checks: usize,
    pub inside: usize,
}

impl Coverage {
    /// Holds the fixtures `names` to their exact answers
    /// ([`check_against_exact`]); returns how many `traffic` values were
    /// checked.
    pub fn fixtures(&mut self, names: &[&str]) -> usize {
        names
            .iter()
            .map(|name| {
                let yaml = std::fs::read_to_string(fixture(name)).unwrap();
                check_against_exact(&yaml, self)
            })
            .sum()
    }

    /// At least 85% of the exact values inside the 95% intervals: fewer
    /// would be a bias, not chance.
    pub fn assert_mostly_inside(&self) {
        assert!(
            self.inside as f64 >= 0.85 * self.checks as f64,
            "only {} of {} exact values inside the 95% intervals",
            self.inside,
            self.checks
        );
    }
}

/// Holds every simulated value of `yaml` that has an exact answer to it,
/// on an interval tight enough to mean something (within 3.5 standard
/// errors, half-width under 10%); returns how many of them were `traffic`.
pub fn check_against_exact(yaml: &str, coverage: &mut Coverage) -> usize {
    let model = model_of(yaml);
    let results = simulate(&model);
    let mut traffic = 0;
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
        let se = hw / t975(results.replications - 1);
        assert!(
            (row.unavailability - exact).abs() <= 3.5 * se,
            "{what}: off by more than 3.5 SE"
        );
        coverage.checks += 1;
        if lo <= exact && exact <= hi {
            coverage.inside += 1;
        }
        traffic += usize::from(row.measure == meshsim::model::Measure::Traffic);
    }
    traffic
}

#[test]
fn simulation_matches_exact_answers() {
    let mut coverage = Coverage::default();
    coverage.fixtures(&["exact-distributions.yaml", "exact-networks.yaml"]);
    let ranking =
        std::fs::read_to_string(super::common::root().join("scenarios/availability-ranking.yaml"))
            .unwrap();
    assert!(ranking.contains("\n  replications: 10000\n"));
    let ranking = ranking.replace("\n  replications: 10000\n", "\n  replications: 1000\n");
    check_against_exact(&ranking, &mut coverage);
    assert_eq!(
        coverage.checks, 53,
        "every deployment × exact measure is checked"
    );
    coverage.assert_mostly_inside();
}

#[test]
fn simulation_matches_exact_answers_with_replicas() {
    // Replicas 1, 2 and 3 on every placement form, without and with a
    // common-cause process (model.md, "Replicas"): the instance is up when
    // its common cause and at least one replica are.
    let mut coverage = Coverage::default();
    coverage.fixtures(&["exact-replicas.yaml", "exact-replicas-common.yaml"]);
    assert_eq!(coverage.checks, 36, "every deployment × exact measure");
    coverage.assert_mostly_inside();
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

/// The shipped ranking study on a mesh of `regions` × `zones` × `clusters`
/// (only its topology lines change, so its failure rates and placements
/// stay those of the file).
fn ranking_on(regions: u32, zones: u32, clusters: u32) -> String {
    let text =
        std::fs::read_to_string(super::common::root().join("scenarios/availability-ranking.yaml"))
            .unwrap();
    let mut replaced = 0;
    let out: Vec<String> = text
        .lines()
        .map(|line| {
            let (indent, body) = line.split_at(line.len() - line.trim_start().len());
            let value = match body.split(':').next() {
                Some("regions") => regions,
                Some("zonesPerRegion") => zones,
                Some("clustersPerZone") => clusters,
                _ => return line.to_string(),
            };
            replaced += 1;
            format!("{indent}{}: {value}", body.split(':').next().unwrap())
        })
        .collect();
    assert_eq!(replaced, 3, "the ranking scenario's topology lines");
    out.join("\n")
}

#[test]
fn exact_answers_of_a_mesh_of_ten_thousand_clusters_are_computed() {
    use meshsim::model::Measure;
    let model = model_of(&ranking_on(20, 5, 100));
    assert_eq!(model.clusters.len(), 10_000);
    let exact = meshsim::model::exact::unavailability(&model);
    let measures = [Measure::Config, Measure::PodStart, Measure::Endpoints];
    for (dep, values) in model.deployments.iter().zip(&exact) {
        for m in measures {
            let v =
                values[m.index()].unwrap_or_else(|| panic!("{} {}: left out", dep.name, m.name()));
            assert!(v > 0.0 && v < 1.0, "{} {}: {v}", dep.name, m.name());
        }
        // The stale share only adds to being disconnected.
        assert!(values[Measure::Endpoints.index()] >= values[Measure::PodStart.index()]);
    }

    // By hand for each-cluster, where every cluster is alike: a proxy reads
    // its own API server and istiod (availabilities `api`, `cp`), and when
    // connected it sees the stale share S of the other clusters, each
    // weighing 1/N · P(its API server down) · P(its chain up beyond the
    // part it shares with the proxy's).
    let each = model
        .deployments
        .iter()
        .position(|d| d.name == "each-cluster")
        .unwrap();
    let avail = |x: usize| model.components[x].availability();
    let first = &model.clusters[0];
    let (region, zone) = (
        avail(model.regions[0].component),
        avail(model.zones[0].component),
    );
    let (cluster, api) = (avail(first.component), avail(first.api_server));
    let cp = avail(model.deployments[each].instances[0].component);
    let (r, z, n) = (20.0, 5.0, 100.0);
    let weight = (1.0 - api) * cluster / (r * z * n);
    let s = weight * ((n - 1.0) + (z - 1.0) * n * zone + (r - 1.0) * z * n * zone * region);
    let by_hand = [
        (Measure::PodStart, 1.0 - api * cp),
        (Measure::Config, 1.0 - api * cp),
        (Measure::Endpoints, 1.0 - api * cp * (1.0 - s)),
    ];
    for (m, expect) in by_hand {
        let got = exact[each][m.index()].unwrap();
        assert!(
            (got - expect).abs() <= 1e-10 * expect,
            "each-cluster {}: {got:e} vs by hand {expect:e}",
            m.name()
        );
    }
}

#[test]
fn simulation_matches_exact_answers_with_regional_clusters() {
    // Zone slices, replicas in zone j mod Z, regional API servers and
    // gateways, a mixed region and multi-network (model.md, "Replicas,
    // regional clusters, certificate issuers"); the exact answers condition
    // on the zones' states.
    let mut coverage = Coverage::default();
    coverage.fixtures(&["exact-regional.yaml", "exact-regional-mixed.yaml"]);
    assert_eq!(coverage.checks, 27, "every deployment × exact measure");
    coverage.assert_mostly_inside();
}

#[test]
fn simulation_matches_exact_answers_on_regional_clusters_in_many_zones() {
    // 6 regions × 3 zones: 18 zones spanned by regional clusters, 2^18
    // joint zone states, beyond what conditioning on them all at once
    // could afford (its values were left out). Conditioning each region
    // on its own zones (`src/model/exact/regional.rs`) answers it, and
    // the simulation is held to it.
    let mut yaml = std::fs::read_to_string(fixture("exact-regional.yaml")).unwrap();
    for (from, to) in [
        ("    regions: 2\n", "    regions: 6\n"),
        ("    clustersPerRegion: 2\n", "    clustersPerRegion: 1\n"),
        ("  horizon: 5y\n", "  horizon: 2y\n"),
        ("  replications: 300\n", "  replications: 200\n"),
    ] {
        assert!(yaml.contains(from), "the fixture changed: {from:?}");
        yaml = yaml.replace(from, to);
    }
    let model = model_of(&yaml);
    assert_eq!(model.zones.len(), 18);
    let mut coverage = Coverage::default();
    check_against_exact(&yaml, &mut coverage);
    // podStart, config and endpoints of the five deployments.
    assert_eq!(coverage.checks, 15, "every deployment × exact measure");
    coverage.assert_mostly_inside();
}
