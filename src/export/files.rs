//! The registry of the files a run writes, and the one door they are
//! written through.
//!
//! Both sides read the one list: the writers ask [`Folder::path`] for each
//! file (a name not in the list is refused, so a new output cannot be
//! forgotten here), and the binary's staging swap (`commands/staging.rs`)
//! carries over every file of the old folder that is *not* in it
//! (`blast.csv` from `meshsim blast`, files taken over with `--force`),
//! since the new run replaces exactly these.

use std::path::{Path, PathBuf};

/// Every file `meshsim run` writes into its results folder.
pub const RESULT_FILES: [&str; 18] = [
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

/// The files `meshsim sweep` writes beside its points' folders, but for
/// its charts, which are one per measure ([`is_sweep_file`]).
pub const SWEEP_FILES: [&str; 3] = ["sweep.csv", "sweep.parquet", "crossovers.csv"];

/// Is `name` one of [`SWEEP_FILES`] or a sweep chart
/// (`sweep-<measure>.png`, `.svg`)?
pub fn is_sweep_file(name: &str) -> bool {
    let chart = name
        .strip_prefix("sweep-")
        .and_then(|n| n.strip_suffix(".png").or_else(|| n.strip_suffix(".svg")))
        .is_some_and(|m| crate::model::Measure::from_name(m).is_some());
    SWEEP_FILES.contains(&name) || chart
}

/// Is `name` one of [`RESULT_FILES`]?
pub fn is_result_file(name: &str) -> bool {
    RESULT_FILES.contains(&name)
}

/// What runs before each file is written: the run's cancellation check
/// (and its test hook); an error stops the writing there. Shared by the
/// threads that write tables and charts side by side.
pub type BeforeEach<'a> = Box<dyn Fn(&str) -> anyhow::Result<()> + Send + Sync + 'a>;

/// A folder being filled with result files.
pub struct Folder<'a> {
    dir: PathBuf,
    before: BeforeEach<'a>,
}

impl<'a> Folder<'a> {
    /// Writes into `dir` with nothing run between files.
    pub fn new(dir: &Path) -> Self {
        Folder::with_check(dir, Box::new(|_| Ok(())))
    }

    /// Writes into `dir`, calling `before(name)` before each file.
    pub fn with_check(dir: &Path, before: BeforeEach<'a>) -> Self {
        Folder {
            dir: dir.to_path_buf(),
            before,
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path to write `name` at, once the check before it has passed.
    pub fn path(&self, name: &str) -> anyhow::Result<PathBuf> {
        anyhow::ensure!(
            is_result_file(name) || is_sweep_file(name),
            "{name} is not in the list of result files (src/export/files.rs)"
        );
        (self.before)(name)?;
        Ok(self.dir.join(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_outside_the_list_is_refused_and_the_check_runs_before_each() {
        let seen = std::sync::Mutex::new(Vec::new());
        {
            let folder = Folder::with_check(
                Path::new("out"),
                Box::new(|name: &str| {
                    seen.lock().unwrap().push(name.to_string());
                    anyhow::ensure!(name != "cause.csv", "stop at {name}");
                    Ok(())
                }),
            );
            assert_eq!(
                folder.path("summary.csv").unwrap(),
                Path::new("out/summary.csv")
            );
            assert!(folder.path("crossovers.csv").is_ok());
            assert!(folder.path("sweep-podStart.svg").is_ok());
            assert!(folder.path("sweep-uptime.svg").is_err());
            let err = folder.path("notes.txt").unwrap_err().to_string();
            assert!(
                err.contains("notes.txt is not in the list of result files"),
                "{err}"
            );
            let err = folder.path("cause.csv").unwrap_err().to_string();
            assert_eq!(err, "stop at cause.csv");
        }
        assert_eq!(
            seen.into_inner().unwrap(),
            [
                "summary.csv",
                "crossovers.csv",
                "sweep-podStart.svg",
                "cause.csv"
            ]
        );
    }
}
