//! A shard's two data files, in a small versioned binary format of our
//! own (`codec.rs`) rather than Parquet: the merge must read back every
//! float bit for bit and replay replication by replication, and a
//! sequential stream of fixed-layout records does both with no schema to
//! keep in step with the model and nothing held in memory but one record.
//!
//! - `outcomes.bin`: one record per replication, in replication order, as
//!   the engine reduces them (so it is written batch by batch): the
//!   replication, its events, live proxy-hours, bad proxy-hours per slot,
//!   and (sparse) bad proxy-hours by cause and blast-radius sums per cell.
//!   Each record is preceded by its length.
//! - `summary.bin`: what is not per replication: the trace of replication
//!   0 (in the shard that ran it), the shard's first `--keep-incidents`
//!   incident rows, and its blast-radius histograms (counts add in any
//!   order).
//!
//! Both start with a magic and [`FORMAT`]; a reader of another format
//! refuses the file instead of misreading it.

use super::codec::{Dec, Enc};
use crate::engine::replication::{IncidentRow, Outcome};
use crate::engine::trace::Trace;
use crate::engine::{Observer, ObserverError, Tally};
use crate::model::layout::Layout;
use crate::model::Measure;
use crate::stats::BlastBins;
use anyhow::Context;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Version of the data files' layout; bumped on any change.
pub const FORMAT: u32 = 1;
/// Replication records.
pub const OUTCOMES_BIN: &str = "outcomes.bin";
/// Trace, incident rows and blast-radius histograms.
pub const SUMMARY_BIN: &str = "summary.bin";

const MAGIC_OUTCOMES: &[u8; 8] = b"MSHOUTC\0";
const MAGIC_SUMMARY: &[u8; 8] = b"MSHSUMM\0";

fn header(magic: &[u8; 8], layout: Layout) -> Enc {
    let mut enc = Enc::default();
    enc.bytes.extend_from_slice(magic);
    enc.u32(FORMAT);
    enc.u32(layout.deployments() as u32);
    enc.u32(layout.slots() as u32);
    enc.u32(layout.cells() as u32);
    enc
}

/// Checks a file's header against the layout the merge expects.
fn check_header(dec: &mut Dec<'_>, magic: &[u8; 8], layout: Layout) -> Option<()> {
    let mut found = [0u8; 8];
    for b in found.iter_mut() {
        *b = dec.u8()?;
    }
    let ok = &found == magic
        && dec.u32()? == FORMAT
        && dec.u32()? as usize == layout.deployments()
        && dec.u32()? as usize == layout.slots()
        && dec.u32()? as usize == layout.cells();
    ok.then_some(())
}

/// One replication as a shard keeps it: what [`Tally::add`] and
/// `replications.parquet` read of an [`Outcome`].
fn encode(o: &Outcome, enc: &mut Enc) {
    enc.u64(o.replication);
    enc.u64(o.events);
    enc.f64(o.live_proxy_hours);
    enc.f64s(&o.bad_proxy_hours);
    enc.sparse(&o.cause_proxy_hours);
    enc.sparse(&o.blast_sum);
}

fn decode(dec: &mut Dec<'_>, o: &mut Outcome) -> Option<()> {
    o.replication = dec.u64()?;
    o.events = dec.u64()?;
    o.live_proxy_hours = dec.f64()?;
    dec.f64s(&mut o.bad_proxy_hours)?;
    dec.sparse(&mut o.cause_proxy_hours)?;
    dec.sparse(&mut o.blast_sum)?;
    dec.is_empty().then_some(())
}

/// Streams the reduced outcomes into `outcomes.bin` (an [`Observer`]).
pub struct OutcomeWriter {
    path: PathBuf,
    file: BufWriter<File>,
    record: Enc,
    /// Replications written.
    pub written: u64,
}

impl OutcomeWriter {
    /// Starts `outcomes.bin` in `dir`.
    pub fn create(dir: &Path, layout: Layout) -> anyhow::Result<Self> {
        let path = dir.join(OUTCOMES_BIN);
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut file = BufWriter::with_capacity(1 << 20, file);
        file.write_all(&header(MAGIC_OUTCOMES, layout).bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(OutcomeWriter {
            path,
            file,
            record: Enc::default(),
            written: 0,
        })
    }

    /// Writes one replication's record.
    pub fn push(&mut self, o: &Outcome) -> std::io::Result<()> {
        self.record.bytes.clear();
        encode(o, &mut self.record);
        let len = self.record.bytes.len() as u32;
        self.file.write_all(&len.to_le_bytes())?;
        self.file.write_all(&self.record.bytes)?;
        self.written += 1;
        Ok(())
    }

    /// Flushes and syncs the file.
    pub fn finish(self) -> anyhow::Result<()> {
        let cannot = || format!("cannot write {}", self.path.display());
        let file = self.file.into_inner().map_err(|e| e.into_error());
        let file = file.with_context(cannot)?;
        file.sync_all().with_context(cannot)
    }
}

impl Observer for OutcomeWriter {
    fn batch(&mut self, outcomes: &[Outcome]) -> Result<(), ObserverError> {
        for o in outcomes {
            self.push(o)?;
        }
        Ok(())
    }
}

/// Reads `outcomes.bin` back, one replication at a time.
pub struct OutcomeReader {
    path: PathBuf,
    file: BufReader<File>,
    layout: Layout,
    record: Vec<u8>,
}

impl OutcomeReader {
    /// Opens `dir`'s `outcomes.bin`, written for `layout`.
    pub fn open(dir: &Path, layout: Layout) -> anyhow::Result<Self> {
        let path = dir.join(OUTCOMES_BIN);
        let file = File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut reader = OutcomeReader {
            path,
            file: BufReader::with_capacity(1 << 20, file),
            layout,
            record: Vec::new(),
        };
        let mut head = [0u8; 24];
        reader.read_exact(&mut head)?;
        check_header(&mut Dec::new(&head), MAGIC_OUTCOMES, layout)
            .ok_or_else(|| reader.damaged("its header is not of this meshsim or scenario"))?;
        Ok(reader)
    }

    fn damaged(&self, why: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "{} is damaged ({why}); run its shard again",
            self.path.display()
        )
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> anyhow::Result<()> {
        self.file
            .read_exact(buf)
            .map_err(|e| self.damaged(&e.to_string()))
    }

    /// An empty outcome of the layout, to read into.
    pub fn blank(&self) -> Outcome {
        Outcome {
            bad_proxy_hours: vec![0.0; self.layout.slots()],
            cause_proxy_hours: vec![0.0; self.layout.cells()],
            blast_sum: vec![0.0; self.layout.cells()],
            ..Outcome::default()
        }
    }

    /// Reads the next replication into `o` (made by [`Self::blank`]).
    pub fn next_into(&mut self, o: &mut Outcome) -> anyhow::Result<()> {
        let mut len = [0u8; 4];
        self.read_exact(&mut len)?;
        let mut record = std::mem::take(&mut self.record);
        record.resize(u32::from_le_bytes(len) as usize, 0);
        self.read_exact(&mut record)?;
        let ok = decode(&mut Dec::new(&record), o);
        self.record = record;
        ok.ok_or_else(|| self.damaged("a replication record does not read back"))
    }
}

/// What a shard keeps besides its replications' records.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The trace of replication 0, in the shard that ran it.
    pub trace: Option<Trace>,
    /// The shard's first `--keep-incidents` incident rows, in replication
    /// order, with their replication.
    pub incidents: Vec<(u64, IncidentRow)>,
    /// Blast-radius histograms in [`Tally::blast`] order.
    pub bins: Vec<BlastBins>,
}

impl Summary {
    /// Takes a shard's tally's trace, rows and histograms.
    pub fn take(tally: &mut Tally) -> Self {
        Summary {
            trace: tally.trace.take(),
            incidents: std::mem::take(&mut tally.incidents),
            bins: tally.blast.iter().map(|b| b.bins.clone()).collect(),
        }
    }

    /// Writes `summary.bin` into `dir` (synced).
    pub fn write(&self, dir: &Path, layout: Layout) -> anyhow::Result<()> {
        let mut enc = header(MAGIC_SUMMARY, layout);
        match &self.trace {
            None => enc.u8(0),
            Some(t) => {
                enc.u8(1);
                encode_trace(t, &mut enc);
            }
        }
        enc.len(self.incidents.len());
        for (r, row) in &self.incidents {
            enc.u64(*r);
            enc.f64(row.time_hours);
            enc.u32(row.component);
            enc.u32(row.deployment);
            enc.u8(row.measure.index() as u8);
            enc.f64(row.blast);
        }
        enc.len(self.bins.len());
        for bins in &self.bins {
            enc.u64(bins.count());
            enc.f64(bins.max_value());
            let filled: Vec<_> = bins.filled().collect();
            enc.len(filled.len());
            for (i, n, largest) in filled {
                enc.u32(i as u32);
                enc.u64(n);
                enc.f64(largest);
            }
        }
        let path = dir.join(SUMMARY_BIN);
        let cannot = || format!("cannot write {}", path.display());
        let mut file = File::create(&path).with_context(cannot)?;
        file.write_all(&enc.bytes).with_context(cannot)?;
        file.sync_all().with_context(cannot)
    }

    /// Reads `dir`'s `summary.bin`, written for `layout`.
    pub fn read(dir: &Path, layout: Layout) -> anyhow::Result<Self> {
        let path = dir.join(SUMMARY_BIN);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::decode(&bytes, layout).ok_or_else(|| {
            anyhow::anyhow!(
                "{} is damaged or not of this meshsim or scenario; run its shard again",
                path.display()
            )
        })
    }

    fn decode(bytes: &[u8], layout: Layout) -> Option<Self> {
        let mut dec = Dec::new(bytes);
        check_header(&mut dec, MAGIC_SUMMARY, layout)?;
        let trace = match dec.u8()? {
            0 => None,
            1 => Some(decode_trace(&mut dec)?),
            _ => return None,
        };
        let n = dec.len(33)?;
        let mut incidents = Vec::with_capacity(n);
        for _ in 0..n {
            let r = dec.u64()?;
            let row = IncidentRow {
                time_hours: dec.f64()?,
                component: dec.u32()?,
                deployment: dec.u32()?,
                measure: *Measure::ALL.get(dec.u8()? as usize)?,
                blast: dec.f64()?,
            };
            incidents.push((r, row));
        }
        let n = dec.len(24)?;
        if n != layout.blasts() {
            return None;
        }
        let mut bins = Vec::with_capacity(n);
        for _ in 0..n {
            let (count, max) = (dec.u64()?, dec.f64()?);
            let filled = (0..dec.len(20)?)
                .map(|_| Some((dec.u32()? as usize, dec.u64()?, dec.f64()?)))
                .collect::<Option<Vec<_>>>()?;
            bins.push(BlastBins::from_filled(count, max, &filled)?);
        }
        dec.is_empty().then_some(Summary {
            trace,
            incidents,
            bins,
        })
    }
}

fn encode_trace(t: &Trace, enc: &mut Enc) {
    enc.u64(t.replication);
    enc.u64(t.start_ms);
    enc.u64(t.until_ms);
    enc.len(t.initial_up.len());
    for &up in &t.initial_up {
        enc.u8(up as u8);
    }
    enc.len(t.transitions.len());
    for &(at, c) in &t.transitions {
        enc.u64(at);
        enc.u32(c);
    }
    enc.len(t.sample_times.len());
    for &at in &t.sample_times {
        enc.u64(at);
    }
    enc.len(t.samples.len());
    enc.f64s(&t.samples);
    enc.len(t.traffic.len());
    for &(d, from, to, proxies) in &t.traffic {
        enc.u32(d);
        enc.u64(from);
        enc.u64(to);
        enc.u64(proxies);
    }
}

fn decode_trace(dec: &mut Dec<'_>) -> Option<Trace> {
    let mut t = Trace {
        replication: dec.u64()?,
        start_ms: dec.u64()?,
        until_ms: dec.u64()?,
        ..Trace::default()
    };
    t.initial_up = (0..dec.len(1)?)
        .map(|_| dec.u8().map(|b| b != 0))
        .collect::<Option<_>>()?;
    t.transitions = (0..dec.len(12)?)
        .map(|_| Some((dec.u64()?, dec.u32()?)))
        .collect::<Option<_>>()?;
    t.sample_times = (0..dec.len(8)?).map(|_| dec.u64()).collect::<Option<_>>()?;
    t.samples = vec![0.0; dec.len(8)?];
    dec.f64s(&mut t.samples)?;
    t.traffic = (0..dec.len(28)?)
        .map(|_| Some((dec.u32()?, dec.u64()?, dec.u64()?, dec.u64()?)))
        .collect::<Option<_>>()?;
    Some(t)
}
