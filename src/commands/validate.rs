//! `meshsim validate`: check a scenario and show what it expands to.

use super::{load, say};
use meshsim::engine;
use meshsim::output::table;
use meshsim::plan::estimate;
use std::path::Path;
use std::process::ExitCode;

/// Prints the expanded topology and placements, or fails with the error.
pub fn validate(path: &Path, set: &[String]) -> anyhow::Result<ExitCode> {
    let (_, model) = load(path, set)?;
    let size = estimate::estimate(&model, None, engine::KEPT_INCIDENTS);
    let text = format!(
        "{}\nrun size: {size} (keeping the default --keep-incidents)\n{}: valid\n",
        table::topology(&model),
        path.display()
    );
    say(&text)?;
    Ok(ExitCode::SUCCESS)
}
