//! The scenario file as written: serde types that mirror the YAML one to
//! one (camelCase, unknown fields rejected).
//!
//! Nothing here is validated beyond types; `crate::model::build` turns a
//! [`ScenarioFile`] into a checked model and reports every semantic error
//! with the field path these types define. The same types serialise the
//! scenario back out (`scenario.yaml` in the results folder), with seed and
//! command-line overrides applied.

use super::duration::{Duration, Rate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// The whole document.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScenarioFile {
    /// Must be `meshsim/v1alpha1`.
    pub api_version: String,
    /// Must be `Scenario`.
    pub kind: String,
    /// Name and description.
    pub metadata: Metadata,
    /// Everything that is simulated.
    pub spec: Spec,
}

/// `metadata:`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    /// Becomes the results folder name.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `spec:`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    /// Root of every random stream; required so no run is seeded by a clock.
    pub seed: u64,
    /// Simulated time per replication after the warm-up.
    pub horizon: Duration,
    /// Simulated time discarded at the start of each replication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<Duration>,
    /// A fixed number of replications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replications: Option<u64>,
    /// Or: run until the confidence interval is this tight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// Regions, zones, clusters, networks and external sites.
    pub topology: Topology,
    /// Failure and repair distributions per component kind.
    #[serde(default)]
    pub failures: Failures,
    /// Certificate settings of the sidecars.
    #[serde(default)]
    pub proxy: ProxySpec,
    /// Who issues the workload certificates (absent: istiod).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<CertificatesSpec>,
    /// The control-plane placements to compare.
    pub deployments: Vec<DeploymentSpec>,
    /// Config changes pushed through the control planes, some of them bad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_changes: Option<ConfigChangesSpec>,
    /// Ranking claims for `meshsim check`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<Expect>,
    /// The points of `meshsim sweep` (ignored by the other commands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<super::sweep::SweepSpec>,
}

/// `spec.configChanges`: bad config changes, rolled out control plane by
/// control plane until detected, then rolled back (the `badConfig` measure).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigChangesSpec {
    /// Config changes pushed to the mesh, e.g. `10/w`.
    pub rate: Rate,
    /// Share of the changes that break traffic (0 to 1).
    pub bad_share: f64,
    /// How a change reaches the control planes.
    #[serde(default)]
    pub rollout: RolloutSpec,
    /// Time from a change's first control plane to its detection.
    pub detect: Duration,
    /// Time from detection until every reached control plane is rolled back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Duration>,
}

/// `spec.configChanges.rollout`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RolloutSpec {
    /// `sequential` (default: one control plane at a time) or `parallel`.
    #[serde(default)]
    pub order: RolloutOrder,
    /// Sequential: time between one control plane and the next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
}

/// `rollout.order`.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum RolloutOrder {
    /// One control plane after another, in placement order.
    #[default]
    Sequential,
    /// Every control plane at once.
    Parallel,
}

/// `spec.precision`: stop once the relative half-width is reached.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Precision {
    /// Target half-width of the 95% interval divided by the estimate.
    pub relative_half_width: f64,
    /// The measure whose interval must reach the target (every deployment).
    pub measure: Measure,
    /// Give up after this many replications.
    #[serde(default = "default_max_replications")]
    pub max_replications: u64,
}

fn default_max_replications() -> u64 {
    100_000
}

/// The four measures of model.md.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub enum Measure {
    /// Config updates stop reaching the proxy.
    Config,
    /// New pods cannot start.
    PodStart,
    /// Endpoint lists go stale.
    Endpoints,
    /// Certificates expired: calls fail.
    Traffic,
    /// A bad config change reached the proxy's control plane: calls fail
    /// until it is rolled back.
    BadConfig,
}

impl Measure {
    /// How many measures there are.
    pub const COUNT: usize = 5;

    /// All measures in report order.
    pub const ALL: [Measure; Measure::COUNT] = [
        Measure::Config,
        Measure::PodStart,
        Measure::Endpoints,
        Measure::Traffic,
        Measure::BadConfig,
    ];

    /// The name used in files and tables.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Config => "config",
            Measure::PodStart => "podStart",
            Measure::Endpoints => "endpoints",
            Measure::Traffic => "traffic",
            Measure::BadConfig => "badConfig",
        }
    }

    /// The measure with this file name (`podStart`), if any.
    pub fn from_name(name: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Position in [`Measure::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// `spec.topology`: either the generated form (counts) or the explicit form
/// (a list of regions).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Topology {
    /// A count (generated form) or a list (explicit form).
    pub regions: Regions,
    /// Generated form only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones_per_region: Option<u32>,
    /// Generated form only: zonal clusters in every zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters_per_zone: Option<u32>,
    /// Generated form only: regional clusters in every region, each
    /// spanning all of the region's zones (instead of `clustersPerZone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters_per_region: Option<u32>,
    /// Proxies of every cluster that does not say otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxies_per_cluster: Option<u64>,
    /// Generated form only: how clusters are split into networks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks: Option<NetworkLayout>,
    /// Places outside the mesh that host external control planes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_sites: Vec<SiteSpec>,
}

/// `spec.topology.regions`.
#[derive(Clone, Debug)]
pub enum Regions {
    /// Generated: this many regions named `r1`, `r2`, …
    Count(u32),
    /// Explicit regions.
    List(Vec<RegionSpec>),
}

impl<'de> Deserialize<'de> for Regions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Regions;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a number of regions (generated form) or a list of regions (explicit form)",
                )
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Regions, E> {
                u32::try_from(v)
                    .map(Regions::Count)
                    .map_err(|_| E::custom("too many regions"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Regions, E> {
                Err(E::custom(format!(
                    "{v} regions: the count must be 1 or more"
                )))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Regions, A::Error> {
                Vec::<RegionSpec>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(Regions::List)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Regions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Regions::Count(n) => s.serialize_u32(*n),
            Regions::List(l) => l.serialize(s),
        }
    }
}

/// `networks:` of the generated form.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum NetworkLayout {
    /// One network for the whole mesh (no east-west gateways).
    Single,
    /// `net-r1`, `net-r2`, …
    PerRegion,
    /// `net-r1-z1`, …
    PerZone,
    /// `net-r1-z1-c1`, …
    PerCluster,
}

/// One explicit region.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegionSpec {
    /// Unique among all names of the topology.
    pub name: String,
    /// Its zones.
    pub zones: Vec<ZoneSpec>,
    /// Its regional clusters, each listing the zones it spans (`zones:`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<ClusterSpec>,
    /// Overrides for this region (`region:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Failures>,
}

/// One explicit zone.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ZoneSpec {
    /// Unique among all names of the topology.
    pub name: String,
    /// Its zonal clusters (none when a regional cluster spans the zone).
    #[serde(default)]
    pub clusters: Vec<ClusterSpec>,
    /// Overrides for this zone (`zone:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Failures>,
}

/// One explicit cluster.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterSpec {
    /// Unique among all names of the topology.
    pub name: String,
    /// Sidecar count; defaults to `topology.proxiesPerCluster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxies: Option<u64>,
    /// Network name; default `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// A regional cluster's zones (names of its region's zones); only in a
    /// region's `clusters:` list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<String>>,
    /// Overrides for the cluster and what it hosts (`cluster`, `apiServer`,
    /// `eastWestGateway`, `controlPlane`, `controlPlaneCommon`, `ca`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Failures>,
}

/// One external site.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SiteSpec {
    /// Unique among all names of the topology.
    pub name: String,
    /// Overrides (`externalSite`, `controlPlane`, `controlPlaneCommon`, `ca`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Failures>,
}

/// Failure processes per component kind; a kind left out never fails.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Failures {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Whole regions.
    pub region: Option<ProcessSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Availability zones.
    pub zone: Option<ProcessSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Clusters (nodes, networking: everything in the cluster).
    pub cluster: Option<ProcessSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Kubernetes API servers.
    pub api_server: Option<ProcessSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// istiod replicas (each replica of every instance, independently).
    pub control_plane: Option<ProcessSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The common-cause process of each istiod instance, which takes all
    /// its replicas down at once (absent: none).
    pub control_plane_common: Option<ProcessSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// East-west gateways (multi-network meshes only).
    pub east_west_gateway: Option<ProcessSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// External sites (and their ingress).
    pub external_site: Option<ProcessSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Certificate authorities (`spec.certificates.issuer: cluster | site`).
    pub ca: Option<ProcessSpec>,
}

/// Time to failure and time to repair.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProcessSpec {
    /// Up time before each failure.
    pub failure: DistSpec,
    /// Down time before each repair.
    pub repair: DistSpec,
}

/// A distribution as written: `dist:` and its parameters. Which parameters
/// go together is checked in `crate::model::dist`, so that the error can
/// name the parameter that is wrong or missing.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct DistSpec {
    pub dist: DistKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Duration>,
}

/// `dist:`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum DistKind {
    Exponential,
    Weibull,
    Lognormal,
    Fixed,
    Uniform,
}

/// `spec.proxy`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProxySpec {
    /// Workload certificate lifetime (Istio default 24h).
    #[serde(default = "default_ttl")]
    pub cert_ttl: Duration,
    /// Share of the lifetime after which the certificate is rotated (0.5).
    #[serde(default = "default_grace")]
    pub cert_grace_ratio: f64,
}

fn default_ttl() -> Duration {
    Duration::parse("24h").expect("valid literal")
}

fn default_grace() -> f64 {
    0.5
}

impl Default for ProxySpec {
    fn default() -> Self {
        ProxySpec {
            cert_ttl: default_ttl(),
            cert_grace_ratio: default_grace(),
        }
    }
}

/// `spec.certificates`: who signs the workload certificates.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CertificatesSpec {
    /// `istiod` (default), `cluster` or `site`.
    #[serde(default)]
    pub issuer: IssuerKind,
    /// The external site of the CA (`issuer: site` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

/// `spec.certificates.issuer`.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum IssuerKind {
    /// istiod signs the certificates (Istio's default).
    #[default]
    Istiod,
    /// A CA in every cluster (cert-manager's istio-csr).
    Cluster,
    /// One CA at an external site (Vault).
    Site,
}

/// One control-plane placement.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeploymentSpec {
    /// Unique deployment name.
    pub name: String,
    /// Where the istiod instances run and who uses them.
    pub control_planes: ControlPlanesSpec,
    /// May also be given here instead of inside `controlPlanes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<Failover>,
}

/// `controlPlanes:` — exactly one of `per`, `external`, `instances`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlPlanesSpec {
    /// One or more instances in every region, zone or cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<Per>,
    /// Instances per domain (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Instances on external sites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalSpec>,
    /// Explicit instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<Vec<InstanceSpec>>,
    /// With `instances`: each cluster's ordered instance list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<BTreeMap<String, Vec<String>>>,
    /// Fallback scope after the nearest instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<Failover>,
    /// istiod replicas of every instance (default 1); an explicit instance
    /// may give its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
}

/// `per:`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum Per {
    Region,
    Zone,
    Cluster,
}

/// `failover:`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub enum Failover {
    /// Only the nearest instance.
    #[default]
    None,
    /// The other instances of the placement's own domain.
    Domain,
    /// The other instances of the cluster's region.
    Region,
    /// Every other instance.
    Mesh,
}

/// `controlPlanes.external`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExternalSpec {
    /// External site names.
    pub sites: Vec<String>,
    /// Instances on each site.
    #[serde(default = "one")]
    pub count_per_site: u32,
    /// The cluster whose API server holds the config (default: first cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_cluster: Option<String>,
}

fn one() -> u32 {
    1
}

/// One explicit instance: on a cluster or on an external site.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InstanceSpec {
    /// Name used in `attach`.
    pub name: String,
    /// Host cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Or host external site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Config source (default: its own cluster, or the mesh's first cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_cluster: Option<String>,
    /// istiod replicas of this instance (default: the deployment's
    /// `replicas`, else 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
}

/// One ranking claim.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expect {
    /// Which measure.
    pub measure: Measure,
    /// Deployments, lowest availability first.
    pub order: Vec<String>,
}
