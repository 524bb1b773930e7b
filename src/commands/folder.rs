//! The results folder: where a run writes, and what it refuses to take
//! over (another scenario's results, unrelated files, things that are not
//! folders). How it is replaced is in `staging.rs`.

use crate::cli::RunArgs;
use anyhow::Context;
use meshsim::export::files::SCENARIO_YAML;
use meshsim::model::Model;
use meshsim::scenario::Document;
use std::path::PathBuf;

/// A problem with the command line or the results folder (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The results folder of a run: `--out`, or `results/<metadata.name>`.
/// It must be a folder (not a file or a link), and it is never silently
/// taken over from another scenario or from unrelated files.
pub fn results_dir(args: &RunArgs, model: &Model) -> anyhow::Result<PathBuf> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&model.name));
    results_folder(out, &model.name, args.force)
}

/// [`results_dir`] for the results of scenario `name` in `out`. A
/// `shards/` folder in it (`meshsim merge` writes beside the shards it
/// merges) does not count as unrelated files.
pub fn results_folder(out: PathBuf, name: &str, force: bool) -> anyhow::Result<PathBuf> {
    let shown = out.display();
    if let Ok(meta) = std::fs::symlink_metadata(&out) {
        if !meta.is_dir() {
            return Err(UsageError(format!(
                "{shown} exists and is not a folder; give --out a new or existing folder"
            ))
            .into());
        }
        if !force {
            let marker = out.join(SCENARIO_YAML);
            match std::fs::read_to_string(&marker) {
                Ok(text) => {
                    let other = Document::parse(&text, SCENARIO_YAML)
                        .map(|d| d.file.metadata.name)
                        .unwrap_or_default();
                    if other != name {
                        return Err(UsageError(format!(
                            "{shown} holds the results of scenario `{other}`, not `{name}`; choose another --out, or pass --force to replace them"
                        ))
                        .into());
                    }
                }
                Err(_) => {
                    let busy = std::fs::read_dir(&out)
                        .with_context(|| format!("cannot read {shown}"))?
                        .any(|e| e.map_or(true, |e| e.file_name() != super::shard_run::SHARDS));
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
