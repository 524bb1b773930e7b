//! The `meshsim` binary: parse the command line, run the command, map
//! errors to exit codes (2: bad input, 130: interrupted, 1: anything else).

mod cli;
mod commands;
mod heap;

use clap::Parser;
use meshsim::scenario::ScenarioError;
use std::process::ExitCode;

fn main() -> ExitCode {
    heap::hold_mmap_threshold();
    let cli = cli::Cli::parse();
    match commands::dispatch(cli.command) {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

/// Prints an error the way its kind calls for and gives its exit code:
/// 2 for bad input (a scenario, the command line, a results folder), 130
/// for an interruption, 1 for anything else (with its whole chain of
/// causes). The one place where errors become exit codes.
fn report(err: &anyhow::Error) -> ExitCode {
    if let Some(bad) = err.downcast_ref::<ScenarioError>() {
        eprintln!("error: {bad}");
        ExitCode::from(2)
    } else if let Some(bad) = err.downcast_ref::<commands::UsageError>() {
        eprintln!("error: {bad}");
        ExitCode::from(2)
    } else if let Some(stop) = err.downcast_ref::<commands::Interrupted>() {
        eprintln!("{stop}");
        ExitCode::from(130)
    } else {
        eprintln!("error: {err:#}");
        ExitCode::from(1)
    }
}
