//! The commands behind the CLI, one file each: each loads the scenario,
//! does its job, and reports. They know files and terminals; the
//! simulation knows neither.

mod blast;
mod check;
mod folder;
mod interrupt;
mod merge;
mod plot;
mod run;
mod shard_id;
mod shard_run;
mod side_by_side;
mod staging;
mod sweep;
mod sweep_points;
mod validate;

use crate::cli::Command;
use anyhow::Context;
use meshsim::model::{self, Model};
use meshsim::scenario::{Document, Override, ScenarioError};
use std::path::Path;
use std::process::ExitCode;

pub use folder::UsageError;
pub use interrupt::Interrupted;

/// Runs one command.
pub fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run(args) => run::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Merge(args) => merge::merge(&args).map(|_| ExitCode::SUCCESS),
        Command::Check(args) => check::check(&args),
        Command::Blast(args) => blast::blast(&args),
        Command::Sweep(args) => sweep::sweep(&args).map(|_| ExitCode::SUCCESS),
        Command::Validate { scenario, set } => validate::validate(&scenario, &set),
        Command::Plot { results } => plot::plot(&results),
    }
}

/// Reads and checks a scenario file, with its `--set` overrides applied.
pub(crate) fn load(path: &Path, set: &[String]) -> Result<(Document, Model), ScenarioError> {
    let doc = Document::read_with(path, &Override::parse_all(set)?)?;
    let model = model::build(&doc.file).map_err(|e| doc.locate(e))?;
    Ok((doc, model))
}

/// Prints to stdout; a closed pipe (`meshsim run … | head`) is not an error.
pub(crate) fn say(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
