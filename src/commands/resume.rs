//! Checkpoints of a one-machine run, and `meshsim run --resume`.
//!
//! A run of a fixed replication count keeps what it has simulated beside
//! its results folder, in `.<name>.meshsim-resume/`, as it goes: every
//! minute or so the engine ends a segment at a batch boundary
//! ([`Observer::checkpoint_due`](meshsim::engine::Observer)), and the
//! segment's replications are written as a shard folder
//! (`<first>-<end>/`, the format of `meshsim::shard`) and renamed into
//! place, before the run continues from the same tally
//! ([`engine::run_from`](meshsim::engine::run_from)). So whatever stops
//! the run — Ctrl-C (which also keeps the whole batches of the segment
//! under way), SIGKILL, a crash, a node lost — at most the last minute is
//! lost, and `--resume` replays the segments in replication order into the
//! tally (the merge's replay) and simulates the rest: the result is the
//! uninterrupted run's, byte for byte. The folder is removed when the run
//! has swapped its results in.
//!
//! Beside the results, not in them: the results folder is replaced whole
//! at the end of a run (`staging.rs`), and a checkpoint written into it
//! during the run would be in the folder swapped out.
//!
//! A `precision:` run is not checkpointed: where it stops depends on every
//! batch's check, which a segment boundary would move; `--resume` refuses
//! it.

use super::folder::UsageError;
use super::merge::{self, Found, Study};
use super::side_by_side::remove_folder;
use super::staging::sync_dir;
use anyhow::Context;
use meshsim::engine::Tally;
use meshsim::export::ReplicationWriter;
use meshsim::model::{Layout, Model};
use meshsim::shard::data::{OutcomeWriter, Summary};
use meshsim::shard::Manifest;
use std::path::{Path, PathBuf};

/// Seconds between checkpoints: a lost node costs at most this much
/// simulation, and each segment's fixed cost (the worker pool, the
/// dependency index) is paid this rarely.
pub const EVERY_SECONDS: u64 = 60;

/// The checkpoints of one run.
pub struct Checkpoints {
    dir: PathBuf,
    /// What every segment's manifest says but its range.
    template: Manifest,
    layout: Layout,
}

/// A segment being written.
pub struct Segment {
    staged: PathBuf,
    first: u64,
    rows_before: usize,
}

impl Checkpoints {
    /// The checkpoints of the run into `out` (an existing folder) of the
    /// scenario as run `yaml`; `template` holds the study's manifest
    /// fields.
    pub fn new(out: &Path, template: Manifest, model: &Model) -> anyhow::Result<Self> {
        let out =
            std::fs::canonicalize(out).with_context(|| format!("cannot find {}", out.display()))?;
        let name = out.file_name().unwrap_or_default().to_string_lossy();
        let dir = out
            .parent()
            .unwrap_or(Path::new("/"))
            .join(format!(".{name}.meshsim-resume"));
        Ok(Checkpoints {
            dir,
            template,
            layout: Layout::new(model.deployments.len()),
        })
    }

    /// Are there checkpoints?
    pub fn exist(&self) -> bool {
        self.dir.is_dir()
    }

    /// Removes every checkpoint.
    pub fn remove(&self) -> anyhow::Result<()> {
        if std::fs::symlink_metadata(&self.dir).is_ok() {
            remove_folder(&self.dir)
                .with_context(|| format!("cannot remove {}", self.dir.display()))?;
        }
        Ok(())
    }

    /// The kept segments that continue each other from replication 0,
    /// replayed into a tally (and `writer`); (tally, next replication).
    /// A segment of another run is bad input, named.
    pub fn replay(
        &self,
        text: &str,
        model: Model,
        writer: &mut ReplicationWriter,
    ) -> anyhow::Result<(Tally, u64, Model)> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.dir)
            .with_context(|| format!("cannot read {}", self.dir.display()))?
        {
            let path = entry
                .with_context(|| format!("cannot read {}", self.dir.display()))?
                .path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let manifest = Manifest::read(&path).map_err(|why| {
                UsageError(format!(
                    "{}: {why}; remove it, or run without --resume to start over",
                    path.display()
                ))
            })?;
            let mut theirs = manifest.clone();
            (theirs.first, theirs.end, theirs.done, theirs.finished) =
                (0, 0, 0, self.template.finished);
            if theirs != self.template {
                return Err(UsageError(format!(
                    "{} was kept by another run (another scenario, seed, --replications, --keep-incidents or meshsim); run without --resume to start over",
                    path.display()
                ))
                .into());
            }
            found.push(Found { path, manifest });
        }
        found.sort_by_key(|f| f.manifest.first);
        let mut next = 0;
        let mut shards = Vec::new();
        for f in found {
            if f.manifest.first == next && f.manifest.done > 0 {
                next += f.manifest.done;
                shards.push(f);
            } else {
                // Not continuing the others (a copy, or past a gap): of no
                // use, and in the way of the segment that will replace it.
                remove_folder(&f.path)
                    .with_context(|| format!("cannot remove {}", f.path.display()))?;
            }
        }
        let study = Study {
            shards,
            text: text.to_string(),
            model,
        };
        let tally = if study.shards.is_empty() {
            Tally::new(study.model.deployments.len())
        } else {
            merge::replay(&study, Some(writer), &|| false)?
        };
        Ok((tally, next, study.model))
    }

    /// Starts the segment from replication `first`, with the tally's rows
    /// so far; and the writer of its replications' records.
    pub fn begin(&self, first: u64, tally: &Tally) -> anyhow::Result<(Segment, OutcomeWriter)> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        let staged = self.dir.join(".partial");
        if std::fs::symlink_metadata(&staged).is_ok() {
            remove_folder(&staged)
                .with_context(|| format!("cannot remove {}", staged.display()))?;
        }
        std::fs::create_dir(&staged)
            .with_context(|| format!("cannot create {}", staged.display()))?;
        let writer = OutcomeWriter::create(&staged, self.layout)?;
        let segment = Segment {
            staged,
            first,
            rows_before: tally.incidents.len(),
        };
        Ok((segment, writer))
    }

    /// Forgets the segment (the run is complete without it), and the
    /// checkpoint folder if no segment was kept before it: a run shorter
    /// than a checkpoint interval leaves nothing beside its results, even
    /// when stopped while it writes them.
    pub fn drop_segment(&self, segment: Segment, writer: OutcomeWriter) -> anyhow::Result<()> {
        drop(writer);
        remove_folder(&segment.staged)
            .with_context(|| format!("cannot remove {}", segment.staged.display()))?;
        // Fails, as it should, when kept segments are in it.
        let _ = std::fs::remove_dir(&self.dir);
        Ok(())
    }

    /// Keeps the segment, its replications run into `tally` (with these
    /// blast-radius histograms of their own).
    pub fn keep(
        &self,
        segment: Segment,
        writer: OutcomeWriter,
        tally: &Tally,
        bins: Vec<meshsim::stats::BlastBins>,
        text: &str,
    ) -> anyhow::Result<()> {
        let done = tally.replications - segment.first;
        if done == 0 {
            drop(writer);
            return remove_folder(&segment.staged)
                .with_context(|| format!("cannot remove {}", segment.staged.display()));
        }
        let summary = Summary {
            trace: (segment.first == 0).then(|| tally.trace.clone()).flatten(),
            incidents: tally.incidents[segment.rows_before..].to_vec(),
            bins,
        };
        summary.write(&segment.staged, self.layout)?;
        writer.finish()?;
        std::fs::write(
            segment.staged.join(meshsim::export::files::SCENARIO_YAML),
            text,
        )
        .with_context(|| format!("cannot write {}", segment.staged.display()))?;
        let manifest = Manifest {
            first: segment.first,
            end: segment.first + done,
            done,
            ..self.template.clone()
        };
        manifest.write(&segment.staged)?;
        sync_dir(&segment.staged)?;
        let target = self
            .dir
            .join(format!("{}-{}", manifest.first, manifest.end));
        std::fs::rename(&segment.staged, &target)
            .with_context(|| format!("cannot rename {}", segment.staged.display()))?;
        sync_dir(&self.dir)
    }
}
