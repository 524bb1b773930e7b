//! `meshsim run --shard-index I --shard-count N`: one shard of a study,
//! written to `DIR/shards/<I>-of-<N>/` for `meshsim merge`
//! (`meshsim::shard`).
//!
//! The shard folder is built under a hidden name beside its final one
//! (`.<I>-of-<N>.partial`) and renamed into place when every file is
//! synced, so a folder under its own name is always whole: a shard killed
//! mid-run leaves only the hidden folder, which its retry removes, and a
//! retried shard replaces its earlier folder in one rename (the same
//! replications give the same bytes). A shard stopped by Ctrl-C or SIGTERM
//! keeps the whole batches it finished, as a folder marked unfinished
//! (the merge lists it; `--allow-partial` uses it), exit 130.

use super::folder::UsageError;
use super::interrupt::{self, pause_at, Interrupted};
use super::run::progress_bar;
use super::say;
use super::shard_id::ShardId;
use super::side_by_side::remove_folder;
use super::staging::sync_dir;
use crate::cli::RunArgs;
use anyhow::Context;
use indicatif::ProgressBar;
use meshsim::engine::replication::Outcome;
use meshsim::engine::{self, Cancel, Observer, ObserverError, RunOptions};
use meshsim::export::files::SCENARIO_YAML;
use meshsim::model::{Layout, Model, Replications};
use meshsim::plan;
use meshsim::scenario::{Document, FieldError};
use meshsim::shard::data::{OutcomeWriter, Summary, FORMAT};
use meshsim::shard::{self, Manifest};
use std::path::{Path, PathBuf};

/// The folder of the shards of a study written to `dir`.
pub const SHARDS: &str = "shards";

/// Runs shard `id` of the study `doc`/`model` (the command line's
/// overrides applied) into `DIR/shards/<I>-of-<N>/`.
pub fn run_shard(args: &RunArgs, doc: &Document, model: Model, id: ShardId) -> anyhow::Result<()> {
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&model.name));
    let shards = shards_folder(&dir)?;
    // The scenario as a one-machine run writes it: the merge writes it
    // back as the results' scenario.yaml, and its hash names the study.
    let yaml = serde_yaml_ng::to_string(&doc.file).context("cannot serialise the scenario")?;
    let done = write_shard(args, &shards, &yaml, &model, id, &|e| doc.locate(e).into())?;
    let target = shards.join(shard::folder_name(id.index, id.count));
    if done.interrupted {
        return Err(Interrupted(format!(
            "interrupted after {} of the {} replications of shard {} of {}; kept, marked unfinished, in {} (run the shard again to finish it)",
            done.manifest.done,
            done.manifest.end - done.manifest.first,
            id.index,
            id.count,
            target.display()
        ))
        .into());
    }
    if !args.quiet {
        say(&format!(
            "shard {} of {}: replications {} to {} of {}, {} events\nshard: {}\nmerge the shards with: meshsim merge {}\n",
            id.index,
            id.count,
            done.manifest.first,
            done.manifest.end,
            done.manifest.replications,
            done.events,
            target.display(),
            dir.display()
        ))?;
    }
    Ok(())
}

/// What [`write_shard`] wrote.
pub struct ShardDone {
    /// Its manifest.
    pub manifest: Manifest,
    /// Events simulated.
    pub events: u64,
    /// Stopped by Ctrl-C (the whole batches before it are kept).
    pub interrupted: bool,
}

/// Simulates shard `id` of the scenario `yaml` (as run; `model` built
/// from it) into `shards/<I>-of-<N>/`. `locate` turns a field error into
/// the user's (located in the file, or naming the sweep point).
pub fn write_shard(
    args: &RunArgs,
    shards: &Path,
    yaml: &str,
    model: &Model,
    id: ShardId,
    locate: &dyn Fn(FieldError) -> anyhow::Error,
) -> anyhow::Result<ShardDone> {
    let replications = match model.replications {
        Replications::Fixed(n) => n,
        Replications::Precision { .. } => {
            return Err(locate(FieldError::new(
                "spec.precision",
                "a precision target cannot be split over shards in advance: give --replications R (the same on every shard) to run it sharded",
            )))
        }
    };
    let range = shard::range(id.index, id.count, replications);
    let size = plan::estimate::estimate(model, Some(range.end - range.start), args.keep_incidents);
    plan::estimate::check(&size, args.allow_large).map_err(|e| locate(e.field_error(model)))?;
    std::fs::create_dir_all(shards)
        .with_context(|| format!("cannot create {}", shards.display()))?;
    let name = shard::folder_name(id.index, id.count);
    let target = shards.join(&name);
    let staged = shards.join(format!(".{name}.partial"));
    remove_if_there(&staged)?;
    std::fs::create_dir(&staged).with_context(|| format!("cannot create {}", staged.display()))?;
    // Removed unless renamed into place.
    let guard = Leftover(staged.clone());
    write_synced(&staged.join(SCENARIO_YAML), yaml.as_bytes())?;

    let layout = Layout::new(model.deployments.len());
    let cancel = interrupt::cancel();
    let mut observer = ShardObserver {
        writer: OutcomeWriter::create(&staged, layout)?,
        bar: progress_bar(args.quiet),
        cancel: cancel.clone(),
        batches: 0,
    };
    let options = RunOptions {
        threads: args.threads,
        keep_incidents: args.keep_incidents,
        first: range.start,
    };
    pause_at("simulation");
    let mut tally = engine::run(model, Some(range.end), &options, &mut observer)?;
    observer.bar.finish_and_clear();
    if tally.interrupted && tally.replications == 0 {
        return Err(Interrupted(format!(
            "interrupted; shard {} of {} ran no whole batch, nothing was written",
            id.index, id.count
        ))
        .into());
    }
    Summary::take(&mut tally).write(&staged, layout)?;
    observer.writer.finish()?;
    let manifest = Manifest {
        meshsim: env!("CARGO_PKG_VERSION").to_string(),
        format: FORMAT,
        scenario_hash: shard::hash(yaml),
        seed: model.seed,
        replications,
        keep_incidents: args.keep_incidents,
        shard_count: id.count,
        shard_index: id.index,
        first: range.start,
        end: range.end,
        done: tally.replications,
        finished: !tally.interrupted,
    };
    // Last: a manifest is the mark of a folder whose data is complete.
    manifest.write(&staged)?;
    sync_dir(&staged)?;
    pause_at("swap");
    put_in_place(&staged, &target)?;
    std::mem::forget(guard);
    sync_dir(shards)?;
    Ok(ShardDone {
        manifest,
        events: tally.events,
        interrupted: tally.interrupted,
    })
}

/// `dir/shards`, made if missing. `dir` may hold a merged result already
/// (a study merged, then extended); it must be a folder, and not another
/// scenario's results folder — but shards never write outside
/// `dir/shards`, so nothing there is at risk.
pub fn shards_folder(dir: &Path) -> anyhow::Result<PathBuf> {
    if let Ok(meta) = std::fs::symlink_metadata(dir) {
        if !meta.is_dir() {
            return Err(UsageError(format!(
                "{} exists and is not a folder; give --out a new or existing folder",
                dir.display()
            ))
            .into());
        }
    }
    let shards = dir.join(SHARDS);
    std::fs::create_dir_all(&shards)
        .with_context(|| format!("cannot create {}", shards.display()))?;
    Ok(shards)
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let cannot = || format!("cannot write {}", path.display());
    let mut file = std::fs::File::create(path).with_context(cannot)?;
    file.write_all(bytes).with_context(cannot)?;
    file.sync_all().with_context(cannot)
}

fn remove_if_there(path: &Path) -> anyhow::Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        remove_folder(path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    Ok(())
}

/// Renames the finished `staged` folder to `target`, replacing an earlier
/// run of the same shard (set aside first, then removed).
fn put_in_place(staged: &Path, target: &Path) -> anyhow::Result<()> {
    let old = target.with_file_name(format!(
        ".{}.old",
        target.file_name().unwrap_or_default().to_string_lossy()
    ));
    remove_if_there(&old)?;
    if std::fs::symlink_metadata(target).is_ok() {
        std::fs::rename(target, &old)
            .with_context(|| format!("cannot set {} aside", target.display()))?;
    }
    std::fs::rename(staged, target)
        .with_context(|| format!("cannot rename {} to {}", staged.display(), target.display()))?;
    remove_if_there(&old)
}

/// Removes an unfinished staging folder when the shard fails or stops.
struct Leftover(PathBuf);

impl Drop for Leftover {
    fn drop(&mut self) {
        let _ = remove_folder(&self.0);
    }
}

struct ShardObserver {
    writer: OutcomeWriter,
    bar: ProgressBar,
    cancel: Cancel,
    batches: u64,
}

impl Observer for ShardObserver {
    fn batch(&mut self, outcomes: &[Outcome]) -> Result<(), ObserverError> {
        self.writer.batch(outcomes)?;
        self.batches += 1;
        pause_at(&format!("batch {}", self.batches));
        Ok(())
    }

    fn progress(&mut self, done: u64, target: u64) {
        self.bar.set_length(target);
        self.bar.set_position(done);
    }

    fn cancel(&self) -> Cancel {
        self.cancel.clone()
    }
}
