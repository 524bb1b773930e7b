//! The stale share of `endpoints` in time linear in the mesh.
//!
//! A connected proxy in cluster c sees stale endpoints in every other live
//! cluster k whose API server is down, weighted by k's share of the mesh's
//! proxies:
//!
//! ```text
//! Σ_{k≠c} w_k · q_k · P(c's chain, k's chain up) · P(c connected | both chains up)
//! ```
//!
//! with `q_k` = P(k's API server down). Summed over k for every c, that is
//! quadratic in the clusters: at 10,000 clusters it took two minutes. But
//! the term depends on k only through what k's chain shares with c's and
//! with the attached instances' hosts:
//!
//! - P(both chains up) = P(c's chain up) · a(k) · a(k's zone, unless c's)
//!   · a(k's region, unless c's);
//! - P(c connected | both chains up) differs from P(c connected | c's
//!   chain up) only when k's chain holds a component the attached
//!   instances are reached through: k's region, zone or cluster hosts an
//!   attached istiod.
//!
//! So the weights `t_k = w_k · q_k · a(k)` are summed once per zone, per
//! region (each zone's sum times its availability) and over the mesh, and
//! for each zone, region and cluster the sum over its siblings (prefix plus
//! suffix sums, so nothing is subtracted and nothing cancels). Cluster c's
//! share is then the sum over every other cluster times P(connected | c's
//! chain up), corrected on the few subtrees that hold an attached host: a
//! host's region, its zone and the host itself each move their own weight
//! from the probability of their parent's condition to their own,
//! telescoping down to the right probability for every k inside. That is
//! O(distinct hosts) probabilities per cluster instead of O(clusters).

use crate::model::{Deployment, Host, Model};

/// The per-cluster weights and their sums over zones, regions and the
/// mesh, which do not depend on the deployment.
pub(super) struct StaleWeights<'m> {
    model: &'m Model,
    a: &'m [f64],
    /// Per cluster k: `t_k = w_k · q_k · a(k)`.
    own: Vec<f64>,
    /// Per zone: Σ `t_k` over its clusters.
    zone: Vec<f64>,
    /// Per region: Σ a(zone) · zone sum over its zones.
    region: Vec<f64>,
    /// Per cluster: Σ `t_k` over the other clusters of its zone.
    others_in_zone: Vec<f64>,
    /// Per zone: Σ a(zone) · zone sum over the other zones of its region.
    others_in_region: Vec<f64>,
    /// Per region: Σ a(region) · region sum over the other regions.
    others_in_mesh: Vec<f64>,
    /// Scratch: the attached host clusters of one cluster.
    hosts: Vec<usize>,
}

impl<'m> StaleWeights<'m> {
    /// The weights of `model`'s clusters with component availabilities `a`.
    pub(super) fn new(model: &'m Model, a: &'m [f64]) -> Self {
        let total = model.total_proxies() as f64;
        let own: Vec<f64> = model
            .clusters
            .iter()
            .map(|k| {
                if k.proxies == 0 {
                    return 0.0;
                }
                k.proxies as f64 / total * (1.0 - a[k.api_server]) * a[k.component]
            })
            .collect();
        let mut clusters_of_zone = vec![Vec::new(); model.zones.len()];
        let mut zones_of_region = vec![Vec::new(); model.regions.len()];
        let mut zone_seen = vec![false; model.zones.len()];
        for (k, cluster) in model.clusters.iter().enumerate() {
            clusters_of_zone[cluster.zone].push(k);
            if !zone_seen[cluster.zone] {
                zone_seen[cluster.zone] = true;
                zones_of_region[cluster.region].push(cluster.zone);
            }
        }
        let zone: Vec<f64> = clusters_of_zone
            .iter()
            .map(|ks| ks.iter().map(|&k| own[k]).sum())
            .collect();
        let zone_weight = |z: usize| a[model.zones[z].component] * zone[z];
        let region: Vec<f64> = zones_of_region
            .iter()
            .map(|zs| zs.iter().map(|&z| zone_weight(z)).sum())
            .collect();
        let mut others_in_zone = vec![0.0; model.clusters.len()];
        for ks in &clusters_of_zone {
            spread_others(ks, |k| own[k], &mut others_in_zone);
        }
        let mut others_in_region = vec![0.0; model.zones.len()];
        for zs in &zones_of_region {
            spread_others(zs, zone_weight, &mut others_in_region);
        }
        let mut others_in_mesh = vec![0.0; model.regions.len()];
        let all: Vec<usize> = (0..model.regions.len()).collect();
        spread_others(
            &all,
            |r| a[model.regions[r].component] * region[r],
            &mut others_in_mesh,
        );
        StaleWeights {
            model,
            a,
            own,
            zone,
            region,
            others_in_zone,
            others_in_region,
            others_in_mesh,
            hosts: Vec::new(),
        }
    }

    /// Σ_{k≠c} `t_k` · a(k's zone and region where not c's) ·
    /// P(c connected | c's chain and k's chain up): cluster c's stale share
    /// divided by P(c's chain up). `attach` is c's attachment list in
    /// `dep`, `connected` is P(c connected | c's chain up), and
    /// `connected_given(extra)` the same given also the components of
    /// `extra` (a region, its zone, a cluster of that zone) up.
    pub(super) fn share(
        &mut self,
        c: usize,
        dep: &Deployment,
        attach: &[usize],
        connected: f64,
        mut connected_given: impl FnMut(&[usize]) -> f64,
    ) -> f64 {
        let (model, a) = (self.model, self.a);
        let me = &model.clusters[c];
        let mut share = connected
            * (self.others_in_zone[c]
                + self.others_in_region[me.zone]
                + self.others_in_mesh[me.region]);
        self.hosts.clear();
        self.hosts
            .extend(attach.iter().filter_map(|&i| match dep.instances[i].host {
                Host::Cluster(h) => Some(h),
                Host::Site(_) => None,
            }));
        let clusters = &model.clusters;
        self.hosts
            .sort_unstable_by_key(|&h| (clusters[h].region, clusters[h].zone, h));
        self.hosts.dedup();
        // Walking the hosts in (region, zone) order, each subtree's weight
        // (the factor of its components outside c's chain) and P(connected)
        // given its root is up.
        let mut region = usize::MAX;
        let mut zone = usize::MAX;
        let (mut region_w, mut region_p) = (1.0, connected);
        let (mut zone_w, mut zone_p) = (1.0, connected);
        for &h in &self.hosts {
            let host = &clusters[h];
            let rc = model.regions[host.region].component;
            let zc = model.zones[host.zone].component;
            if host.region != region {
                region = host.region;
                zone = usize::MAX;
                if region == me.region {
                    (region_w, region_p) = (1.0, connected);
                } else {
                    region_w = a[rc];
                    region_p = connected_given(&[rc]);
                    share += region_w * self.region[region] * (region_p - connected);
                }
            }
            if host.zone != zone {
                zone = host.zone;
                if zone == me.zone {
                    (zone_w, zone_p) = (1.0, connected);
                } else {
                    zone_w = region_w * a[zc];
                    zone_p = connected_given(&[rc, zc]);
                    share += zone_w * self.zone[zone] * (zone_p - region_p);
                }
            }
            if h != c {
                let host_p = connected_given(&[rc, zc, host.component]);
                share += zone_w * self.own[h] * (host_p - zone_p);
            }
        }
        share
    }
}

/// For each member i of `members`, writes Σ_{j≠i} `value(j)` to
/// `out[member]`, from prefix and suffix sums.
fn spread_others(members: &[usize], value: impl Fn(usize) -> f64, out: &mut [f64]) {
    let mut before = 0.0;
    for &m in members {
        out[m] = before;
        before += value(m);
    }
    let mut after = 0.0;
    for &m in members.iter().rev() {
        out[m] += after;
        after += value(m);
    }
}
