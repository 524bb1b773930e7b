//! `replications.parquet`, streamed: one row group per batch of
//! replications, so a run of a million replications never holds them all.

use super::AtomicFile;
use crate::engine::replication::{Outcome, MEASURES};
use crate::engine::Observer;
use crate::model::Measure;
use anyhow::Context;
use polars::df;
use polars::prelude::{DataFrame, ParquetWriter, PolarsResult};
use std::fs::File;
use std::path::Path;

/// Streams outcomes into `replications.parquet` as the engine reduces them.
pub struct ReplicationWriter {
    file: AtomicFile,
    writer: polars::io::parquet::write::BatchedWriter<File>,
    deployments: Vec<String>,
    measures: Vec<Measure>,
}

impl ReplicationWriter {
    /// Starts `dir/replications.parquet` for these deployments and measures.
    pub fn create(
        dir: &Path,
        deployments: Vec<String>,
        measures: Vec<Measure>,
    ) -> anyhow::Result<Self> {
        let mut file = AtomicFile::create(&dir.join("replications.parquet"))?;
        let empty = frame(&deployments, &measures, &[])?;
        let handle = file
            .file()
            .try_clone()
            .context("cannot reopen replications.parquet")?;
        let writer = ParquetWriter::new(handle).batched(empty.schema())?;
        Ok(ReplicationWriter {
            file,
            writer,
            deployments,
            measures,
        })
    }

    /// Closes the Parquet footer and moves the file into place.
    pub fn finish(self) -> anyhow::Result<()> {
        self.writer.finish()?;
        drop(self.writer);
        self.file.commit()
    }
}

impl Observer for ReplicationWriter {
    fn batch(&mut self, outcomes: &[Outcome]) -> anyhow::Result<()> {
        let df = frame(&self.deployments, &self.measures, outcomes)?;
        self.writer.write_batch(&df)?;
        Ok(())
    }
}

fn frame(
    deployments: &[String],
    measures: &[Measure],
    outcomes: &[Outcome],
) -> PolarsResult<DataFrame> {
    let rows = outcomes.len() * deployments.len() * measures.len();
    let mut replication = Vec::with_capacity(rows);
    let mut deployment = Vec::with_capacity(rows);
    let mut measure = Vec::with_capacity(rows);
    let mut bad = Vec::with_capacity(rows);
    let mut live = Vec::with_capacity(rows);
    for o in outcomes {
        for (d, name) in deployments.iter().enumerate() {
            for &m in measures {
                replication.push(o.replication);
                deployment.push(name.as_str());
                measure.push(m.name());
                bad.push(o.bad_proxy_hours[d * MEASURES + m.index()]);
                live.push(o.live_proxy_hours);
            }
        }
    }
    df!(
        "replication" => replication,
        "deployment" => deployment,
        "measure" => measure,
        "bad_proxy_hours" => bad,
        "live_proxy_hours" => live,
    )
}
