//! "No instance in this list is reachable", given some components are up:
//! the one probability every exact answer is built from.
//!
//! The instances hang off a tree (region → zone → cluster → gateway,
//! istiod; site → istiod), so the probability is a product over the tree,
//! folded bottom-up: per host, per zone, per region. Conditioning on a
//! component being up sets its availability to 1.
//!
//! The fold keeps its nodes ([`Tree`]), because the stale share of
//! `endpoints` asks the same probability again given each attached host's
//! region, zone and cluster up. Forcing one path of the tree up changes
//! one factor per level, so with each node's product over its siblings
//! (prefix and suffix products: no division, so a factor of 0 is no
//! trouble) every such question costs O(1) instead of a new fold.
//!
//! It is asked once per cluster and deployment, so the lists are kept
//! between calls and nothing is allocated once they have grown to the
//! longest attachment list.

use crate::model::{Deployment, Host, Model};
use std::ops::Range;

/// An attached host cluster.
#[derive(Clone, Copy, Debug)]
pub(super) struct HostNode {
    /// Cluster index.
    pub cluster: usize,
    /// P(no attached instance on it reachable) · its cluster's factor:
    /// `(1 − a) + a · inner`.
    term: f64,
    /// The same given its cluster up: `inner`.
    forced: f64,
    /// Product of the terms of the other hosts of its zone.
    others: f64,
}

/// A zone holding attached hosts.
#[derive(Clone, Debug)]
pub(super) struct ZoneNode {
    /// Zone index.
    pub zone: usize,
    /// Its hosts in [`Tree::hosts`].
    pub hosts: Range<usize>,
    /// Product of its hosts' terms.
    inner: f64,
    /// `(1 − a) + a · inner`.
    term: f64,
    /// Product of the terms of the other zones of its region.
    others: f64,
}

/// A region holding attached hosts.
#[derive(Clone, Debug)]
pub(super) struct RegionNode {
    /// Region index.
    pub region: usize,
    /// Its zones in [`Tree::zones`].
    pub zones: Range<usize>,
    /// Product of its zones' terms.
    inner: f64,
    /// `(1 − a) + a · inner`.
    term: f64,
    /// Product of the sites' and the other regions' terms.
    others: f64,
}

/// The nodes of the last fold, in (region, zone, cluster) order.
#[derive(Clone, Debug, Default)]
pub(super) struct Tree {
    /// Attached host clusters.
    pub hosts: Vec<HostNode>,
    /// Their zones.
    pub zones: Vec<ZoneNode>,
    /// Their regions.
    pub regions: Vec<RegionNode>,
    /// Product of the external sites' terms.
    sites: f64,
}

impl Tree {
    /// P(none reachable | the fold's components, and region `ri` up).
    pub(super) fn none_given_region(&self, ri: usize) -> f64 {
        let r = &self.regions[ri];
        r.others * r.inner
    }

    /// P(none reachable | …, and zone `zi` of region `ri` up).
    pub(super) fn none_given_zone(&self, ri: usize, zi: usize) -> f64 {
        let z = &self.zones[zi];
        self.regions[ri].others * z.others * z.inner
    }

    /// P(none reachable | …, and host `hi` of zone `zi` of region `ri`
    /// up, with its zone and region).
    pub(super) fn none_given_host(&self, ri: usize, zi: usize, hi: usize) -> f64 {
        let h = &self.hosts[hi];
        self.regions[ri].others * self.zones[zi].others * h.others * h.forced
    }
}

/// The fold's scratch lists and its last tree, reused by every call.
pub(super) struct Reach<'m> {
    model: &'m Model,
    a: &'m [f64],
    /// Per attached instance on a cluster: ((region, zone, cluster),
    /// P(it is down)).
    on_clusters: Vec<((usize, usize, usize), f64)>,
    /// Per attached instance on a site: (site, P(it is down)).
    on_sites: Vec<(usize, f64)>,
    tree: Tree,
}

impl<'m> Reach<'m> {
    /// For `model` with component availabilities `a`.
    pub(super) fn new(model: &'m Model, a: &'m [f64]) -> Self {
        Reach {
            model,
            a,
            on_clusters: Vec::new(),
            on_sites: Vec::new(),
            tree: Tree::default(),
        }
    }

    /// P(none of `candidates` (instance indices of `dep`) is reachable from
    /// cluster `c` | every component in `forced` is up), ignoring the
    /// proxy's own API server (the callers condition on it). `forced` is a
    /// handful of chains, so a linear scan beats any set. Keeps the fold's
    /// nodes for [`Reach::tree`].
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
        let network = model.clusters[c].network;
        // Per host: P(no candidate instance on it is up). Sorted by
        // (region, zone, cluster), each host's instances, each zone's hosts
        // and each region's zones lie next to each other.
        self.on_clusters.clear();
        self.on_sites.clear();
        for &i in candidates {
            let inst = &dep.instances[i];
            let down = 1.0 - av(inst.component);
            match inst.host {
                Host::Cluster(h) => {
                    let hc = &model.clusters[h];
                    self.on_clusters.push(((hc.region, hc.zone, h), down));
                }
                Host::Site(s) => self.on_sites.push((s, down)),
            }
        }
        self.on_clusters.sort_by_key(|&(key, _)| key);
        fold(&mut self.on_clusters);
        self.on_sites.sort_by_key(|&(s, _)| s);
        fold(&mut self.on_sites);

        let tree = &mut self.tree;
        tree.sites = 1.0;
        for &(s, none_up) in &self.on_sites {
            let at = av(model.sites[s].component);
            tree.sites *= (1.0 - at) + at * none_up;
        }
        tree.hosts.clear();
        tree.zones.clear();
        tree.regions.clear();
        for &((region, zone, h), none_up) in &self.on_clusters {
            let hc = &model.clusters[h];
            let inner = match hc.gateway.filter(|_| hc.network != network) {
                Some(gw) => {
                    let g = av(gw);
                    (1.0 - g) + g * none_up
                }
                None => none_up,
            };
            let ah = av(hc.component);
            let term = (1.0 - ah) + ah * inner;
            let at = tree.hosts.len();
            tree.hosts.push(HostNode {
                cluster: h,
                term,
                forced: inner,
                others: 1.0,
            });
            match tree.zones.last_mut() {
                Some(z) if z.zone == zone => {
                    z.inner *= term;
                    z.hosts.end = at + 1;
                }
                _ => {
                    if tree.regions.last().map(|r| r.region) != Some(region) {
                        let zi = tree.zones.len();
                        tree.regions.push(RegionNode {
                            region,
                            zones: zi..zi,
                            inner: 1.0,
                            term: 1.0,
                            others: 1.0,
                        });
                    }
                    tree.zones.push(ZoneNode {
                        zone,
                        hosts: at..at + 1,
                        inner: term,
                        term: 1.0,
                        others: 1.0,
                    });
                    if let Some(r) = tree.regions.last_mut() {
                        r.zones.end = tree.zones.len();
                    }
                }
            }
        }
        for z in &mut tree.zones {
            let az = av(model.zones[z.zone].component);
            z.term = (1.0 - az) + az * z.inner;
        }
        let mut result = tree.sites;
        for r in &mut tree.regions {
            r.inner = tree.zones[r.zones.clone()].iter().map(|z| z.term).product();
            let ar = av(model.regions[r.region].component);
            r.term = (1.0 - ar) + ar * r.inner;
            result *= r.term;
        }
        result
    }

    /// The nodes of the last [`Reach::none`], with each node's product over
    /// its siblings filled in, for asking it again with one path forced up.
    pub(super) fn tree(&mut self) -> &Tree {
        let tree = &mut self.tree;
        for z in &tree.zones {
            siblings(&mut tree.hosts[z.hosts.clone()]);
        }
        for r in &tree.regions {
            siblings(&mut tree.zones[r.zones.clone()]);
        }
        siblings(&mut tree.regions);
        for r in &mut tree.regions {
            r.others *= tree.sites;
        }
        &self.tree
    }
}

/// A node of the tree: its factor in its parent's product, and the
/// product of its siblings' factors.
trait Node {
    fn term(&self) -> f64;
    fn others(&mut self) -> &mut f64;
}

impl Node for HostNode {
    fn term(&self) -> f64 {
        self.term
    }
    fn others(&mut self) -> &mut f64 {
        &mut self.others
    }
}

impl Node for ZoneNode {
    fn term(&self) -> f64 {
        self.term
    }
    fn others(&mut self) -> &mut f64 {
        &mut self.others
    }
}

impl Node for RegionNode {
    fn term(&self) -> f64 {
        self.term
    }
    fn others(&mut self) -> &mut f64 {
        &mut self.others
    }
}

/// Sets each node's product of its siblings' terms, from prefix and
/// suffix products.
fn siblings<N: Node>(nodes: &mut [N]) {
    let mut before = 1.0;
    for node in nodes.iter_mut() {
        *node.others() = before;
        before *= node.term();
    }
    let mut after = 1.0;
    for node in nodes.iter_mut().rev() {
        *node.others() *= after;
        after *= node.term();
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
