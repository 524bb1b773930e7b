//! Exact long-run unavailability of `config`, `podStart` and `endpoints`
//! (model.md, "Exact answers").
//!
//! Each component is up a long-run share `A = E[up] / (E[up] + E[down])` of
//! the time whatever its distributions, components are independent, and a
//! cluster's state is a monotone function of the components it reads. The
//! components form a tree (region → zone → cluster → API server, gateway,
//! istiod; site → istiod), so "no instance in this set is reachable" is a
//! product over the tree, computed bottom-up; conditioning on a set of
//! components being up is the same as setting their A to 1. Every measure
//! is a sum of such terms:
//!
//! - `podStart` good ⇔ own API server up ∧ some attached instance reachable;
//! - `config` good ⇔ the first reachable instance i has its config API
//!   server up: Σᵢ P(path of i up) · P(none of 1..i−1 reachable | path up);
//! - `endpoints`: disconnected weighs 1; connected weighs the stale share,
//!   Σₖ pₖ/P · P(connected ∧ k live ∧ API server of k down).
//!
//! - `badConfig`: a proxy whose primary istiod carries each bad change for
//!   h hours is bad with probability 1 − e^(−λh) (Poisson arrivals).
//!
//! `traffic` depends on durations, not just means, and has no closed form
//! while istiod issues the certificates; with a CA as the issuer it
//! depends on two independent renewal processes only, and `traffic.rs`
//! integrates it.
//!
//! With regional clusters the components are no tree (a zone slice has two
//! parents, its zone and its cluster): `regional.rs` conditions each
//! region on its own zones' states, which restores it, and factors the
//! rest over the independent regions (the form that conditions on every
//! zone at once, `by_zone_states.rs`, is kept as its tests' reference).
//!
//! Cost: per cluster, `podStart` folds the attachment list once
//! (`reach.rs`); the `endpoints` stale share, which reads every other
//! cluster, comes from per-zone, per-region and mesh-wide sums and the
//! same fold's nodes (`stale.rs`); `config`, one term per prefix of the
//! list, keeps the prefix's tree in product trees (`config.rs`). So the
//! whole costs O(clusters + attachment entries · log), like building the
//! model: 10,000 clusters of the ranking study take tens of milliseconds,
//! about 1% of one replication of their simulation, and no exact value is
//! ever left out for its cost. The form this replaces, quadratic in the
//! mesh and in the lists, is kept as the tests' reference
//! (`reference.rs`).

#[cfg(test)]
mod by_zone_states;
mod config;
mod reach;
#[cfg(test)]
mod reference;
pub mod regional;
#[cfg(test)]
mod regional_tests;
mod stale;
#[cfg(test)]
mod tests;
mod traffic;

use super::{ConfigChanges, Measure, Model};
use config::ConfigFold;
use reach::Reach;
use stale::StaleWeights;

/// Exact long-run unavailability per deployment and measure, indexed
/// `[deployment][measure]`; `None` for `traffic` when istiod issues the
/// certificates, and for `badConfig` when the scenario has no config
/// changes.
pub fn unavailability(model: &Model) -> Vec<[Option<f64>; Measure::COUNT]> {
    if model.has_regional() {
        // The product form below reads a tree; a zone slice of a regional
        // cluster has two parents (`regional.rs` conditions on zones).
        return regional::unavailability(model);
    }
    let a = model.availabilities();
    let live: Vec<f64> = model
        .clusters
        .iter()
        .map(|c| model.chain(c.component).map(|x| a[x]).product())
        .collect();
    let live_weight: f64 = model
        .clusters
        .iter()
        .zip(&live)
        .map(|(c, l)| c.proxies as f64 * l)
        .sum();
    let mut reach = Reach::new(model, &a);
    let mut config_fold = ConfigFold::new(model, &a);
    let weights = StaleWeights::new(model, &a);
    // The same for every deployment: the CAs are the mesh's.
    let traffic = traffic::unavailability(model, &a);
    // A cluster's own chain, which its terms condition on; reused.
    let mut base: Vec<usize> = Vec::new();
    model
        .deployments
        .iter()
        .enumerate()
        .map(|(d, dep)| {
            let mut out = [None; Measure::COUNT];
            let mut pod = 0.0;
            let mut config = 0.0;
            let mut endpoints = 0.0;
            for (c, cluster) in model.clusters.iter().enumerate() {
                let p = cluster.proxies as f64;
                if p == 0.0 {
                    continue;
                }
                let list = &dep.attach[c];
                chain_set(model, &mut base, [cluster.component, cluster.api_server]);
                let base_up = up(&a, &base);
                let connected_given_base = 1.0 - reach.none(dep, c, list, &base);
                let connected = base_up * connected_given_base;
                pod += p * (live[c] - connected);
                // Read the fold's tree before `config` folds other lists.
                let share = weights.share(c, reach.tree(), connected_given_base);
                endpoints += p * ((live[c] - connected) + base_up * share);
                config += p * (live[c] - config_fold.good(dep, c, list, &base));
            }
            out[Measure::PodStart.index()] = Some(clamp(pod / live_weight));
            out[Measure::Traffic.index()] = traffic;
            if let Some(cc) = &model.config_changes {
                out[Measure::BadConfig.index()] =
                    Some(bad_config(model, d, cc, &live, live_weight));
            }
            out[Measure::Config.index()] = Some(clamp(config / live_weight));
            out[Measure::Endpoints.index()] = Some(clamp(endpoints / live_weight));
            out
        })
        .collect()
}

/// Sets `set` to the components of the chains of `roots`, ascending and
/// each once.
fn chain_set<const N: usize>(model: &Model, set: &mut Vec<usize>, roots: [usize; N]) {
    set.clear();
    for r in roots {
        set.extend(model.chain(r));
    }
    set.sort_unstable();
    set.dedup();
}

/// P(every component in `set` is up); `set` holds each component once.
fn up(a: &[f64], set: &[usize]) -> f64 {
    set.iter().map(|&x| a[x]).product()
}

/// `badConfig`: bad changes arrive as a Poisson process of rate λ, and a
/// proxy whose primary istiod is exposed for h hours per change is bad at a
/// moment exactly when a change arrived in the h hours before it:
/// probability 1 − e^(−λh), independent of whether its cluster is live.
fn bad_config(model: &Model, d: usize, cc: &ConfigChanges, live: &[f64], live_weight: f64) -> f64 {
    let dep = &model.deployments[d];
    let bad: f64 = model
        .clusters
        .iter()
        .enumerate()
        .map(|(c, cluster)| {
            let exposure = cc.exposure_hours(dep.attach[c][0]);
            cluster.proxies as f64 * live[c] * -(-cc.bad_per_hour * exposure).exp_m1()
        })
        .sum();
    bad / live_weight
}

/// Round-off can leave -1e-17 where the answer is 0.
fn clamp(x: f64) -> f64 {
    x.max(0.0)
}
