//! `meshsim blast`: the N−1 table, no simulation.

use super::folder::results_dir;
use super::{load, say};
use crate::cli::RunArgs;
use anyhow::Context;
use meshsim::engine::single::single_failures;
use meshsim::export::{write_blast, AtomicFile};
use meshsim::output::table;
use std::process::ExitCode;

/// `meshsim blast`: the N-1 table, no simulation.
pub fn blast(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let (doc, model) = load(&args.scenario, &args.set)?;
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
