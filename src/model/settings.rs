//! The scenario's settings that are single values, not structure: kind and
//! version, name, horizon and warm-up, replications or precision, the
//! proxies' certificate policy and config changes. Each is checked on its
//! own, so they sit apart from the steps that build the mesh.

use super::{CertPolicy, ConfigChanges, FieldError, Replications, MS_PER_HOUR};
use crate::scenario::file::{RolloutOrder, ScenarioFile};

/// The run's scalar settings, checked before the topology.
pub(super) struct Run {
    pub horizon_hours: f64,
    pub warmup_hours: f64,
    pub replications: Replications,
}

/// Checks the scenario's kind and version, its name, horizon, warm-up and
/// replication setting: the first step of building a model, in this order.
pub(super) fn run(file: &ScenarioFile) -> Result<Run, FieldError> {
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
    if (horizon_hours + warmup_hours) * MS_PER_HOUR > 1e17 {
        return Err(FieldError::new(
            "spec.horizon",
            "horizon plus warm-up beyond a million years cannot be simulated; shorten it",
        ));
    }
    let replications = replications(file)?;

    Ok(Run {
        horizon_hours,
        warmup_hours,
        replications,
    })
}

pub(super) fn config_changes(file: &ScenarioFile) -> Result<Option<ConfigChanges>, FieldError> {
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

pub(super) fn cert_policy(file: &ScenarioFile) -> Result<CertPolicy, FieldError> {
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
