//! Step 3 of building a model: where each deployment's istiod instances
//! run (model.md, "Deployments"). Which of them each cluster's proxies use
//! is the next step, [`super::attachment`], built from this one's
//! [`Placement`].
//!
//! Placement rules, all deterministic:
//! - `per: region|zone` with count k: instance i of a domain goes to its
//!   zones (or clusters) round-robin: zone `i mod zones`, and within that
//!   zone cluster `(i div zones) mod clusters`; so 2 per region land in the
//!   first cluster of the first two zones. In a region with regional
//!   clusters, instance i goes to the region's cluster `i mod clusters`,
//!   regional clusters first, then zonal ones, each in mesh order.
//! - `per: zone` needs zonal clusters: with a regional cluster it is
//!   refused.
//! - `per: cluster` with count k: k instances in every cluster.
//! - `external`: `countPerSite` instances on each listed site.
//! - An instance's ordinal counts the instances already on its host in the
//!   same deployment; (host, ordinal) is its identity across deployments.
//! - Explicit instances: each on the cluster or site it names, with its own
//!   name.
//! - `replicas` (default 1) on `controlPlanes` gives every instance of the
//!   deployment that many istiod replicas; an explicit instance may give
//!   its own `replicas` instead. Replicas count against the instance limit
//!   (each is a component the engine simulates).

use super::budget::Budget;
use super::known::known;
use super::topology::{Topo, REGIONAL};
use super::{FieldError, Host};
use crate::scenario::file::{ControlPlanesSpec, DeploymentSpec, ExternalSpec, Failover, Per};
use std::collections::HashMap;

/// One placed instance before it gets its component.
pub(super) struct Placed {
    pub name: String,
    pub host: Host,
    pub ordinal: u32,
    pub config_cluster: usize,
    pub replicas: u32,
}

/// More istiod replicas per instance than this is refused: istiod's
/// default autoscaler runs 1 to 5, and an instance's every replica is
/// looked at when one of them changes state.
pub const MAX_REPLICAS: u32 = 100;

/// A `replicas` value at `path`, checked: 1 to [`MAX_REPLICAS`].
fn replicas(value: Option<u32>, path: &str) -> Result<Option<u32>, FieldError> {
    match value {
        Some(n) if n == 0 || n > MAX_REPLICAS => Err(FieldError::new(
            path,
            format!(
                "{n} replicas; give 1 to {MAX_REPLICAS} istiod replicas per instance (1, the default, is one pod)"
            ),
        )),
        other => Ok(other),
    }
}

/// A deployment's instances, in placement order, and what its attachment
/// lists are to be built from.
pub(super) struct Placement {
    pub instances: Vec<Placed>,
    pub form: Form,
    pub failover: Failover,
    /// The placement as `meshsim validate` shows it, failover included.
    pub description: String,
}

/// Which of the three forms placed the instances: it decides how the
/// clusters' lists are made.
#[derive(Clone, Copy)]
pub(super) enum Form {
    /// `per`: each cluster's nearest instance, then the failover scope,
    /// whose `domain` is the `per` domain.
    Per(Per),
    /// `external`: as `per`, with the whole mesh as the `domain`.
    External,
    /// Explicit `instances`: the `attach` lists as given, extended by the
    /// failover scope.
    Explicit,
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
    let replicas = replicas(cp.replicas, &format!("{cpath}.replicas"))?;
    let mut placer = Placer::new(topo, replicas.unwrap_or(1));
    let (form, description) = if let Some(per) = cp.per {
        let description = per_domain(&mut placer, per, cp.count, &cpath, path, budget)?;
        (Form::Per(per), description)
    } else if let Some(ext) = &cp.external {
        (
            Form::External,
            external(&mut placer, ext, &cpath, path, budget)?,
        )
    } else {
        (
            Form::Explicit,
            explicit(&mut placer, cp, &cpath, path, budget)?,
        )
    };
    Ok(placer.finish(form, description, failover))
}

/// `per: region|zone|cluster` with `count` instances in each domain; the
/// placement's description.
fn per_domain(
    placer: &mut Placer,
    per: Per,
    count: Option<u32>,
    cpath: &str,
    path: &str,
    budget: &mut Budget,
) -> Result<String, FieldError> {
    let topo = placer.topo;
    let count = count.unwrap_or(1);
    let domains = match per {
        Per::Region => topo.regions.len(),
        Per::Zone => topo.zones.len(),
        Per::Cluster => topo.clusters.len(),
    };
    let pods = domains as u64 * u64::from(count) * u64::from(placer.replicas);
    budget.take_instances(pods, path)?;
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
    if per == Per::Zone {
        if let Some(c) = topo.clusters.iter().find(|c| c.zone == REGIONAL) {
            return Err(FieldError::new(
                format!("{cpath}.per"),
                format!("`per: zone` needs zonal clusters, but `{}` is a regional cluster (it spans several zones); use `per: region`, or `per: cluster` with `replicas` to spread each istiod's replicas over its cluster's zones", c.name),
            ));
        }
    }
    match per {
        Per::Region => {
            let regional_first = regional_first(topo);
            for (r, regional) in topo.regions.iter().zip(&regional_first) {
                if !regional.is_empty() {
                    for i in 0..count as usize {
                        placer.on_cluster(regional[i % regional.len()]);
                    }
                    continue;
                }
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
    Ok(format!("{count} per {per_name}"))
}

/// Per region: its clusters when it has a regional cluster, regional
/// clusters first, then zonal ones, each in mesh order; empty for a region
/// of zonal clusters only. A regional cluster survives the loss of a zone,
/// so `per: region` puts the region's first istiods there. One pass over
/// the clusters, so placing many deployments on a large mesh stays linear.
fn regional_first(topo: &Topo) -> Vec<Vec<usize>> {
    let mut regional = vec![Vec::new(); topo.regions.len()];
    let mut zonal = vec![Vec::new(); topo.regions.len()];
    for (c, cluster) in topo.clusters.iter().enumerate() {
        match cluster.zone {
            REGIONAL => regional[cluster.region].push(c),
            _ => zonal[cluster.region].push(c),
        }
    }
    regional
        .into_iter()
        .zip(zonal)
        .map(|(mut r, z)| {
            if !r.is_empty() {
                r.extend(z);
            }
            r
        })
        .collect()
}

/// `external`: `countPerSite` instances on each listed site, their config
/// read from one cluster; the placement's description.
fn external(
    placer: &mut Placer,
    ext: &ExternalSpec,
    cpath: &str,
    path: &str,
    budget: &mut Budget,
) -> Result<String, FieldError> {
    let topo = placer.topo;
    let epath = format!("{cpath}.external");
    if ext.sites.is_empty() {
        return Err(FieldError::new(
            format!("{epath}.sites"),
            "no sites; list at least one of spec.topology.externalSites",
        ));
    }
    let pods = ext.sites.len() as u64 * u64::from(ext.count_per_site);
    budget.take_instances(pods * u64::from(placer.replicas), path)?;
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
    Ok(format!(
        "external: {} per site on {}, config from {}",
        ext.count_per_site,
        ext.sites.join(", "),
        topo.clusters[config].name
    ))
}

/// Explicit `instances`, each on the host it names; the placement's
/// description.
fn explicit(
    placer: &mut Placer,
    cp: &ControlPlanesSpec,
    cpath: &str,
    path: &str,
    budget: &mut Budget,
) -> Result<String, FieldError> {
    let topo = placer.topo;
    let list = cp.instances.as_deref().unwrap_or_default();
    let ipath = format!("{cpath}.instances");
    if list.is_empty() {
        return Err(FieldError::new(
            ipath,
            "no instances; list at least one `{ name, cluster }` or `{ name, site }`",
        ));
    }
    let mut pods = 0u64;
    for (i, inst) in list.iter().enumerate() {
        let own = replicas(inst.replicas, &format!("{ipath}[{i}].replicas"))?;
        pods += u64::from(own.unwrap_or(placer.replicas));
        placer.own_replicas |= own.is_some();
    }
    budget.take_instances(pods, path)?;
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
        let placed = placer.instances.last_mut().expect("just placed");
        placed.name = inst.name.clone();
        if let Some(n) = inst.replicas {
            placed.replicas = n;
        }
    }
    Ok("explicit instances and attach lists".to_string())
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
    /// The deployment's replicas per instance.
    replicas: u32,
    /// Some explicit instance gives its own replica count.
    own_replicas: bool,
}

impl<'t, 'a> Placer<'t, 'a> {
    fn new(topo: &'t Topo<'a>, replicas: u32) -> Self {
        Placer {
            topo,
            instances: Vec::new(),
            per_host: HashMap::new(),
            replicas,
            own_replicas: false,
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
            replicas: self.replicas,
        });
        *ordinal += 1;
    }

    fn on_cluster(&mut self, c: usize) {
        self.add(Host::Cluster(c), c);
    }

    fn on_site(&mut self, s: usize, config_cluster: usize) {
        self.add(Host::Site(s), config_cluster);
    }

    fn finish(self, form: Form, description: String, failover: Failover) -> Placement {
        let description = match (self.replicas, self.own_replicas) {
            (_, true) => format!("{description}, replicas per instance"),
            (1, false) => description,
            (n, false) => format!("{description}, {n} replicas each"),
        };
        let description = match failover {
            Failover::None => description,
            Failover::Domain => format!("{description}, failover: domain"),
            Failover::Region => format!("{description}, failover: region"),
            Failover::Mesh => format!("{description}, failover: mesh"),
        };
        Placement {
            instances: self.instances,
            form,
            failover,
            description,
        }
    }
}
