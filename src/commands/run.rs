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
use crate::cli::RunArgs;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use meshsim::charts;
use meshsim::engine::replication::Outcome;
use meshsim::engine::{self, Cancel, Observer, ObserverError, RunOptions, Tally};
use meshsim::export::{write_results, Folder, ReplicationWriter};
use meshsim::model::{self, Model};
use meshsim::output::table;
use meshsim::plan;
use meshsim::results::Results;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// `meshsim run`: simulate, write the results folder, print the summary.
pub fn run(args: &RunArgs) -> anyhow::Result<(Model, Results)> {
    let (mut doc, _) = load(&args.scenario, &args.set)?;
    // `--seed` and `--replications` go into the file itself (after any
    // `--set`, so they win), so scenario.yaml records the run exactly as it
    // was made.
    if let Some(seed) = args.seed {
        doc.file.spec.seed = seed;
    }
    if let Some(n) = args.replications {
        doc.file.spec.replications = Some(n);
        doc.file.spec.precision = None;
    }
    let model = model::build(&doc.file).map_err(|e| doc.locate(e))?;
    // Refuse runs that would take hours or exhaust memory, before anything
    // is written, unless asked for knowingly.
    let size = plan::estimate::estimate(&model, args.replications, args.keep_incidents);
    plan::estimate::check(&size, args.allow_large)
        .map_err(|e| doc.locate(e.field_error(&model)))?;
    let out = results_dir(args, &model)?;
    let cancel = interrupt::cancel();
    let staging = Staging::begin(&out)?;
    let untouched = || {
        Interrupted(format!(
            "interrupted; nothing was written, {} is as it was",
            out.display()
        ))
    };

    let started = Instant::now();
    let names = model.deployments.iter().map(|d| d.name.clone()).collect();
    let mut observer = RunObserver {
        writer: ReplicationWriter::create(&Folder::new(staging.dir()), names, model.measures())?,
        bar: progress_bar(args.quiet),
        cancel: cancel.clone(),
        batches: 0,
    };
    let options = RunOptions {
        threads: args.threads,
        keep_incidents: args.keep_incidents,
    };
    let target = size.replications;
    pause_at("simulation");
    let mut tally = engine::run(&model, None, &options, &mut observer)?;
    observer.bar.finish_and_clear();
    if tally.interrupted && tally.replications == 0 {
        return Err(untouched().into());
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
    let check = |step: &str| -> anyhow::Result<()> {
        pause_at(step);
        if !partial && cancel.is_set() {
            return Err(untouched().into());
        }
        Ok(())
    };
    check("replications.parquet")?;
    observer.writer.finish()?;
    crate::heap::release_free_pages();
    let elapsed = started.elapsed().as_secs_f64();
    // The tally (and its copy of the kept incident rows) is dropped with
    // the thread that assembles the results.
    let (model, results) = assemble(model, tally, &cancel, !partial)?.ok_or_else(untouched)?;
    let yaml =
        header + &serde_yaml_ng::to_string(&doc.file).context("cannot serialise the scenario")?;
    let folder = Folder::with_check(staging.dir(), Box::new(|name: &str| check(name)));
    // The tables and the charts are independent and single-threaded: side
    // by side they take the longer of the two, not the sum (the fixed cost
    // of a run, BENCHMARKS.md).
    let (written, charts) = rayon::join(
        || write_results(&folder, &results, &yaml),
        || charts::render_into(&results, &folder),
    );
    written?;
    let charts = charts?
        .iter()
        .map(|f| out.join(f.file_name().unwrap_or_default()))
        .collect::<Vec<_>>();
    drop(folder);
    check("swap")?;
    staging.commit()?;

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

fn progress_bar(quiet: bool) -> ProgressBar {
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
