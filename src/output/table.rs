//! Plain-text tables for the terminal: the run summary and the expanded
//! scenario of `validate`. Columns are aligned, numbers are rounded for
//! reading (the files keep full precision).

use super::format as style;
use crate::engine::single::{SingleFailure, STATIC_MEASURES};
use crate::model::{Host, Issuer, Model, REGIONAL};
use crate::results::claims::{Outcome, Settle, Verdict, EQUIVALENT_FACTOR};
use crate::results::Results;
use std::fmt::Write;

/// Renders rows with a header, columns separated by two spaces; the first
/// `left` columns are left-aligned, the rest right-aligned.
pub fn render(header: &[&str], rows: &[Vec<String>], left: usize) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::new();
        for (i, cell) in cells.enumerate() {
            let pad = width[i] - cell.chars().count();
            if i > 0 {
                s.push_str("  ");
            }
            if i < left {
                s.push_str(cell);
                s.extend(std::iter::repeat_n(' ', pad));
            } else {
                s.extend(std::iter::repeat_n(' ', pad));
                s.push_str(cell);
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(&mut header.iter().copied());
    out.push('\n');
    let rule: usize = width.iter().sum::<usize>() + 2 * (width.len() - 1);
    out.push_str(&"─".repeat(rule));
    out.push('\n');
    for row in rows {
        if row.is_empty() {
            out.push('\n');
            continue;
        }
        out.push_str(&line(&mut row.iter().map(String::as_str)));
        out.push('\n');
    }
    out
}

/// A probability in scientific notation with 3 significant digits.
pub fn sci(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x:.2e}")
    }
}

/// A share as a percentage.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// What the summary table's less obvious columns mean, printed under it.
pub const SUMMARY_NOTE: &str = "\
incidents/yr: incidents a year that hurt; blast: share of the mesh's proxies one of them turns bad;
hit/yr: incidents/yr × blast mean, how many times a year the average proxy is hit; 2= : a shared rank (paired 95% interval contains 0)
";

/// The summary table of a run: one block per measure.
pub fn summary(results: &Results) -> String {
    let header = [
        "measure",
        "deployment",
        "unavailability ± 95% CI",
        "exact",
        "min/year",
        "nines",
        "incidents/yr",
        "blast mean",
        "p95",
        "max",
        "hit/yr",
        "rank",
    ];
    let mut rows = Vec::new();
    for &m in &results.measures {
        if !rows.is_empty() {
            rows.push(Vec::new());
        }
        for row in results.summary.iter().filter(|r| r.measure == m) {
            let ci = match (row.ci_low, row.ci_high) {
                (Some(_), Some(hi)) => format!(
                    "{} ± {}",
                    sci(row.unavailability),
                    sci(hi - row.unavailability)
                ),
                _ => sci(row.unavailability),
            };
            let dash = || "—".to_string();
            rows.push(vec![
                m.name().to_string(),
                row.deployment.clone(),
                ci,
                row.exact.map_or_else(dash, sci),
                format!("{:.1}", row.downtime_min_per_year),
                row.nines.map_or_else(|| "∞".into(), |n| format!("{n:.2}")),
                style::rate(row.incidents_per_year),
                row.blast_mean.map_or_else(dash, pct),
                row.blast_p95.map_or_else(dash, pct),
                row.blast_max.map_or_else(dash, pct),
                style::rate(row.blast_share_per_year),
                row.rank_label(),
            ]);
        }
    }
    render(&header, &rows, 2) + "\n" + SUMMARY_NOTE
}

/// The expanded topology and placements, for `meshsim validate`.
pub fn topology(model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scenario {}: {} regions, {} zones, {} clusters, {} networks, {} external sites, {} proxies",
        model.name,
        model.regions.len(),
        model.zones.len(),
        model.clusters.len(),
        model.networks.len(),
        model.sites.len(),
        model.total_proxies()
    );
    let rows: Vec<Vec<String>> = model
        .clusters
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                match c.zone {
                    REGIONAL => "(regional)".to_string(),
                    z => model.zones[z].name.clone(),
                },
                model.regions[c.region].name.clone(),
                model.networks[c.network].clone(),
                c.proxies.to_string(),
            ]
        })
        .collect();
    out.push('\n');
    out.push_str(&render(
        &["cluster", "zone", "region", "network", "proxies"],
        &rows,
        4,
    ));
    out.push_str(&zone_slices(model));
    out.push_str(&issuer(model));
    for d in &model.deployments {
        let _ = writeln!(
            out,
            "\ndeployment {}: {} ({} instances)",
            d.name,
            d.placement,
            d.instances.len()
        );
        let rows: Vec<Vec<String>> = model
            .clusters
            .iter()
            .zip(&d.attach)
            .map(|(c, list)| {
                let names: Vec<String> = list
                    .iter()
                    .map(|&i| {
                        let inst = &d.instances[i];
                        let host = match inst.host {
                            Host::Cluster(h) => &model.clusters[h].name,
                            Host::Site(s) => &model.sites[s].name,
                        };
                        if inst.name.starts_with(host.as_str()) {
                            inst.name.clone()
                        } else {
                            format!("{} ({host})", inst.name)
                        }
                    })
                    .collect();
                vec![c.name.clone(), names.join(" → ")]
            })
            .collect();
        out.push_str(&render(
            &["cluster", "attached control planes, in order"],
            &rows,
            2,
        ));
        out.push_str(&replicas(model, d));
    }
    out
}

/// Who signs the certificates, and the CAs with their long-run
/// availability; empty for istiod, the default (so listings without
/// `spec.certificates` are what they were).
fn issuer(model: &Model) -> String {
    let cas: Vec<usize> = match &model.issuer {
        Issuer::Istiod => return String::new(),
        Issuer::Cluster { cas } => cas.clone(),
        Issuer::Site { ca, .. } => vec![*ca],
    };
    let what = match &model.issuer {
        Issuer::Site { site, .. } => format!(
            "one CA at external site {}, reached from every network",
            model.sites[*site].name
        ),
        _ => "a CA in every cluster, which its own proxies rotate with".to_string(),
    };
    let rows: Vec<Vec<String>> = cas
        .iter()
        .map(|&x| {
            let c = &model.components[x];
            let parent = c.parent.map_or("-", |p| model.components[p].name.as_str());
            let up = match &c.process {
                Some(p) => format!("{:.4}%", 100.0 * p.availability()),
                None => "never fails".to_string(),
            };
            vec![c.name.clone(), parent.to_string(), up]
        })
        .collect();
    format!(
        "\ncertificates: issuer {} ({what}; istiod reachability no longer matters for traffic)\n{}",
        model.issuer.name(),
        render(&["ca", "runs in", "up (own process)"], &rows, 2)
    )
}

/// The proxies of each regional cluster per zone (its zone slices, which
/// a zone outage takes down one by one); empty for a mesh of zonal
/// clusters.
fn zone_slices(model: &Model) -> String {
    let rows: Vec<Vec<String>> = model
        .slices
        .iter()
        .filter(|s| s.regional(model))
        .map(|s| {
            vec![
                model.clusters[s.cluster].name.clone(),
                model.zones[s.zone].name.clone(),
                s.proxies.to_string(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "\nzone slices of regional clusters (live when region, zone and cluster are up)\n{}",
        render(&["cluster", "zone", "proxies"], &rows, 2)
    )
}

/// The replicas of a deployment's instances, each with the zone it runs
/// in, and their common-cause process; empty when every instance is one
/// replica without one on a zonal host or a site (so one-replica listings
/// are what they were).
fn replicas(model: &Model, d: &crate::model::Deployment) -> String {
    let zonal = |i: &crate::model::Instance| match i.host {
        Host::Cluster(h) => model.clusters[h].zone != REGIONAL,
        Host::Site(_) => true,
    };
    if d.instances
        .iter()
        .all(|i| i.replicas.len() == 1 && i.common.is_none() && zonal(i))
    {
        return String::new();
    }
    // The zone a replica runs in is the zone on its chain (none on an
    // external site).
    let zone_of = |r: usize| {
        model
            .chain(r)
            .find(|&x| model.components[x].kind == crate::model::Kind::Zone)
            .map_or("-", |z| model.components[z].name.as_str())
    };
    let rows: Vec<Vec<String>> = d
        .instances
        .iter()
        .map(|inst| {
            let zones: Vec<&str> = inst.replicas.iter().map(|&r| zone_of(r)).collect();
            vec![
                inst.name.clone(),
                inst.replicas.len().to_string(),
                zones.join(", "),
                inst.common
                    .map_or("-".to_string(), |c| model.components[c].name.clone()),
            ]
        })
        .collect();
    format!(
        "\n{}",
        render(
            &[
                "instance",
                "replicas",
                "zone of each replica",
                "common cause"
            ],
            &rows,
            4
        )
    )
}

/// The verdicts of `meshsim check`.
pub fn claims(verdicts: &[Verdict]) -> String {
    let rows: Vec<Vec<String>> = verdicts
        .iter()
        .map(|v| {
            let ci = match (v.ci_low, v.ci_high) {
                (Some(lo), Some(hi)) => format!("[{}, {}]", sci(lo), sci(hi)),
                _ => "—".into(),
            };
            vec![
                v.measure.name().to_string(),
                format!("{} < {}", v.lower, v.higher),
                sci(v.diff),
                ci,
                v.outcome.word().to_string(),
            ]
        })
        .collect();
    render(
        &[
            "measure",
            "claim (availability)",
            "unavailability diff",
            "95% paired CI",
            "verdict",
        ],
        &rows,
        2,
    )
}

/// One line per claim that failed, saying which way and what would settle
/// it; `replications` is the run's count.
pub fn verdict_notes(verdicts: &[Verdict], replications: u64) -> String {
    let thousands = |n: u64| style::thousands(n.min(i64::MAX as u64) as i64);
    let mut out = String::new();
    for v in verdicts {
        let what = match (v.outcome, v.settle) {
            (Outcome::Holds, _) => continue,
            (Outcome::Reversed, _) => format!(
                "{} is the less available with 95% confidence, so the claim is wrong",
                v.higher
            ),
            (Outcome::Inconclusive, Some(Settle::After(n))) => format!(
                "the interval contains 0; about {} replications would likely settle it (this run: {}){}",
                thousands(n),
                thousands(replications),
                // Settling is deciding: an estimate on the wrong side
                // would most likely be settled as reversed.
                if v.diff < 0.0 {
                    ", but the estimate leans the other way: most likely as reversed"
                } else {
                    ""
                }
            ),
            (Outcome::Inconclusive, Some(Settle::ExactlyEqual)) => {
                "the exact long-run values are equal: the placements are equivalent, and no run length will settle it".to_string()
            }
            (Outcome::Inconclusive, Some(Settle::Equivalent(None))) => {
                "the difference is exactly 0; the placements look equivalent, and no run length will settle it".to_string()
            }
            (Outcome::Inconclusive, Some(Settle::Equivalent(Some(n)))) => format!(
                "the difference is tiny against its noise; the placements look equivalent (settling it would take about {} replications, over {}× this run)",
                thousands(n),
                EQUIVALENT_FACTOR
            ),
            (Outcome::Inconclusive, _) => {
                "there is no interval with fewer than 2 replications; run more".to_string()
            }
        };
        let _ = writeln!(
            out,
            "{} {} < {} is {}: {what}",
            v.measure.name(),
            v.lower,
            v.higher,
            v.outcome.word(),
        );
    }
    out
}

/// The N−1 table of `meshsim blast`, condensed for the terminal: per
/// measure and component kind, the worst single failure for each
/// deployment (the full table is in blast.csv).
pub fn single_failures(model: &Model, failures: &[SingleFailure]) -> String {
    let mut header = vec![
        "measure".to_string(),
        "kind".to_string(),
        "dead".to_string(),
    ];
    header.extend(model.deployments.iter().map(|d| d.name.clone()));
    let mut rows = Vec::new();
    for m in STATIC_MEASURES {
        if !rows.is_empty() {
            rows.push(Vec::new());
        }
        for kind in crate::model::Kind::ALL {
            let of_kind: Vec<&SingleFailure> = failures
                .iter()
                .filter(|f| model.components[f.component].kind == kind)
                .collect();
            if of_kind.is_empty() {
                continue;
            }
            let dead = of_kind.iter().map(|f| f.dead).fold(0.0, f64::max);
            let mut row = vec![m.name().to_string(), kind.name().to_string(), pct(dead)];
            for d in 0..model.deployments.len() {
                row.push(pct(of_kind
                    .iter()
                    .map(|f| f.blast(d, m))
                    .fold(0.0, f64::max)));
            }
            rows.push(row);
        }
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut out = String::from(
        "worst single failure per component kind: share of the mesh's proxies live but bad\n\n",
    );
    out.push_str(&render(&header, &rows, 2));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Measure;

    fn verdict(diff: f64, outcome: Outcome, settle: Option<Settle>) -> Verdict {
        Verdict {
            measure: Measure::Traffic,
            lower: "a".into(),
            higher: "b".into(),
            diff,
            ci_low: Some(diff - 1.0),
            ci_high: Some(diff + 1.0),
            outcome,
            settle,
        }
    }

    #[test]
    fn each_failing_verdict_says_which_way_and_what_would_settle_it() {
        let notes = verdict_notes(
            &[
                verdict(1.0, Outcome::Holds, None),
                verdict(-2.0, Outcome::Reversed, None),
                verdict(0.5, Outcome::Inconclusive, Some(Settle::After(12_000))),
                verdict(-0.5, Outcome::Inconclusive, Some(Settle::After(3_100))),
                verdict(0.0, Outcome::Inconclusive, Some(Settle::Equivalent(None))),
                verdict(
                    1e-9,
                    Outcome::Inconclusive,
                    Some(Settle::Equivalent(Some(2_000_000))),
                ),
                verdict(1e-9, Outcome::Inconclusive, Some(Settle::ExactlyEqual)),
                verdict(0.1, Outcome::Inconclusive, Some(Settle::Unknown)),
            ],
            1000,
        );
        let lines: Vec<&str> = notes.lines().collect();
        assert_eq!(lines.len(), 7, "a claim that holds needs no note:\n{notes}");
        assert_eq!(
            lines[0],
            "traffic a < b is reversed: b is the less available with 95% confidence, so the claim is wrong"
        );
        assert_eq!(
            lines[1],
            "traffic a < b is inconclusive: the interval contains 0; about 12,000 replications would likely settle it (this run: 1,000)"
        );
        assert!(
            lines[2].ends_with(
                "(this run: 1,000), but the estimate leans the other way: most likely as reversed"
            ),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].contains(
                "exactly 0; the placements look equivalent, and no run length will settle it"
            ),
            "{}",
            lines[3]
        );
        assert!(lines[4].contains("look equivalent (settling it would take about 2,000,000 replications, over 100× this run)"), "{}", lines[4]);
        assert!(
            lines[5].contains("exact long-run values are equal"),
            "{}",
            lines[5]
        );
        assert!(
            lines[6].contains("fewer than 2 replications"),
            "{}",
            lines[6]
        );
    }
}
