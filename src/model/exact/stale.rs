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
//! telescoping down to the right probability for every k inside. Each of
//! those probabilities is the fold of c's attachment list with one path
//! forced up, O(1) from the fold's nodes ([`Tree`]); so a cluster costs
//! O(its attachment list) instead of O(clusters).

use super::reach::Tree;
use crate::model::Model;

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
        }
    }

    /// Σ_{k≠c} `t_k` · a(k's zone and region where not c's) ·
    /// P(c connected | c's chain and k's chain up): cluster c's stale share
    /// divided by P(c's chain up). `tree` is the fold of c's attachment
    /// list given c's chain up, and `connected` its P(connected).
    pub(super) fn share(&self, c: usize, tree: &Tree, connected: f64) -> f64 {
        let (model, a) = (self.model, self.a);
        let me = &model.clusters[c];
        let mut share = connected
            * (self.others_in_zone[c]
                + self.others_in_region[me.zone]
                + self.others_in_mesh[me.region]);
        // Each subtree holding an attached host: its weight (the factor of
        // its components outside c's chain) and P(connected) given its
        // root up. c's own region and zone are already up.
        for (ri, r) in tree.regions.iter().enumerate() {
            let (region_w, region_p) = if r.region == me.region {
                (1.0, connected)
            } else {
                let w = a[model.regions[r.region].component];
                let p = 1.0 - tree.none_given_region(ri);
                share += w * self.region[r.region] * (p - connected);
                (w, p)
            };
            for zi in r.zones.clone() {
                let z = &tree.zones[zi];
                let (zone_w, zone_p) = if z.zone == me.zone {
                    (1.0, connected)
                } else {
                    let w = region_w * a[model.zones[z.zone].component];
                    let p = 1.0 - tree.none_given_zone(ri, zi);
                    share += w * self.zone[z.zone] * (p - region_p);
                    (w, p)
                };
                for hi in z.hosts.clone() {
                    let h = tree.hosts[hi].cluster;
                    if h != c {
                        let p = 1.0 - tree.none_given_host(ri, zi, hi);
                        share += zone_w * self.own[h] * (p - zone_p);
                    }
                }
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
