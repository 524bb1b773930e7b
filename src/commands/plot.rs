//! `meshsim plot`: redraw the charts of an existing results folder.

use super::say;
use meshsim::charts;
use meshsim::export::load_results;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `meshsim plot`: the charts of an earlier run, from its files.
pub fn plot(dir: &Path) -> anyhow::Result<ExitCode> {
    let results = load_results(dir)?;
    let files = charts::render_all(&results, dir)?;
    say(&chart_list(&files))?;
    Ok(ExitCode::SUCCESS)
}

/// The one-line list of chart files printed after a run.
pub fn chart_list(files: &[PathBuf]) -> String {
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect();
    format!("charts: {}\n", names.join(", "))
}
