//! Step 2 of building a model: every component of the mesh with its
//! failure process. The topology's elements get theirs at once (regions,
//! zones, clusters with their API servers and, on several networks, their
//! east-west gateways, external sites); control planes get theirs as
//! placement finds them ([`Mesh::control_plane`]), one per (host, ordinal)
//! however many deployments share it.
//!
//! A component's process is its element's override if it has one, else the
//! kind default of `spec.failures`; an element may override only the kinds
//! it hosts.

use super::dist::Dist;
use super::topology::Topo;
use super::{stream_id, Cluster, Component, Domain, FieldError, Host, Kind, Process};
use crate::scenario::file::{Failures, ProcessSpec};
use std::collections::BTreeMap;

/// What a cluster's `failures` may override.
const CLUSTER_KINDS: [Kind; 4] = [
    Kind::Cluster,
    Kind::ApiServer,
    Kind::EastWestGateway,
    Kind::ControlPlane,
];
/// What an external site's `failures` may override.
const SITE_KINDS: [Kind; 2] = [Kind::ExternalSite, Kind::ControlPlane];

/// The components of the mesh, and the domains that name them.
pub(super) struct Mesh {
    pub components: Vec<Component>,
    pub regions: Vec<Domain>,
    pub zones: Vec<Domain>,
    pub clusters: Vec<Cluster>,
    pub sites: Vec<Domain>,
    defaults: DefaultProcesses,
    /// The component of each (host, ordinal) already placed.
    control_planes: BTreeMap<(Host, u32), usize>,
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
            sites: Vec::new(),
            defaults: DefaultProcesses::new(failures)?,
            control_planes: BTreeMap::new(),
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
            let parent = Some(mesh.zones[c.zone].component);
            let component = mesh.add(Kind::Cluster, c.name.clone(), parent, process);
            mesh.clusters.push(Cluster {
                name: c.name.clone(),
                region: c.region,
                zone: c.zone,
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

    /// The component of the istiod with `ordinal` on `host`, added the
    /// first time a deployment places one there.
    pub fn control_plane(
        &mut self,
        topo: &Topo,
        host: Host,
        ordinal: u32,
    ) -> Result<usize, FieldError> {
        let key = (host, ordinal);
        if let Some(&c) = self.control_planes.get(&key) {
            return Ok(c);
        }
        let (host_name, host_component, ov) = match host {
            Host::Cluster(c) => (
                &topo.clusters[c].name,
                self.clusters[c].component,
                topo.clusters[c]
                    .overrides
                    .map(|o| (o, topo.clusters[c].path.as_str())),
            ),
            Host::Site(s) => (
                &topo.sites[s].name,
                self.sites[s].component,
                topo.sites[s]
                    .overrides
                    .map(|o| (o, topo.sites[s].path.as_str())),
            ),
        };
        let allowed: &[Kind] = match host {
            Host::Cluster(_) => &CLUSTER_KINDS,
            Host::Site(_) => &SITE_KINDS,
        };
        let process = self.defaults.pick(Kind::ControlPlane, ov, allowed)?;
        let name = format!("{host_name}/istiod-{ordinal}");
        let c = self.add(Kind::ControlPlane, name, Some(host_component), process);
        self.control_planes.insert(key, c);
        Ok(c)
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
        Kind::ExternalSite => f.external_site.as_ref(),
        Kind::ConfigChange => None,
    }
}

fn process(p: &ProcessSpec, path: &str) -> Result<Process, FieldError> {
    Ok(Process {
        failure: Dist::from_spec(&p.failure, &format!("{path}.failure"))?,
        repair: Dist::from_spec(&p.repair, &format!("{path}.repair"))?,
    })
}
