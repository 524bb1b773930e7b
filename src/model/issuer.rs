//! Who signs the workload certificates (`spec.certificates`), and the CA
//! components that stand for the issuer when it is not istiod.
//!
//! Kept apart from placement because the issuer is a property of the
//! mesh, not of a deployment: every deployment of a scenario is compared
//! under the same issuer, and the CAs' failure histories are shared by all
//! of them (common random numbers, as for the topology's components).
//! The CAs are made right after the topology's components and before any
//! istiod, so a scenario with the default issuer has exactly the
//! components, in the same order, that it had before issuers existed.

use super::known::known;
use super::processes::Mesh;
use super::topology::Topo;
use super::{FieldError, Host, Issuer};
use crate::scenario::file::{CertificatesSpec, IssuerKind};

const PATH: &str = "spec.certificates";

/// Checks `spec.certificates` and adds its CAs to the mesh: one per
/// cluster, in mesh order, for `cluster`; one at the named site for `site`.
pub(super) fn issuer(
    spec: Option<&CertificatesSpec>,
    topo: &Topo,
    mesh: &mut Mesh,
) -> Result<Issuer, FieldError> {
    let Some(spec) = spec else {
        return Ok(Issuer::Istiod);
    };
    if spec.issuer != IssuerKind::Site && spec.site.is_some() {
        return Err(FieldError::new(
            format!("{PATH}.site"),
            format!(
                "`site` names the CA's external site, which only `issuer: site` has; set `issuer: site` or remove `site` (issuer is `{}`)",
                issuer_name(spec.issuer)
            ),
        ));
    }
    match spec.issuer {
        IssuerKind::Istiod => Ok(Issuer::Istiod),
        IssuerKind::Cluster => {
            let cas = (0..topo.clusters.len())
                .map(|c| mesh.ca(topo, Host::Cluster(c)))
                .collect::<Result<Vec<usize>, FieldError>>()?;
            Ok(Issuer::Cluster { cas })
        }
        IssuerKind::Site => {
            let Some(name) = &spec.site else {
                return Err(FieldError::new(
                    PATH,
                    format!(
                        "`issuer: site` needs the CA's external site: add `site: NAME`, {}",
                        sites_hint(topo)
                    ),
                ));
            };
            let site = topo.site_index(name).ok_or_else(|| {
                FieldError::new(
                    format!("{PATH}.site"),
                    format!("unknown external site `{name}`; {}", sites_hint(topo)),
                )
            })?;
            let ca = mesh.ca(topo, Host::Site(site))?;
            Ok(Issuer::Site { site, ca })
        }
    }
}

/// The sites a `site:` may name, or where to declare one.
fn sites_hint(topo: &Topo) -> String {
    if topo.sites.is_empty() {
        "none are defined; declare it under spec.topology.externalSites (`- name: vault`)"
            .to_string()
    } else {
        format!(
            "known: {}",
            known(topo.sites.iter().map(|s| s.name.as_str()))
        )
    }
}

fn issuer_name(kind: IssuerKind) -> &'static str {
    match kind {
        IssuerKind::Istiod => "istiod",
        IssuerKind::Cluster => "cluster",
        IssuerKind::Site => "site",
    }
}
