//! The registry of the files a run writes, and the one door they are
//! written through.
//!
//! Both sides read the one list: the writers ask [`Folder::path`] for each
//! file (a name not in the list is refused, so a new output cannot be
//! forgotten here), and the binary's staging swap (`commands/staging.rs`)
//! carries over every file of the old folder that is *not* in it
//! (`blast.csv` from `meshsim blast`, files taken over with `--force`),
//! since the new run replaces exactly these.

use super::AtomicFile;
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
    /// Whether each file waits for the disk when committed.
    sync_each: bool,
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
            sync_each: true,
        }
    }

    /// Files are renamed into place without waiting for the disk
    /// ([`AtomicFile::sync_later`]); the folder's owner syncs them before
    /// relying on them (`meshsim run`: its staging folder, before the
    /// swap).
    pub fn synced_later(mut self) -> Self {
        self.sync_each = false;
        self
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

    /// Starts writing `name`, once the check before it has passed.
    pub fn create(&self, name: &str) -> anyhow::Result<AtomicFile> {
        let file = AtomicFile::create(&self.path(name)?)?;
        Ok(if self.sync_each {
            file
        } else {
            file.sync_later()
        })
    }

    /// Writes `name` whole, once the check before it has passed.
    pub fn write(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        use anyhow::Context;
        use std::io::Write;
        let mut file = self.create(name)?;
        file.file()
            .write_all(bytes)
            .with_context(|| format!("cannot write {}", file.dest().display()))?;
        file.commit()
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

    #[test]
    fn files_are_written_whole_after_the_check_whether_synced_now_or_later() {
        let tmp = tempfile::tempdir().unwrap();
        for folder in [
            Folder::new(tmp.path()),
            Folder::new(tmp.path()).synced_later(),
        ] {
            folder.write("summary.csv", b"a,b\n").unwrap();
            let mut f = folder.create("pairs.csv").unwrap();
            std::io::Write::write_all(f.file(), b"c\n").unwrap();
            assert!(!tmp.path().join("pairs.csv").exists());
            f.commit().unwrap();
            assert!(folder.create("notes.txt").is_err());
            assert_eq!(
                std::fs::read(tmp.path().join("summary.csv")).unwrap(),
                b"a,b\n"
            );
            assert_eq!(std::fs::read(tmp.path().join("pairs.csv")).unwrap(), b"c\n");
            std::fs::remove_file(tmp.path().join("summary.csv")).unwrap();
            std::fs::remove_file(tmp.path().join("pairs.csv")).unwrap();
        }
        let stopped = Folder::with_check(tmp.path(), Box::new(|_| anyhow::bail!("stop")));
        assert_eq!(
            stopped.write("cause.csv", b"x").unwrap_err().to_string(),
            "stop"
        );
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }
}
