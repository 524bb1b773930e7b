//! Where each deployment's istiod instances run and which of them each
//! cluster's proxies use (model.md, "Deployments").
//!
//! Placement rules, all deterministic:
//! - `per: region|zone` with count k: instance i of a domain goes to its
//!   zones (or clusters) round-robin: zone `i mod zones`, and within that
//!   zone cluster `(i div zones) mod clusters`; so 2 per region land in the
//!   first cluster of the first two zones.
//! - `per: cluster` with count k: k instances in every cluster.
//! - `external`: `countPerSite` instances on each listed site.
//! - An instance's ordinal counts the instances already on its host in the
//!   same deployment; (host, ordinal) is its identity across deployments.
//! - Default attachment: the nearest instance (same cluster, zone, region,
//!   else anywhere), ties given to the one with the fewest proxies assigned
//!   so far, then to the first in placement order. `failover` appends the
//!   other instances of its scope, nearest first.
//! - Explicit instances: each cluster's `attach` list as given; `failover`
//!   appends the instances of its scope missing from it, nearest first.
//!   Their `domain` is the zone of the cluster's first listed instance (or
//!   its external site): explicit instances have no `per`, so the domain is
//!   where the cluster's chosen primary was placed.

use super::known::known;
use super::topology::Topo;
use super::{FieldError, Host};
use crate::scenario::file::{ControlPlanesSpec, DeploymentSpec, ExternalSpec, Failover, Per};
use std::collections::HashMap;

/// More control-plane instances than this (over all deployments) is refused.
pub const MAX_INSTANCES: u64 = 1_000_000;
/// Attachment-list entries over all deployments and clusters. Every
/// (deployment, cluster) pair has a list of its own, so this also bounds the
/// lists: at about 60 bytes a list, 10 million take 600 MB to build (50
/// million took 2.8 GB and 6 s, from a 23 KB file of 500 deployments on
/// 100 000 clusters).
pub const MAX_ATTACH_ENTRIES: u64 = 10_000_000;

/// One placed instance before it gets its component.
pub(super) struct Placed {
    pub name: String,
    pub host: Host,
    pub ordinal: u32,
    pub config_cluster: usize,
}

/// A deployment's instances and attachment lists.
pub(super) struct Placement {
    pub instances: Vec<Placed>,
    pub attach: Vec<Vec<usize>>,
    pub description: String,
}

/// What is left of the size limits for the deployments still to place.
pub(super) struct Budget {
    /// istiod instances.
    pub instances: u64,
    /// Attachment-list entries.
    pub entries: u64,
}

impl Budget {
    /// The whole of both limits, for the first deployment.
    pub fn new() -> Self {
        Budget {
            instances: MAX_INSTANCES,
            entries: MAX_ATTACH_ENTRIES,
        }
    }

    /// Takes `n` instances, refusing (at `path`) when they do not fit.
    fn take_instances(&mut self, n: u64, path: &str) -> Result<(), FieldError> {
        self.instances = self.instances.checked_sub(n).ok_or_else(|| {
            FieldError::new(
                path,
                format!(
                    "the deployments need more than {} control-plane instances in all, beyond what fits in memory; use fewer instances per domain or fewer deployments",
                    MAX_INSTANCES
                ),
            )
        })?;
        Ok(())
    }

    /// Takes `n` attachment entries, refusing when they do not fit.
    fn take_entries(&mut self, n: u64, path: &str) -> Result<(), FieldError> {
        self.entries = self.entries.checked_sub(n).ok_or_else(|| {
            FieldError::new(
                path,
                format!(
                    "the deployments need more than {} attachment-list entries in all (an entry per istiod in each cluster's list, for every deployment), beyond what fits in memory; use a narrower failover or fewer deployments",
                    MAX_ATTACH_ENTRIES
                ),
            )
        })?;
        Ok(())
    }
}

/// Places the instances of one deployment found at `path`, within `budget`.
/// Sizes are checked from the counts before anything is built, so an
/// oversized scenario is refused at once.
pub(super) fn place(
    dep: &DeploymentSpec,
    path: &str,
    topo: &Topo,
    budget: &mut Budget,
) -> Result<Placement, FieldError> {
    let cp = &dep.control_planes;
    let cpath = format!("{path}.controlPlanes");
    let failover = match (dep.failover, cp.failover) {
        (Some(_), Some(_)) => {
            return Err(FieldError::new(
                format!("{path}.failover"),
                "`failover` is given twice (here and in controlPlanes); keep one",
            ))
        }
        (a, b) => a.or(b).unwrap_or_default(),
    };
    let forms = [
        cp.per.is_some(),
        cp.external.is_some(),
        cp.instances.is_some(),
    ];
    if forms.iter().filter(|&&f| f).count() != 1 {
        return Err(FieldError::new(
            cpath,
            "give exactly one of `per` (region, zone or cluster), `external`, or `instances` with `attach`",
        ));
    }
    if cp.count.is_some() && cp.per.is_none() {
        return Err(FieldError::new(
            format!("{cpath}.count"),
            "`count` goes with `per`; external placements use `countPerSite`",
        ));
    }
    if cp.attach.is_some() && cp.instances.is_none() {
        return Err(FieldError::new(
            format!("{cpath}.attach"),
            "`attach` goes with `instances`",
        ));
    }
    let mut placer = Placer::new(topo);
    let (description, attach) = if let Some(per) = cp.per {
        per_domain(&mut placer, per, cp.count, failover, &cpath, path, budget)?
    } else if let Some(ext) = &cp.external {
        external(&mut placer, ext, failover, &cpath, path, budget)?
    } else {
        explicit(&mut placer, cp, failover, &cpath, path, budget)?
    };
    Ok(placer.finish(attach, description, failover))
}

/// A placement's description and attachment lists, before `finish` adds
/// the failover to the description.
type Lists = (String, Vec<Vec<usize>>);

/// `per: region|zone|cluster` with `count` instances in each domain, each
/// cluster attached to its nearest.
fn per_domain(
    placer: &mut Placer,
    per: Per,
    count: Option<u32>,
    failover: Failover,
    cpath: &str,
    path: &str,
    budget: &mut Budget,
) -> Result<Lists, FieldError> {
    let topo = placer.topo;
    let count = count.unwrap_or(1);
    let domains = match per {
        Per::Region => topo.regions.len(),
        Per::Zone => topo.zones.len(),
        Per::Cluster => topo.clusters.len(),
    };
    budget.take_instances(domains as u64 * u64::from(count), path)?;
    if count == 0 {
        return Err(FieldError::new(
            format!("{cpath}.count"),
            "0 control planes would leave every cluster without one; give 1 or more",
        ));
    }
    if count > 10_000 {
        return Err(FieldError::new(
            format!("{cpath}.count"),
            format!("{count} instances per domain is beyond what fits in memory"),
        ));
    }
    match per {
        Per::Region => {
            for r in &topo.regions {
                let zones = &r.children;
                for i in 0..count as usize {
                    let zone = &topo.zones[zones[i % zones.len()]];
                    let c = zone.children[(i / zones.len()) % zone.children.len()];
                    placer.on_cluster(c);
                }
            }
        }
        Per::Zone => {
            for z in &topo.zones {
                for i in 0..count as usize {
                    placer.on_cluster(z.children[i % z.children.len()]);
                }
            }
        }
        Per::Cluster => {
            for c in 0..topo.clusters.len() {
                for _ in 0..count {
                    placer.on_cluster(c);
                }
            }
        }
    }
    let per_name = match per {
        Per::Region => "region",
        Per::Zone => "zone",
        Per::Cluster => "cluster",
    };
    let attach = placer.default_attach(failover, Some(per), budget, path)?;
    Ok((format!("{count} per {per_name}"), attach))
}

/// `external`: `countPerSite` instances on each listed site, their config
/// read from one cluster, each cluster attached to its nearest.
fn external(
    placer: &mut Placer,
    ext: &ExternalSpec,
    failover: Failover,
    cpath: &str,
    path: &str,
    budget: &mut Budget,
) -> Result<Lists, FieldError> {
    let topo = placer.topo;
    let epath = format!("{cpath}.external");
    if ext.sites.is_empty() {
        return Err(FieldError::new(
            format!("{epath}.sites"),
            "no sites; list at least one of spec.topology.externalSites",
        ));
    }
    budget.take_instances(ext.sites.len() as u64 * u64::from(ext.count_per_site), path)?;
    if ext.count_per_site == 0 || ext.count_per_site > 10_000 {
        return Err(FieldError::new(
            format!("{epath}.countPerSite"),
            "give 1 to 10000 instances per site",
        ));
    }
    let config = match &ext.config_cluster {
        Some(name) => resolve_cluster(topo, name, &format!("{epath}.configCluster"))?,
        None => 0,
    };
    let mut listed = vec![false; topo.sites.len()];
    for (i, name) in ext.sites.iter().enumerate() {
        let site = resolve_site(topo, name, &format!("{epath}.sites[{i}]"))?;
        if std::mem::replace(&mut listed[site], true) {
            return Err(FieldError::new(
                format!("{epath}.sites[{i}]"),
                format!("site `{name}` is listed twice"),
            ));
        }
        for _ in 0..ext.count_per_site {
            placer.on_site(site, config);
        }
    }
    let description = format!(
        "external: {} per site on {}, config from {}",
        ext.count_per_site,
        ext.sites.join(", "),
        topo.clusters[config].name
    );
    let attach = placer.default_attach(failover, None, budget, path)?;
    Ok((description, attach))
}

/// Explicit `instances`, each cluster with the `attach` list it is given.
fn explicit(
    placer: &mut Placer,
    cp: &ControlPlanesSpec,
    failover: Failover,
    cpath: &str,
    path: &str,
    budget: &mut Budget,
) -> Result<Lists, FieldError> {
    let topo = placer.topo;
    let list = cp.instances.as_deref().unwrap_or_default();
    let ipath = format!("{cpath}.instances");
    if list.is_empty() {
        return Err(FieldError::new(
            ipath,
            "no instances; list at least one `{ name, cluster }` or `{ name, site }`",
        ));
    }
    budget.take_instances(list.len() as u64, path)?;
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, inst) in list.iter().enumerate() {
        let p = format!("{ipath}[{i}]");
        if inst.name.trim().is_empty() {
            return Err(FieldError::new(
                format!("{p}.name"),
                "an instance needs a non-empty name",
            ));
        }
        if by_name.insert(inst.name.as_str(), i).is_some() {
            return Err(FieldError::new(
                format!("{p}.name"),
                format!("duplicate instance name `{}`", inst.name),
            ));
        }
        let config = match &inst.config_cluster {
            Some(name) => Some(resolve_cluster(topo, name, &format!("{p}.configCluster"))?),
            None => None,
        };
        match (&inst.cluster, &inst.site) {
            (Some(c), None) => {
                let c = resolve_cluster(topo, c, &format!("{p}.cluster"))?;
                placer.on_cluster(c);
                if let Some(cfg) = config {
                    placer
                        .instances
                        .last_mut()
                        .expect("just placed")
                        .config_cluster = cfg;
                }
            }
            (None, Some(s)) => {
                let s = resolve_site(topo, s, &format!("{p}.site"))?;
                placer.on_site(s, config.unwrap_or(0));
            }
            _ => return Err(FieldError::new(
                p,
                "give the instance exactly one host: `cluster: <name>` or `site: <external site>`",
            )),
        }
        placer.instances.last_mut().expect("just placed").name = inst.name.clone();
    }
    let mut attach = explicit_attach(topo, cp, &by_name, cpath, path, budget)?;
    placer.extend_attach(&mut attach, failover, budget, path)?;
    Ok(("explicit instances and attach lists".to_string(), attach))
}

/// Each cluster's `attach` list as given, by instance index: every
/// cluster needs one, naming only this deployment's instances, each once.
fn explicit_attach(
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

fn resolve_cluster(topo: &Topo, name: &str, path: &str) -> Result<usize, FieldError> {
    topo.cluster_index(name).ok_or_else(|| {
        FieldError::new(
            path,
            format!(
                "unknown cluster `{name}`; known: {}",
                known(topo.clusters.iter().map(|c| c.name.as_str()))
            ),
        )
    })
}

fn resolve_site(topo: &Topo, name: &str, path: &str) -> Result<usize, FieldError> {
    topo.site_index(name).ok_or_else(|| {
        let sites = if topo.sites.is_empty() {
            "none are defined; add it under spec.topology.externalSites".to_string()
        } else {
            format!(
                "known: {}",
                known(topo.sites.iter().map(|s| s.name.as_str()))
            )
        };
        FieldError::new(path, format!("unknown external site `{name}`; {sites}"))
    })
}

struct Placer<'t, 'a> {
    topo: &'t Topo<'a>,
    instances: Vec<Placed>,
    per_host: HashMap<Host, u32>,
}

impl<'t, 'a> Placer<'t, 'a> {
    fn new(topo: &'t Topo<'a>) -> Self {
        Placer {
            topo,
            instances: Vec::new(),
            per_host: HashMap::new(),
        }
    }

    fn add(&mut self, host: Host, config_cluster: usize) {
        let ordinal = self.per_host.entry(host).or_insert(0);
        let name = match host {
            Host::Cluster(c) => format!("{}/istiod-{ordinal}", self.topo.clusters[c].name),
            Host::Site(s) => format!("{}/istiod-{ordinal}", self.topo.sites[s].name),
        };
        self.instances.push(Placed {
            name,
            host,
            ordinal: *ordinal,
            config_cluster,
        });
        *ordinal += 1;
    }

    fn on_cluster(&mut self, c: usize) {
        self.add(Host::Cluster(c), c);
    }

    fn on_site(&mut self, s: usize, config_cluster: usize) {
        self.add(Host::Site(s), config_cluster);
    }

    /// 0 same cluster, 1 same zone, 2 same region, 3 anywhere else.
    fn distance(&self, cluster: usize, i: usize) -> u8 {
        let c = &self.topo.clusters[cluster];
        match self.instances[i].host {
            Host::Cluster(h) if h == cluster => 0,
            Host::Cluster(h) if self.topo.clusters[h].zone == c.zone => 1,
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
                by_zone[topo.clusters[h].zone].push(i);
                by_region[topo.clusters[h].region].push(i);
            }
        }
        let everyone: Vec<usize> = (0..n).collect();
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
                &by_zone[cluster.zone],
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
                    by_zone[topo.clusters[h].zone].push(i);
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

    fn finish(self, attach: Vec<Vec<usize>>, description: String, failover: Failover) -> Placement {
        let description = match failover {
            Failover::None => description,
            Failover::Domain => format!("{description}, failover: domain"),
            Failover::Region => format!("{description}, failover: region"),
            Failover::Mesh => format!("{description}, failover: mesh"),
        };
        Placement {
            instances: self.instances,
            attach,
            description,
        }
    }
}
