//! `meshsim validate`: check a scenario and show what it expands to.

use super::{load, say};
use meshsim::output::table;
use std::path::Path;
use std::process::ExitCode;

/// Prints the expanded topology and placements, or fails with the error.
pub fn validate(path: &Path) -> anyhow::Result<ExitCode> {
    let (_, model) = load(path)?;
    let text = format!("{}\n{}: valid\n", table::topology(&model), path.display());
    say(&text)?;
    Ok(ExitCode::SUCCESS)
}
