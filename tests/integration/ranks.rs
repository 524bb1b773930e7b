//! Ranks with ties, and blast with its frequency, on real runs: what the
//! unit tests of `results::rank` show on hand-built cases must hold for the
//! ranks a run writes, judged from its own paired intervals.

use super::common::{model_of, root, simulate};
use meshsim::model::{Kind, Measure};
use meshsim::results::Results;

fn shipped_with(name: &str, replications: u32) -> Results {
    let yaml = std::fs::read_to_string(root().join("scenarios").join(name)).unwrap();
    let yaml: String = yaml
        .lines()
        .map(|l| match l.strip_prefix("  replications: ") {
            Some(_) => format!("  replications: {replications}\n"),
            None => format!("{l}\n"),
        })
        .collect();
    assert!(
        yaml.contains(&format!("  replications: {replications}\n")),
        "{name}"
    );
    simulate(&model_of(&yaml))
}

/// The paired interval of a − b contains zero.
fn overlaps(results: &Results, m: Measure, a: &str, b: &str) -> bool {
    let p = results
        .pairs
        .iter()
        .find(|p| p.measure == m && p.a == a && p.b == b)
        .unwrap_or_else(|| panic!("no pair {a} {b}"));
    p.ci_low.unwrap() <= 0.0 && 0.0 <= p.ci_high.unwrap()
}

#[test]
fn ranks_in_a_run_tie_exactly_the_deployments_their_intervals_cannot_order() {
    // Without domain failures every placement has the same podStart
    // (the docs' ranking needs zones and clusters to fail), while config
    // still orders them.
    let results = shipped_with("ranking-without-domain-failures.yaml", 300);
    let ranks = |m: Measure| -> Vec<String> {
        results
            .summary
            .iter()
            .filter(|r| r.measure == m)
            .map(|r| r.rank_label())
            .collect()
    };
    assert_eq!(ranks(Measure::Config), ["5", "4", "3", "2", "1"]);
    assert_eq!(ranks(Measure::PodStart), ["1="; 5]);
    for &m in &results.measures {
        let mut rows: Vec<_> = results.summary.iter().filter(|r| r.measure == m).collect();
        rows.sort_by(|a, b| a.unavailability.total_cmp(&b.unavailability));
        let mut leader = rows[0];
        for row in &rows[1..] {
            if row.rank == leader.rank {
                assert!(
                    overlaps(&results, m, &row.deployment, &leader.deployment),
                    "{m:?}: {} shares rank {} without cause",
                    row.deployment,
                    row.rank
                );
            } else {
                assert!(
                    !overlaps(&results, m, &row.deployment, &leader.deployment),
                    "{m:?}: {} could not be told from {}",
                    row.deployment,
                    leader.deployment
                );
                leader = row;
            }
        }
        for row in &rows {
            let sharing = rows.iter().filter(|r| r.rank == row.rank).count();
            assert_eq!(row.tied, sharing > 1, "{m:?} {}", row.deployment);
        }
    }
}

#[test]
fn blast_frequency_is_incidents_a_year_times_the_mean_blast() {
    let results = shipped_with("shared-control-planes.yaml", 300);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12);
    for r in &results.summary {
        let expected = r.incidents_per_year * r.blast_mean.unwrap_or(0.0);
        assert!(close(r.blast_share_per_year, expected), "{r:?}");
        // The kinds split the deployment's incidents, so their shares add up.
        let kinds: f64 = results
            .blast_by_kind
            .iter()
            .filter(|k| k.deployment == r.deployment && k.measure == r.measure)
            .map(|k| k.blast_share_per_year)
            .sum();
        assert!(close(r.blast_share_per_year, kinds), "{r:?}: kinds {kinds}");
    }
    for k in &results.blast_by_kind {
        assert!(
            close(k.blast_share_per_year, k.incidents_per_year * k.blast_mean),
            "{k:?}"
        );
    }
}

/// The reading the frequency is there to stop: with a failover list an
/// istiod failure that hurts at all (its partner is down too) hurts more
/// of the mesh, but it almost never hurts, so it costs far less a year
/// than without failover.
#[test]
fn a_rare_large_blast_costs_less_a_year_than_a_frequent_small_one() {
    let results = shipped_with("shared-control-planes.yaml", 300);
    let istiod = |d: &str| {
        results
            .blast_by_kind
            .iter()
            .find(|k| {
                k.deployment == d && k.measure == Measure::PodStart && k.kind == Kind::ControlPlane
            })
            .unwrap_or_else(|| panic!("{d}"))
            .clone()
    };
    let (failover, primaries) = (istiod("shared-pair"), istiod("two-primaries"));
    assert!(failover.blast_mean > primaries.blast_mean, "{failover:?}");
    assert!(
        failover.blast_share_per_year * 50.0 < primaries.blast_share_per_year,
        "{failover:?} {primaries:?}"
    );
}
