//! The `meshsim` binary: parse the command line, run the command, map
//! errors to exit codes (2: bad input, 1: anything else).

mod cli;
mod commands;

use clap::Parser;
use meshsim::scenario::ScenarioError;
use std::process::ExitCode;

/// Keeps glibc's allocator from growing its mmap threshold. By default the
/// threshold rises to the size of the largest block freed, so after the
/// first row group of `replications.parquet` (blocks of a few hundred KB,
/// made and freed on polars' threads) such blocks come from the heaps and
/// fragment them: the peak memory of a 100,000-replication run was 13%
/// above a 1,000-replication one, and 7% with the threshold held at its
/// initial 128 KiB (BENCHMARKS.md). Big blocks then go straight back to
/// the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn hold_mmap_threshold() {
    // SAFETY: mallopt only sets an allocator parameter; it is called first
    // thing in main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    hold_mmap_threshold();
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
            if err.downcast_ref::<meshsim::engine::Interrupted>().is_some() {
                eprintln!("error: {err}");
                return ExitCode::from(130);
            }
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}
