//! The validated model: components with their failure processes, clusters,
//! networks, and each deployment's control-plane instances and attachment
//! lists — everything the engine and the exact answers need, with all names
//! resolved to indices.
//!
//! Built from a [`ScenarioFile`](crate::scenario::ScenarioFile) by [`build`],
//! a pipeline of private steps (settings, topology, processes, placement,
//! attachment, claims) that between them hold every semantic check of the
//! scenario.

mod attachment;
mod budget;
mod build;
mod claims;
pub mod deps;
pub mod dist;
pub mod exact;
mod issuer;
mod known;
pub mod layout;
mod placement;
mod processes;
mod settings;
mod topology;

pub use crate::scenario::file::Measure;
pub use crate::scenario::FieldError;
pub use build::build;
pub use dist::Dist;
pub use layout::Layout;

/// Milliseconds per hour: the engine's integer clock ticks in milliseconds.
pub const MS_PER_HOUR: f64 = 3_600_000.0;
/// Hours per (365-day) year.
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// What a component is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A cloud region.
    Region,
    /// An availability zone.
    Zone,
    /// A Kubernetes cluster (its nodes and data plane).
    Cluster,
    /// A cluster's Kubernetes API server.
    ApiServer,
    /// A cluster's east-west gateway (multi-network meshes only).
    EastWestGateway,
    /// An istiod replica (a pod); with one replica and no common-cause
    /// process, the istiod instance itself.
    ControlPlane,
    /// The common-cause process of an istiod instance (a bad upgrade, an
    /// OOM under a push storm), which takes every replica down at once.
    ControlPlaneCommon,
    /// A site outside the mesh that hosts external control planes.
    ExternalSite,
    /// A certificate authority that signs workload certificates instead of
    /// istiod (`spec.certificates.issuer: cluster | site`).
    Ca,
    /// Not a component: a bad config change (incidents of `badConfig`).
    ConfigChange,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 10] = [
        Kind::Region,
        Kind::Zone,
        Kind::Cluster,
        Kind::ApiServer,
        Kind::EastWestGateway,
        Kind::ControlPlane,
        Kind::ControlPlaneCommon,
        Kind::ExternalSite,
        Kind::Ca,
        Kind::ConfigChange,
    ];

    /// The scenario-file spelling.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Region => "region",
            Kind::Zone => "zone",
            Kind::Cluster => "cluster",
            Kind::ApiServer => "apiServer",
            Kind::EastWestGateway => "eastWestGateway",
            Kind::ControlPlane => "controlPlane",
            Kind::ControlPlaneCommon => "controlPlaneCommon",
            Kind::ExternalSite => "externalSite",
            Kind::Ca => "ca",
            Kind::ConfigChange => "configChange",
        }
    }

    /// The kind with this scenario-file name (`apiServer`), if any.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Position in [`Kind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// An up/down process: time to failure, then time to repair, alternating.
#[derive(Clone, Debug)]
pub struct Process {
    /// Up time.
    pub failure: Dist,
    /// Down time.
    pub repair: Dist,
}

impl Process {
    /// Long-run share of time up: `E[up] / (E[up] + E[down])`.
    pub fn availability(&self) -> f64 {
        let up = self.failure.mean();
        up / (up + self.repair.mean())
    }
}

/// One thing that fails on its own.
#[derive(Clone, Debug)]
pub struct Component {
    /// What it is.
    pub kind: Kind,
    /// Stable, unique name: `r1-z1-c1`, `r1-z1-c1/apiServer`, `r1-z1-c1/istiod-0`.
    pub name: String,
    /// The component it needs (region of a zone, cluster of an API server, …).
    pub parent: Option<usize>,
    /// `None`: never fails.
    pub process: Option<Process>,
    /// Identity of its random stream: a hash of kind and name, so a
    /// component keeps its failure history when the scenario around it
    /// changes, and is shared by every deployment that has it.
    pub stream: u64,
}

impl Component {
    /// Long-run availability of its own process (1 when it never fails).
    pub fn availability(&self) -> f64 {
        self.process.as_ref().map_or(1.0, Process::availability)
    }
}

/// The [`Cluster::zone`] of a regional cluster, which spans several zones
/// ([`Cluster::zones`]) and has none of its own: an index no zone has, so
/// a use that forgets regional clusters fails loudly.
pub const REGIONAL: usize = usize::MAX;

/// A cluster with everything that hangs off it.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Name.
    pub name: String,
    /// Index into [`Model::regions`].
    pub region: usize,
    /// Index into [`Model::zones`]; [`REGIONAL`] for a regional cluster.
    pub zone: usize,
    /// The zones it spans, in order: its own zone for a zonal cluster.
    pub zones: Vec<usize>,
    /// Its proxies per zone: `Model::slices[slices]`, one per entry of
    /// `zones`.
    pub slices: std::ops::Range<usize>,
    /// Its own component.
    pub component: usize,
    /// Its API server's component.
    pub api_server: usize,
    /// Its east-west gateway's component (multi-network meshes only).
    pub gateway: Option<usize>,
    /// Sidecar count.
    pub proxies: u64,
    /// Index into [`Model::networks`].
    pub network: usize,
}

/// A cluster's proxies in one of its zones: live when the region, that
/// zone and the cluster are up. A zonal cluster is one slice whose
/// component is the cluster's own; a regional cluster has one slice per
/// zone, each a component with no process of its own, the child of its
/// zone, whose own state is its cluster's (the engine derives it, the
/// exact answers condition on the zone), so that "live" stays one
/// effective state read off a chain.
#[derive(Clone, Debug)]
pub struct Slice {
    /// Index into [`Model::clusters`].
    pub cluster: usize,
    /// Index into [`Model::zones`].
    pub zone: usize,
    /// What "live" reads: the cluster's component, or the slice's own.
    pub component: usize,
    /// Sidecars in this zone.
    pub proxies: u64,
}

impl Slice {
    /// Is this a zone slice of a regional cluster (a component of its own)?
    pub fn regional(&self, model: &Model) -> bool {
        self.component != model.clusters[self.cluster].component
    }
}

/// A region or zone: a name and its component.
#[derive(Clone, Debug)]
pub struct Domain {
    /// Name.
    pub name: String,
    /// Its component.
    pub component: usize,
    /// Enclosing region (zones only).
    pub region: Option<usize>,
}

/// Where an istiod instance runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Host {
    /// In a mesh cluster (index into [`Model::clusters`]).
    Cluster(usize),
    /// On an external site (index into [`Model::sites`]).
    Site(usize),
}

/// One istiod instance of one deployment.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Name within the deployment (as used in `attach`).
    pub name: String,
    /// The component whose effective state is the instance's: with one
    /// replica and no common-cause process, replica 0 itself (so the model
    /// is the one-replica model, component for component); otherwise the
    /// instance of a [`ReplicaSet`]. Shared with other deployments that
    /// have the same host, ordinal and replica count.
    pub component: usize,
    /// Its replicas' components, replica 0 first (shared with every
    /// deployment that has the same host, ordinal and replica).
    pub replicas: Vec<usize>,
    /// Its common-cause process's component, when it has one.
    pub common: Option<usize>,
    /// Where it runs.
    pub host: Host,
    /// The cluster whose API server it reads config from.
    pub config_cluster: usize,
}

/// An istiod instance made of several components: its replicas, and its
/// common-cause process if it has one. The instance's component has no
/// process of its own: it is up exactly when the common-cause process is up
/// and at least one replica is (and, being a child of the host, effectively
/// up when its host is too). Replicas and the common-cause process are
/// children of the host, like the instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaSet {
    /// The instance's component (what links read).
    pub instance: usize,
    /// Its replicas' components, replica 0 first.
    pub replicas: Vec<usize>,
    /// Its common-cause process's component, if any.
    pub common: Option<usize>,
}

impl ReplicaSet {
    /// The instance's availability given its host up, from its members'
    /// own availabilities `own`: the common-cause process up, and not
    /// every replica down.
    pub fn availability(&self, own: impl Fn(usize) -> f64) -> f64 {
        let common = self.common.map_or(1.0, &own);
        let all_down: f64 = self.replicas.iter().map(|&r| 1.0 - own(r)).product();
        common * (1.0 - all_down)
    }
}

/// One control-plane placement.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Name.
    pub name: String,
    /// One-line description of the placement, for `validate`.
    pub placement: String,
    /// Its istiod instances.
    pub instances: Vec<Instance>,
    /// Per cluster: indices into `instances`, in order of preference.
    pub attach: Vec<Vec<usize>>,
}

/// Who signs the workload certificates, so what a proxy must reach to
/// rotate its certificate (the `traffic` measure).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issuer {
    /// istiod (Istio's default): rotation needs an attached istiod
    /// reachable, as every other measure does.
    Istiod,
    /// A CA in every cluster (istio-csr): `cas[c]` is cluster c's CA, a
    /// child of the cluster; rotation needs the proxy's own cluster's CA.
    Cluster {
        /// Per cluster, its CA's component.
        cas: Vec<usize>,
    },
    /// One CA at an external site (Vault), a child of the site and
    /// reachable from every network.
    Site {
        /// Index into [`Model::sites`].
        site: usize,
        /// The CA's component.
        ca: usize,
    },
}

impl Issuer {
    /// The CA that signs the certificates of cluster `c`'s proxies;
    /// `None` when istiod does.
    pub fn ca_of(&self, c: usize) -> Option<usize> {
        match self {
            Issuer::Istiod => None,
            Issuer::Cluster { cas } => Some(cas[c]),
            Issuer::Site { ca, .. } => Some(*ca),
        }
    }

    /// `istiod`, `cluster` or `site`, as the scenario spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Issuer::Istiod => "istiod",
            Issuer::Cluster { .. } => "cluster",
            Issuer::Site { .. } => "site",
        }
    }
}

/// Certificate policy of the sidecars.
#[derive(Clone, Copy, Debug)]
pub struct CertPolicy {
    /// Certificate lifetime in hours.
    pub ttl_hours: f64,
    /// Rotation at this share of the lifetime.
    pub grace_ratio: f64,
}

/// How many replications to run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Replications {
    /// Exactly this many.
    Fixed(u64),
    /// Until the 95% half-width of `measure` is at most
    /// `relative_half_width` of the estimate, for every deployment.
    Precision {
        /// Target.
        relative_half_width: f64,
        /// Which measure.
        measure: Measure,
        /// Upper bound.
        max: u64,
    },
}

/// The bad-config-change process (`spec.configChanges`), in hours.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfigChanges {
    /// Bad changes per hour (rate × badShare).
    pub bad_per_hour: f64,
    /// Hours between one control plane and the next; 0 for parallel.
    pub interval_hours: f64,
    /// Hours from the first control plane to detection.
    pub detect_hours: f64,
    /// Hours from detection to the end of the rollback.
    pub rollback_hours: f64,
}

impl ConfigChanges {
    /// How long the control plane at `position` of the rollout order
    /// carries a bad change: from its turn until the rollback ends; 0 when
    /// detection comes before its turn.
    pub fn exposure_hours(&self, position: usize) -> f64 {
        let turn = position as f64 * self.interval_hours;
        if turn < self.detect_hours {
            self.detect_hours + self.rollback_hours - turn
        } else {
            0.0
        }
    }
}

/// A ranking claim with names resolved.
#[derive(Clone, Debug)]
pub struct Claim {
    /// Which measure.
    pub measure: Measure,
    /// Deployment indices, lowest availability first.
    pub order: Vec<usize>,
}

/// The validated scenario.
#[derive(Clone, Debug)]
pub struct Model {
    /// `metadata.name`.
    pub name: String,
    /// Root seed.
    pub seed: u64,
    /// Measured time per replication, hours.
    pub horizon_hours: f64,
    /// Discarded time at the start of each replication, hours.
    pub warmup_hours: f64,
    /// Replication count or precision target.
    pub replications: Replications,
    /// Every component; the index is the engine's tie-break order.
    pub components: Vec<Component>,
    /// Regions.
    pub regions: Vec<Domain>,
    /// Zones.
    pub zones: Vec<Domain>,
    /// Clusters in mesh order.
    pub clusters: Vec<Cluster>,
    /// Every cluster's proxies per zone, cluster by cluster in mesh order:
    /// what the engine and the exact answers count live proxies over.
    pub slices: Vec<Slice>,
    /// External sites (component index and name).
    pub sites: Vec<Domain>,
    /// Network names.
    pub networks: Vec<String>,
    /// Deployments in file order.
    pub deployments: Vec<Deployment>,
    /// The instances made of several components, in the order their
    /// instance components were made.
    pub replica_sets: Vec<ReplicaSet>,
    /// Certificates.
    pub cert: CertPolicy,
    /// Who signs them.
    pub issuer: Issuer,
    /// Ranking claims.
    pub claims: Vec<Claim>,
    /// Bad config changes, if the scenario has them.
    pub config_changes: Option<ConfigChanges>,
}

impl Model {
    /// The measures this scenario reports: `badConfig` only when it has
    /// `configChanges`.
    pub fn measures(&self) -> Vec<Measure> {
        Measure::ALL
            .into_iter()
            .filter(|&m| m != Measure::BadConfig || self.config_changes.is_some())
            .collect()
    }

    /// Every component's long-run availability given its parent up: its
    /// own process's for a component that fails on its own, its cluster's
    /// for a zone slice of a regional cluster, and for the instance of a
    /// [`ReplicaSet`] `P(common up) × (1 − Π P(replica j
    /// down))`, the components being independent.
    pub fn availabilities(&self) -> Vec<f64> {
        let mut a: Vec<f64> = self
            .components
            .iter()
            .map(Component::availability)
            .collect();
        for s in self.slices.iter().filter(|s| s.regional(self)) {
            a[s.component] = a[self.clusters[s.cluster].component];
        }
        for set in &self.replica_sets {
            a[set.instance] = set.availability(|x| self.components[x].availability());
        }
        a
    }

    /// Has the mesh a regional cluster?
    pub fn has_regional(&self) -> bool {
        self.clusters.iter().any(|c| c.zone == REGIONAL)
    }

    /// The replica set whose instance is component `x`, if it is one.
    pub fn replica_set_of(&self, x: usize) -> Option<&ReplicaSet> {
        self.replica_sets.iter().find(|s| s.instance == x)
    }

    /// Sum of all clusters' proxies.
    pub fn total_proxies(&self) -> u64 {
        self.clusters.iter().map(|c| c.proxies).sum()
    }

    /// The component and all its ancestors.
    pub fn chain(&self, component: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(component), |&c| self.components[c].parent)
    }

    /// The network of an instance's host (`None` for external sites, which
    /// every network reaches).
    pub fn host_network(&self, host: Host) -> Option<usize> {
        match host {
            Host::Cluster(c) => Some(self.clusters[c].network),
            Host::Site(_) => None,
        }
    }

    /// The gateway a proxy in `cluster` must cross to reach `instance`, if any.
    pub fn gateway_between(&self, cluster: usize, instance: &Instance) -> Option<usize> {
        match instance.host {
            Host::Cluster(h) if self.clusters[h].network != self.clusters[cluster].network => {
                self.clusters[h].gateway
            }
            _ => None,
        }
    }
}

/// A stable 64-bit identity for a random stream (FNV-1a): the standard
/// library's hasher is not guaranteed stable across Rust releases, and seeds
/// must be.
pub fn stream_id(kind: Kind, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in kind.name().bytes().chain([b'/']).chain(name.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
