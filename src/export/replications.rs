//! `replications.parquet`, streamed: one row group per
//! [`ROW_GROUP_ROWS`](crate::results::ROW_GROUP_ROWS) rows (whole
//! replications), so a run of a million replications never holds them all.
//!
//! The writer holds two things. The row group being built: it is built
//! column by column straight from the replications' compact outcomes,
//! about 90 bytes a row while polars encodes it (6 MB). And polars' records
//! of the row groups already written (about 12 KB each, for the footer's
//! page index), kept until the file is finished: that part grows with the
//! file, by 0.2 byte a row, so row groups are large. Row groups of 1,024
//! replications (20,480 rows of the ranking study) held 12 MB of records
//! at a million replications; 65,536 rows hold 3.7 MB.
//!
//! The columns are encoded on the reducing thread, not on polars' thread
//! pool: with the pool, the run's peak memory grew more with the
//! replication count (BENCHMARKS.md, "Memory pass"), as each of its threads
//! kept its own malloc arena.

use super::files::REPLICATIONS_PARQUET;
use super::{AtomicFile, Folder};
use crate::engine::replication::Outcome;
use crate::engine::{Observer, ObserverError};
use crate::model::Layout;
use crate::model::Measure;
use crate::results::replications_per_row_group;
use anyhow::Context;
use polars::prelude::{
    Column, DataFrame, Float64Chunked, IntoColumn, NewChunkedArray, ParquetWriter, PolarsResult,
    StringChunked, UInt64Chunked,
};
use std::fs::File;
use std::io::BufWriter;

/// Streams outcomes into `replications.parquet` as the engine reduces them.
pub struct ReplicationWriter {
    file: AtomicFile,
    /// Buffered: the writer writes its metadata a field at a time.
    writer: polars::io::parquet::write::BatchedWriter<BufWriter<File>>,
    deployments: Vec<String>,
    measures: Vec<Measure>,
    /// Replications per row group.
    group: u64,
    /// The replications of the row group being gathered.
    pending: Pending,
}

/// Replications waiting for their row group: what the file keeps of each.
#[derive(Default)]
struct Pending {
    replication: Vec<u64>,
    live_proxy_hours: Vec<f64>,
    /// Row by row, each row's slots in [`Layout`] order.
    bad_proxy_hours: Vec<f64>,
}

impl ReplicationWriter {
    /// Starts `replications.parquet` in `folder` for these deployments and
    /// measures.
    pub fn create(
        folder: &Folder<'_>,
        deployments: Vec<String>,
        measures: Vec<Measure>,
    ) -> anyhow::Result<Self> {
        let mut file = folder.create(REPLICATIONS_PARQUET)?;
        let empty = frame(&deployments, &measures, &Pending::default())?;
        let handle = file
            .file()
            .try_clone()
            .with_context(|| format!("cannot reopen {REPLICATIONS_PARQUET}"))?;
        let writer = ParquetWriter::new(BufWriter::new(handle))
            .set_parallel(false)
            .batched(empty.schema())?;
        let group = replications_per_row_group(deployments.len(), measures.len());
        Ok(ReplicationWriter {
            file,
            writer,
            deployments,
            measures,
            group,
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
        let size = self.writer.finish()?;
        // Dropping the buffer writes its rest but cannot report an error:
        // the file's length says whether every byte arrived.
        drop(self.writer);
        let written = self
            .file
            .file()
            .metadata()
            .with_context(|| format!("cannot write {REPLICATIONS_PARQUET}"))?
            .len();
        anyhow::ensure!(
            written == size,
            "cannot write {REPLICATIONS_PARQUET}: {written} of its {size} bytes reached the disk"
        );
        self.file.commit()
    }
}

impl Observer for ReplicationWriter {
    fn batch(&mut self, outcomes: &[Outcome]) -> Result<(), ObserverError> {
        for o in outcomes {
            self.pending.replication.push(o.replication);
            self.pending.live_proxy_hours.push(o.live_proxy_hours);
            self.pending.bad_proxy_hours.extend(&o.bad_proxy_hours);
            if self.pending.replication.len() as u64 == self.group {
                self.flush()?;
            }
        }
        Ok(())
    }
}

/// The pending replications as rows, built one column at a time from the
/// compact outcomes (row `i` is replication `i / per`, deployment and
/// measure from `i % per`), so no row-wise copy is ever held.
fn frame(
    deployments: &[String],
    measures: &[Measure],
    pending: &Pending,
) -> PolarsResult<DataFrame> {
    let per = deployments.len() * measures.len();
    let rows = pending.replication.len() * per;
    let slot = |i: usize| {
        let (row, within) = (i / per, i % per);
        let (d, m) = (within / measures.len(), measures[within % measures.len()]);
        (row, d, m)
    };
    let columns: Vec<Column> = vec![
        UInt64Chunked::from_iter_values(
            "replication".into(),
            (0..rows).map(|i| pending.replication[slot(i).0]),
        )
        .into_column(),
        StringChunked::from_iter_values(
            "deployment".into(),
            (0..rows).map(|i| deployments[slot(i).1].as_str()),
        )
        .into_column(),
        StringChunked::from_iter_values("measure".into(), (0..rows).map(|i| slot(i).2.name()))
            .into_column(),
        Float64Chunked::from_iter_values(
            "bad_proxy_hours".into(),
            (0..rows).map(|i| {
                let (row, d, m) = slot(i);
                pending.bad_proxy_hours[Layout::new(deployments.len()).at(row, d, m)]
            }),
        )
        .into_column(),
        Float64Chunked::from_iter_values(
            "live_proxy_hours".into(),
            (0..rows).map(|i| pending.live_proxy_hours[slot(i).0]),
        )
        .into_column(),
    ];
    DataFrame::new(rows, columns)
}
