//! Step 2 of building a model: every component of the mesh with its
//! failure process. The topology's elements get theirs at once (regions,
//! zones, clusters with their API servers and, on several networks, their
//! east-west gateways, external sites); control planes get theirs as
//! placement finds them ([`Mesh::control_plane`]): one per (host, ordinal,
//! replica) however many deployments share it, one common-cause process
//! per (host, ordinal) when `failures` gives one, and for an instance with
//! several replicas or a common-cause process one instance component per
//! (host, ordinal, replica count) that stands for them (a
//! [`ReplicaSet`]). Deployments that differ only in replica count share
//! the replicas they have in common, and so their failure histories
//! (common random numbers).
//!
//! A component's process is its element's override if it has one, else the
//! kind default of `spec.failures`; an element may override only the kinds
//! it hosts.

use super::dist::Dist;
use super::topology::Topo;
use super::{
    stream_id, Cluster, Component, Domain, FieldError, Host, Kind, Process, ReplicaSet, Slice,
    REGIONAL,
};
use crate::scenario::file::{Failures, ProcessSpec};
use std::collections::BTreeMap;

/// What a cluster's `failures` may override.
const CLUSTER_KINDS: [Kind; 6] = [
    Kind::Cluster,
    Kind::ApiServer,
    Kind::EastWestGateway,
    Kind::ControlPlane,
    Kind::ControlPlaneCommon,
    Kind::Ca,
];
/// What an external site's `failures` may override.
const SITE_KINDS: [Kind; 4] = [
    Kind::ExternalSite,
    Kind::ControlPlane,
    Kind::ControlPlaneCommon,
    Kind::Ca,
];

/// The components of the mesh, and the domains that name them.
pub(super) struct Mesh {
    pub components: Vec<Component>,
    pub regions: Vec<Domain>,
    pub zones: Vec<Domain>,
    pub clusters: Vec<Cluster>,
    pub slices: Vec<Slice>,
    pub sites: Vec<Domain>,
    /// The instances made of several components, as they are made.
    pub replica_sets: Vec<ReplicaSet>,
    defaults: DefaultProcesses,
    /// The component of each (host, ordinal, replica) already placed.
    control_planes: BTreeMap<(Host, u32, u32), usize>,
    /// The common-cause process of each (host, ordinal) already placed.
    commons: BTreeMap<(Host, u32), Option<usize>>,
    /// The instance component of each (host, ordinal, replica count)
    /// placed as a [`ReplicaSet`].
    sets: BTreeMap<(Host, u32, u32), usize>,
}

impl Mesh {
    /// The components of `topo`'s elements, with the kind defaults of
    /// `failures`.
    pub fn new(topo: &Topo, failures: &Failures) -> Result<Mesh, FieldError> {
        let mut mesh = Mesh {
            components: Vec::new(),
            regions: Vec::new(),
            zones: Vec::new(),
            clusters: Vec::new(),
            slices: Vec::new(),
            sites: Vec::new(),
            replica_sets: Vec::new(),
            defaults: DefaultProcesses::new(failures)?,
            control_planes: BTreeMap::new(),
            commons: BTreeMap::new(),
            sets: BTreeMap::new(),
        };
        for r in &topo.regions {
            let process = mesh.defaults.pick(
                Kind::Region,
                r.overrides.map(|o| (o, r.path.as_str())),
                &[Kind::Region],
            )?;
            let component = mesh.add(Kind::Region, r.name.clone(), None, process);
            mesh.regions.push(Domain {
                name: r.name.clone(),
                component,
                region: None,
            });
        }
        for z in &topo.zones {
            let process = mesh.defaults.pick(
                Kind::Zone,
                z.overrides.map(|o| (o, z.path.as_str())),
                &[Kind::Zone],
            )?;
            let parent = Some(mesh.regions[z.region].component);
            let component = mesh.add(Kind::Zone, z.name.clone(), parent, process);
            mesh.zones.push(Domain {
                name: z.name.clone(),
                component,
                region: Some(z.region),
            });
        }
        for c in &topo.clusters {
            let ov = c.overrides.map(|o| (o, c.path.as_str()));
            let process = mesh.defaults.pick(Kind::Cluster, ov, &CLUSTER_KINDS)?;
            // A regional cluster needs its region; its zones hold its slices.
            let parent = Some(match c.zone {
                REGIONAL => mesh.regions[c.region].component,
                z => mesh.zones[z].component,
            });
            let component = mesh.add(Kind::Cluster, c.name.clone(), parent, process);
            let zones = match c.zone {
                REGIONAL => c.zones.clone(),
                z => vec![z],
            };
            mesh.clusters.push(Cluster {
                name: c.name.clone(),
                region: c.region,
                zone: c.zone,
                zones,
                slices: 0..0,
                component,
                api_server: usize::MAX,
                gateway: None,
                proxies: c.proxies,
                network: c.network,
            });
        }
        // Numbered kind by kind, as the model always has: all clusters,
        // then all API servers, then all gateways.
        for (i, c) in topo.clusters.iter().enumerate() {
            let ov = c.overrides.map(|o| (o, c.path.as_str()));
            let process = mesh.defaults.pick(Kind::ApiServer, ov, &CLUSTER_KINDS)?;
            let parent = Some(mesh.clusters[i].component);
            mesh.clusters[i].api_server = mesh.add(
                Kind::ApiServer,
                format!("{}/apiServer", c.name),
                parent,
                process,
            );
        }
        if topo.networks.len() > 1 {
            for (i, c) in topo.clusters.iter().enumerate() {
                let ov = c.overrides.map(|o| (o, c.path.as_str()));
                let process = mesh
                    .defaults
                    .pick(Kind::EastWestGateway, ov, &CLUSTER_KINDS)?;
                let parent = Some(mesh.clusters[i].component);
                mesh.clusters[i].gateway = Some(mesh.add(
                    Kind::EastWestGateway,
                    format!("{}/eastWestGateway", c.name),
                    parent,
                    process,
                ));
            }
        }
        mesh.add_slices();
        for s in &topo.sites {
            let ov = s.overrides.map(|o| (o, s.path.as_str()));
            let process = mesh.defaults.pick(Kind::ExternalSite, ov, &SITE_KINDS)?;
            let component = mesh.add(Kind::ExternalSite, s.name.clone(), None, process);
            mesh.sites.push(Domain {
                name: s.name.clone(),
                component,
                region: None,
            });
        }
        Ok(mesh)
    }

    /// Every cluster's proxies per zone: a zonal cluster's all in its zone
    /// (its own component), a regional cluster's spread over its zones in
    /// order, the remainder to the first zones (500 over 3: 167, 167, 166),
    /// each a component `<cluster>/<zone>` under its zone, after every
    /// other component of the clusters (so a mesh of zonal clusters keeps
    /// its components, and its results, as they were).
    fn add_slices(&mut self) {
        for c in 0..self.clusters.len() {
            let first = self.slices.len();
            let cluster = &self.clusters[c];
            let (zones, proxies, component) =
                (cluster.zones.clone(), cluster.proxies, cluster.component);
            if cluster.zone != REGIONAL {
                self.slices.push(Slice {
                    cluster: c,
                    zone: zones[0],
                    component,
                    proxies,
                });
            } else {
                let n = zones.len() as u64;
                for (k, &z) in zones.iter().enumerate() {
                    let name = format!("{}/{}", self.clusters[c].name, self.zones[z].name);
                    let parent = Some(self.zones[z].component);
                    let component = self.add(Kind::Cluster, name, parent, None);
                    let extra = u64::from((k as u64) < proxies % n);
                    self.slices.push(Slice {
                        cluster: c,
                        zone: z,
                        component,
                        proxies: proxies / n + extra,
                    });
                }
            }
            self.clusters[c].slices = first..self.slices.len();
        }
    }

    fn add(
        &mut self,
        kind: Kind,
        name: String,
        parent: Option<usize>,
        process: Option<Process>,
    ) -> usize {
        self.components.push(Component {
            kind,
            stream: stream_id(kind, &name),
            name,
            parent,
            process,
        });
        self.components.len() - 1
    }

    /// The components of the istiod with `ordinal` on `host` and
    /// `replicas` replicas, each added the first time a deployment needs
    /// it: its replicas, its common-cause process (when `failures` gives it
    /// one) and, when it has more than one replica or a common-cause
    /// process, the instance component that stands for them.
    pub fn control_plane(
        &mut self,
        topo: &Topo,
        host: Host,
        ordinal: u32,
        replicas: u32,
    ) -> Result<PlacedInstance, FieldError> {
        let members = (0..replicas)
            .map(|j| self.replica(topo, host, ordinal, j))
            .collect::<Result<Vec<usize>, FieldError>>()?;
        let common = self.common(topo, host, ordinal)?;
        if replicas == 1 && common.is_none() {
            // The one-replica model: the replica is the instance.
            return Ok(PlacedInstance {
                component: members[0],
                replicas: members,
                common,
            });
        }
        let key = (host, ordinal, replicas);
        let component = match self.sets.get(&key) {
            Some(&c) => c,
            None => {
                let base = instance_name(topo, host, ordinal);
                let noun = if replicas == 1 { "replica" } else { "replicas" };
                let name = format!("{base} ({replicas} {noun})");
                let parent = Some(self.host_component(host));
                let c = self.add(Kind::ControlPlane, name, parent, None);
                self.sets.insert(key, c);
                self.replica_sets.push(ReplicaSet {
                    instance: c,
                    replicas: members.clone(),
                    common,
                });
                c
            }
        };
        Ok(PlacedInstance {
            component,
            replicas: members,
            common,
        })
    }

    /// Replica `j` of the istiod with `ordinal` on `host`. Replica 0 is
    /// named as the instance is (`r1-z1-c1/istiod-0`), so it is the
    /// component, with the random stream, that a one-replica instance has
    /// always had; replica j ≥ 1 is `<instance>/replica-j`.
    fn replica(
        &mut self,
        topo: &Topo,
        host: Host,
        ordinal: u32,
        j: u32,
    ) -> Result<usize, FieldError> {
        let key = (host, ordinal, j);
        if let Some(&c) = self.control_planes.get(&key) {
            return Ok(c);
        }
        let (ov, allowed) = host_overrides(topo, host);
        let process = self.defaults.pick(Kind::ControlPlane, ov, allowed)?;
        let base = instance_name(topo, host, ordinal);
        let name = if j == 0 {
            base
        } else {
            format!("{base}/replica-{j}")
        };
        let parent = Some(self.replica_parent(host, j));
        let c = self.add(Kind::ControlPlane, name, parent, process);
        self.control_planes.insert(key, c);
        Ok(c)
    }

    /// Where replica `j` of an istiod on `host` runs: on its host, and on a
    /// regional cluster in entry `j mod Z` of the cluster's zone list (the
    /// cluster's slice there), so that losing a zone loses the replicas in
    /// it. The one place that rule lives.
    fn replica_parent(&self, host: Host, j: u32) -> usize {
        match host {
            Host::Cluster(c) if self.clusters[c].zone == REGIONAL => {
                let slices = self.clusters[c].slices.clone();
                self.slices[slices.start + j as usize % slices.len()].component
            }
            _ => self.host_component(host),
        }
    }

    /// The common-cause process of the istiod with `ordinal` on `host`:
    /// `None` when neither the host's overrides nor `spec.failures` give
    /// `controlPlaneCommon`.
    fn common(
        &mut self,
        topo: &Topo,
        host: Host,
        ordinal: u32,
    ) -> Result<Option<usize>, FieldError> {
        let key = (host, ordinal);
        if let Some(&c) = self.commons.get(&key) {
            return Ok(c);
        }
        let (ov, allowed) = host_overrides(topo, host);
        let c = match self.defaults.pick(Kind::ControlPlaneCommon, ov, allowed)? {
            Some(process) => {
                let name = format!("{}/common", instance_name(topo, host, ordinal));
                let parent = Some(self.host_component(host));
                Some(self.add(Kind::ControlPlaneCommon, name, parent, Some(process)))
            }
            None => None,
        };
        self.commons.insert(key, c);
        Ok(c)
    }

    /// The certificate authority on `host` (`<host>/ca`), a child of it,
    /// with the host's `failures.ca` override or the kind default. Its
    /// name alone keys its random stream, so every deployment, and every
    /// scenario with the same host, sees the same CA history.
    pub fn ca(&mut self, topo: &Topo, host: Host) -> Result<usize, FieldError> {
        let (ov, allowed) = host_overrides(topo, host);
        let process = self.defaults.pick(Kind::Ca, ov, allowed)?;
        let host_name = match host {
            Host::Cluster(c) => &topo.clusters[c].name,
            Host::Site(s) => &topo.sites[s].name,
        };
        let name = format!("{host_name}/ca");
        let parent = Some(self.host_component(host));
        Ok(self.add(Kind::Ca, name, parent, process))
    }

    fn host_component(&self, host: Host) -> usize {
        match host {
            Host::Cluster(c) => self.clusters[c].component,
            Host::Site(s) => self.sites[s].component,
        }
    }
}

/// The components [`Mesh::control_plane`] gives one instance.
pub(super) struct PlacedInstance {
    /// What links read.
    pub component: usize,
    /// Replica 0 first.
    pub replicas: Vec<usize>,
    /// The common-cause process, if any.
    pub common: Option<usize>,
}

/// `r1-z1-c1/istiod-0`: the instance with `ordinal` on `host`.
fn instance_name(topo: &Topo, host: Host, ordinal: u32) -> String {
    let host_name = match host {
        Host::Cluster(c) => &topo.clusters[c].name,
        Host::Site(s) => &topo.sites[s].name,
    };
    format!("{host_name}/istiod-{ordinal}")
}

/// The host's `failures` overrides with their path, and the kinds they may
/// name.
fn host_overrides<'t>(
    topo: &'t Topo,
    host: Host,
) -> (Option<(&'t Failures, &'t str)>, &'static [Kind]) {
    match host {
        Host::Cluster(c) => (
            topo.clusters[c]
                .overrides
                .map(|o| (o, topo.clusters[c].path.as_str())),
            &CLUSTER_KINDS,
        ),
        Host::Site(s) => (
            topo.sites[s]
                .overrides
                .map(|o| (o, topo.sites[s].path.as_str())),
            &SITE_KINDS,
        ),
    }
}

/// The kind defaults of `spec.failures`, checked once.
struct DefaultProcesses {
    by_kind: [Option<Process>; Kind::ALL.len()],
}

impl DefaultProcesses {
    fn new(f: &Failures) -> Result<Self, FieldError> {
        let mut by_kind: [Option<Process>; Kind::ALL.len()] = Default::default();
        for kind in Kind::ALL {
            if let Some(p) = slot(f, kind) {
                by_kind[kind.index()] =
                    Some(process(p, &format!("spec.failures.{}", kind.name()))?);
            }
        }
        Ok(DefaultProcesses { by_kind })
    }

    /// The process of a component of `kind`: its own override, if the
    /// element at `path` has one, else the kind default. Overrides may only
    /// name the kinds in `allowed`.
    fn pick(
        &self,
        kind: Kind,
        overrides: Option<(&Failures, &str)>,
        allowed: &[Kind],
    ) -> Result<Option<Process>, FieldError> {
        if let Some((f, path)) = overrides {
            for k in Kind::ALL {
                if slot(f, k).is_some() && !allowed.contains(&k) {
                    let names: Vec<&str> = allowed.iter().map(|k| k.name()).collect();
                    return Err(FieldError::new(
                        format!("{path}.failures.{}", k.name()),
                        format!(
                            "cannot be overridden here; this element can override {}",
                            names.join(", ")
                        ),
                    ));
                }
            }
            if let Some(p) = slot(f, kind) {
                return process(p, &format!("{path}.failures.{}", kind.name())).map(Some);
            }
        }
        Ok(self.by_kind[kind.index()].clone())
    }
}

fn slot(f: &Failures, kind: Kind) -> Option<&ProcessSpec> {
    match kind {
        Kind::Region => f.region.as_ref(),
        Kind::Zone => f.zone.as_ref(),
        Kind::Cluster => f.cluster.as_ref(),
        Kind::ApiServer => f.api_server.as_ref(),
        Kind::EastWestGateway => f.east_west_gateway.as_ref(),
        Kind::ControlPlane => f.control_plane.as_ref(),
        Kind::ControlPlaneCommon => f.control_plane_common.as_ref(),
        Kind::ExternalSite => f.external_site.as_ref(),
        Kind::Ca => f.ca.as_ref(),
        Kind::ConfigChange => None,
    }
}

fn process(p: &ProcessSpec, path: &str) -> Result<Process, FieldError> {
    Ok(Process {
        failure: Dist::from_spec(&p.failure, &format!("{path}.failure"))?,
        repair: Dist::from_spec(&p.repair, &format!("{path}.repair"))?,
    })
}
