//! The tests' reference for `regional.rs`: exact answers for meshes with
//! regional clusters by conditioning on the joint state of every zone
//! they span at once (model.md, "Replicas, regional clusters, certificate
//! issuers"). Simple and direct, but 2^(zones spanned) states: the form
//! `regional.rs` replaces it with factors over regions.
//!
//! A zone slice of a regional cluster has two parents, its zone and its
//! cluster, and a replica on a regional host needs its zone as well as
//! its host: the components are no longer a tree, so the product form of
//! the parent module does not apply as it is. Components stay independent,
//! though, and once the state of every zone a regional cluster spans is
//! fixed (up or down), the structure is a tree again: a slice becomes a
//! child of its cluster that is up exactly when its zone is, a replica's
//! availability is its own times its zone's state, and the rest is the
//! one-parent model. So every measure is the sum over those zone states
//! of their probability times the tree answer given them. The numerators
//! (bad proxies) and the denominator (live proxies) are summed separately,
//! since each measure is a ratio of expectations.
//!
//! The tree answer here is the direct form (the one `reference.rs` keeps
//! for zonal meshes): "no attached istiod reachable" is a product over
//! the tree of the candidates' paths, and the `endpoints` stale share sums
//! over every other slice. Its cost is the number of zone states (2 to the
//! number of zones regional clusters span) times slices × (slices +
//! attachment lists squared); beyond [`WORK_BUDGET`] the values are left
//! out (reported empty), never approximated.

use super::clamp;
use crate::model::{Host, Measure, Model};
use std::collections::HashSet;

/// Beyond this much work (zone states × terms) the exact values are left
/// out rather than stalling the run.
pub const WORK_BUDGET: u64 = 200_000_000;

/// Exact long-run unavailability per deployment and measure, as
/// [`super::unavailability`], for any mesh (with zonal clusters only it
/// has one zone state and gives the tree answer).
pub fn unavailability(model: &Model) -> Vec<[Option<f64>; Measure::COUNT]> {
    let none = vec![[None; Measure::COUNT]; model.deployments.len()];
    let t = Tree::new(model);
    let states = 1u64.checked_shl(t.zones.len() as u32).unwrap_or(u64::MAX);
    let slices = model.slices.len() as u64;
    let lists: u64 = model
        .deployments
        .iter()
        .flat_map(|d| d.attach.iter().map(|l| (l.len() as u64).pow(2)))
        .sum();
    let work = states
        .saturating_mul(slices.saturating_mul(slices + 1).saturating_add(lists))
        .saturating_mul(model.deployments.len() as u64);
    if t.zones.len() > 30 || work > WORK_BUDGET {
        return none;
    }
    // Per deployment: bad proxy weight of podStart, config, endpoints,
    // badConfig; and the live weight.
    let mut sums = vec![[0.0; 4]; model.deployments.len()];
    let mut live_weight = 0.0;
    for state in 0..states {
        let (w, a) = t.given(state);
        if w == 0.0 {
            continue;
        }
        let calc = Calc { t: &t, a: &a };
        live_weight += w * calc.live_weight();
        for (d, sum) in sums.iter_mut().enumerate() {
            for (s, add) in sum.iter_mut().zip(calc.bad(d)) {
                *s += w * add;
            }
        }
    }
    // A CA's `traffic` reads only the proxy's own slice and the CA: no
    // zone state couples two slices, so it needs no conditioning.
    let traffic = super::traffic::unavailability(model, &model.availabilities());
    sums.iter()
        .map(|s| {
            let mut out = [None; Measure::COUNT];
            out[Measure::Traffic.index()] = traffic;
            out[Measure::PodStart.index()] = Some(clamp(s[0] / live_weight));
            out[Measure::Config.index()] = Some(clamp(s[1] / live_weight));
            out[Measure::Endpoints.index()] = Some(clamp(s[2] / live_weight));
            if model.config_changes.is_some() {
                out[Measure::BadConfig.index()] = Some(clamp(s[3] / live_weight));
            }
            out
        })
        .collect()
}

/// The model as a tree once zone states are fixed.
struct Tree<'m> {
    model: &'m Model,
    /// Per component: its parent in the tree (a regional slice's is its
    /// cluster).
    parent: Vec<Option<usize>>,
    /// The zones conditioned on: those a regional cluster spans.
    zones: Vec<usize>,
    /// Per component: the position in `zones` of the zone whose state it
    /// follows (a conditioned zone, a slice in it, a replica in it).
    follows: Vec<Option<usize>>,
    /// Own availabilities, before conditioning.
    own: Vec<f64>,
}

impl<'m> Tree<'m> {
    fn new(model: &'m Model) -> Self {
        let n = model.components.len();
        let mut parent: Vec<Option<usize>> = model.components.iter().map(|c| c.parent).collect();
        let mut zones: Vec<usize> = Vec::new();
        let mut follows = vec![None; n];
        for s in model.slices.iter().filter(|s| s.regional(model)) {
            let at = match zones.iter().position(|&z| z == s.zone) {
                Some(at) => at,
                None => {
                    zones.push(s.zone);
                    follows[model.zones[s.zone].component] = Some(zones.len() - 1);
                    zones.len() - 1
                }
            };
            parent[s.component] = Some(model.clusters[s.cluster].component);
            follows[s.component] = Some(at);
        }
        // A replica in a slice follows its zone (through the slice, which
        // is on its chain; noted for the instances' availability).
        let own = model.components.iter().map(|c| c.availability()).collect();
        Tree {
            model,
            parent,
            zones,
            follows,
            own,
        }
    }

    /// The probability of zone state `state` (bit k: zone k up) and every
    /// component's availability given it (given its tree parent up).
    fn given(&self, state: u64) -> (f64, Vec<f64>) {
        let model = self.model;
        let up = |k: usize| state >> k & 1 == 1;
        let mut w = 1.0;
        for (k, &z) in self.zones.iter().enumerate() {
            let a = self.own[model.zones[z].component];
            w *= if up(k) { a } else { 1.0 - a };
        }
        let mut a = self.own.clone();
        for (x, f) in self.follows.iter().enumerate() {
            if let Some(k) = f {
                a[x] = if up(*k) { 1.0 } else { 0.0 };
            }
        }
        // A regional slice is up with its cluster, which is its tree
        // parent: given the parent, only the zone's state is left.
        for set in &model.replica_sets {
            let zone_up = |r: usize| {
                let p = model.components[r].parent.expect("replicas have hosts");
                self.follows[p].map_or(1.0, |k| a[model.zones[self.zones[k]].component])
            };
            let common = set.common.map_or(1.0, |c| self.own[c]);
            let all_down: f64 = set
                .replicas
                .iter()
                .map(|&r| 1.0 - self.own[r] * zone_up(r))
                .product();
            a[set.instance] = common * (1.0 - all_down);
        }
        (w, a)
    }

    /// `x` and its tree ancestors.
    fn chain(&self, x: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(x), |&c| self.parent[c])
    }
}

/// The tree answer for one zone state.
struct Calc<'t, 'm> {
    t: &'t Tree<'m>,
    a: &'t [f64],
}

impl Calc<'_, '_> {
    fn model(&self) -> &Model {
        self.t.model
    }

    fn chain_set(&self, roots: &[usize]) -> HashSet<usize> {
        roots.iter().flat_map(|&r| self.t.chain(r)).collect()
    }

    /// P(every component in `set` is up).
    fn up(&self, set: &HashSet<usize>) -> f64 {
        let mut v: Vec<usize> = set.iter().copied().collect();
        v.sort_unstable();
        v.into_iter().map(|x| self.a[x]).product()
    }

    fn av(&self, x: usize, forced: &HashSet<usize>) -> f64 {
        if forced.contains(&x) {
            1.0
        } else {
            self.a[x]
        }
    }

    /// P(slice s is live).
    fn live(&self, s: usize) -> f64 {
        self.t
            .chain(self.model().slices[s].component)
            .map(|x| self.a[x])
            .product()
    }

    fn live_weight(&self) -> f64 {
        (0..self.model().slices.len())
            .map(|s| self.model().slices[s].proxies as f64 * self.live(s))
            .sum()
    }

    /// Bad proxy weight of deployment `d` given this zone state: podStart,
    /// config, endpoints, badConfig.
    fn bad(&self, d: usize) -> [f64; 4] {
        let model = self.model();
        let dep = &model.deployments[d];
        let total = model.total_proxies() as f64;
        let mut out = [0.0; 4];
        for (s, slice) in model.slices.iter().enumerate() {
            let p = slice.proxies as f64;
            if p == 0.0 {
                continue;
            }
            let c = slice.cluster;
            let api = model.clusters[c].api_server;
            let list = &dep.attach[c];
            let live = self.live(s);
            let base = self.chain_set(&[slice.component, api]);
            let connected = self.up(&base) * (1.0 - self.none_reachable(d, c, list, &base));
            out[0] += p * (live - connected);
            let mut good = 0.0;
            for (pos, &i) in list.iter().enumerate() {
                let inst = &dep.instances[i];
                let cfg_api = model.clusters[inst.config_cluster].api_server;
                let mut roots = vec![inst.component, cfg_api];
                roots.extend(model.gateway_between(c, inst));
                let mut forced = base.clone();
                forced.extend(self.chain_set(&roots));
                good += self.up(&forced) * self.none_reachable(d, c, &list[..pos], &forced);
            }
            out[1] += p * (live - good);
            let mut stale = 0.0;
            for other in &model.slices {
                let other_api = model.clusters[other.cluster].api_server;
                if other.proxies == 0 || base.contains(&other_api) {
                    // Its own cluster's API server down: not connected.
                    continue;
                }
                let api_down = 1.0 - self.a[other_api];
                let mut forced = base.clone();
                forced.extend(self.t.chain(other.component));
                let both = self.up(&forced) * (1.0 - self.none_reachable(d, c, list, &forced));
                stale += other.proxies as f64 / total * api_down * both;
            }
            out[2] += p * ((live - connected) + stale);
            if let Some(cc) = &model.config_changes {
                let exposure = cc.exposure_hours(list[0]);
                out[3] += p * live * -(-cc.bad_per_hour * exposure).exp_m1();
            }
        }
        out
    }

    /// P(none of `candidates` (instances of deployment `d`) is reachable
    /// from cluster `c` | every component in `forced` is up): each
    /// candidate is reachable when every component on its path is up (its
    /// chain, and its host's gateway across networks, which sits between
    /// the host and the istiod); paths share their tops, so the
    /// probability is a product over the tree they make.
    fn none_reachable(
        &self,
        d: usize,
        c: usize,
        candidates: &[usize],
        forced: &HashSet<usize>,
    ) -> f64 {
        let model = self.model();
        let dep = &model.deployments[d];
        let paths: Vec<Vec<usize>> = candidates
            .iter()
            .map(|&i| {
                let inst = &dep.instances[i];
                let mut path: Vec<usize> = self.t.chain(inst.component).collect();
                path.reverse();
                if let (Some(g), Host::Cluster(h)) = (model.gateway_between(c, inst), inst.host) {
                    let host = model.clusters[h].component;
                    let at = path.iter().position(|&x| x == host).expect("host on chain");
                    path.insert(at + 1, g);
                }
                path
            })
            .collect();
        let refs: Vec<&[usize]> = paths.iter().map(Vec::as_slice).collect();
        self.none_up(&refs, forced)
    }

    /// P(no path in `paths` has every component up), the paths starting
    /// at tree roots and sharing prefixes.
    fn none_up(&self, paths: &[&[usize]], forced: &HashSet<usize>) -> f64 {
        let mut firsts: Vec<usize> = paths.iter().filter_map(|p| p.first().copied()).collect();
        firsts.sort_unstable();
        firsts.dedup();
        let mut result = 1.0;
        for n in firsts {
            let tails: Vec<&[usize]> = paths
                .iter()
                .filter(|p| p.first() == Some(&n))
                .map(|p| &p[1..])
                .collect();
            let below = if tails.iter().any(|t| t.is_empty()) {
                0.0
            } else {
                self.none_up(&tails, forced)
            };
            let a = self.av(n, forced);
            result *= (1.0 - a) + a * below;
        }
        result
    }
}
