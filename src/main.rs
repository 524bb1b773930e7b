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
        Err(err) => {
            if let Some(bad) = err.downcast_ref::<ScenarioError>() {
                eprintln!("error: {bad}");
                return ExitCode::from(2);
            }
            if let Some(bad) = err.downcast_ref::<commands::UsageError>() {
                eprintln!("error: {bad}");
                return ExitCode::from(2);
            }
            if let Some(stop) = err.downcast_ref::<commands::Interrupted>() {
                eprintln!("{stop}");
                return ExitCode::from(130);
            }
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}
