//! Exact long-run `traffic` when a CA signs the certificates
//! (`spec.certificates.issuer: cluster | site`; docs/semantics.md,
//! "Certificate issuers").
//!
//! With istiod as the issuer a certificate's fate depends on the joint
//! history of every component on the way to the istiods, and there is no
//! closed form. With a CA it depends on two independent things only: the
//! proxy's chain L (region, zone, cluster: live or not; for a regional
//! cluster, the zone of the proxy's slice) and the
//! CA's process K, both alternating renewal processes. A live proxy is
//! bad at time t exactly when K is down, has been down for a, and either
//! a > R (the certificate it had when K failed, with R of its lifetime
//! left, ran out) or L became live less than a ago (it came back with no
//! certificate). In the stationary regime K is down with down-age in
//! [a, a + da) with density `S_D(a) / (E[U] + E[D])` (S the survival
//! function), and L has been live for at least a with probability
//! `Q(a) = Π_y (E[U_y] − ∫₀ᵃ S_U_y) / (E[U_y] + E[D_y])` over its chain.
//! So, with P(L) the cluster's long-run liveness,
//!
//! ```text
//! P(bad) = P(L) · E_R[(E[D] − ∫₀ᴿ S_D) / (E[U] + E[D])]
//!        + ∫₀^TTL S_D(a) / (E[U] + E[D]) · P(R ≥ a) · (P(L) − Q(a)) da
//! ```
//!
//! and `traffic` is Σ proxies · P(bad) / Σ proxies · P(L), the same for
//! every deployment. R = TTL − (age of the last rotation): rotations run
//! every `TTL × grace` from the moment K came back, so with a fixed up time
//! u it is exactly `TTL − (u mod rotation)`; otherwise the phase is taken
//! as uniform, which is exact up to how far the up time modulo the
//! rotation interval is from uniform (of the order of rotation / E[U]: a
//! 12h rotation against a CA up for a month is 1.7% of the phase's spread,
//! far less of the answer). A cluster that comes back restarts its
//! rotations too; that only matters for the CA failures that come within
//! one rotation of a cluster's return, and is left out alike.
//!
//! The integrals run over [0, TTL] only (a certificate never outlives
//! it), split at every jump of the survival functions (fixed values,
//! uniform bounds) and of R, so the midpoint rule is exact for fixed and
//! uniform durations and accurate to O(h²) for the smooth ones.

use super::super::{Dist, Issuer, Model, Process};

/// Midpoint cells per [0, TTL]: 24h in 4,096 cells of 21 seconds.
const CELLS: usize = 4096;

/// `traffic` for the whole mesh; `None` when istiod issues the
/// certificates (no closed form), or when the site CA and its site both
/// fail (the CA is then reachable only while two processes are up, whose
/// joint down spells this form does not cover).
pub(super) fn unavailability(model: &Model, a: &[f64]) -> Option<f64> {
    let ttl = model.cert.ttl_hours;
    let rotation = ttl * model.cert.grace_ratio;
    let mut bad = 0.0;
    let mut live = 0.0;
    for slice in &model.slices {
        let ca = model.issuer.ca_of(slice.cluster)?;
        let k = source(model, &model.issuer, ca)?;
        // What a proxy's liveness reads: its cluster's own process, then
        // the zone and region above the slice (a zonal cluster is its own
        // slice; a regional cluster's slice sits under its zone).
        let live_on: Vec<usize> = std::iter::once(model.clusters[slice.cluster].component)
            .chain(model.chain(slice.component).skip(1))
            .collect();
        let chain: Vec<&Process> = live_on
            .iter()
            .filter_map(|&y| model.components[y].process.as_ref())
            .collect();
        let p_live: f64 = live_on.iter().map(|&y| a[y]).product();
        let p = slice.proxies as f64;
        live += p * p_live;
        if let Some(k) = k {
            let cells = Cells::new(ttl, rotation, k, &chain);
            bad += p * bad_share(&cells, k, &chain, p_live, ttl, rotation);
        }
    }
    Some(if live > 0.0 {
        (bad / live).max(0.0)
    } else {
        0.0
    })
}

/// The one failing process that makes cluster `c`'s CA reachable or not:
/// `Some(None)` when nothing on its own path fails (no `traffic` loss),
/// `None` when two do (no exact form here).
fn source<'m>(model: &'m Model, issuer: &Issuer, ca: usize) -> Option<Option<&'m Process>> {
    let own = model.components[ca].process.as_ref();
    match issuer {
        Issuer::Istiod => None,
        // The cluster's chain is the proxy's own: when it is down the
        // proxy is not live, so only the CA's process counts.
        Issuer::Cluster { .. } => Some(own),
        Issuer::Site { site, .. } => {
            let host = model.components[model.sites[*site].component]
                .process
                .as_ref();
            match (own, host) {
                (Some(_), Some(_)) => None,
                (one, other) => Some(one.or(other)),
            }
        }
    }
}

/// The midpoint cells of [0, TTL], split at every breakpoint.
struct Cells {
    /// Cell bounds, ascending, from 0 to TTL.
    at: Vec<f64>,
}

impl Cells {
    fn new(ttl: f64, rotation: f64, k: &Process, chain: &[&Process]) -> Cells {
        let mut at: Vec<f64> = (0..=CELLS).map(|i| ttl * i as f64 / CELLS as f64).collect();
        let dists = chain
            .iter()
            .flat_map(|p| [&p.failure, &p.repair])
            .chain([&k.failure, &k.repair]);
        at.extend(dists.flat_map(Dist::breakpoints));
        at.push(ttl - rotation);
        at.extend(fixed_remaining(k, ttl, rotation));
        at.retain(|x| (0.0..=ttl).contains(x));
        at.sort_by(f64::total_cmp);
        at.dedup();
        Cells { at }
    }

    /// (midpoint, width) of every cell.
    fn iter(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.at
            .windows(2)
            .map(|w| ((w[0] + w[1]) / 2.0, w[1] - w[0]))
    }
}

/// R when the CA's up time is fixed: the certificate of the last rotation
/// before it failed, `TTL − (u mod rotation)`.
fn fixed_remaining(k: &Process, ttl: f64, rotation: f64) -> Option<f64> {
    match k.failure {
        Dist::Fixed(u) => Some(ttl - u.rem_euclid(rotation)),
        _ => None,
    }
}

/// P(R ≥ x), R the certificate lifetime left when the CA fails.
fn remaining_at_least(x: f64, fixed: Option<f64>, ttl: f64, rotation: f64) -> f64 {
    match fixed {
        Some(r) => f64::from(u8::from(x <= r)),
        None => ((ttl - x) / rotation).clamp(0.0, 1.0),
    }
}

/// P(bad) of a live proxy of one cluster (see the module docs), by the
/// midpoint rule on `cells`, with the running integrals of the survival
/// functions kept as the cells are walked.
fn bad_share(
    cells: &Cells,
    k: &Process,
    chain: &[&Process],
    p_live: f64,
    ttl: f64,
    rotation: f64,
) -> f64 {
    let (mean_up, mean_down) = (k.failure.mean(), k.repair.mean());
    let cycle = mean_up + mean_down;
    let fixed = fixed_remaining(k, ttl, rotation);
    // ∫₀ˣ S_D and, per chain member, ∫₀ˣ S_U at the current cell's start.
    let mut down_int = 0.0;
    let mut up_int = vec![0.0; chain.len()];
    // E_R[∫₀ᴿ S_D]: with a fixed R, the running integral where it is; else
    // the mean of the running integral over R's uniform range.
    let mut at_r = 0.0;
    let mut over_r = 0.0;
    let mut second = 0.0;
    for (x, h) in cells.iter() {
        let s_down = k.repair.survival(x);
        let down_mid = down_int + h / 2.0 * s_down;
        let mut q = 1.0;
        for (p, int) in chain.iter().zip(&mut up_int) {
            let mid = *int + h / 2.0 * p.failure.survival(x);
            let c = p.failure.mean() + p.repair.mean();
            q *= ((p.failure.mean() - mid) / c).max(0.0);
            *int += h * p.failure.survival(x);
        }
        second += h * s_down / cycle * remaining_at_least(x, fixed, ttl, rotation) * (p_live - q);
        if x > ttl - rotation {
            over_r += h * down_mid / rotation;
        }
        down_int += h * s_down;
        if fixed.is_some_and(|r| x < r) {
            at_r = down_int;
        }
    }
    let expected_int = if fixed.is_some() { at_r } else { over_r };
    let first = p_live * ((mean_down - expected_int) / cycle).max(0.0);
    first + second
}
