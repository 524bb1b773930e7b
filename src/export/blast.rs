//! `blast.csv`: the full N−1 table of `meshsim blast`.

use super::files::BLAST_CSV;
use super::AtomicFile;
use crate::engine::single::{SingleFailure, STATIC_MEASURES};
use crate::model::Model;
use anyhow::Context;
use polars::df;
use polars::prelude::{CsvWriter, SerWriter};
use std::path::Path;

/// Writes `dir/blast.csv`: one row per component × deployment × measure.
pub fn write_blast(dir: &Path, model: &Model, failures: &[SingleFailure]) -> anyhow::Result<()> {
    let mut kind = Vec::new();
    let mut component = Vec::new();
    let mut deployment = Vec::new();
    let mut measure = Vec::new();
    let mut blast = Vec::new();
    let mut dead = Vec::new();
    for f in failures {
        let comp = &model.components[f.component];
        for (d, dep) in model.deployments.iter().enumerate() {
            for m in STATIC_MEASURES {
                kind.push(comp.kind.name());
                component.push(comp.name.as_str());
                deployment.push(dep.name.as_str());
                measure.push(m.name());
                blast.push(f.blast(d, m));
                dead.push(f.dead);
            }
        }
    }
    let mut df = df!(
        "kind" => kind,
        "component" => component,
        "deployment" => deployment,
        "measure" => measure,
        "blast" => blast,
        "dead" => dead,
    )?;
    let path = dir.join(BLAST_CSV);
    let mut f = AtomicFile::create(&path)?;
    CsvWriter::new(f.file())
        .finish(&mut df)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.commit()
}
