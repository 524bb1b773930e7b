//! The registry of the files a run writes, and the one door they are
//! written through.
//!
//! Both sides read the one list: the writers ask [`Folder::path`] for each
//! file (a name not in the list is refused, so a new output cannot be
//! forgotten here), and the binary's staging swap (`commands/staging.rs`)
//! carries over every file of the old folder that is *not* in it
//! (`blast.csv` from `meshsim blast`, files taken over with `--force`),
//! since the new run replaces exactly these. `meshsim plot` reads the
//! tables back by the same names (`load.rs`), so a file renamed here is
//! renamed for writing, cleaning and loading at once.

use super::AtomicFile;
use std::path::{Path, PathBuf};

/// `summary.csv`: one row per deployment and measure (outputs.md).
pub const SUMMARY_CSV: &str = "summary.csv";
/// `summary.parquet`: the same rows, typed.
pub const SUMMARY_PARQUET: &str = "summary.parquet";
/// `pairs.csv`: paired differences between deployments.
pub const PAIRS_CSV: &str = "pairs.csv";
/// `blast_by_kind.csv`: blast radius per deployment, measure and kind.
pub const BLAST_BY_KIND_CSV: &str = "blast_by_kind.csv";
/// `cause.csv`: downtime split by the kind that caused it.
pub const CAUSE_CSV: &str = "cause.csv";
/// `timeline_outages.csv`: one replication's component outages.
pub const TIMELINE_OUTAGES_CSV: &str = "timeline_outages.csv";
/// `timeline_series.csv`: that replication's bad share of proxies.
pub const TIMELINE_SERIES_CSV: &str = "timeline_series.csv";
/// `replications.parquet`: one row per replication, streamed during a run.
pub const REPLICATIONS_PARQUET: &str = "replications.parquet";
/// `incidents.parquet`: the incident rows kept.
pub const INCIDENTS_PARQUET: &str = "incidents.parquet";
/// `scenario.yaml`: the scenario as run; it also marks whose folder this
/// is (`commands/folder.rs`).
pub const SCENARIO_YAML: &str = "scenario.yaml";

/// A chart's two files: the same drawing as a bitmap and as vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartFiles {
    /// The bitmap.
    pub png: &'static str,
    /// The vector drawing.
    pub svg: &'static str,
}

/// The ranking chart's files.
pub const RANKING_CHART: ChartFiles = ChartFiles {
    png: "ranking.png",
    svg: "ranking.svg",
};
/// The blast chart's files.
pub const BLAST_CHART: ChartFiles = ChartFiles {
    png: "blast.png",
    svg: "blast.svg",
};
/// The cause chart's files.
pub const CAUSE_CHART: ChartFiles = ChartFiles {
    png: "cause.png",
    svg: "cause.svg",
};
/// The timeline chart's files.
pub const TIMELINE_CHART: ChartFiles = ChartFiles {
    png: "timeline.png",
    svg: "timeline.svg",
};

/// Every file `meshsim run` writes into its results folder.
pub const RESULT_FILES: [&str; 18] = [
    SUMMARY_CSV,
    SUMMARY_PARQUET,
    PAIRS_CSV,
    BLAST_BY_KIND_CSV,
    CAUSE_CSV,
    TIMELINE_OUTAGES_CSV,
    TIMELINE_SERIES_CSV,
    REPLICATIONS_PARQUET,
    INCIDENTS_PARQUET,
    SCENARIO_YAML,
    RANKING_CHART.png,
    RANKING_CHART.svg,
    BLAST_CHART.png,
    BLAST_CHART.svg,
    CAUSE_CHART.png,
    CAUSE_CHART.svg,
    TIMELINE_CHART.png,
    TIMELINE_CHART.svg,
];

/// The files `meshsim sweep` writes beside its points' folders, but for
/// its charts, which are one per measure ([`is_sweep_file`]).
pub const SWEEP_FILES: [&str; 3] = [SWEEP_CSV, SWEEP_PARQUET, CROSSOVERS_CSV];

/// `sweep.csv`: one row per point × deployment × measure (docs/studies.md).
pub const SWEEP_CSV: &str = "sweep.csv";
/// `sweep.parquet`: the same rows, typed.
pub const SWEEP_PARQUET: &str = "sweep.parquet";
/// `crossovers.csv`: one row per crossover or inconclusive change of sign.
pub const CROSSOVERS_CSV: &str = "crossovers.csv";

/// Is `name` one of [`SWEEP_FILES`] or a sweep chart
/// (`sweep-<measure>.png`, `.svg`)?
pub fn is_sweep_file(name: &str) -> bool {
    let chart = name
        .strip_prefix("sweep-")
        .and_then(|n| n.strip_suffix(".png").or_else(|| n.strip_suffix(".svg")))
        .is_some_and(|m| crate::model::Measure::from_name(m).is_some());
    SWEEP_FILES.contains(&name) || chart
}

/// `blast.csv`, the N−1 table `meshsim blast` writes into a results
/// folder. Not a run's file, so a run's swap carries it over.
pub const BLAST_CSV: &str = "blast.csv";

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
    fn every_result_file_has_a_name_of_its_own() {
        for (i, name) in RESULT_FILES.iter().enumerate() {
            assert!(!RESULT_FILES[..i].contains(name), "{name} twice");
        }
        assert!(!is_result_file(BLAST_CSV));
    }

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
