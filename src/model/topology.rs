//! Step 1 of building a model: the scenario's topology, in either form
//! (generated counts or explicit lists), expanded into flat lists of
//! regions, zones, clusters and external sites with unique names, each
//! keeping its field path and failure overrides.
//!
//! Every later step reads this [`Topo`]: the processes step gives each
//! element its components, placement resolves names and domains in it.
//! Only the topology's own checks live here (names, counts, sizes).

use super::FieldError;
use crate::scenario::file::{ClusterSpec, Failures, NetworkLayout, Regions, Topology};
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

pub(super) use super::REGIONAL;

/// One region, zone, cluster or site of the expanded topology.
pub(super) struct Elem<'a> {
    pub name: String,
    /// Field path of the element (for override errors).
    pub path: String,
    pub overrides: Option<&'a Failures>,
    pub region: usize,
    /// A zonal cluster's zone; [`REGIONAL`] for a regional cluster.
    pub zone: usize,
    /// A regional cluster's zones, in the order its proxies and replicas
    /// are spread over them; empty for everything else.
    pub zones: Vec<usize>,
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

    /// A regional cluster of the last region, spanning `zones` (indices
    /// into [`Topo::zones`], all of that region).
    pub fn push_regional_cluster(
        &mut self,
        name: String,
        path: String,
        proxies: u64,
        network: usize,
        overrides: Option<&'a Failures>,
        zones: Vec<usize>,
    ) {
        let region = self.regions.len() - 1;
        let cluster = self.clusters.len();
        self.cluster_names.entry(name.clone()).or_insert(cluster);
        let mut e = Elem::new(name, path, overrides, region, REGIONAL);
        e.proxies = proxies;
        e.network = network;
        e.zones = zones;
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
            zones: Vec::new(),
            proxies: 0,
            network: 0,
            children: Vec::new(),
        }
    }
}

/// The zones a regional cluster at `cpath` spans, as indices into
/// `topo.zones`: each a zone of its region (`region_zones`), once, in the
/// order listed.
fn regional_zones(
    topo: &Topo,
    c: &ClusterSpec,
    cpath: &str,
    region: &str,
    region_zones: std::ops::Range<usize>,
) -> Result<Vec<usize>, FieldError> {
    let names: Vec<&str> = topo.zones[region_zones.clone()]
        .iter()
        .map(|z| z.name.as_str())
        .collect();
    let listed = c.zones.as_deref().unwrap_or_default();
    if listed.is_empty() {
        return Err(FieldError::new(
            format!("{cpath}.zones"),
            format!(
                "a regional cluster needs the zones it spans, e.g. `zones: [{}]`",
                names.join(", ")
            ),
        ));
    }
    let mut zones: Vec<usize> = Vec::with_capacity(listed.len());
    for (k, name) in listed.iter().enumerate() {
        let Some(at) = names.iter().position(|n| n == name) else {
            return Err(FieldError::new(
                format!("{cpath}.zones[{k}]"),
                format!("`{name}` is no zone of region `{region}`; a regional cluster spans zones of its own region: {}", names.join(", ")),
            ));
        };
        let z = region_zones.start + at;
        if zones.contains(&z) {
            return Err(FieldError::new(
                format!("{cpath}.zones[{k}]"),
                format!("zone `{name}` is listed twice; list each zone the cluster spans once"),
            ));
        }
        zones.push(z);
    }
    Ok(zones)
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
            let proxies = t.proxies_per_cluster.ok_or_else(|| {
                FieldError::new(
                    "spec.topology",
                    "the generated form needs `proxiesPerCluster` (e.g. 500)",
                )
            })?;
            let proxies = check_proxies(proxies, "spec.topology.proxiesPerCluster")?;
            let layout = t.networks.unwrap_or(NetworkLayout::Single);
            let (per, cpd) = match (t.clusters_per_zone, t.clusters_per_region) {
                (Some(_), Some(_)) => {
                    return Err(FieldError::new(
                        "spec.topology.clustersPerRegion",
                        "give either `clustersPerZone` (zonal clusters, each in one zone) or `clustersPerRegion` (regional clusters, each spanning every zone of its region), not both",
                    ))
                }
                (Some(n), None) => ("clustersPerZone", n),
                (None, Some(n)) => ("clustersPerRegion", n),
                (None, None) => {
                    return Err(FieldError::new(
                        "spec.topology",
                        "the generated form needs `clustersPerZone` (e.g. 3) or `clustersPerRegion` (e.g. 2)",
                    ))
                }
            };
            let regional = t.clusters_per_region.is_some();
            if regional && layout == NetworkLayout::PerZone {
                return Err(FieldError::new(
                    "spec.topology.networks",
                    "`perZone` gives each zone its own network, but a regional cluster spans every zone of its region; use `perRegion` or `perCluster`",
                ));
            }
            for (v, field) in [(*n, "regions"), (zpr, "zonesPerRegion"), (cpd, per)] {
                if v == 0 {
                    return Err(FieldError::new(
                        format!("spec.topology.{field}"),
                        format!("`{field}` is 0; the mesh needs at least one"),
                    ));
                }
            }
            let per_region = if regional {
                u64::from(cpd)
            } else {
                u64::from(zpr) * u64::from(cpd)
            };
            let total = u64::from(*n) * per_region;
            if total > MAX_CLUSTERS {
                return Err(FieldError::new(
                    "spec.topology",
                    format!("{total} clusters is beyond what fits in memory; meshsim takes at most {MAX_CLUSTERS}"),
                ));
            }
            let net = |rname: &str, zname: &str, cname: &str| match layout {
                NetworkLayout::Single => "default".to_string(),
                NetworkLayout::PerRegion => format!("net-{rname}"),
                NetworkLayout::PerZone => format!("net-{zname}"),
                NetworkLayout::PerCluster => format!("net-{cname}"),
            };
            for r in 1..=*n {
                let rname = format!("r{r}");
                topo.push_region(rname.clone(), "spec.topology".into(), None);
                let first_zone = topo.zones.len();
                for z in 1..=zpr {
                    let zname = format!("{rname}-z{z}");
                    topo.push_zone(zname.clone(), "spec.topology".into(), None);
                    for c in (1..=cpd).filter(|_| !regional) {
                        let cname = format!("{zname}-c{c}");
                        let network = network_index(net(&rname, &zname, &cname));
                        topo.push_cluster(cname, "spec.topology".into(), proxies, network, None);
                    }
                }
                for c in (1..=cpd).filter(|_| regional) {
                    let cname = format!("{rname}-c{c}");
                    let network = network_index(net(&rname, "", &cname));
                    let zones = (first_zone..topo.zones.len()).collect();
                    topo.push_regional_cluster(
                        cname,
                        "spec.topology".into(),
                        proxies,
                        network,
                        None,
                        zones,
                    );
                }
            }
        }
        Regions::List(list) => {
            for (field, given) in [
                ("zonesPerRegion", t.zones_per_region.is_some()),
                ("clustersPerZone", t.clusters_per_zone.is_some()),
                ("clustersPerRegion", t.clusters_per_region.is_some()),
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
            // A cluster's proxies and network, checked.
            let mut fields = |c: &ClusterSpec, cpath: &str| -> Result<(u64, usize), FieldError> {
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
                Ok((proxies, network_index(net)))
            };
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
                let first_zone = topo.zones.len();
                for (zi, z) in r.zones.iter().enumerate() {
                    let zpath = format!("{rpath}.zones[{zi}]");
                    claim(&z.name, format!("{zpath}.name"))?;
                    topo.push_zone(z.name.clone(), zpath.clone(), z.failures.as_ref());
                    for (ci, c) in z.clusters.iter().enumerate() {
                        let cpath = format!("{zpath}.clusters[{ci}]");
                        claim(&c.name, format!("{cpath}.name"))?;
                        if c.zones.is_some() {
                            return Err(FieldError::new(
                                format!("{cpath}.zones"),
                                format!("`zones` makes a regional cluster, which is listed in its region's `clusters:` ({rpath}.clusters), not under a zone; move it there, or drop `zones` to keep it in zone `{}`", z.name),
                            ));
                        }
                        let (proxies, network) = fields(c, &cpath)?;
                        topo.push_cluster(
                            c.name.clone(),
                            cpath,
                            proxies,
                            network,
                            c.failures.as_ref(),
                        );
                    }
                }
                let region_zones = first_zone..topo.zones.len();
                let mut spanned = vec![false; region_zones.len()];
                for (ci, c) in r.clusters.iter().enumerate() {
                    let cpath = format!("{rpath}.clusters[{ci}]");
                    claim(&c.name, format!("{cpath}.name"))?;
                    let zones = regional_zones(&topo, c, &cpath, &r.name, region_zones.clone())?;
                    for &z in &zones {
                        spanned[z - first_zone] = true;
                    }
                    let (proxies, network) = fields(c, &cpath)?;
                    topo.push_regional_cluster(
                        c.name.clone(),
                        cpath,
                        proxies,
                        network,
                        c.failures.as_ref(),
                        zones,
                    );
                }
                for (zi, z) in r.zones.iter().enumerate() {
                    if z.clusters.is_empty() && !spanned[zi] {
                        return Err(FieldError::new(
                            format!("{rpath}.zones[{zi}].clusters"),
                            format!("zone `{}` has no cluster: give it one, or list it in the `zones` of a regional cluster of region `{}` ({rpath}.clusters)", z.name, r.name),
                        ));
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
