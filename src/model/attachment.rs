//! Step 4 of building a model: which of a deployment's placed istiods each
//! cluster's proxies use, in order (model.md, "Deployments").
//!
//! Rules, all deterministic:
//! - Default attachment (`per` and `external` placements): the nearest
//!   instance (same cluster, zone, region, else anywhere; a regional
//!   cluster and the istiods it hosts are in no one zone), ties given to
//!   the one with the fewest proxies assigned so far, then to the first in
//!   placement order. `failover` appends the other instances of its scope,
//!   nearest first.
//! - Explicit instances: each cluster's `attach` list as given; `failover`
//!   appends the instances of its scope missing from it, nearest first.
//!   Their `domain` is the zone of the cluster's first listed instance (or
//!   its external site, or its region on a regional cluster): explicit
//!   instances have no `per`, so the domain is where the cluster's chosen
//!   primary was placed.

use super::budget::Budget;
use super::known::known;
use super::placement::{Form, Placed, Placement};
use super::topology::{Topo, REGIONAL};
use super::{FieldError, Host};
use crate::scenario::file::{ControlPlanesSpec, Failover, Per};
use std::collections::HashMap;

/// Each cluster's attachment list (instance indices into
/// `placed.instances`) for the deployment at `path`, within `budget`.
pub(super) fn attach(
    cp: &ControlPlanesSpec,
    placed: &Placement,
    path: &str,
    topo: &Topo,
    budget: &mut Budget,
) -> Result<Vec<Vec<usize>>, FieldError> {
    let lists = Lists {
        topo,
        instances: &placed.instances,
    };
    match placed.form {
        Form::Per(per) => lists.default_attach(placed.failover, Some(per), budget, path),
        Form::External => lists.default_attach(placed.failover, None, budget, path),
        Form::Explicit => {
            // Explicit instances keep the names they were given.
            let by_name: HashMap<&str, usize> = placed
                .instances
                .iter()
                .enumerate()
                .map(|(i, inst)| (inst.name.as_str(), i))
                .collect();
            let cpath = format!("{path}.controlPlanes");
            let mut attach = explicit(topo, cp, &by_name, &cpath, path, budget)?;
            lists.extend_attach(&mut attach, placed.failover, budget, path)?;
            Ok(attach)
        }
    }
}

/// Each cluster's `attach` list as given, by instance index: every
/// cluster needs one, naming only this deployment's instances, each once.
fn explicit(
    topo: &Topo,
    cp: &ControlPlanesSpec,
    by_name: &HashMap<&str, usize>,
    cpath: &str,
    path: &str,
    budget: &mut Budget,
) -> Result<Vec<Vec<usize>>, FieldError> {
    let apath = format!("{cpath}.attach");
    let Some(attach_map) = &cp.attach else {
        return Err(FieldError::new(
            apath,
            "missing; with explicit instances every cluster needs an ordered list, e.g. `attach: { c1: [cp-a, cp-b] }`",
        ));
    };
    for key in attach_map.keys() {
        if topo.cluster_index(key).is_none() {
            return Err(FieldError::new(
                format!("{apath}.{key}"),
                format!(
                    "unknown cluster `{key}`; known: {}",
                    known(topo.clusters.iter().map(|c| c.name.as_str()))
                ),
            ));
        }
    }
    budget.take_entries(attach_map.values().map(|l| l.len() as u64).sum(), path)?;
    let mut attach = Vec::with_capacity(topo.clusters.len());
    // Which cluster's list last took each instance: finds a repeat in O(1).
    let mut taken = vec![usize::MAX; by_name.len()];
    for (ci, c) in topo.clusters.iter().enumerate() {
        let Some(names) = attach_map.get(&c.name) else {
            return Err(FieldError::new(
                apath,
                format!(
                    "cluster `{}` has no control plane; add `{}: [<instance>, ...]` to attach",
                    c.name, c.name
                ),
            ));
        };
        if names.is_empty() {
            return Err(FieldError::new(
                format!("{apath}.{}", c.name),
                format!(
                    "cluster `{}` has no control plane; list at least one instance",
                    c.name
                ),
            ));
        }
        let mut list = Vec::new();
        for (j, n) in names.iter().enumerate() {
            let p = format!("{apath}.{}[{j}]", c.name);
            let Some(&i) = by_name.get(n.as_str()) else {
                return Err(FieldError::new(
                    p,
                    format!(
                        "unknown instance `{n}`; this deployment's instances are {}",
                        known(by_name.keys().copied())
                    ),
                ));
            };
            if std::mem::replace(&mut taken[i], ci) == ci {
                return Err(FieldError::new(
                    p,
                    format!("instance `{n}` is listed twice"),
                ));
            }
            list.push(i);
        }
        attach.push(list);
    }
    Ok(attach)
}

/// A deployment's placed instances on the topology, read to build lists.
struct Lists<'t, 'a> {
    topo: &'t Topo<'a>,
    instances: &'t [Placed],
}

impl Lists<'_, '_> {
    /// 0 same cluster, 1 same zone, 2 same region, 3 anywhere else. A
    /// regional cluster is in no one zone: for it and for an istiod it
    /// hosts, "nearest" skips the zone (same cluster, same region, else
    /// anywhere).
    fn distance(&self, cluster: usize, i: usize) -> u8 {
        let c = &self.topo.clusters[cluster];
        match self.instances[i].host {
            Host::Cluster(h) if h == cluster => 0,
            Host::Cluster(h) if c.zone != REGIONAL && self.topo.clusters[h].zone == c.zone => 1,
            Host::Cluster(h) if self.topo.clusters[h].region == c.region => 2,
            _ => 3,
        }
    }

    /// Each cluster's list: its nearest instance, then the failover scope.
    /// Candidates are looked up by cluster, zone and region, so the work
    /// is proportional to the lists built, not to clusters × instances.
    fn default_attach(
        &self,
        failover: Failover,
        per: Option<Per>,
        budget: &mut Budget,
        path: &str,
    ) -> Result<Vec<Vec<usize>>, FieldError> {
        let topo = self.topo;
        let n = self.instances.len();
        let mut by_cluster = vec![Vec::new(); topo.clusters.len()];
        let mut by_zone = vec![Vec::new(); topo.zones.len()];
        let mut by_region = vec![Vec::new(); topo.regions.len()];
        for (i, inst) in self.instances.iter().enumerate() {
            if let Host::Cluster(h) = inst.host {
                by_cluster[h].push(i);
                if let Some(z) = by_zone.get_mut(topo.clusters[h].zone) {
                    z.push(i);
                }
                by_region[topo.clusters[h].region].push(i);
            }
        }
        let everyone: Vec<usize> = (0..n).collect();
        let none: Vec<usize> = Vec::new();
        let scope = |c: usize| -> &[usize] {
            let cluster = &topo.clusters[c];
            match (failover, per) {
                (Failover::None, _) => &[],
                (Failover::Mesh, _) | (Failover::Domain, None) => &everyone,
                (Failover::Region, _) | (Failover::Domain, Some(Per::Region)) => {
                    &by_region[cluster.region]
                }
                (Failover::Domain, Some(Per::Zone)) => &by_zone[cluster.zone],
                (Failover::Domain, Some(Per::Cluster)) => &by_cluster[c],
            }
        };
        let entries: u64 = (0..topo.clusters.len())
            .map(|c| 1 + scope(c).len() as u64)
            .sum();
        budget.take_entries(entries, path)?;
        let mut load = vec![0u64; n];
        let mut attach = Vec::with_capacity(topo.clusters.len());
        for (c, cluster) in topo.clusters.iter().enumerate() {
            let candidates = [
                &by_cluster[c],
                by_zone.get(cluster.zone).unwrap_or(&none),
                &by_region[cluster.region],
                &everyone,
            ]
            .into_iter()
            .find(|tier| !tier.is_empty())
            .expect("every placement has instances");
            let nearest = *candidates
                .iter()
                .min_by_key(|&&i| (self.distance(c, i), load[i], i))
                .expect("a non-empty tier");
            load[nearest] += cluster.proxies;
            let mut list = vec![nearest];
            let mut rest: Vec<usize> = scope(c).iter().copied().filter(|&i| i != nearest).collect();
            rest.sort_by_key(|&i| (self.distance(c, i), i));
            list.extend(rest);
            attach.push(list);
        }
        Ok(attach)
    }

    /// Appends to each explicit `attach` list the instances of the
    /// `failover` scope it lacks, nearest first (ties in instance order):
    /// `domain` = those in the zone of the list's first instance (on its
    /// site, for an external one), `region` = those hosted in the
    /// cluster's region, `mesh` = all. A scope that adds nothing to any
    /// list leaves the lists as they are.
    fn extend_attach(
        &self,
        attach: &mut [Vec<usize>],
        failover: Failover,
        budget: &mut Budget,
        path: &str,
    ) -> Result<(), FieldError> {
        if failover == Failover::None {
            return Ok(());
        }
        let topo = self.topo;
        let n = self.instances.len();
        // The instances of each zone, region and site, so that the work is
        // proportional to the lists built, not to clusters × instances.
        let mut by_zone = vec![Vec::new(); topo.zones.len()];
        let mut by_region = vec![Vec::new(); topo.regions.len()];
        let mut by_site = vec![Vec::new(); topo.sites.len()];
        for (i, inst) in self.instances.iter().enumerate() {
            match inst.host {
                Host::Cluster(h) => {
                    if let Some(z) = by_zone.get_mut(topo.clusters[h].zone) {
                        z.push(i);
                    }
                    by_region[topo.clusters[h].region].push(i);
                }
                Host::Site(s) => by_site[s].push(i),
            }
        }
        let everyone: Vec<usize> = (0..n).collect();
        let scope = |c: usize, primary: usize| -> &[usize] {
            match failover {
                Failover::None => &[],
                Failover::Mesh => &everyone,
                Failover::Region => &by_region[topo.clusters[c].region],
                Failover::Domain => match self.instances[primary].host {
                    // A regional cluster's failure domain is its region.
                    Host::Cluster(h) if topo.clusters[h].zone == REGIONAL => {
                        &by_region[topo.clusters[h].region]
                    }
                    Host::Cluster(h) => &by_zone[topo.clusters[h].zone],
                    Host::Site(s) => &by_site[s],
                },
            }
        };
        // Which cluster last listed, or had in its scope, each instance:
        // membership in O(1).
        let mut listed = vec![usize::MAX; n];
        let mut in_scope = vec![usize::MAX; n];
        // Sizes first, so an oversized failover is refused before it is built.
        let mut added = 0u64;
        for (c, list) in attach.iter().enumerate() {
            let scope = scope(c, list[0]);
            for &i in scope {
                in_scope[i] = c;
            }
            let already = list.iter().filter(|&&i| in_scope[i] == c).count();
            added += (scope.len() - already) as u64;
        }
        budget.take_entries(added, path)?;
        if added == 0 {
            // Every list already names its scope: nothing to append, as
            // with `per: cluster` and `failover: domain`.
            return Ok(());
        }
        for (c, list) in attach.iter_mut().enumerate() {
            for &i in list.iter() {
                listed[i] = c;
            }
            let mut rest: Vec<usize> = scope(c, list[0])
                .iter()
                .copied()
                .filter(|&i| listed[i] != c)
                .collect();
            rest.sort_by_key(|&i| (self.distance(c, i), i));
            list.extend(rest);
        }
        Ok(())
    }
}
