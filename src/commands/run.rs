//! `meshsim run`: simulate, stream the replications to disk, write the
//! results folder and its charts, print the summary. Ctrl-C stops between
//! batches without writing results.

use super::folder::{clear_results, results_dir};
use super::plot::chart_list;
use super::{load, say};
use crate::cli::RunArgs;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use meshsim::charts;
use meshsim::engine::replication::Outcome;
use meshsim::engine::{self, Observer, RunOptions};
use meshsim::export::{write_results, ReplicationWriter};
use meshsim::model::{self, Model};
use meshsim::output::table;
use meshsim::results::Results;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Set by the first Ctrl-C (or SIGTERM); the second exits at once.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler: the first signal stops the run after the
/// current batch, writing nothing (temporary files are removed); the second
/// exits immediately with code 130.
fn handle_interrupts() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\ninterrupting after the current batch; press Ctrl-C again to stop at once");
    });
}

/// `meshsim run`: simulate, write the results folder, print the summary.
pub fn run(args: &RunArgs) -> anyhow::Result<(Model, Results)> {
    let (mut doc, _) = load(&args.scenario)?;
    // Apply the overrides to the file itself, so scenario.yaml records the
    // run exactly as it was made.
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
    let size = model::estimate::estimate(&model, args.replications, args.keep_incidents);
    model::estimate::check(&size, args.allow_large)
        .map_err(|e| doc.locate(e.field_error(&model)))?;
    let out = results_dir(args, &model)?;
    handle_interrupts();
    clear_results(&out)?;

    let started = Instant::now();
    let names = model.deployments.iter().map(|d| d.name.clone()).collect();
    let mut observer = RunObserver {
        writer: ReplicationWriter::create(&out, names, model.measures())?,
        bar: progress_bar(args.quiet),
    };
    let options = RunOptions {
        threads: args.threads,
        keep_incidents: args.keep_incidents,
    };
    let tally = engine::run(&model, None, &options, &mut observer)?;
    observer.bar.finish_and_clear();
    observer.writer.finish()?;
    crate::heap::release_free_pages();
    let elapsed = started.elapsed().as_secs_f64();
    let results = Results::new(&model, &tally);
    // The kept incident rows are in `results` now; holding them twice
    // would raise the peak while the tables are written.
    drop(tally);
    let yaml = serde_yaml_ng::to_string(&doc.file).context("cannot serialise the scenario")?;
    // The tables and the charts are independent and single-threaded: side
    // by side they take the longer of the two, not the sum (the fixed cost
    // of a run, BENCHMARKS.md).
    let (written, charts) = rayon::join(
        || write_results(&out, &results, &yaml),
        || charts::render_all(&results, &out),
    );
    written?;
    let charts = charts?;

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
                model::estimate::bytes(peak as f64),
                model::estimate::bytes(size.memory_bytes)
            );
        }
        say(&text)?;
    }
    Ok((model, results))
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
}

impl Observer for RunObserver {
    fn batch(&mut self, outcomes: &[Outcome]) -> anyhow::Result<()> {
        self.writer.batch(outcomes)
    }

    fn progress(&mut self, done: u64, target: u64) {
        self.bar.set_length(target);
        self.bar.set_position(done);
    }

    fn cancelled(&self) -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }
}
