//! The README's study tables quote committed results by hand; this holds
//! them to the results' `summary.csv`, so a regeneration that moves a
//! figure cannot leave the README telling the old story.

use crate::common::root;
use std::collections::HashMap;

/// `(deployment, measure) → downtime in minutes a year` of a committed
/// results folder.
fn downtimes(folder: &str) -> HashMap<(String, String), f64> {
    let path = root().join("results").join(folder).join("summary.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (d, m, v) = (
        col("deployment"),
        col("measure"),
        col("downtime_min_per_year"),
    );
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            ((f[d].to_string(), f[m].to_string()), f[v].parse().unwrap())
        })
        .collect()
}

/// Does `quoted` (as the README writes it: `1,342`, `30.8`, `0.04`) say
/// `value` to the digits it shows?
fn says(quoted: &str, value: f64) -> bool {
    let digits = quoted.split('.').nth(1).map_or(0, str::len);
    let shown: f64 = quoted.replace(',', "").parse().unwrap();
    (value - shown).abs() <= 0.5 * 10f64.powi(-(digits as i32)) + 1e-9
}

#[test]
fn the_replicas_or_placement_table_quotes_the_committed_results() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = &readme[readme.find("### Replicas or placement?").unwrap()..];
    let istiod = downtimes("replicas-or-placement");
    let csr = downtimes("replicas-or-placement-istio-csr");
    let columns = [
        (&istiod, "config"),
        (&istiod, "podStart"),
        (&istiod, "traffic"),
        (&csr, "traffic"),
    ];
    let rows: Vec<Vec<&str>> = section
        .lines()
        .skip_while(|l| !l.starts_with("| deployment"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), 5, "one row per deployment");
    for row in &rows {
        for ((results, measure), quoted) in columns.iter().zip(&row[2..]) {
            let value = results[&(row[0].to_string(), measure.to_string())];
            assert!(
                says(quoted, value),
                "README says {quoted} min/year for {} {measure}; the results say {value:.3}",
                row[0]
            );
        }
    }
}
