//! `replications.parquet`, streamed: one row group per
//! [`REPLICATION_ROW_GROUP`] replications, so a run of a million
//! replications never holds them all.
//!
//! Row groups are larger than the engine's batches because the Parquet
//! writer keeps every row group's metadata until it writes the footer
//! (about 16 KB each here): one row group per batch of 256 made the
//! writer grow by 6 MB over 100,000 replications, one per 1,024 by
//! 1.6 MB. Larger groups would hold more rows at a time instead.

use super::AtomicFile;
use crate::engine::replication::{Outcome, MEASURES};
use crate::engine::Observer;
use crate::model::Measure;
use crate::results::REPLICATION_ROW_GROUP;
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
    /// The replications of the row group being gathered.
    pending: Pending,
}

/// Replications waiting for their row group: what the file keeps of each.
#[derive(Default)]
struct Pending {
    replication: Vec<u64>,
    live_proxy_hours: Vec<f64>,
    /// `[row * deployments * MEASURES + deployment * MEASURES + measure]`.
    bad_proxy_hours: Vec<f64>,
}

impl ReplicationWriter {
    /// Starts `dir/replications.parquet` for these deployments and measures.
    pub fn create(
        dir: &Path,
        deployments: Vec<String>,
        measures: Vec<Measure>,
    ) -> anyhow::Result<Self> {
        let mut file = AtomicFile::create(&dir.join("replications.parquet"))?;
        let empty = frame(&deployments, &measures, &Pending::default())?;
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
            pending: Pending::default(),
        })
    }

    /// Writes the pending replications as one row group.
    fn flush(&mut self) -> anyhow::Result<()> {
        if !self.pending.replication.is_empty() {
            let df = frame(&self.deployments, &self.measures, &self.pending)?;
            self.writer.write_batch(&df)?;
            self.pending.replication.clear();
            self.pending.live_proxy_hours.clear();
            self.pending.bad_proxy_hours.clear();
        }
        Ok(())
    }

    /// Closes the Parquet footer and moves the file into place.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.flush()?;
        self.writer.finish()?;
        drop(self.writer);
        self.file.commit()
    }
}

impl Observer for ReplicationWriter {
    fn batch(&mut self, outcomes: &[Outcome]) -> anyhow::Result<()> {
        for o in outcomes {
            self.pending.replication.push(o.replication);
            self.pending.live_proxy_hours.push(o.live_proxy_hours);
            self.pending.bad_proxy_hours.extend(&o.bad_proxy_hours);
            if self.pending.replication.len() as u64 == REPLICATION_ROW_GROUP {
                self.flush()?;
            }
        }
        Ok(())
    }
}

fn frame(
    deployments: &[String],
    measures: &[Measure],
    pending: &Pending,
) -> PolarsResult<DataFrame> {
    let rows = pending.replication.len() * deployments.len() * measures.len();
    let mut replication = Vec::with_capacity(rows);
    let mut deployment = Vec::with_capacity(rows);
    let mut measure = Vec::with_capacity(rows);
    let mut bad = Vec::with_capacity(rows);
    let mut live = Vec::with_capacity(rows);
    let per = deployments.len() * MEASURES;
    for (row, &r) in pending.replication.iter().enumerate() {
        let bad_of = &pending.bad_proxy_hours[row * per..][..per];
        for (d, name) in deployments.iter().enumerate() {
            for &m in measures {
                replication.push(r);
                deployment.push(name.as_str());
                measure.push(m.name());
                bad.push(bad_of[d * MEASURES + m.index()]);
                live.push(pending.live_proxy_hours[row]);
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
