//! Charts of a run, written as PNG and SVG into the results folder.
//!
//! Every chart reads only [`Results`] and implements [`Chart`]: one file
//! per chart, filling in the frame of `frame.rs` (title block and
//! legend from `header.rs`, names column, stacked panels) and drawing on a [`Canvas`] over any
//! plotters backend, so the PNG and the SVG of a chart come from the same
//! code and the same layout, computed once. Sizes, fonts and colours are
//! in [`style`]; value axes in `axis.rs`. The font is embedded, so nothing
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
mod glyphs;
mod header;
mod marks;
mod png;
mod ranking;
pub mod style;
mod sweep;
mod timeline;
mod typeset;

pub use blast::Blast;
pub use canvas::Canvas;
pub use cause::Cause;
pub use frame::Frame;
pub use header::{Header, LegendItem};
pub use marks::Mark;
pub use ranking::Ranking;
pub use sweep::{render_sweep, SweepChart};
pub use timeline::TimelineChart;

use crate::export::files::ChartFiles;
use crate::export::{run_in_order, AtomicFile, Folder, Job};
use crate::model::Measure;
use crate::results::Results;
use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// A plotters backend a chart can draw on: one whose errors can travel
/// inside an `anyhow::Error` (a PNG's and an SVG's both can).
pub trait Backend: DrawingBackend<ErrorType: 'static> {}

impl<B: DrawingBackend<ErrorType: 'static>> Backend for B {}

/// A drawing area in pixel coordinates, the whole canvas or a part of it.
pub type Area<DB> = DrawingArea<DB, Shift>;

/// One chart: its files, its frame laid out for the results (the size
/// depends on the number of deployments, measures and kinds), and what it
/// draws inside the frame.
pub trait Chart {
    /// Where the chart's own marks go, computed with the frame.
    type Body;

    /// Its two files, from the list of result files (`export/files.rs`).
    fn files(&self) -> ChartFiles;

    /// The frame for these results: title block, canvas size and body.
    fn frame(&self, results: &Results) -> anyhow::Result<Frame<Self::Body>>;

    /// Draws everything below the title block (from `frame.top`) on
    /// `canvas`, which is white, of `frame.size` and has the title block.
    fn draw<DB: Backend>(
        &self,
        results: &Results,
        frame: &Frame<Self::Body>,
        canvas: &Canvas<'_, DB>,
    ) -> anyhow::Result<()>;

    /// Canvas size in pixels (width, height) for these results.
    fn size(&self, results: &Results) -> anyhow::Result<(u32, u32)> {
        Ok(self.frame(results)?.size)
    }
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
/// The files are drawn side by side on rayon's pool, largest first
/// ([`run_in_order`]): each is single-threaded and they share nothing but
/// `results`, and after a short simulation drawing them was the largest
/// part of a run's fixed cost (BENCHMARKS.md).
pub fn render_all(results: &Results, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    render_into(results, &Folder::new(dir))
}

/// Writes every chart into `folder`, running its check before each file
/// (a run's Ctrl-C stops between two files), side by side as
/// [`render_all`] says.
pub fn render_into(results: &Results, folder: &Folder<'_>) -> anyhow::Result<Vec<PathBuf>> {
    let jobs = jobs(results, folder)?;
    run_in_order(jobs.png.into_iter().chain(jobs.svg).collect())?;
    Ok(jobs.files)
}

/// The charts' files as jobs for [`run_in_order`], for a run to interleave
/// with its tables: PNGs before SVGs, as drawing a pixel costs more than
/// writing a shape.
pub struct ChartJobs<'a> {
    /// One job per PNG, the largest canvas first (its pixels are filled,
    /// filtered and compressed one by one, so time goes with the area).
    pub png: Vec<Job<'a>>,
    /// One job per SVG, in the same order.
    pub svg: Vec<Job<'a>>,
    /// The files the jobs write, PNG then SVG per chart, charts in a
    /// fixed order (the order of the summary's list).
    pub files: Vec<PathBuf>,
}

/// The jobs that draw every chart of `results` into `folder`.
pub fn jobs<'a>(results: &'a Results, folder: &'a Folder<'a>) -> anyhow::Result<ChartJobs<'a>> {
    font::ensure_font()?;
    let mut charts = vec![
        chart_jobs(&Ranking, results, folder)?,
        chart_jobs(&Blast, results, folder)?,
        chart_jobs(&Cause, results, folder)?,
        chart_jobs(&TimelineChart, results, folder)?,
    ];
    let files = charts
        .iter()
        .flat_map(|c| c.files.iter().cloned())
        .collect();
    // Stable: charts of equal area keep their fixed order.
    charts.sort_by_key(|c| std::cmp::Reverse(c.area));
    let (png, svg) = charts.into_iter().map(|c| (c.png, c.svg)).unzip();
    Ok(ChartJobs { png, svg, files })
}

/// One chart's two jobs.
struct OneChart<'a> {
    area: u64,
    png: Job<'a>,
    svg: Job<'a>,
    files: [PathBuf; 2],
}

fn chart_jobs<'a, C>(
    chart: &'a C,
    results: &'a Results,
    folder: &'a Folder<'a>,
) -> anyhow::Result<OneChart<'a>>
where
    C: Chart + Sync,
    C::Body: Send + Sync + 'a,
{
    // The layout is computed once and shared by the chart's two files.
    let frame = std::sync::Arc::new(chart.frame(results)?);
    let (w, h) = frame.size;
    let files: ChartFiles = chart.files();
    let svg_frame = std::sync::Arc::clone(&frame);
    Ok(OneChart {
        area: u64::from(w) * u64::from(h),
        png: Box::new(move || {
            let png = folder.create(files.png)?;
            let dest = png.dest().to_path_buf();
            write_png(chart, results, &frame, png)
                .with_context(|| format!("cannot draw {}", dest.display()))
        }),
        svg: Box::new(move || {
            let svg = folder.create(files.svg)?;
            let dest = svg.dest().to_path_buf();
            write_svg(chart, results, &svg_frame, svg)
                .with_context(|| format!("cannot draw {}", dest.display()))
        }),
        files: [folder.dir().join(files.png), folder.dir().join(files.svg)],
    })
}

/// The frame's title block, then the chart inside it.
fn draw_framed<C: Chart, DB: Backend>(
    chart: &C,
    results: &Results,
    frame: &Frame<C::Body>,
    canvas: &Canvas<'_, DB>,
) -> anyhow::Result<()> {
    frame.header.draw(canvas)?;
    chart.draw(results, frame, canvas)
}

fn write_svg<C: Chart>(
    chart: &C,
    results: &Results,
    frame: &Frame<C::Body>,
    mut file: AtomicFile,
) -> anyhow::Result<()> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, frame.size).into_drawing_area();
        root.fill(&WHITE)?;
        draw_framed(chart, results, frame, &Canvas::new(&root, false))?;
        root.present()?;
    }
    std::io::Write::write_all(file.file(), text.as_bytes())?;
    file.commit()
}

fn write_png<C: Chart>(
    chart: &C,
    results: &Results,
    frame: &Frame<C::Body>,
    file: AtomicFile,
) -> anyhow::Result<()> {
    // On a white buffer of our own, encoded by `png.rs`.
    png::write(file, frame.size, |root| {
        draw_framed(chart, results, frame, &Canvas::new(root, true))
    })
}
