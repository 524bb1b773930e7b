//! Charts of a run, written as PNG and SVG into the results folder.
//!
//! Every chart reads only [`Results`] and implements [`Chart`]: one file
//! per chart, drawing on a [`Canvas`] over any plotters backend, so the PNG
//! and the SVG of a chart come from the same code. Sizes, fonts and
//! colours are in [`style`]; the title block, legend and names column in
//! `frame.rs`; value axes in `axis.rs`. The font is embedded, so nothing
//! but the Rust toolchain is needed to render. Drawing errors are
//! returned, never unwrapped: a chart that cannot be drawn fails the
//! command with the file it was writing.
//!
//! | file | shows |
//! |---|---|
//! | `ranking.png/.svg` | downtime per deployment and measure, log scale, 95% interval, exact value and rank (`2=` shared) |
//! | `blast.png/.svg` | blast radius per deployment and component kind (median, p95, max, mean) beside failures a year and hits a year |
//! | `cause.png/.svg` | which component kinds a deployment's downtime comes from |
//! | `timeline.png/.svg` | one replication's year: outages by kind above the share of proxies hit |
//! | `sweep-<measure>.png/.svg` | a sweep: downtime against each parameter, a line and 95% band per deployment, crossovers marked (`sweep.rs`, drawn from a [`crate::study::Sweep`], not from `Results`) |

mod axis;
mod blast;
mod canvas;
mod cause;
mod font;
mod frame;
mod ranking;
pub mod style;
mod sweep;
mod timeline;
mod typeset;

pub use blast::Blast;
pub use canvas::Canvas;
pub use cause::Cause;
pub use ranking::Ranking;
pub use sweep::{render_sweep, SweepChart};
pub use timeline::TimelineChart;

use crate::export::{AtomicFile, Folder};
use crate::model::Measure;
use crate::results::Results;
use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// A drawing area in pixel coordinates, the whole canvas or a part of it.
pub type Area<DB> = DrawingArea<DB, Shift>;

/// One chart: a name for its files, a size that depends on the results
/// (the number of deployments, measures and kinds), and the drawing.
pub trait Chart {
    /// File stem: the chart is written as `<name>.png` and `<name>.svg`.
    fn name(&self) -> &'static str;

    /// Canvas size in pixels (width, height) for these results.
    fn size(&self, results: &Results) -> anyhow::Result<(u32, u32)>;

    /// Draws the chart on `canvas`, white and of [`Chart::size`].
    fn draw<DB>(&self, results: &Results, canvas: &Canvas<'_, DB>) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static;
}

/// The measures to draw, in report order: those the run reported, or, for
/// results built without that list, every measure with a summary row.
pub fn measures(results: &Results) -> Vec<Measure> {
    if !results.measures.is_empty() {
        return results.measures.clone();
    }
    Measure::ALL
        .into_iter()
        .filter(|&m| results.summary.iter().any(|r| r.measure == m))
        .collect()
}

/// Writes every chart into `dir` (created if missing); returns the files
/// written, PNG then SVG per chart, charts in a fixed order.
///
/// The charts are drawn side by side on rayon's pool: each is
/// single-threaded and they share nothing but `results`, and after a short
/// simulation drawing them one after another was the largest part of a
/// run's fixed cost (BENCHMARKS.md).
pub fn render_all(results: &Results, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    render_into(results, &Folder::new(dir))
}

/// Writes every chart into `folder`, running its check before each file
/// (a run's Ctrl-C stops between two files). The charts are drawn side by
/// side, as [`render_all`] says.
pub fn render_into(results: &Results, folder: &Folder<'_>) -> anyhow::Result<Vec<PathBuf>> {
    let ((ranking, blast), (cause, timeline)) = rayon::join(
        || {
            rayon::join(
                || render(&Ranking, results, folder),
                || render(&Blast, results, folder),
            )
        },
        || {
            rayon::join(
                || render(&Cause, results, folder),
                || render(&TimelineChart, results, folder),
            )
        },
    );
    let mut files = Vec::new();
    for chart in [ranking, blast, cause, timeline] {
        files.extend(chart?);
    }
    Ok(files)
}

/// Writes one chart into `folder` as `<name>.png` and `<name>.svg`, each
/// under a temporary name first and renamed into place, so a reader never
/// sees half a chart; returns the two paths.
pub fn render<C: Chart>(
    chart: &C,
    results: &Results,
    folder: &Folder<'_>,
) -> anyhow::Result<Vec<PathBuf>> {
    font::ensure_font()?;
    let size = chart.size(results)?;
    let png = folder.path(&format!("{}.png", chart.name()))?;
    write_png(chart, results, size, &png)
        .with_context(|| format!("cannot draw {}", png.display()))?;
    let svg = folder.path(&format!("{}.svg", chart.name()))?;
    write_svg(chart, results, size, &svg)
        .with_context(|| format!("cannot draw {}", svg.display()))?;
    Ok(vec![png, svg])
}

fn write_svg<C: Chart>(
    chart: &C,
    results: &Results,
    size: (u32, u32),
    dest: &Path,
) -> anyhow::Result<()> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(results, &Canvas::new(&root, false))?;
        root.present()?;
    }
    AtomicFile::write(dest, text.as_bytes())
}

fn write_png<C: Chart>(
    chart: &C,
    results: &Results,
    size: (u32, u32),
    dest: &Path,
) -> anyhow::Result<()> {
    // The encoder writes the temporary file by its name (which ends in
    // `.png`); the commit syncs and renames it like any other file.
    let file = AtomicFile::create(dest)?;
    {
        let root = BitMapBackend::new(file.temp_path(), size).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(results, &Canvas::new(&root, true))?;
        root.present()?;
    }
    file.commit()
}
