//! Exact answers for meshes with regional clusters, by conditioning each
//! region on its own zones' states (model.md, "Replicas, regional
//! clusters, certificate issuers").
//!
//! A zone slice of a regional cluster has two parents, its zone and its
//! cluster, and a replica on a regional host needs its zone as well as
//! its host: the components are no tree, so the product form of the
//! parent module does not apply as it is. Once the state (up or down) of
//! every zone of a region is fixed, that region is a tree again: a slice
//! is a child of its cluster that is up exactly when its zone is, a
//! replica's availability is its own times its zone's state, and the rest
//! is the one-parent model.
//!
//! Conditioning on every zone of the mesh at once (`by_zone_states.rs`,
//! kept as the tests' reference) costs 2^(all zones). It is not needed:
//! components are independent and every component belongs to one *group*,
//! the region (or external site) at the top of its chain. Every term the
//! measures are built from reads "these components up and none of these
//! candidates reachable", and each forced chain and each candidate's path
//! (instance chain, plus its host's gateway) lies inside one group. So
//! the term is a product over groups of
//!
//! ```text
//! F_g = Σ_{states σ of g's zones} P(σ) · P(forced_g up ∧ no candidate of g reachable | σ)
//! ```
//!
//! each summed over its own 2^(Z_g) states, and a group neither forced
//! nor holding a candidate gives 1. Per proxy slice s (group r) of cluster
//! c, with list L and G_g its groups' factors with nothing forced:
//!
//! - `podStart`: connected = P(base up) − F_r(base) · Π_{g≠r} G_g, where
//!   base is s's chain and its API server's;
//! - `config`: Σ over positions of the factors with the position's path
//!   and config API server forced and the prefix as candidates; the
//!   prefix's G_g is updated one group at a time, and only the two or
//!   three groups the forced chains touch are summed again;
//! - `endpoints`: the stale share sums over slices o of other clusters;
//!   with o in another group g only two factors change, so
//!   Σ_{o∈g} w_o q_o F_g(o's chain) is summed once per (cluster, group)
//!   and every slice of the cluster reads it; slices of s's own group are
//!   summed directly;
//! - `badConfig` needs only P(s live).
//!
//! The cost is a sum over groups of 2^(Z_g) times the per-slice tree
//! work, not a product: 10 regions × 3 zones take milliseconds where the
//! reference took 2^30 states. A region of more than [`MAX_ZONES`] zones,
//! tables past [`TABLE_BUDGET`] or work past [`WORK_BUDGET`] (say a
//! region of 18 zones, or thousands of regional clusters with failover
//! across the mesh: the stale sums are quadratic then) are still out of
//! reach: the values are left out, never approximated.

use super::clamp;
use crate::model::{Deployment, Measure, Model};

/// A group of more zones than this is not conditioned on: 2^Z states.
pub const MAX_ZONES: usize = 20;

/// Beyond this many availabilities held (zone states × a group's
/// components, summed over groups; 8 bytes each) the values are left out.
pub const TABLE_BUDGET: usize = 1 << 24;

/// Beyond this estimated work (zone states × terms × path lengths; the
/// 20 regions × 5 zones × 3 clusters mesh of BENCHMARKS.md estimates 1e9
/// and takes about 50 ms) the values are left out rather than stalling
/// the run.
pub const WORK_BUDGET: f64 = 5e10;

/// Exact long-run unavailability per deployment and measure, as
/// [`super::unavailability`], for any mesh (with zonal clusters only it
/// gives the tree answer, conditioning on zones that need it not).
pub fn unavailability(model: &Model) -> Vec<[Option<f64>; Measure::COUNT]> {
    let none = vec![[None; Measure::COUNT]; model.deployments.len()];
    let Some(groups) = Groups::new(model) else {
        return none;
    };
    if groups.work() > WORK_BUDGET {
        return none;
    }
    // A CA's `traffic` reads only the proxy's own slice and the CA: no
    // zone state couples two slices, so it needs no conditioning.
    let traffic = super::traffic::unavailability(model, &model.availabilities());
    let calc = Calc::new(&groups);
    (0..model.deployments.len())
        .map(|d| {
            let s = calc.deployment(d);
            let mut out = [None; Measure::COUNT];
            out[Measure::Traffic.index()] = traffic;
            out[Measure::PodStart.index()] = Some(clamp(s[0] / calc.live_weight));
            out[Measure::Config.index()] = Some(clamp(s[1] / calc.live_weight));
            out[Measure::Endpoints.index()] = Some(clamp(s[2] / calc.live_weight));
            if model.config_changes.is_some() {
                out[Measure::BadConfig.index()] = Some(clamp(s[3] / calc.live_weight));
            }
            out
        })
        .collect()
}

/// The mesh cut into independent groups (a region with its zones, or an
/// external site), each with its components' availabilities given each
/// state of its zones.
struct Groups<'m> {
    model: &'m Model,
    /// Per component: its parent in the tree a fixed zone state leaves (a
    /// regional slice's is its cluster).
    parent: Vec<Option<usize>>,
    /// Per component: its group.
    group: Vec<usize>,
    /// Per component: its index among its group's members.
    local: Vec<usize>,
    /// Per group: its member count.
    size: Vec<usize>,
    /// Per group, per zone state: the state's probability.
    weight: Vec<Vec<f64>>,
    /// Per group: per zone state (state-major), each member's
    /// availability given its tree parent up and the state.
    cond: Vec<Vec<f64>>,
}

impl<'m> Groups<'m> {
    /// `None` when a group has more than [`MAX_ZONES`] zones.
    fn new(model: &'m Model) -> Option<Self> {
        let n = model.components.len();
        let mut parent: Vec<Option<usize>> = model.components.iter().map(|c| c.parent).collect();
        for s in model.slices.iter().filter(|s| s.regional(model)) {
            parent[s.component] = Some(model.clusters[s.cluster].component);
        }
        // Groups are the roots of the model's chains, in component order.
        let mut group_of_root = vec![usize::MAX; n];
        let mut group = vec![0; n];
        let mut local = vec![0; n];
        let mut size: Vec<usize> = Vec::new();
        for x in 0..n {
            let root = model.chain(x).last().unwrap_or(x);
            if group_of_root[root] == usize::MAX {
                group_of_root[root] = size.len();
                size.push(0);
            }
            let g = group_of_root[root];
            group[x] = g;
            local[x] = size[g];
            size[g] += 1;
        }
        // Every zone of a group is conditioned on; a slice follows its zone.
        let mut zones: Vec<Vec<usize>> = vec![Vec::new(); size.len()];
        let mut follows: Vec<Option<usize>> = vec![None; n];
        for z in &model.zones {
            let g = group[z.component];
            follows[z.component] = Some(zones[g].len());
            zones[g].push(z.component);
        }
        if zones.iter().any(|z| z.len() > MAX_ZONES) {
            return None;
        }
        let table: usize = zones.iter().zip(&size).map(|(z, n)| n << z.len()).sum();
        if table > TABLE_BUDGET {
            return None;
        }
        for s in model.slices.iter().filter(|s| s.regional(model)) {
            follows[s.component] = follows[model.zones[s.zone].component];
        }
        let own: Vec<f64> = model.components.iter().map(|c| c.availability()).collect();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); size.len()];
        for x in 0..n {
            members[group[x]].push(x);
        }
        let mut weight = Vec::with_capacity(size.len());
        let mut cond = Vec::with_capacity(size.len());
        for (g, zs) in zones.iter().enumerate() {
            let states = 1usize << zs.len();
            let mut w = Vec::with_capacity(states);
            let mut c = Vec::with_capacity(states * size[g]);
            for state in 0..states {
                let up = |k: usize| state >> k & 1 == 1;
                w.push(
                    zs.iter()
                        .enumerate()
                        .map(|(k, &z)| if up(k) { own[z] } else { 1.0 - own[z] })
                        .product::<f64>(),
                );
                let row = c.len();
                c.extend(members[g].iter().map(|&x| match follows[x] {
                    Some(k) => f64::from(u8::from(up(k))),
                    None => own[x],
                }));
                // A replica set's instance is up given its host when its
                // common-cause process is and some replica is, a replica
                // being up when it and its zone (its slice's state) are.
                for set in model.replica_sets.iter().filter(|s| group[s.instance] == g) {
                    let zone_up = |r: usize| {
                        model.components[r]
                            .parent
                            .and_then(|p| follows[p])
                            .map_or(1.0, |k| f64::from(u8::from(up(k))))
                    };
                    let common = set.common.map_or(1.0, |x| own[x]);
                    let all_down: f64 = set
                        .replicas
                        .iter()
                        .map(|&r| 1.0 - own[r] * zone_up(r))
                        .product();
                    c[row + local[set.instance]] = common * (1.0 - all_down);
                }
            }
            weight.push(w);
            cond.push(c);
        }
        Some(Groups {
            model,
            parent,
            group,
            local,
            size,
            weight,
            cond,
        })
    }

    /// An estimate of the work of [`Calc::deployment`] over every
    /// deployment: per cluster, the groups' factors and stale sums, and
    /// per slice its own group's terms and the config terms, each a sum
    /// over zone states of a walk over the list's paths.
    fn work(&self) -> f64 {
        let model = self.model;
        let states = |g: usize| self.weight[g].len() as f64;
        let most = (0..self.size.len()).map(states).fold(1.0, f64::max);
        let mut slices = vec![0.0; self.size.len()];
        for s in &model.slices {
            slices[self.group[s.component]] += 1.0;
        }
        let per_group: f64 = (0..self.size.len())
            .map(|g| (slices[g] + 1.0) * states(g))
            .sum();
        let mut work = 0.0;
        for dep in &model.deployments {
            for (c, cluster) in model.clusters.iter().enumerate() {
                let list = dep.attach[c].len() as f64 + 8.0;
                let r = self.group[cluster.component];
                let own = (2.0 + 2.0 * slices[r]) * states(r) + 4.0 * list * most;
                work += list * (per_group + cluster.slices.len() as f64 * own);
            }
        }
        work
    }

    /// `x` and its tree ancestors, root last.
    fn chain(&self, x: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(x), |&c| self.parent[c])
    }

    /// F_g: P(every component of `forced` up ∧ no path of `paths` wholly
    /// up), `forced` closed under tree parents and inside group `g`,
    /// `paths` root first, inside `g`, sorted.
    fn factor(&self, g: usize, forced: &[usize], paths: &[&[usize]]) -> f64 {
        if forced.is_empty() && paths.is_empty() {
            return 1.0;
        }
        let n = self.size[g];
        self.weight[g]
            .iter()
            .enumerate()
            .filter(|(_, &w)| w != 0.0)
            .map(|(state, &w)| {
                let row = &self.cond[g][state * n..(state + 1) * n];
                let up: f64 = forced.iter().map(|&x| row[self.local[x]]).product();
                if up == 0.0 || paths.is_empty() {
                    return w * up;
                }
                w * up * self.none_up(row, paths, 0, forced)
            })
            .sum()
    }

    /// P(no path wholly up | `forced` up) in one zone state (`row`): the
    /// paths share their first `depth` nodes and are sorted, so those
    /// through each next node lie together, and the probability is a
    /// product over the tree they make.
    fn none_up(&self, row: &[f64], paths: &[&[usize]], depth: usize, forced: &[usize]) -> f64 {
        let mut result = 1.0;
        let mut i = 0;
        while i < paths.len() {
            let node = paths[i][depth];
            let j = i + paths[i..].iter().take_while(|p| p[depth] == node).count();
            // Sorted: a path ending here comes first, and it is up when
            // this node is.
            let below = if paths[i].len() == depth + 1 {
                0.0
            } else {
                self.none_up(row, &paths[i..j], depth + 1, forced)
            };
            let a = if forced.contains(&node) {
                1.0
            } else {
                row[self.local[node]]
            };
            result *= (1.0 - a) + a * below;
            i = j;
        }
        result
    }
}

/// The sums that do not depend on the deployment, and the measures.
struct Calc<'g, 'm> {
    g: &'g Groups<'m>,
    /// Per slice: its tree chain, sorted.
    chains: Vec<Vec<usize>>,
    /// Per slice: its group.
    slice_group: Vec<usize>,
    /// Per slice: P(live).
    live: Vec<f64>,
    /// Per slice: its stale weight w_o · q_o (share of the mesh's proxies
    /// times P(its API server down)).
    stale_weight: Vec<f64>,
    /// Per group: its slices.
    slices_of: Vec<Vec<usize>>,
    /// Per group: Σ over its slices of stale weight · P(live).
    stale_live: Vec<f64>,
    /// Σ proxies · P(live) over the mesh.
    live_weight: f64,
}

impl<'g, 'm> Calc<'g, 'm> {
    fn new(g: &'g Groups<'m>) -> Self {
        let model = g.model;
        let total = model.total_proxies() as f64;
        let chains: Vec<Vec<usize>> = model
            .slices
            .iter()
            .map(|s| sorted(g.chain(s.component)))
            .collect();
        let slice_group: Vec<usize> = model.slices.iter().map(|s| g.group[s.component]).collect();
        let live: Vec<f64> = chains
            .iter()
            .zip(&slice_group)
            .map(|(c, &gr)| g.factor(gr, c, &[]))
            .collect();
        let stale_weight: Vec<f64> = model
            .slices
            .iter()
            .map(|s| {
                let api = model.clusters[s.cluster].api_server;
                s.proxies as f64 / total * (1.0 - model.components[api].availability())
            })
            .collect();
        let mut slices_of = vec![Vec::new(); g.size.len()];
        let mut stale_live = vec![0.0; g.size.len()];
        for (s, &gr) in slice_group.iter().enumerate() {
            slices_of[gr].push(s);
            stale_live[gr] += stale_weight[s] * live[s];
        }
        let live_weight = model
            .slices
            .iter()
            .zip(&live)
            .map(|(s, l)| s.proxies as f64 * l)
            .sum();
        Calc {
            g,
            chains,
            slice_group,
            live,
            stale_weight,
            slices_of,
            stale_live,
            live_weight,
        }
    }

    /// Bad proxy weight of deployment `d`: podStart, config, endpoints,
    /// badConfig.
    fn deployment(&self, d: usize) -> [f64; 4] {
        let g = self.g;
        let model = g.model;
        let dep = &model.deployments[d];
        let groups = g.size.len();
        let mut out = [0.0; 4];
        for (c, cluster) in model.clusters.iter().enumerate() {
            if cluster.proxies == 0 {
                continue;
            }
            let list = &dep.attach[c];
            // Each candidate's path, root first, with its host's gateway
            // between the host and the istiod when the proxy must cross it.
            let paths: Vec<Vec<usize>> = list
                .iter()
                .map(|&i| {
                    let inst = &dep.instances[i];
                    let mut path: Vec<usize> = g.chain(inst.component).collect();
                    path.reverse();
                    if let Some(gw) = model.gateway_between(c, inst) {
                        let host = g.parent[gw].expect("a gateway has its cluster");
                        let at = path.iter().position(|&x| x == host).expect("host on chain");
                        path.insert(at + 1, gw);
                    }
                    path
                })
                .collect();
            let mut by_group: Vec<Vec<&[usize]>> = vec![Vec::new(); groups];
            for p in &paths {
                by_group[g.group[p[0]]].push(p);
            }
            for ps in &mut by_group {
                ps.sort_unstable();
            }
            let none: Vec<f64> = (0..groups)
                .map(|h| g.factor(h, &[], &by_group[h]))
                .collect();
            // Per other group: Σ stale weight · F(slice chain, list's paths).
            let stale_none: Vec<f64> = (0..groups)
                .map(|h| {
                    if by_group[h].is_empty() {
                        return self.stale_live[h];
                    }
                    self.slices_of[h]
                        .iter()
                        .filter(|&&o| model.slices[o].cluster != c && self.stale_weight[o] != 0.0)
                        .map(|&o| self.stale_weight[o] * g.factor(h, &self.chains[o], &by_group[h]))
                        .sum()
                })
                .collect();
            let api_chain: Vec<usize> = g.chain(cluster.api_server).collect();
            for s in cluster.slices.clone() {
                let p = model.slices[s].proxies as f64;
                if p == 0.0 {
                    continue;
                }
                let r = self.slice_group[s];
                let live = self.live[s];
                let base = sorted(
                    self.chains[s]
                        .iter()
                        .copied()
                        .chain(api_chain.iter().copied()),
                );
                let base_up = g.factor(r, &base, &[]);
                let own_none = g.factor(r, &base, &by_group[r]);
                // Π_{h≠r, h≠k} none[h], from prefix and suffix products.
                let mut others = vec![1.0; groups];
                let mut before = 1.0;
                for h in 0..groups {
                    others[h] = before;
                    if h != r {
                        before *= none[h];
                    }
                }
                let mut after = 1.0;
                for h in (0..groups).rev() {
                    others[h] *= after;
                    if h != r {
                        after *= none[h];
                    }
                }
                let rest = others[r];
                let connected = base_up - own_none * rest;
                out[0] += p * (live - connected);

                let mut stale = 0.0;
                for h in (0..groups).filter(|&h| h != r) {
                    stale += base_up * self.stale_live[h] - own_none * others[h] * stale_none[h];
                }
                let mut forced: Vec<usize> = Vec::new();
                for &o in &self.slices_of[r] {
                    if model.slices[o].cluster == c || self.stale_weight[o] == 0.0 {
                        continue;
                    }
                    forced.clear();
                    forced.extend(&base);
                    forced.extend(&self.chains[o]);
                    forced.sort_unstable();
                    forced.dedup();
                    let both =
                        g.factor(r, &forced, &[]) - g.factor(r, &forced, &by_group[r]) * rest;
                    stale += self.stale_weight[o] * both;
                }
                out[2] += p * ((live - connected) + stale);

                out[1] += p * (live - self.config_good(dep, list, &paths, &base));

                if let Some(cc) = &model.config_changes {
                    let exposure = cc.exposure_hours(list[0]);
                    out[3] += p * live * -(-cc.bad_per_hour * exposure).exp_m1();
                }
            }
        }
        out
    }

    /// P(base up ∧ the first reachable instance of `list` has its config
    /// API server up): Σ over positions of P(its path, its config source
    /// and base up ∧ none of the earlier ones reachable).
    fn config_good(
        &self,
        dep: &Deployment,
        list: &[usize],
        paths: &[Vec<usize>],
        base: &[usize],
    ) -> f64 {
        let g = self.g;
        let model = g.model;
        let groups = g.size.len();
        // The prefix's candidates per group, sorted, and their factors.
        let mut prefix: Vec<Vec<&[usize]>> = vec![Vec::new(); groups];
        let mut prefix_none = vec![1.0; groups];
        let mut forced: Vec<usize> = Vec::new();
        let mut touched: Vec<usize> = Vec::new();
        let mut good = 0.0;
        for (pos, &i) in list.iter().enumerate() {
            let inst = &dep.instances[i];
            let cfg_api = model.clusters[inst.config_cluster].api_server;
            forced.clear();
            forced.extend(base);
            forced.extend(&paths[pos]);
            forced.extend(g.chain(cfg_api));
            forced.sort_unstable();
            forced.dedup();
            touched.clear();
            touched.extend(forced.iter().map(|&x| g.group[x]));
            touched.sort_unstable();
            touched.dedup();
            let mut term = 1.0;
            for h in 0..groups {
                if touched.binary_search(&h).is_ok() {
                    let mine: Vec<usize> = forced
                        .iter()
                        .copied()
                        .filter(|&x| g.group[x] == h)
                        .collect();
                    term *= g.factor(h, &mine, &prefix[h]);
                } else {
                    term *= prefix_none[h];
                }
                if term == 0.0 {
                    break;
                }
            }
            good += term;
            let h = g.group[paths[pos][0]];
            let at = prefix[h].partition_point(|p| *p < paths[pos].as_slice());
            prefix[h].insert(at, &paths[pos]);
            prefix_none[h] = g.factor(h, &[], &prefix[h]);
        }
        good
    }
}

/// The components of `items`, ascending and each once.
fn sorted(items: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut v: Vec<usize> = items.collect();
    v.sort_unstable();
    v.dedup();
    v
}
