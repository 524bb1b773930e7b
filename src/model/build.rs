//! From scenario file to [`Model`], as a straight pipeline: each step
//! reads what the one before produced and nothing comes back.
//!
//! 1. [`settings`](super::settings): kind, version, name, horizon,
//!    replications.
//! 2. [`topology`](super::topology): the topology expanded into flat lists
//!    with unique names ([`Topo`]).
//! 3. [`processes`](super::processes): the components of those elements
//!    with their failure processes ([`Mesh`]).
//!    The certificate issuer adds its CAs ([`issuer`](super::issuer)).
//! 4. Per deployment, [`placement`](super::placement) places its istiods,
//!    [`attachment`](super::attachment) builds each cluster's list of
//!    them, and the mesh gives each istiod its components (its replicas,
//!    its common-cause process, and the instance that stands for them).
//! 5. The certificate policy, the [`claims`](super::claims) and config
//!    changes.
//!
//! Every check returns a [`FieldError`] naming the field and the fix; the
//! caller attaches file, line and column. Checks run in the order above,
//! so that a scenario with several faults always reports the same one
//! first. Nothing here touches the disk.

use super::attachment;
use super::budget::Budget;
use super::issuer;
use super::placement;
use super::processes::Mesh;
use super::topology::{self, Topo};
use super::{claims, settings, Deployment, FieldError, Instance, Model};
use crate::scenario::file::{DeploymentSpec, ScenarioFile};
use std::collections::HashMap;

/// Checks a scenario and builds its model.
pub fn build(file: &ScenarioFile) -> Result<Model, FieldError> {
    let spec = &file.spec;
    let run = settings::run(file)?;
    let topo = topology::expand(&spec.topology)?;
    let mut mesh = Mesh::new(&topo, &spec.failures)?;
    let issuer = issuer::issuer(spec.certificates.as_ref(), &topo, &mut mesh)?;
    let (deployments, names) = deployments(&spec.deployments, &topo, &mut mesh)?;
    let cert = settings::cert_policy(file)?;
    let claims = claims::claims(file, &names)?;
    let config_changes = settings::config_changes(file)?;
    Ok(Model {
        name: file.metadata.name.clone(),
        seed: spec.seed,
        horizon_hours: run.horizon_hours,
        warmup_hours: run.warmup_hours,
        replications: run.replications,
        components: mesh.components,
        regions: mesh.regions,
        zones: mesh.zones,
        clusters: mesh.clusters,
        slices: mesh.slices,
        sites: mesh.sites,
        replica_sets: mesh.replica_sets,
        networks: topo.networks,
        deployments,
        cert,
        issuer,
        claims,
        config_changes,
    })
}

/// Places every deployment in turn, and the index of each by name (for
/// the claims). Each is placed and given its components before the next
/// is looked at, within one budget for them all.
fn deployments<'s>(
    specs: &'s [DeploymentSpec],
    topo: &Topo,
    mesh: &mut Mesh,
) -> Result<(Vec<Deployment>, HashMap<&'s str, usize>), FieldError> {
    if specs.is_empty() {
        return Err(FieldError::new(
            "spec.deployments",
            "the list is empty; add at least one deployment, e.g. `- { name: each-cluster, controlPlanes: { per: cluster } }`",
        ));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut deployments = Vec::new();
    let mut budget = Budget::new();
    for (d, dep) in specs.iter().enumerate() {
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
        let placed = placement::place(dep, &path, topo, &mut budget)?;
        let attach = attachment::attach(&dep.control_planes, &placed, &path, topo, &mut budget)?;
        let mut instances = Vec::new();
        for inst in placed.instances {
            let parts = mesh.control_plane(topo, inst.host, inst.ordinal, inst.replicas)?;
            instances.push(Instance {
                name: inst.name,
                component: parts.component,
                replicas: parts.replicas,
                common: parts.common,
                host: inst.host,
                config_cluster: inst.config_cluster,
            });
        }
        deployments.push(Deployment {
            name: dep.name.clone(),
            placement: placed.description,
            instances,
            attach,
        });
    }
    Ok((deployments, seen))
}
