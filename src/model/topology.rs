//! Step 1 of building a model: the scenario's topology, in either form
//! (generated counts or explicit lists), expanded into flat lists of
//! regions, zones, clusters and external sites with unique names, each
//! keeping its field path and failure overrides.
//!
//! Every later step reads this [`Topo`]: the processes step gives each
//! element its components, placement resolves names and domains in it.
//! Only the topology's own checks live here (names, counts, sizes).

use super::FieldError;
use crate::scenario::file::{Failures, NetworkLayout, Regions, Topology};
use std::collections::HashMap;

/// More clusters than this is refused: the engine keeps per-cluster state
/// for every deployment, and the exact answers scale with its square.
pub const MAX_CLUSTERS: u64 = 100_000;
/// Sidecars in one cluster: far beyond any real cluster, and small enough
/// that the mesh total cannot overflow.
pub const MAX_PROXIES_PER_CLUSTER: u64 = 1_000_000_000;

fn check_proxies(proxies: u64, path: &str) -> Result<u64, FieldError> {
    if proxies > MAX_PROXIES_PER_CLUSTER {
        return Err(FieldError::new(
            path,
            format!("{proxies} proxies in one cluster is beyond any real cluster; give at most {MAX_PROXIES_PER_CLUSTER}"),
        ));
    }
    Ok(proxies)
}

/// The expanded topology as placement and overrides need it.
#[derive(Default)]
pub(super) struct Topo<'a> {
    pub regions: Vec<Elem<'a>>,
    pub zones: Vec<Elem<'a>>,
    pub clusters: Vec<Elem<'a>>,
    pub sites: Vec<Elem<'a>>,
    pub networks: Vec<String>,
    /// Name → index, so that resolving the names of a large scenario is
    /// linear, not quadratic, in its size.
    cluster_names: HashMap<String, usize>,
    site_names: HashMap<String, usize>,
}

/// One region, zone, cluster or site of the expanded topology.
pub(super) struct Elem<'a> {
    pub name: String,
    /// Field path of the element (for override errors).
    pub path: String,
    pub overrides: Option<&'a Failures>,
    pub region: usize,
    pub zone: usize,
    pub proxies: u64,
    pub network: usize,
    /// Zones of a region, clusters of a zone.
    pub children: Vec<usize>,
}

impl<'a> Topo<'a> {
    pub fn push_region(&mut self, name: String, path: String, overrides: Option<&'a Failures>) {
        let region = self.regions.len();
        self.regions
            .push(Elem::new(name, path, overrides, region, 0));
    }

    pub fn push_zone(&mut self, name: String, path: String, overrides: Option<&'a Failures>) {
        let region = self.regions.len() - 1;
        let zone = self.zones.len();
        self.regions[region].children.push(zone);
        self.zones
            .push(Elem::new(name, path, overrides, region, zone));
    }

    pub fn push_cluster(
        &mut self,
        name: String,
        path: String,
        proxies: u64,
        network: usize,
        overrides: Option<&'a Failures>,
    ) {
        let zone = self.zones.len() - 1;
        let region = self.zones[zone].region;
        let cluster = self.clusters.len();
        self.zones[zone].children.push(cluster);
        self.cluster_names.entry(name.clone()).or_insert(cluster);
        let mut e = Elem::new(name, path, overrides, region, zone);
        e.proxies = proxies;
        e.network = network;
        self.clusters.push(e);
    }

    pub fn push_site(&mut self, name: String, path: String, overrides: Option<&'a Failures>) {
        self.site_names
            .entry(name.clone())
            .or_insert(self.sites.len());
        self.sites.push(Elem::new(name, path, overrides, 0, 0));
    }

    pub fn cluster_index(&self, name: &str) -> Option<usize> {
        self.cluster_names.get(name).copied()
    }

    pub fn site_index(&self, name: &str) -> Option<usize> {
        self.site_names.get(name).copied()
    }
}

impl<'a> Elem<'a> {
    fn new(
        name: String,
        path: String,
        overrides: Option<&'a Failures>,
        region: usize,
        zone: usize,
    ) -> Self {
        Elem {
            name,
            path,
            overrides,
            region,
            zone,
            proxies: 0,
            network: 0,
            children: Vec::new(),
        }
    }
}

/// Expands either topology form into flat lists with stable names.
pub(super) fn expand(t: &Topology) -> Result<Topo<'_>, FieldError> {
    let mut topo = Topo::default();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut claim = |name: &str, path: String| -> Result<(), FieldError> {
        if name.trim().is_empty() {
            return Err(FieldError::new(path, "a name must not be empty"));
        }
        if let Some(first) = names.insert(name.to_string(), path.clone()) {
            return Err(FieldError::new(
                path,
                format!("duplicate name `{name}` (also {first}); regions, zones, clusters and sites need unique names"),
            ));
        }
        Ok(())
    };
    let mut networks: Vec<String> = Vec::new();
    let mut network_names: HashMap<String, usize> = HashMap::new();
    let mut network_index = |name: String| -> usize {
        *network_names.entry(name).or_insert_with_key(|name| {
            networks.push(name.clone());
            networks.len() - 1
        })
    };
    match &t.regions {
        Regions::Count(n) => {
            let zpr = t.zones_per_region.ok_or_else(|| {
                FieldError::new(
                    "spec.topology",
                    "the generated form needs `zonesPerRegion` (e.g. 3)",
                )
            })?;
            let cpz = t.clusters_per_zone.ok_or_else(|| {
                FieldError::new(
                    "spec.topology",
                    "the generated form needs `clustersPerZone` (e.g. 3)",
                )
            })?;
            let proxies = t.proxies_per_cluster.ok_or_else(|| {
                FieldError::new(
                    "spec.topology",
                    "the generated form needs `proxiesPerCluster` (e.g. 500)",
                )
            })?;
            let proxies = check_proxies(proxies, "spec.topology.proxiesPerCluster")?;
            for (v, field) in [
                (*n, "regions"),
                (zpr, "zonesPerRegion"),
                (cpz, "clustersPerZone"),
            ] {
                if v == 0 {
                    return Err(FieldError::new(
                        format!("spec.topology.{field}"),
                        format!("`{field}` is 0; the mesh needs at least one"),
                    ));
                }
            }
            let total = u64::from(*n) * u64::from(zpr) * u64::from(cpz);
            if total > MAX_CLUSTERS {
                return Err(FieldError::new(
                    "spec.topology",
                    format!("{total} clusters is beyond what fits in memory; meshsim takes at most {MAX_CLUSTERS}"),
                ));
            }
            let layout = t.networks.unwrap_or(NetworkLayout::Single);
            for r in 1..=*n {
                let rname = format!("r{r}");
                topo.push_region(rname.clone(), "spec.topology".into(), None);
                for z in 1..=zpr {
                    let zname = format!("{rname}-z{z}");
                    topo.push_zone(zname.clone(), "spec.topology".into(), None);
                    for c in 1..=cpz {
                        let cname = format!("{zname}-c{c}");
                        let net = match layout {
                            NetworkLayout::Single => "default".to_string(),
                            NetworkLayout::PerRegion => format!("net-{rname}"),
                            NetworkLayout::PerZone => format!("net-{zname}"),
                            NetworkLayout::PerCluster => format!("net-{cname}"),
                        };
                        let network = network_index(net);
                        topo.push_cluster(cname, "spec.topology".into(), proxies, network, None);
                    }
                }
            }
        }
        Regions::List(list) => {
            for (field, given) in [
                ("zonesPerRegion", t.zones_per_region.is_some()),
                ("clustersPerZone", t.clusters_per_zone.is_some()),
                ("networks", t.networks.is_some()),
            ] {
                if given {
                    return Err(FieldError::new(
                        format!("spec.topology.{field}"),
                        format!("`{field}` belongs to the generated form; with a list of regions, give zones, clusters and each cluster's `network` explicitly"),
                    ));
                }
            }
            if list.is_empty() {
                return Err(FieldError::new(
                    "spec.topology.regions",
                    "the mesh needs at least one region",
                ));
            }
            let mut count: u64 = 0;
            for (ri, r) in list.iter().enumerate() {
                let rpath = format!("spec.topology.regions[{ri}]");
                claim(&r.name, format!("{rpath}.name"))?;
                topo.push_region(r.name.clone(), rpath.clone(), r.failures.as_ref());
                if r.zones.is_empty() {
                    return Err(FieldError::new(
                        format!("{rpath}.zones"),
                        "a region needs at least one zone",
                    ));
                }
                for (zi, z) in r.zones.iter().enumerate() {
                    let zpath = format!("{rpath}.zones[{zi}]");
                    claim(&z.name, format!("{zpath}.name"))?;
                    topo.push_zone(z.name.clone(), zpath.clone(), z.failures.as_ref());
                    if z.clusters.is_empty() {
                        return Err(FieldError::new(
                            format!("{zpath}.clusters"),
                            "a zone needs at least one cluster",
                        ));
                    }
                    for (ci, c) in z.clusters.iter().enumerate() {
                        let cpath = format!("{zpath}.clusters[{ci}]");
                        claim(&c.name, format!("{cpath}.name"))?;
                        count += 1;
                        if count > MAX_CLUSTERS {
                            return Err(FieldError::new(
                                cpath,
                                format!("more than {MAX_CLUSTERS} clusters is beyond what fits in memory"),
                            ));
                        }
                        let proxies = c.proxies.or(t.proxies_per_cluster).ok_or_else(|| {
                            FieldError::new(
                                format!("{cpath}.proxies"),
                                "missing; give the cluster's sidecar count (`proxies: 300`) or a default `spec.topology.proxiesPerCluster`",
                            )
                        })?;
                        let proxies = match c.proxies {
                            Some(_) => check_proxies(proxies, &format!("{cpath}.proxies"))?,
                            None => check_proxies(proxies, "spec.topology.proxiesPerCluster")?,
                        };
                        let net = c.network.clone().unwrap_or_else(|| "default".into());
                        if net.trim().is_empty() {
                            return Err(FieldError::new(
                                format!("{cpath}.network"),
                                "a network name must not be empty",
                            ));
                        }
                        let network = network_index(net);
                        topo.push_cluster(
                            c.name.clone(),
                            cpath,
                            proxies,
                            network,
                            c.failures.as_ref(),
                        );
                    }
                }
            }
        }
    }
    for (si, s) in t.external_sites.iter().enumerate() {
        let spath = format!("spec.topology.externalSites[{si}]");
        claim(&s.name, format!("{spath}.name"))?;
        topo.push_site(s.name.clone(), spath, s.failures.as_ref());
    }
    let total: u64 = topo.clusters.iter().map(|c| c.proxies).sum();
    if total == 0 {
        return Err(FieldError::new(
            "spec.topology",
            "the mesh has no proxies; give `proxiesPerCluster` or some cluster `proxies` above 0",
        ));
    }
    topo.networks = networks;
    Ok(topo)
}
