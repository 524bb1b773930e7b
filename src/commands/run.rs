//! `meshsim run`: simulate, stream the replications to disk, write the
//! results folder and its charts, print the summary.
//!
//! Everything is written into a staging folder and swapped in at the end
//! (`staging.rs`), so the previous results stay whole until then. Ctrl-C
//! is honoured in every phase: during the simulation the run keeps the
//! whole batches it finished and writes their results, marked as
//! interrupted (exit 130); later (exact answers, files, charts) it
//! discards the staging folder and leaves the previous results as they
//! were (exit 130).

use super::folder::results_dir;
use super::interrupt::{self, hold_at, pause_at, Interrupted};
use super::plot::chart_list;
use super::staging::Staging;
use super::{load, say};
use super::{shard_id, shard_run};
use crate::cli::RunArgs;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use meshsim::charts::{self, ChartJobs};
use meshsim::engine::replication::Outcome;
use meshsim::engine::{self, Cancel, Observer, ObserverError, RunOptions, Tally};
use meshsim::export::files::REPLICATIONS_PARQUET;
use meshsim::export::{run_in_order, table_jobs, Folder, ReplicationWriter};
use meshsim::model::{Model, Replications};
use meshsim::output::table;
use meshsim::plan;
use meshsim::results::Results;
use meshsim::scenario::Document;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// `meshsim run`: simulate, write the results folder, print the summary;
/// or, given a shard (`--shard-index`, or the scheduler's variables), run
/// that shard's replications into `DIR/shards/` (`shard_run.rs`).
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let shard = shard_id::resolve(args.shard_index, args.shard_count, |name| {
        std::env::var(name).ok()
    })?;
    let (mut doc, mut model) = load(&args.scenario, &args.set)?;
    match shard {
        Some(shard) => {
            overrides(args, &mut doc, &mut model);
            shard_run::run_shard(args, &doc, model, shard)
        }
        None => run_loaded(args, doc, model).map(|_| ()),
    }
}

/// `meshsim run` of a scenario already read and built (`check` reads it
/// first for its claims): the scenario is parsed and built once per
/// command.
pub fn run_loaded(
    args: &RunArgs,
    mut doc: Document,
    mut model: Model,
) -> anyhow::Result<(Model, Results)> {
    overrides(args, &mut doc, &mut model);
    // Refuse runs that would take hours or exhaust memory, before anything
    // is written, unless asked for knowingly.
    let size = plan::estimate::estimate(&model, args.replications, args.keep_incidents);
    plan::estimate::check(&size, args.allow_large)
        .map_err(|e| doc.locate(e.field_error(&model)))?;
    let out = results_dir(args, &model)?;
    let cancel = interrupt::cancel();
    let staging = Staging::begin(&out)?;

    let started = Instant::now();
    let names = model.deployments.iter().map(|d| d.name.clone()).collect();
    let mut observer = RunObserver {
        writer: ReplicationWriter::create(
            &Folder::new(staging.dir()).synced_later(),
            names,
            model.measures(),
        )?,
        bar: progress_bar(args.quiet),
        cancel: cancel.clone(),
        batches: 0,
    };
    let options = RunOptions {
        threads: args.threads,
        keep_incidents: args.keep_incidents,
        first: 0,
    };
    let target = size.replications;
    pause_at("simulation");
    let mut tally = engine::run(&model, None, &options, &mut observer)?;
    observer.bar.finish_and_clear();
    if tally.interrupted && tally.replications == 0 {
        return Err(untouched(&out).into());
    }
    // Interrupted during the simulation, the run keeps what it finished:
    // the results of exactly `--replications N`, recorded so in
    // scenario.yaml. A signal now (the second) exits at once.
    let partial = tally.interrupted;
    let mut header = String::new();
    if partial {
        doc.file.spec.replications = Some(tally.replications);
        doc.file.spec.precision = None;
        tally.precision_reached = None;
        header = format!(
            "# interrupted after {} of {target} replications; `replications: {}` below reproduces these results\n",
            tally.replications, tally.replications
        );
    }
    let check = checker(&cancel, partial, &out);
    check(REPLICATIONS_PARQUET)?;
    observer.writer.finish()?;
    crate::heap::release_free_pages();
    let elapsed = started.elapsed().as_secs_f64();
    let yaml =
        header + &serde_yaml_ng::to_string(&doc.file).context("cannot serialise the scenario")?;
    let (model, results, charts) =
        write_results(model, tally, staging, &out, &yaml, &cancel, partial)?;

    if !args.quiet {
        let threads = if args.threads == 0 {
            rayon::current_num_threads()
        } else {
            args.threads
        };
        let mut text = table::summary(&results);
        if let Some(false) = results.precision_reached {
            text += &format!(
                "\nprecision target not reached within {} replications\n",
                results.replications
            );
        }
        text += &format!(
            "\n{} replications × {} years, seed {}; {} events in {:.2} s ({:.1} M events/s on {} thread{})\nresults: {}\n",
            results.replications,
            results.horizon_years,
            results.seed,
            results.events,
            elapsed,
            results.events as f64 / elapsed.max(1e-9) / 1e6,
            threads,
            if threads == 1 { "" } else { "s" },
            out.display()
        );
        text += &chart_list(&charts);
        text += &kept_incidents(&results, args.keep_incidents);
        if let Some(peak) = crate::heap::peak_resident_bytes() {
            text += &format!(
                "memory: peak {} resident, estimated {} before the run\n",
                plan::estimate::bytes(peak as f64),
                plan::estimate::bytes(size.memory_bytes)
            );
        }
        say(&text)?;
    }
    if partial {
        return Err(Interrupted(format!(
            "interrupted after {} of {target} replications; their results are in {} (scenario.yaml records replications: {})",
            results.replications,
            out.display(),
            results.replications
        ))
        .into());
    }
    Ok((model, results))
}

/// Applies `--seed` and `--replications` to the file itself (after any
/// `--set`, so they win), so scenario.yaml records the run exactly as it
/// was made, and to the model.
/// The model is not built again: the file was checked as written (a bad
/// `replications` or `precision` is reported even when overridden), and
/// these two fields feed nothing else of the model (`model::build` copies
/// the seed and reads the two only for [`Replications`]), so the model is
/// the one a rebuild would give.
pub(super) fn overrides(args: &RunArgs, doc: &mut Document, model: &mut Model) {
    if let Some(seed) = args.seed {
        doc.file.spec.seed = seed;
        model.seed = seed;
    }
    if let Some(n) = args.replications {
        doc.file.spec.replications = Some(n);
        doc.file.spec.precision = None;
        model.replications = Replications::Fixed(n);
    }
}

/// The step check of the phases after the simulation: the test hook's
/// pause, then, unless the run is already a partial one (which writes what
/// it has), Ctrl-C abandons the run and leaves `out` as it was.
pub(super) fn checker<'a>(
    cancel: &'a Cancel,
    partial: bool,
    out: &'a Path,
) -> impl Fn(&str) -> anyhow::Result<()> + 'a {
    move |step: &str| {
        pause_at(step);
        if !partial && cancel.is_set() {
            return Err(untouched(out).into());
        }
        Ok(())
    }
}

fn untouched(out: &Path) -> Interrupted {
    Interrupted(format!(
        "interrupted; nothing was written, {} is as it was",
        out.display()
    ))
}

/// Writes every file of a results folder but `replications.parquet`
/// (streamed into the staging folder before) from the tally of its
/// replications, and swaps the folder in: what `run` does after the
/// simulation and `merge` after replaying the shards, one code path, so a
/// merge's files are a run's byte for byte. `yaml` is scenario.yaml's
/// text. Returns the model, the results and the charts' paths.
pub(super) fn write_results(
    model: Model,
    tally: Tally,
    staging: Staging,
    out: &Path,
    yaml: &str,
    cancel: &Cancel,
    partial: bool,
) -> anyhow::Result<(Model, Results, Vec<PathBuf>)> {
    let check = checker(cancel, partial, out);
    // The tally (and its copy of the kept incident rows) is dropped with
    // the thread that assembles the results.
    let (model, results) =
        assemble(model, tally, cancel, !partial)?.ok_or_else(|| untouched(out))?;
    // Synced side by side at the swap, not one by one by the threads that
    // draw (staging.rs).
    let folder =
        Folder::with_check(staging.dir(), Box::new(|name: &str| check(name))).synced_later();
    // Every table and chart is a job of its own, side by side on rayon's
    // pool, the longest (the large PNGs) first: the fixed cost of a run,
    // BENCHMARKS.md.
    let ChartJobs { png, svg, files } = charts::jobs(&results, &folder)?;
    let jobs = (png.into_iter())
        .chain(table_jobs(&folder, &results, yaml))
        .chain(svg)
        .collect();
    run_in_order(jobs)?;
    let charts = files
        .iter()
        .map(|f| out.join(f.file_name().unwrap_or_default()))
        .collect::<Vec<_>>();
    drop(folder);
    check("swap")?;
    staging.commit()?;
    Ok((model, results, charts))
}

/// Assembles the results (with the exact answers, which can take long on a
/// huge mesh) on a thread of its own, so a Ctrl-C is honoured while it
/// runs: `None` then, and the thread is left to die with the process.
fn assemble(
    model: Model,
    tally: Tally,
    cancel: &Cancel,
    honour: bool,
) -> anyhow::Result<Option<(Model, Results)>> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        // The test hook holds here for good, so the tests see the wait
        // below give up on a signal.
        hold_at("results");
        let results = Results::new(&model, &tally);
        let _ = send.send((model, results));
    });
    loop {
        match receive.recv_timeout(Duration::from_millis(20)) {
            Ok(done) => return Ok(Some(done)),
            Err(RecvTimeoutError::Timeout) if honour && cancel.is_set() => return Ok(None),
            Err(RecvTimeoutError::Timeout) => {}
            // The thread panicked (its message is on stderr).
            Err(RecvTimeoutError::Disconnected) => {
                anyhow::bail!("assembling the results failed; nothing was written")
            }
        }
    }
}

/// Says when incidents.parquet was cut at `--keep-incidents` rows, and
/// which replications it covers (the last one possibly in part).
fn kept_incidents(results: &Results, keep: u64) -> String {
    match results.incidents.last() {
        Some(last) if results.incidents.len() as u64 >= keep => format!(
            "incidents.parquet: the first {} incident rows only, of replications 0 to {} (--keep-incidents)\n",
            results.incidents.len(),
            last.replication
        ),
        _ => String::new(),
    }
}

pub(super) fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} replications  {elapsed} (eta {eta})",
        )
        .expect("valid template"),
    );
    bar
}

struct RunObserver {
    writer: ReplicationWriter,
    bar: ProgressBar,
    cancel: Cancel,
    batches: u64,
}

impl Observer for RunObserver {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;
    use meshsim::model;

    fn run_args(extra: &[&str]) -> RunArgs {
        let scenario = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/availability-ranking.yaml"
        );
        let argv = ["meshsim", "run", scenario];
        match Cli::parse_from(argv.iter().chain(extra)).command {
            Command::Run(args) => args,
            other => panic!("not a run: {other:?}"),
        }
    }

    /// The overrides applied to the model built once give the model that
    /// building the overridden file gives (what `run` did before), and the
    /// file records them.
    #[test]
    fn overrides_give_the_model_a_rebuild_would() {
        for extra in [
            &["--seed", "7", "--replications", "5"][..],
            &["--seed", "7"],
            &["--replications", "1"],
            &[],
        ] {
            let args = run_args(extra);
            let (mut doc, mut model) = load(&args.scenario, &args.set).unwrap();
            let before = format!("{model:?}");
            overrides(&args, &mut doc, &mut model);
            let rebuilt = model::build(&doc.file).unwrap();
            assert_eq!(format!("{model:?}"), format!("{rebuilt:?}"), "{extra:?}");
            assert_eq!(format!("{model:?}") == before, extra.is_empty());
            if let Some(n) = args.replications {
                assert_eq!(doc.file.spec.replications, Some(n));
                assert!(doc.file.spec.precision.is_none());
            }
            if let Some(seed) = args.seed {
                assert_eq!(doc.file.spec.seed, seed);
            }
        }
    }
}
