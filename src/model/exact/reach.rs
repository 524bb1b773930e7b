//! "No instance in this list is reachable", given some components are up:
//! the one probability every exact answer is built from.
//!
//! The instances hang off a tree (region → zone → cluster → gateway,
//! istiod; site → istiod), so the probability is a product over the tree,
//! folded bottom-up: per host, per zone, per region. Conditioning on a
//! component being up sets its availability to 1. The callers ask this
//! once per attached instance and per cluster of the mesh, so it keeps its
//! scratch lists between calls and allocates nothing once they have grown
//! to the longest attachment list.

use crate::model::{Deployment, Host, Model};

/// The fold's scratch lists, reused by every call.
pub(super) struct Reach<'m> {
    model: &'m Model,
    a: &'m [f64],
    hosts: Vec<(Host, f64)>,
    zones: Vec<((usize, usize), f64)>,
    regions: Vec<(usize, f64)>,
}

impl<'m> Reach<'m> {
    /// For `model` with component availabilities `a`.
    pub(super) fn new(model: &'m Model, a: &'m [f64]) -> Self {
        Reach {
            model,
            a,
            hosts: Vec::new(),
            zones: Vec::new(),
            regions: Vec::new(),
        }
    }

    /// P(none of `candidates` (instance indices of `dep`) is reachable from
    /// cluster `c` | every component in `forced` is up), ignoring the
    /// proxy's own API server (the callers condition on it). `forced` is a
    /// handful of chains, so a linear scan beats any set.
    pub(super) fn none(
        &mut self,
        dep: &Deployment,
        c: usize,
        candidates: &[usize],
        forced: &[usize],
    ) -> f64 {
        let model = self.model;
        let a = self.a;
        let av = |x: usize| if forced.contains(&x) { 1.0 } else { a[x] };
        // Per host: P(no candidate instance on it is up). The sorts are
        // stable and the folds run in key order, so the products are formed
        // in the same order whatever the attachment order.
        self.hosts.clear();
        self.hosts.extend(candidates.iter().map(|&i| {
            let inst = &dep.instances[i];
            (inst.host, 1.0 - av(inst.component))
        }));
        self.hosts.sort_by_key(|&(host, _)| host);
        fold(&mut self.hosts);
        // Fold hosts into zones (clusters) or the result (sites).
        self.zones.clear();
        let mut result = 1.0;
        for &(host, none_up) in &self.hosts {
            match host {
                Host::Cluster(h) => {
                    let hc = &model.clusters[h];
                    let inner = match hc
                        .gateway
                        .filter(|_| hc.network != model.clusters[c].network)
                    {
                        Some(gw) => {
                            let g = av(gw);
                            (1.0 - g) + g * none_up
                        }
                        None => none_up,
                    };
                    let ah = av(hc.component);
                    self.zones
                        .push(((hc.zone, hc.region), (1.0 - ah) + ah * inner));
                }
                Host::Site(s) => {
                    let at = av(model.sites[s].component);
                    result *= (1.0 - at) + at * none_up;
                }
            }
        }
        self.zones.sort_by_key(|&(z, _)| z);
        fold(&mut self.zones);
        self.regions.clear();
        self.regions.extend(self.zones.iter().map(|&((z, r), v)| {
            let az = av(model.zones[z].component);
            (r, (1.0 - az) + az * v)
        }));
        self.regions.sort_by_key(|&(r, _)| r);
        fold(&mut self.regions);
        for &(r, v) in &self.regions {
            let ar = av(model.regions[r].component);
            result *= (1.0 - ar) + ar * v;
        }
        result
    }
}

/// Multiplies the values of equal, adjacent keys into the first of them.
fn fold<K: PartialEq + Copy>(list: &mut Vec<(K, f64)>) {
    list.dedup_by(|next, kept| {
        if next.0 == kept.0 {
            kept.1 *= next.1;
            true
        } else {
            false
        }
    });
}
