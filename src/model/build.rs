//! From scenario file to [`Model`]: expands the topology, resolves every
//! name, places the control planes and checks everything that types alone
//! cannot (scenario-format.md, "Bad input").
//!
//! Each check returns a [`FieldError`] naming the field and the fix; the
//! caller attaches file, line and column. Nothing here touches the disk.

use super::dist::Dist;
use super::known::known;
use super::placement::{self, Budget};
use super::topology;
use super::{
    stream_id, CertPolicy, Claim, Cluster, Component, ConfigChanges, Deployment, Domain,
    FieldError, Host, Instance, Kind, Measure, Model, Process, Replications,
};
use crate::scenario::file::{Failures, ProcessSpec, RolloutOrder, ScenarioFile};
use std::collections::{BTreeMap, HashMap};

/// Checks a scenario and builds its model.
pub fn build(file: &ScenarioFile) -> Result<Model, FieldError> {
    if file.api_version != "meshsim/v1alpha1" {
        return Err(FieldError::new(
            "apiVersion",
            format!(
                "`{}` is not supported; use `meshsim/v1alpha1`",
                file.api_version
            ),
        ));
    }
    if file.kind != "Scenario" {
        return Err(FieldError::new(
            "kind",
            format!("`{}` is not supported; use `Scenario`", file.kind),
        ));
    }
    check_name(&file.metadata.name)?;
    let spec = &file.spec;
    let horizon_hours = spec.horizon.hours();
    if horizon_hours <= 0.0 {
        return Err(FieldError::new(
            "spec.horizon",
            format!(
                "`{}` is not a horizon; give a positive duration such as `10y`",
                spec.horizon
            ),
        ));
    }
    let warmup_hours = spec.warmup.as_ref().map_or(0.0, |w| w.hours());
    if (horizon_hours + warmup_hours) * super::MS_PER_HOUR > 1e17 {
        return Err(FieldError::new(
            "spec.horizon",
            "horizon plus warm-up beyond a million years cannot be simulated; shorten it",
        ));
    }
    let replications = replications(file)?;

    let topo = topology::expand(&spec.topology)?;
    let mut components: Vec<Component> = Vec::new();
    let mut add = |kind: Kind, name: String, parent: Option<usize>, process: Option<Process>| {
        components.push(Component {
            kind,
            stream: stream_id(kind, &name),
            name,
            parent,
            process,
        });
        components.len() - 1
    };

    let defaults = DefaultProcesses::new(&spec.failures)?;
    let mut regions = Vec::new();
    for r in &topo.regions {
        let process = defaults.pick(
            Kind::Region,
            r.overrides.map(|o| (o, r.path.as_str())),
            &[Kind::Region],
        )?;
        let component = add(Kind::Region, r.name.clone(), None, process);
        regions.push(Domain {
            name: r.name.clone(),
            component,
            region: None,
        });
    }
    let mut zones = Vec::new();
    for z in &topo.zones {
        let process = defaults.pick(
            Kind::Zone,
            z.overrides.map(|o| (o, z.path.as_str())),
            &[Kind::Zone],
        )?;
        let component = add(
            Kind::Zone,
            z.name.clone(),
            Some(regions[z.region].component),
            process,
        );
        zones.push(Domain {
            name: z.name.clone(),
            component,
            region: Some(z.region),
        });
    }
    const CLUSTER_KINDS: [Kind; 4] = [
        Kind::Cluster,
        Kind::ApiServer,
        Kind::EastWestGateway,
        Kind::ControlPlane,
    ];
    let multi_network = topo.networks.len() > 1;
    let mut clusters = Vec::new();
    for c in &topo.clusters {
        let ov = c.overrides.map(|o| (o, c.path.as_str()));
        let process = defaults.pick(Kind::Cluster, ov, &CLUSTER_KINDS)?;
        let component = add(
            Kind::Cluster,
            c.name.clone(),
            Some(zones[c.zone].component),
            process,
        );
        clusters.push(Cluster {
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
    for (i, c) in topo.clusters.iter().enumerate() {
        let ov = c.overrides.map(|o| (o, c.path.as_str()));
        let process = defaults.pick(Kind::ApiServer, ov, &CLUSTER_KINDS)?;
        let parent = Some(clusters[i].component);
        clusters[i].api_server = add(
            Kind::ApiServer,
            format!("{}/apiServer", c.name),
            parent,
            process,
        );
    }
    if multi_network {
        for (i, c) in topo.clusters.iter().enumerate() {
            let ov = c.overrides.map(|o| (o, c.path.as_str()));
            let process = defaults.pick(Kind::EastWestGateway, ov, &CLUSTER_KINDS)?;
            let parent = Some(clusters[i].component);
            clusters[i].gateway = Some(add(
                Kind::EastWestGateway,
                format!("{}/eastWestGateway", c.name),
                parent,
                process,
            ));
        }
    }
    const SITE_KINDS: [Kind; 2] = [Kind::ExternalSite, Kind::ControlPlane];
    let mut sites = Vec::new();
    for s in &topo.sites {
        let ov = s.overrides.map(|o| (o, s.path.as_str()));
        let process = defaults.pick(Kind::ExternalSite, ov, &SITE_KINDS)?;
        let component = add(Kind::ExternalSite, s.name.clone(), None, process);
        sites.push(Domain {
            name: s.name.clone(),
            component,
            region: None,
        });
    }

    // Deployments: place instances, then give each (host, ordinal) one
    // component shared by every deployment that has it.
    if spec.deployments.is_empty() {
        return Err(FieldError::new(
            "spec.deployments",
            "the list is empty; add at least one deployment, e.g. `- { name: each-cluster, controlPlanes: { per: cluster } }`",
        ));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut cp_components: BTreeMap<(Host, u32), usize> = BTreeMap::new();
    let mut deployments = Vec::new();
    let mut budget = Budget::new();
    for (d, dep) in spec.deployments.iter().enumerate() {
        let path = format!("spec.deployments[{d}]");
        if dep.name.trim().is_empty() {
            return Err(FieldError::new(
                format!("{path}.name"),
                "a deployment needs a non-empty name",
            ));
        }
        if let Some(first) = seen.insert(dep.name.as_str(), d) {
            return Err(FieldError::new(
                format!("{path}.name"),
                format!(
                    "duplicate deployment name `{}` (also spec.deployments[{first}]); give each deployment its own name",
                    dep.name
                ),
            ));
        }
        let placed = placement::place(dep, &path, &topo, &mut budget)?;
        let mut instances = Vec::new();
        for inst in placed.instances {
            let key = (inst.host, inst.ordinal);
            let component = match cp_components.get(&key) {
                Some(&c) => c,
                None => {
                    let (host_name, host_component, ov) = match inst.host {
                        Host::Cluster(c) => (
                            &topo.clusters[c].name,
                            clusters[c].component,
                            topo.clusters[c]
                                .overrides
                                .map(|o| (o, topo.clusters[c].path.as_str())),
                        ),
                        Host::Site(s) => (
                            &topo.sites[s].name,
                            sites[s].component,
                            topo.sites[s]
                                .overrides
                                .map(|o| (o, topo.sites[s].path.as_str())),
                        ),
                    };
                    let allowed: &[Kind] = match inst.host {
                        Host::Cluster(_) => &CLUSTER_KINDS,
                        Host::Site(_) => &SITE_KINDS,
                    };
                    let process = defaults.pick(Kind::ControlPlane, ov, allowed)?;
                    let name = format!("{host_name}/istiod-{}", inst.ordinal);
                    let c = add(Kind::ControlPlane, name, Some(host_component), process);
                    cp_components.insert(key, c);
                    c
                }
            };
            instances.push(Instance {
                name: inst.name,
                component,
                host: inst.host,
                config_cluster: inst.config_cluster,
            });
        }
        deployments.push(Deployment {
            name: dep.name.clone(),
            placement: placed.description,
            instances,
            attach: placed.attach,
        });
    }

    let cert = cert_policy(file)?;
    let claims = claims(file, &seen)?;
    let config_changes = config_changes(file)?;
    let networks = topo.networks.clone();
    Ok(Model {
        name: file.metadata.name.clone(),
        seed: spec.seed,
        horizon_hours,
        warmup_hours,
        replications,
        components,
        regions,
        zones,
        clusters,
        sites,
        networks,
        deployments,
        cert,
        claims,
        config_changes,
    })
}

fn config_changes(file: &ScenarioFile) -> Result<Option<ConfigChanges>, FieldError> {
    let Some(c) = &file.spec.config_changes else {
        return Ok(None);
    };
    let path = "spec.configChanges";
    if c.rate.per_hour() <= 0.0 {
        return Err(FieldError::new(
            format!("{path}.rate"),
            format!(
                "`{}` is not a rate of changes; give a positive rate such as `10/w`",
                c.rate
            ),
        ));
    }
    if !(c.bad_share > 0.0 && c.bad_share <= 1.0) {
        return Err(FieldError::new(
            format!("{path}.badShare"),
            format!("{} is not a share; give the fraction of changes that are bad, in (0, 1], e.g. 0.02", c.bad_share),
        ));
    }
    let interval_hours = match (c.rollout.order, &c.rollout.interval) {
        (RolloutOrder::Sequential, Some(i)) if i.hours() > 0.0 => i.hours(),
        (RolloutOrder::Sequential, _) => {
            return Err(FieldError::new(
                format!("{path}.rollout.interval"),
                "a sequential rollout needs a positive `interval` between control planes, e.g. `30m` (or `order: parallel`)",
            ))
        }
        (RolloutOrder::Parallel, None) => 0.0,
        (RolloutOrder::Parallel, Some(_)) => {
            return Err(FieldError::new(
                format!("{path}.rollout.interval"),
                "a parallel rollout reaches every control plane at once; drop `interval` or use `order: sequential`",
            ))
        }
    };
    if c.detect.hours() <= 0.0 {
        return Err(FieldError::new(
            format!("{path}.detect"),
            "detection takes some time; give a positive duration such as `15m`",
        ));
    }
    Ok(Some(ConfigChanges {
        bad_per_hour: c.rate.per_hour() * c.bad_share,
        interval_hours,
        detect_hours: c.detect.hours(),
        rollback_hours: c.rollback.as_ref().map_or(0.0, |r| r.hours()),
    }))
}

/// The results folder is named after `metadata.name`, so it must be a plain
/// folder name: no separators, no `..`, nothing hidden.
fn check_name(name: &str) -> Result<(), FieldError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "metadata.name",
            format!(
                "`{name}` cannot name a results folder; use 1 to 100 letters, digits, `-`, `_` or `.`, not starting with `.`"
            ),
        ))
    }
}

fn replications(file: &ScenarioFile) -> Result<Replications, FieldError> {
    let spec = &file.spec;
    match (spec.replications, &spec.precision) {
        (Some(_), Some(_)) => Err(FieldError::new(
            "spec.precision",
            "give either `replications` or `precision`, not both",
        )),
        (None, None) => Err(FieldError::new(
            "spec",
            "missing `replications` (e.g. `replications: 2000`) or `precision` (e.g. `precision: { relativeHalfWidth: 0.05, measure: config }`)",
        )),
        (Some(0), None) => Err(FieldError::new(
            "spec.replications",
            "0 replications; run at least 2 (confidence intervals need 2 or more)",
        )),
        (Some(n), None) if n > 1_000_000_000 => Err(FieldError::new(
            "spec.replications",
            format!("{n} replications is beyond what can run; use at most 1000000000, or shard the study"),
        )),
        (Some(n), None) => Ok(Replications::Fixed(n)),
        (None, Some(p)) => {
            if !(p.relative_half_width > 0.0 && p.relative_half_width < 1.0) {
                return Err(FieldError::new(
                    "spec.precision.relativeHalfWidth",
                    format!(
                        "{} is not a relative half-width; give a fraction between 0 and 1, e.g. 0.05",
                        p.relative_half_width
                    ),
                ));
            }
            if p.max_replications < 2 || p.max_replications > 1_000_000_000 {
                return Err(FieldError::new(
                    "spec.precision.maxReplications",
                    format!("{} is out of range; give 2 to 1000000000", p.max_replications),
                ));
            }
            Ok(Replications::Precision {
                relative_half_width: p.relative_half_width,
                measure: p.measure,
                max: p.max_replications,
            })
        }
    }
}

fn cert_policy(file: &ScenarioFile) -> Result<CertPolicy, FieldError> {
    let p = &file.spec.proxy;
    if p.cert_ttl.hours() <= 0.0 {
        return Err(FieldError::new(
            "spec.proxy.certTtl",
            format!(
                "`{}` is not a lifetime; give a positive duration such as `24h`",
                p.cert_ttl
            ),
        ));
    }
    if !(p.cert_grace_ratio > 0.0 && p.cert_grace_ratio <= 1.0) {
        return Err(FieldError::new(
            "spec.proxy.certGraceRatio",
            format!(
                "{} is not a share of the lifetime; give a number in (0, 1], Istio's default is 0.5",
                p.cert_grace_ratio
            ),
        ));
    }
    Ok(CertPolicy {
        ttl_hours: p.cert_ttl.hours(),
        grace_ratio: p.cert_grace_ratio,
    })
}

fn claims(file: &ScenarioFile, names: &HashMap<&str, usize>) -> Result<Vec<Claim>, FieldError> {
    let mut out = Vec::new();
    for (i, e) in file.spec.expect.iter().enumerate() {
        if e.order.len() < 2 {
            return Err(FieldError::new(
                format!("spec.expect[{i}].order"),
                "a ranking needs at least two deployments, lowest availability first",
            ));
        }
        if e.measure == Measure::BadConfig && file.spec.config_changes.is_none() {
            return Err(FieldError::new(
                format!("spec.expect[{i}].measure"),
                "`badConfig` is only measured with `spec.configChanges`; add it or claim another measure",
            ));
        }
        let mut order = Vec::new();
        let mut listed = vec![false; names.len()];
        for (j, name) in e.order.iter().enumerate() {
            let path = format!("spec.expect[{i}].order[{j}]");
            let Some(&d) = names.get(name.as_str()) else {
                return Err(FieldError::new(
                    path,
                    format!(
                        "unknown deployment `{name}`; known: {}",
                        known(names.keys().copied())
                    ),
                ));
            };
            if std::mem::replace(&mut listed[d], true) {
                return Err(FieldError::new(
                    path,
                    format!("`{name}` appears twice in the order"),
                ));
            }
            order.push(d);
        }
        out.push(Claim {
            measure: e.measure,
            order,
        });
    }
    Ok(out)
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
