//! `config` in time O(n log n) in a cluster's attachment list of n
//! instances.
//!
//! A live proxy's config is good when the first reachable instance i has
//! its config source up:
//!
//! ```text
//! Σᵢ P(path of i up) · P(none of 1..i−1 reachable | path of i up)
//! ```
//!
//! One fold of the prefix per i ([`super::reach`]) is quadratic in the
//! list: with `failover: mesh` over hundreds of istiods, seconds per
//! deployment. Instead the prefix's tree (hosts, their zones, their
//! regions and the sites) is laid out once for the whole list, every node
//! starting at "no instance yet" (a factor of 1), and each level's factors
//! sit in a product tree ([`Products`]). Instance i is asked with the nodes
//! on its own path and on its config cluster's path forced up (at most two
//! per level: a product of the untouched ranges between them), then joins
//! the prefix, which changes one factor per level.

use crate::model::{Deployment, Host, Model};
use std::ops::Range;

/// A region holding attached hosts, or an external site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Top {
    Region(usize),
    Site(usize),
}

/// An attached host cluster of the list.
#[derive(Clone, Debug)]
struct HostSlot {
    /// (region, zone, cluster).
    key: (usize, usize, usize),
    /// Its cluster's component.
    component: usize,
    /// The gateway the proxy crosses to reach it, if any.
    gateway: Option<usize>,
    /// Index into the zones.
    zone: usize,
    /// P(no prefix instance on it is up).
    none: f64,
}

/// A zone holding attached hosts.
#[derive(Clone, Debug)]
struct ZoneSlot {
    /// (region, zone).
    key: (usize, usize),
    component: usize,
    hosts: Range<usize>,
    /// Index into the tops.
    top: usize,
}

/// A region holding attached hosts, or a site.
#[derive(Clone, Debug)]
struct TopSlot {
    key: Top,
    component: usize,
    /// Its zones (regions only).
    zones: Range<usize>,
    /// P(no prefix instance on it is up) (sites only).
    none: f64,
}

/// The prefix's tree of one cluster's list, and its scratch, reused.
pub(super) struct ConfigFold<'m> {
    model: &'m Model,
    a: &'m [f64],
    hosts: Vec<HostSlot>,
    zones: Vec<ZoneSlot>,
    tops: Vec<TopSlot>,
    host_terms: Products,
    zone_terms: Products,
    top_terms: Products,
    /// c's chain, which every term conditions on, ascending.
    base: Vec<usize>,
    /// That and the path of one instance, ascending.
    forced: Vec<usize>,
}

impl<'m> ConfigFold<'m> {
    /// For `model` with component availabilities `a`.
    pub(super) fn new(model: &'m Model, a: &'m [f64]) -> Self {
        ConfigFold {
            model,
            a,
            hosts: Vec::new(),
            zones: Vec::new(),
            tops: Vec::new(),
            host_terms: Products::default(),
            zone_terms: Products::default(),
            top_terms: Products::default(),
            base: Vec::new(),
            forced: Vec::new(),
        }
    }

    /// P(config good ∧ c's chain up) for cluster `c` with attachment list
    /// `list` in `dep`; `base` is c's chain (the components of c and its
    /// API server), ascending.
    pub(super) fn good(
        &mut self,
        dep: &Deployment,
        c: usize,
        list: &[usize],
        base: &[usize],
    ) -> f64 {
        self.base.clear();
        self.base.extend_from_slice(base);
        self.lay_out(dep, c, list);
        let model = self.model;
        let mut good = 0.0;
        for &i in list {
            let inst = &dep.instances[i];
            // The path of i: its istiod, its config source and the gateway
            // between, each with its ancestors, and c's chain.
            self.forced.clear();
            self.forced.extend_from_slice(base);
            let cfg_api = model.clusters[inst.config_cluster].api_server;
            let reads = [
                Some(inst.component),
                Some(cfg_api),
                model.gateway_between(c, inst),
            ];
            for r in reads.into_iter().flatten() {
                self.forced.extend(model.chain(r));
            }
            self.forced.sort_unstable();
            self.forced.dedup();
            let path_up: f64 = self.forced.iter().map(|&x| self.a[x]).product();
            good += path_up * self.none_given_path(inst.host, inst.config_cluster);
            let down = 1.0 - av(self.a, &self.base, inst.component);
            self.join(inst.host, down);
        }
        good
    }

    /// Lays out the tree of `list`'s hosts, every node without instances.
    fn lay_out(&mut self, dep: &Deployment, c: usize, list: &[usize]) {
        let model = self.model;
        let network = model.clusters[c].network;
        self.hosts.clear();
        self.zones.clear();
        self.tops.clear();
        for &i in list {
            match dep.instances[i].host {
                Host::Cluster(h) => {
                    let hc = &model.clusters[h];
                    self.hosts.push(HostSlot {
                        key: (hc.region, hc.zone, h),
                        component: hc.component,
                        gateway: hc.gateway.filter(|_| hc.network != network),
                        zone: 0,
                        none: 1.0,
                    });
                }
                Host::Site(s) => self.tops.push(TopSlot {
                    key: Top::Site(s),
                    component: model.sites[s].component,
                    zones: 0..0,
                    none: 1.0,
                }),
            }
        }
        self.hosts.sort_unstable_by_key(|h| h.key);
        self.hosts.dedup_by_key(|h| h.key);
        for (x, host) in self.hosts.iter_mut().enumerate() {
            let (region, zone, _) = host.key;
            if self.zones.last().map(|z| z.key) != Some((region, zone)) {
                self.zones.push(ZoneSlot {
                    key: (region, zone),
                    component: model.zones[zone].component,
                    hosts: x..x,
                    top: 0,
                });
            }
            let last = self.zones.len() - 1;
            self.zones[last].hosts.end = x + 1;
            host.zone = last;
        }
        for (z, zone) in self.zones.iter().enumerate() {
            let region = zone.key.0;
            if self.tops.last().map(|t| t.key) != Some(Top::Region(region)) {
                self.tops.push(TopSlot {
                    key: Top::Region(region),
                    component: model.regions[region].component,
                    zones: z..z,
                    none: 1.0,
                });
            }
            let last = self.tops.len() - 1;
            self.tops[last].zones.end = z + 1;
        }
        // Regions were pushed after the sites, in order: sort them all
        // (stably: a region's zone range moves with it) and point each zone
        // at its region.
        self.tops.sort_by_key(|t| t.key);
        self.tops.dedup_by_key(|t| t.key);
        for (t, top) in self.tops.iter().enumerate() {
            for z in top.zones.clone() {
                self.zones[z].top = t;
            }
        }
        self.host_terms.reset(self.hosts.len());
        self.zone_terms.reset(self.zones.len());
        self.top_terms.reset(self.tops.len());
    }

    /// Adds an instance on `host`, down with probability `down`, to the
    /// prefix: one factor changes per level.
    fn join(&mut self, host: Host, down: f64) {
        let base = &self.base;
        match host {
            Host::Cluster(h) => {
                let hc = &self.model.clusters[h];
                let Some(x) = self.host_slot((hc.region, hc.zone, h)) else {
                    return;
                };
                self.hosts[x].none *= down;
                let term = self.host_term(x, base);
                let z = self.hosts[x].zone;
                let t = self.zones[z].top;
                self.host_terms.set(x, term);
                let zone = self.zone_term(z, base, &[]);
                self.zone_terms.set(z, zone);
                let top = self.top_term(t, base, &[]);
                self.top_terms.set(t, top);
            }
            Host::Site(s) => {
                let Some(t) = self.top_slot(Top::Site(s)) else {
                    return;
                };
                self.tops[t].none *= down;
                let top = self.top_term(t, base, &[]);
                self.top_terms.set(t, top);
            }
        }
    }

    /// P(no prefix instance reachable | `self.forced` up), for an instance
    /// on `host` reading its config from `config_cluster`: only the nodes
    /// on those two paths see a forced component.
    fn none_given_path(&self, host: Host, config_cluster: usize) -> f64 {
        let model = self.model;
        let forced = &self.forced;
        let mut hosts = Touched::default();
        let mut zones = Touched::default();
        let mut tops = Touched::default();
        let mut paths = [Some(config_cluster), None];
        match host {
            Host::Cluster(h) => paths[1] = Some(h),
            Host::Site(s) => {
                if let Some(t) = self.top_slot(Top::Site(s)) {
                    tops.add(t);
                }
            }
        }
        for h in paths.into_iter().flatten() {
            let hc = &model.clusters[h];
            if let Some(x) = self.host_slot((hc.region, hc.zone, h)) {
                hosts.add(x);
            }
            if let Some(z) = self.zone_slot((hc.region, hc.zone)) {
                zones.add(z);
            }
            if let Some(t) = self.top_slot(Top::Region(hc.region)) {
                tops.add(t);
            }
        }
        // Bottom-up: each touched node's factor given the forced
        // components, from its untouched children's product and its
        // touched children's own factors.
        for (x, value) in hosts.iter_mut() {
            *value = self.host_term(*x, forced);
        }
        for (z, value) in zones.iter_mut() {
            *value = self.zone_term(*z, forced, hosts.values());
        }
        for (t, value) in tops.iter_mut() {
            *value = self.top_term(*t, forced, zones.values());
        }
        self.top_terms
            .product_with(0..self.tops.len(), tops.values())
    }

    /// Host `x`'s factor given `forced` up: `(1 − a) + a · (gateway's
    /// factor)`.
    fn host_term(&self, x: usize, forced: &[usize]) -> f64 {
        let host = &self.hosts[x];
        let inner = match host.gateway {
            Some(g) => {
                let ag = av(self.a, forced, g);
                (1.0 - ag) + ag * host.none
            }
            None => host.none,
        };
        let ah = av(self.a, forced, host.component);
        (1.0 - ah) + ah * inner
    }

    /// Zone `z`'s factor given `forced` up, with the factors of
    /// `replaced` hosts (ascending) instead of those in the product tree.
    fn zone_term(&self, z: usize, forced: &[usize], replaced: &[(usize, f64)]) -> f64 {
        let zone = &self.zones[z];
        let inner = self.host_terms.product_with(zone.hosts.clone(), replaced);
        let az = av(self.a, forced, zone.component);
        (1.0 - az) + az * inner
    }

    /// Top `t`'s factor given `forced` up, with the factors of `replaced`
    /// zones (ascending).
    fn top_term(&self, t: usize, forced: &[usize], replaced: &[(usize, f64)]) -> f64 {
        let top = &self.tops[t];
        let inner = match top.key {
            Top::Region(_) => self.zone_terms.product_with(top.zones.clone(), replaced),
            Top::Site(_) => top.none,
        };
        let at = av(self.a, forced, top.component);
        (1.0 - at) + at * inner
    }

    fn host_slot(&self, key: (usize, usize, usize)) -> Option<usize> {
        self.hosts.binary_search_by_key(&key, |h| h.key).ok()
    }

    fn zone_slot(&self, key: (usize, usize)) -> Option<usize> {
        self.zones.binary_search_by_key(&key, |z| z.key).ok()
    }

    fn top_slot(&self, key: Top) -> Option<usize> {
        self.tops.binary_search_by_key(&key, |t| t.key).ok()
    }
}

/// Availability of `x` given the components of `forced` (ascending) up.
fn av(a: &[f64], forced: &[usize], x: usize) -> f64 {
    if forced.binary_search(&x).is_ok() {
        1.0
    } else {
        a[x]
    }
}

/// At most two nodes of one level, ascending and distinct, each with its
/// factor.
#[derive(Default)]
struct Touched {
    at: [(usize, f64); 2],
    len: usize,
}

impl Touched {
    fn add(&mut self, x: usize) {
        if self.at[..self.len].iter().any(|&(y, _)| y == x) {
            return;
        }
        self.at[self.len] = (x, 1.0);
        self.len += 1;
        self.at[..self.len].sort_unstable_by_key(|&(y, _)| y);
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = (&usize, &mut f64)> {
        self.at[..self.len].iter_mut().map(|(x, v)| (&*x, v))
    }

    fn values(&self) -> &[(usize, f64)] {
        &self.at[..self.len]
    }
}

/// Products over ranges of a list of factors that change one at a time:
/// an iterative segment tree, so both cost O(log n) and nothing is
/// divided out (a factor may be 0).
#[derive(Default)]
struct Products {
    n: usize,
    tree: Vec<f64>,
}

impl Products {
    /// `n` factors, all 1.
    fn reset(&mut self, n: usize) {
        self.n = n;
        self.tree.clear();
        self.tree.resize(2 * n, 1.0);
    }

    fn set(&mut self, i: usize, value: f64) {
        let mut p = i + self.n;
        self.tree[p] = value;
        while p > 1 {
            p /= 2;
            self.tree[p] = self.tree[2 * p] * self.tree[2 * p + 1];
        }
    }

    /// Product of the factors in `l..r`.
    fn range(&self, l: usize, r: usize) -> f64 {
        let (mut l, mut r) = (l + self.n, r + self.n);
        let mut product = 1.0;
        while l < r {
            if l & 1 == 1 {
                product *= self.tree[l];
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                product *= self.tree[r];
            }
            l /= 2;
            r /= 2;
        }
        product
    }

    /// Product over `range`, with the factors at the `replaced` positions
    /// (ascending; those outside `range` ignored) taken from the list.
    fn product_with(&self, range: Range<usize>, replaced: &[(usize, f64)]) -> f64 {
        let mut product = 1.0;
        let mut at = range.start;
        for &(i, value) in replaced {
            if range.contains(&i) {
                product *= self.range(at, i) * value;
                at = i + 1;
            }
        }
        product * self.range(at, range.end)
    }
}
