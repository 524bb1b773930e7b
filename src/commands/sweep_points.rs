//! The points of a simulated sweep: running one like `meshsim run` does
//! (same model, engine and results; no charts, no
//! `replications.parquet`), keeping it in `points/<key>/`, and reading it
//! back.
//!
//! A point is written into `points/.<key>.tmp-<pid>/` and renamed to
//! `points/<key>/` once every file in it is on disk: a folder under its
//! real name is always a finished point, which is what lets a rerun skip
//! it without checking its contents. A temporary folder left by a killed
//! sweep is removed by the next one.

use crate::cli::RunArgs;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use meshsim::engine::{self, Cancel, Observer, RunOptions};
use meshsim::export::{load_results, write_results, Folder, PointRun};
use meshsim::model::Model;
use meshsim::results::Results;
use meshsim::study::points::Point;
use meshsim::study::PointResult;
use std::path::{Path, PathBuf};

/// A point ready to run: its scenario as run, its key and its model.
pub struct Prepared {
    /// Which point.
    pub point: Point,
    /// The point's scenario as run (`points/<key>/scenario.yaml`).
    pub yaml: String,
    /// FNV-1a of `yaml`: the point's folder name.
    pub key: String,
    /// The checked model.
    pub model: Model,
}

/// Runs one point; `None` when Ctrl-C stopped it (nothing is kept of a
/// point cut short: its replication count would differ from its key's).
pub fn run_one(
    p: &Prepared,
    args: &RunArgs,
    cancel: &Cancel,
    bar: &mut Bar,
) -> anyhow::Result<Option<Results>> {
    let options = RunOptions {
        threads: args.threads,
        keep_incidents: args.keep_incidents,
        first: 0,
    };
    let mut observer = PointObserver {
        bar,
        cancel: cancel.clone(),
    };
    let tally = engine::run(&p.model, None, &options, &mut observer)?;
    if tally.interrupted {
        return Ok(None);
    }
    observer.bar.point_done(tally.replications);
    Ok(Some(Results::new(&p.model, &tally)))
}

/// The `points/` folder of a sweep.
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// Opens (making it if needed) `<out>/points`, removing what a killed
    /// sweep left half-written.
    pub fn open(out: &Path) -> anyhow::Result<Store> {
        let dir = out.join("points");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.contains(".tmp-") {
                std::fs::remove_dir_all(entry.path()).with_context(|| {
                    format!(
                        "cannot remove {} (left by a killed sweep)",
                        entry.path().display()
                    )
                })?;
            }
        }
        Ok(Store { dir })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Is the point with this key finished?
    pub fn has(&self, key: &str) -> bool {
        self.dir.join(key).is_dir()
    }

    /// Writes a finished point, then renames it into place.
    pub fn keep(&self, p: &Prepared, results: &Results) -> anyhow::Result<()> {
        let temp = self
            .dir
            .join(format!(".{}.tmp-{}", p.key, std::process::id()));
        std::fs::create_dir(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        write_results(&Folder::new(&temp), results, &p.yaml)?;
        sync_dir(&temp)?;
        let dest = self.dir.join(&p.key);
        std::fs::rename(&temp, &dest)
            .with_context(|| format!("cannot move {} into place", dest.display()))?;
        sync_dir(&self.dir)
    }

    /// Reads a finished point back.
    pub fn load(&self, p: &Prepared) -> anyhow::Result<(PointResult, PointRun)> {
        let dir = self.dir.join(&p.key);
        let r = load_results(&dir).with_context(|| {
            format!(
                "cannot read the finished point {}; remove that folder to run it again",
                dir.display()
            )
        })?;
        let run = PointRun {
            replications: r.replications,
            horizon_years: r.horizon_years,
            seed: r.seed,
            folder: format!("points/{}", p.key),
        };
        Ok((
            PointResult {
                coords: p.point.coords.clone(),
                summary: r.summary,
                pairs: r.pairs,
            },
            run,
        ))
    }
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}

/// One bar over every replication of every point still to run, with the
/// point being run in its message.
pub struct Bar {
    bar: ProgressBar,
    /// Replications of the points finished so far.
    before: u64,
    points: usize,
}

impl Bar {
    /// A bar over `replications` in `points` points (hidden with `--quiet`).
    pub fn new(quiet: bool, replications: u64, points: usize) -> Bar {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::new(replications);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {bar:40} {pos}/{len} replications, {msg}  {elapsed} (eta {eta})",
                )
                .expect("valid template"),
            );
            bar
        };
        Bar {
            bar,
            before: 0,
            points,
        }
    }

    /// Point `done + 1` of the points to run starts.
    pub fn next_point(&mut self, done: usize) {
        self.bar
            .set_message(format!("point {} of {}", done + 1, self.points));
    }

    fn point_done(&mut self, replications: u64) {
        self.before += replications;
        self.bar.set_position(self.before);
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

struct PointObserver<'a> {
    bar: &'a mut Bar,
    cancel: Cancel,
}

impl Observer for PointObserver<'_> {
    fn progress(&mut self, done: u64, _target: u64) {
        self.bar.bar.set_position(self.bar.before + done);
    }

    fn cancel(&self) -> Cancel {
        self.cancel.clone()
    }
}
