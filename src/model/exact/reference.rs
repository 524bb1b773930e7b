//! The first closed form, kept as the slow reference the tests hold the
//! fast one to: it sums the stale share of `endpoints` over every other
//! cluster for every cluster (quadratic in the mesh) and conditions on
//! components with hash sets. Otherwise it is the same model (see the
//! parent module's docs); only the tests compile it.

use crate::model::{ConfigChanges, Host, Measure, Model};
use std::collections::{BTreeMap, HashSet};

/// Beyond this much work for one deployment and measure, the exact value is
/// left out (reported empty) rather than stalling the run.
const WORK_BUDGET: u64 = 200_000_000;

/// Exact long-run unavailability per deployment and measure, indexed
/// `[deployment][measure]`; `None` for `traffic` and where the work budget
/// is exceeded.
pub(super) fn unavailability(model: &Model) -> Vec<[Option<f64>; Measure::COUNT]> {
    let a = model.availabilities();
    let total = model.total_proxies() as f64;
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
    let calc = Calc { model, a: &a };
    let clusters = model.clusters.len() as u64;
    model
        .deployments
        .iter()
        .enumerate()
        .map(|(d, dep)| {
            let attach_sum: u64 = dep.attach.iter().map(|l| l.len() as u64).sum();
            let attach_sq: u64 = dep.attach.iter().map(|l| (l.len() as u64).pow(2)).sum();
            let mut out = [None; Measure::COUNT];
            let mut pod = 0.0;
            let mut config = 0.0;
            let mut endpoints = 0.0;
            let do_config = attach_sq * 4 <= WORK_BUDGET;
            let do_endpoints = clusters * attach_sum <= WORK_BUDGET;
            for (c, cluster) in model.clusters.iter().enumerate() {
                let p = cluster.proxies as f64;
                if p == 0.0 {
                    continue;
                }
                let base = calc.chain_set([cluster.component, cluster.api_server]);
                let connected =
                    calc.up(&base) * (1.0 - calc.none_reachable(d, c, &dep.attach[c], &base));
                pod += p * (live[c] - connected);
                if do_config {
                    let mut good = 0.0;
                    for (pos, &i) in dep.attach[c].iter().enumerate() {
                        let inst = &dep.instances[i];
                        let mut forced = base.clone();
                        let cfg_api = model.clusters[inst.config_cluster].api_server;
                        let reads = [
                            Some(inst.component),
                            Some(cfg_api),
                            model.gateway_between(c, inst),
                        ];
                        for r in reads.into_iter().flatten() {
                            forced.extend(model.chain(r));
                        }
                        good += calc.up(&forced)
                            * calc.none_reachable(d, c, &dep.attach[c][..pos], &forced);
                    }
                    config += p * (live[c] - good);
                }
                if do_endpoints {
                    let mut stale = 0.0;
                    for (k, other) in model.clusters.iter().enumerate() {
                        if k == c || other.proxies == 0 {
                            continue;
                        }
                        let api_down = 1.0 - a[other.api_server];
                        if api_down == 0.0 {
                            continue;
                        }
                        let mut forced = base.clone();
                        forced.extend(model.chain(other.component));
                        let both = calc.up(&forced)
                            * (1.0 - calc.none_reachable(d, c, &dep.attach[c], &forced));
                        stale += other.proxies as f64 / total * api_down * both;
                    }
                    endpoints += p * ((live[c] - connected) + stale);
                }
            }
            out[Measure::PodStart.index()] = Some(clamp(pod / live_weight));
            if let Some(cc) = &model.config_changes {
                out[Measure::BadConfig.index()] =
                    Some(bad_config(model, d, cc, &live, live_weight));
            }
            if do_config {
                out[Measure::Config.index()] = Some(clamp(config / live_weight));
            }
            if do_endpoints {
                out[Measure::Endpoints.index()] = Some(clamp(endpoints / live_weight));
            }
            out
        })
        .collect()
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

struct Calc<'m> {
    model: &'m Model,
    a: &'m [f64],
}

impl Calc<'_> {
    fn chain_set<const N: usize>(&self, roots: [usize; N]) -> HashSet<usize> {
        roots
            .into_iter()
            .flat_map(|r| self.model.chain(r))
            .collect()
    }

    /// P(every component in `set` is up).
    fn up(&self, set: &HashSet<usize>) -> f64 {
        let mut v: Vec<usize> = set.iter().copied().collect();
        v.sort_unstable();
        v.into_iter().map(|x| self.a[x]).product()
    }

    /// A with the forced components set to 1.
    fn av(&self, x: usize, forced: &HashSet<usize>) -> f64 {
        if forced.contains(&x) {
            1.0
        } else {
            self.a[x]
        }
    }

    /// P(none of `candidates` (instance indices of deployment `d`) is
    /// reachable from cluster `c` | every component in `forced` is up),
    /// ignoring the proxy's own API server (the caller conditions on it).
    fn none_reachable(
        &self,
        d: usize,
        c: usize,
        candidates: &[usize],
        forced: &HashSet<usize>,
    ) -> f64 {
        let model = self.model;
        let dep = &model.deployments[d];
        // Per host: P(no candidate instance on it is up).
        let mut hosts: BTreeMap<Host, f64> = BTreeMap::new();
        for &i in candidates {
            let inst = &dep.instances[i];
            *hosts.entry(inst.host).or_insert(1.0) *= 1.0 - self.av(inst.component, forced);
        }
        // Fold hosts into zones and regions, product over the tree.
        let mut zones: BTreeMap<usize, f64> = BTreeMap::new();
        let mut result = 1.0;
        for (host, none_up) in hosts {
            match host {
                Host::Cluster(h) => {
                    let hc = &model.clusters[h];
                    let inner = match model.clusters[h]
                        .gateway
                        .filter(|_| hc.network != model.clusters[c].network)
                    {
                        Some(gw) => {
                            let g = self.av(gw, forced);
                            (1.0 - g) + g * none_up
                        }
                        None => none_up,
                    };
                    let ah = self.av(hc.component, forced);
                    *zones.entry(hc.zone).or_insert(1.0) *= (1.0 - ah) + ah * inner;
                }
                Host::Site(s) => {
                    let a = self.av(model.sites[s].component, forced);
                    result *= (1.0 - a) + a * none_up;
                }
            }
        }
        let mut regions: BTreeMap<usize, f64> = BTreeMap::new();
        for (z, v) in zones {
            let az = self.av(model.zones[z].component, forced);
            let r = model.zones[z].region.expect("zones have regions");
            *regions.entry(r).or_insert(1.0) *= (1.0 - az) + az * v;
        }
        for (r, v) in regions {
            let ar = self.av(model.regions[r].component, forced);
            result *= (1.0 - ar) + ar * v;
        }
        result
    }
}
