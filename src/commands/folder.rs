//! The results folder: where a run writes, and what it refuses to take
//! over (another scenario's results, unrelated files, things that are not
//! folders).

use crate::cli::RunArgs;
use anyhow::Context;
use meshsim::model::Model;
use meshsim::scenario::Document;
use std::path::{Path, PathBuf};

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
pub fn results_dir(args: &RunArgs, model: &Model) -> anyhow::Result<PathBuf> {
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
pub fn clear_results(out: &Path) -> anyhow::Result<()> {
    for name in RESULT_FILES {
        let path = out.join(name);
        if std::fs::symlink_metadata(&path).is_ok() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}
