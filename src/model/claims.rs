//! The last step of building a model: the scenario's `expect` claims, with
//! deployment names resolved against those the placement step accepted.

use super::known::known;
use super::{Claim, FieldError, Measure};
use crate::scenario::file::ScenarioFile;
use std::collections::HashMap;

/// Resolves `spec.expect`; `names` maps each deployment's name to its
/// index.
pub(super) fn claims(
    file: &ScenarioFile,
    names: &HashMap<&str, usize>,
) -> Result<Vec<Claim>, FieldError> {
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
