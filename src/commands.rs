//! The commands behind the CLI: each loads the scenario, does its job, and
//! reports. They know files and terminals; the simulation knows neither.

use crate::cli::{Command, RunArgs};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use meshsim::charts;
use meshsim::engine::replication::Outcome;
use meshsim::engine::single::single_failures;
use meshsim::engine::{self, Observer, RunOptions};
use meshsim::export::{load_results, write_blast, write_results, AtomicFile, ReplicationWriter};
use meshsim::model::{self, Model};
use meshsim::output::table;
use meshsim::results::{claims, Results};
use meshsim::scenario::{Document, ScenarioError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Runs one command.
pub fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run(args) => run(&args).map(|_| ExitCode::SUCCESS),
        Command::Check(args) => check(&args),
        Command::Blast(args) => blast(&args),
        Command::Validate { scenario } => validate(&scenario),
        Command::Plot { results } => plot(&results),
    }
}

fn load(path: &Path) -> Result<(Document, Model), ScenarioError> {
    let doc = Document::read(path)?;
    let model = model::build(&doc.file).map_err(|e| doc.locate(e))?;
    Ok((doc, model))
}

fn validate(path: &Path) -> anyhow::Result<ExitCode> {
    let (_, model) = load(path)?;
    let text = format!("{}\n{}: valid\n", table::topology(&model), path.display());
    say(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// `meshsim check`: run, then judge every claim.
fn check(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let (doc, model) = load(&args.scenario)?;
    if model.claims.is_empty() {
        return Err(ScenarioError::Invalid {
            file: doc.origin.clone(),
            line: 1,
            col: 1,
            path: "spec.expect".into(),
            message: "no claims to check; add e.g. `expect: [{ measure: config, order: [least-available, most-available] }]`".into(),
        }
        .into());
    }
    let (model, results) = run(args)?;
    let verdicts = claims::check(&model, &results);
    let broken = verdicts.iter().filter(|v| !v.holds).count();
    let mut text = format!("\n{}", table::claims(&verdicts));
    if broken == 0 {
        text += &format!("\nall {} claims hold\n", verdicts.len());
    } else {
        text += &format!("\n{broken} of {} claims broken\n", verdicts.len());
    }
    say(&text)?;
    Ok(if broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `meshsim plot`: the charts of an earlier run, from its files.
fn plot(dir: &Path) -> anyhow::Result<ExitCode> {
    let results = load_results(dir)?;
    let files = charts::render_all(&results, dir)?;
    say(&chart_list(&files))?;
    Ok(ExitCode::SUCCESS)
}

fn chart_list(files: &[PathBuf]) -> String {
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect();
    format!("charts: {}\n", names.join(", "))
}

/// `meshsim blast`: the N-1 table, no simulation.
fn blast(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let (doc, model) = load(&args.scenario)?;
    let failures = single_failures(&model);
    let out = results_dir(args, &model)?;
    write_blast(&out, &model, &failures)?;
    // Records whose folder this is, as `run` does.
    let marker = out.join("scenario.yaml");
    if !marker.exists() {
        let yaml = serde_yaml_ng::to_string(&doc.file).context("cannot serialise the scenario")?;
        AtomicFile::write(&marker, yaml.as_bytes())?;
    }
    if !args.quiet {
        say(&format!(
            "{}\nfull table: {}\n",
            table::single_failures(&model, &failures),
            out.join("blast.csv").display()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A problem with the command line or the results folder (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(String);

/// The files a run writes; stale ones are removed before a new run.
const RESULT_FILES: [&str; 18] = [
    "summary.csv",
    "summary.parquet",
    "pairs.csv",
    "blast_by_kind.csv",
    "cause.csv",
    "timeline_outages.csv",
    "timeline_series.csv",
    "replications.parquet",
    "incidents.parquet",
    "scenario.yaml",
    "ranking.png",
    "ranking.svg",
    "blast.png",
    "blast.svg",
    "cause.png",
    "cause.svg",
    "timeline.png",
    "timeline.svg",
];

/// The results folder of a run: `--out`, or `results/<metadata.name>`.
/// It must be a folder (not a file or a link), and it is never silently
/// taken over from another scenario or from unrelated files.
fn results_dir(args: &RunArgs, model: &Model) -> anyhow::Result<PathBuf> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&model.name));
    let shown = out.display();
    if let Ok(meta) = std::fs::symlink_metadata(&out) {
        if !meta.is_dir() {
            return Err(UsageError(format!(
                "{shown} exists and is not a folder; give --out a new or existing folder"
            ))
            .into());
        }
        if !args.force {
            let marker = out.join("scenario.yaml");
            match std::fs::read_to_string(&marker) {
                Ok(text) => {
                    let other = Document::parse(&text, "scenario.yaml")
                        .map(|d| d.file.metadata.name)
                        .unwrap_or_default();
                    if other != model.name {
                        return Err(UsageError(format!(
                            "{shown} holds the results of scenario `{other}`, not `{}`; choose another --out, or pass --force to replace them",
                            model.name
                        ))
                        .into());
                    }
                }
                Err(_) => {
                    let busy = std::fs::read_dir(&out)
                        .with_context(|| format!("cannot read {shown}"))?
                        .next()
                        .is_some();
                    if busy {
                        return Err(UsageError(format!(
                            "{shown} is not empty and holds no meshsim results; choose a new or empty folder, or pass --force"
                        ))
                        .into());
                    }
                }
            }
        }
    }
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {shown}"))?;
    Ok(out)
}

/// Removes the files of an earlier run, so an interrupted run never leaves
/// old and new files side by side.
fn clear_results(out: &Path) -> anyhow::Result<()> {
    for name in RESULT_FILES {
        let path = out.join(name);
        if std::fs::symlink_metadata(&path).is_ok() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

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
fn run(args: &RunArgs) -> anyhow::Result<(Model, Results)> {
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
    let elapsed = started.elapsed().as_secs_f64();
    let results = Results::new(&model, &tally);
    let yaml = serde_yaml_ng::to_string(&doc.file).context("cannot serialise the scenario")?;
    write_results(&out, &results, &yaml)?;
    let charts = charts::render_all(&results, &out)?;

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
            "\n{} replications × {} years, seed {}; {} events in {:.2} s ({:.3e} events/s on {} threads)\nresults: {}\n",
            results.replications,
            results.horizon_years,
            results.seed,
            results.events,
            elapsed,
            results.events as f64 / elapsed.max(1e-9),
            threads,
            out.display()
        );
        text += &chart_list(&charts);
        say(&text)?;
    }
    Ok((model, results))
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

/// Prints to stdout; a closed pipe (`meshsim run … | head`) is not an error.
fn say(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
