//! The blast chart: how much of the mesh one failure takes down, and how
//! often that happens, per deployment and component kind.
//!
//! Downtime alone hides the docs' second claim, that more control planes
//! limit the outage scope, so this chart shows the scope. But a scope
//! alone misleads: it is measured over the failures that hurt, and a
//! deployment with failover shows a 60–75% blast from a zone outage that
//! hurts it 0.005 times a year beside 33% at once a year for one without,
//! which reads as "failover makes things worse". So every size stands
//! beside its frequency: one panel per measure (stacked, like the ranking
//! chart), one row per deployment and, in it, one labelled line per
//! component kind with
//!
//! - the size: median-to-p95 bar, a line on to the largest, the mean as a
//!   diamond, on a 0–100%-style axis shared by every panel;
//! - failures a year that hurt, printed;
//! - hits a year (failures a year × mean blast, how many times a year the
//!   average proxy is hit) as a bar on the panel's own scale, with a
//!   closing "all kinds" line that totals the deployment — the number to
//!   compare deployments by.
//!
//! Kinds are named on their lines, not only in a legend, and keep the
//! colours of the cause and timeline charts.

use super::axis::Axis;
use super::canvas::Canvas;
use super::frame::{self, Frame, Rows, Stack, LEFT, RIGHT};
use super::header::{Header, LegendItem};
use super::marks::{self, Mark};
use super::style::{self, GAP, HEADING_H, INK, MARGIN, MUTED, NOTE_SIZE, TEXT};
use super::Backend;
use super::Chart;
use crate::export::files::{ChartFiles, BLAST_CHART};
use crate::model::{Kind, Measure};
use crate::results::{BlastRow, Results};
use plotters::prelude::*;

/// Blast radius and frequency per deployment, measure and component kind
/// (`blast.png`, `blast.svg`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Blast;

/// Height of one kind's line inside a deployment row, pixels.
const SUB_H: i32 = 20;
/// Kind labels and the values on a line.
const LINE_SIZE: f64 = 14.0;
/// Narrowest bar: a point mass (median = p95) still shows its colour
/// around the mean's diamond.
const MIN_BAR_W: i32 = 12;
/// Padding above and below the lines of a row, pixels.
const ROW_PAD: i32 = 6;
/// Space between the columns of a panel, pixels.
const COLUMN_GAP: i32 = 26;
/// Narrowest size plot and hits plot, pixels.
const MIN_SIZE_W: i32 = 360;
const MIN_HITS_W: i32 = 300;
/// Room right of the hits plot for the last bar's value, pixels.
const VALUE_ROOM: i32 = 56;
/// The bar in the legend, neutral (each kind has its colour).
const LEGEND_BAR: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);
/// The "all kinds" total's bar.
const TOTAL_BAR: RGBColor = RGBColor(0x4a, 0x4a, 0x4a);
const TOTAL_LABEL: &str = "all kinds";
const FREQ_HEADER: &str = "failures/yr";
const SIZE_HEADER: &str = "share of the mesh's proxies one failure turns bad";
const HITS_HEADER: &str = "hits a year per proxy";

/// Where the panels and columns go, computed once with the frame.
pub struct Layout {
    names_right: i32,
    kind_left: i32,
    size: (i32, i32),
    freq_right: i32,
    hits: (i32, i32),
    x_max: f64,
    panels: Vec<Panel>,
    stack: Stack,
}

/// One measure's panel: the kinds that hurt it, in [`Kind::ALL`] order.
struct Panel {
    measure: Measure,
    kinds: Vec<Kind>,
    row_h: i32,
}

impl Panel {
    fn height(&self, deployments: usize) -> i32 {
        HEADING_H + deployments.max(1) as i32 * self.row_h + style::TICKS_H
    }
}

/// Side of the colour swatch in front of a kind's name, pixels.
const SWATCH: i32 = 12;

impl Layout {
    fn frame(results: &Results) -> anyhow::Result<Frame<Self>> {
        let panels: Vec<Panel> = super::measures(results)
            .into_iter()
            .map(|measure| {
                let kinds: Vec<Kind> = Kind::ALL
                    .into_iter()
                    .filter(|k| {
                        results
                            .blast_by_kind
                            .iter()
                            .any(|r| r.kind == *k && r.measure == measure)
                    })
                    .collect();
                let lines = kinds.len() as i32 + 1;
                Panel {
                    measure,
                    kinds,
                    row_h: (lines * SUB_H + 2 * ROW_PAD).max(style::ROW_H),
                }
            })
            .collect();
        let header = Header {
            title: format!(
                "{}: blast radius of one failure, and how often it hurts",
                results.scenario
            ),
            subtitle: vec![
                "Size: share of the mesh's proxies one failure turns bad, over the failures \
                 that hurt (the same scale in every panel)."
                    .to_string(),
                "Frequency: failures a year that hurt, and hits a year = failures a year × mean \
                 blast, how often the average proxy is hit (each panel its own scale)."
                    .to_string(),
                format!(
                    "A large blast that almost never happens costs little: compare deployments by \
                     their hits a year. {}.",
                    frame::run_line(results)
                ),
            ],
            legend: vec![
                LegendItem::new(Mark::Lead, "size:"),
                LegendItem::new(Mark::Bar(LEGEND_BAR), "median to p95"),
                LegendItem::new(Mark::ToMax, "on to the largest"),
                LegendItem::new(Mark::Mean, "mean"),
                LegendItem::new(Mark::Lead, "frequency:"),
                LegendItem::new(Mark::Bar(LEGEND_BAR), "hits a year, by kind"),
                LegendItem::new(Mark::Bar(TOTAL_BAR), "hits a year, all kinds"),
            ],
        };
        let names_w = style::names_width(results.deployments.iter().map(String::as_str))?;
        let names_right = MARGIN + names_w;
        let kind_left = names_right + GAP / 2;
        let labels = Kind::ALL.iter().map(|k| k.name()).chain([TOTAL_LABEL]);
        let kind_w = SWATCH + 6 + style::widest(labels, LINE_SIZE)?;
        let size_left = kind_left + kind_w + COLUMN_GAP;
        let freq_w = style::text_width(FREQ_HEADER, NOTE_SIZE)?;
        // What the columns other than the two plots take.
        let fixed = size_left + 2 * COLUMN_GAP + freq_w + COLUMN_GAP + VALUE_ROOM + MARGIN;
        let plots = (style::WIDTH as i32 - fixed).max(MIN_SIZE_W + MIN_HITS_W);
        let size_w = (plots * 11 / 20).max(MIN_SIZE_W);
        let hits_w = (plots - size_w).max(MIN_HITS_W);
        let size = (size_left, size_left + size_w);
        let freq_right = size.1 + 2 * COLUMN_GAP + freq_w;
        let hits = (freq_right + COLUMN_GAP, freq_right + COLUMN_GAP + hits_w);
        let width = hits.1 + VALUE_ROOM + MARGIN;
        let n = results.deployments.len();
        let stack = Stack::new(panels.iter().map(|p| p.height(n)).collect());
        let largest = results
            .blast_by_kind
            .iter()
            .map(|r| r.blast_max)
            .filter(|v| v.is_finite())
            .fold(0f64, f64::max);
        let x_max = if largest > 0.0 {
            style::nice_ceiling(largest * 1.04).min(1.0)
        } else {
            1.0
        };
        let body_h = stack.height();
        let layout = Layout {
            names_right,
            kind_left,
            size,
            freq_right,
            hits,
            x_max,
            panels,
            stack,
        };
        Frame::new(header, width as u32, body_h, layout)
    }
}

impl Chart for Blast {
    type Body = Layout;

    fn files(&self) -> ChartFiles {
        BLAST_CHART
    }

    fn frame(&self, results: &Results) -> anyhow::Result<Frame<Layout>> {
        Layout::frame(results)
    }

    fn draw<DB: Backend>(
        &self,
        results: &Results,
        frame: &Frame<Layout>,
        canvas: &Canvas<'_, DB>,
    ) -> anyhow::Result<()> {
        let l = &frame.body;
        for (p, (top, last)) in l.panels.iter().zip(l.stack.tops(frame.top)) {
            panel(results, canvas, l, p, top, last)?;
        }
        if results.blast_by_kind.is_empty() {
            frame::no_data(canvas, frame.top, "no incidents that hurt: nothing to show")?;
        }
        Ok(())
    }
}

/// One measure's panel, its heading band starting at `top`.
fn panel<DB: Backend>(
    results: &Results,
    canvas: &Canvas<'_, DB>,
    l: &Layout,
    p: &Panel,
    top: i32,
    last: bool,
) -> anyhow::Result<()> {
    let m = p.measure;
    let mid = frame::panel_heading(canvas, m, top, l.kind_left, l.names_right)?;
    canvas.text(FREQ_HEADER, NOTE_SIZE, MUTED, RIGHT, (l.freq_right, mid))?;
    canvas.text(HITS_HEADER, NOTE_SIZE, MUTED, LEFT, (l.hits.0, mid))?;

    let rows = Rows {
        left: MARGIN,
        names_right: l.names_right,
        right: l.hits.1 + VALUE_ROOM,
        top: top + HEADING_H,
        height: p.row_h,
    };
    rows.draw(canvas, &results.deployments)?;
    let bottom = rows.bottom(results.deployments.len());

    let size_axis = Axis::linear(0.0, l.x_max, l.size.0, l.size.1);
    let share = |v: f64| style::percent(v);
    size_axis.grid(canvas, rows.top, bottom, &share)?;
    size_axis.draw(canvas, bottom, &share, last.then_some(SIZE_HEADER))?;

    let totals = results.summary.iter().filter(|r| r.measure == m);
    let largest = totals
        .map(|r| r.blast_share_per_year)
        .filter(|v| v.is_finite())
        .fold(0f64, f64::max);
    let hits_max = if largest > 0.0 {
        style::snug_ceiling(largest * 1.05)
    } else {
        1.0
    };
    let hits_axis = Axis::linear(0.0, hits_max, l.hits.0, l.hits.1);
    let number = |v: f64| style::number(v);
    hits_axis.grid(canvas, rows.top, bottom, &number)?;
    let description = last.then_some("times a year the average proxy is hit");
    hits_axis.draw(canvas, bottom, &number, description)?;
    for x in [size_axis.x(0.0), hits_axis.x(0.0)] {
        canvas.line(vec![(x, rows.top), (x, bottom)], MUTED.stroke_width(1))?;
    }

    for (i, dep) in results.deployments.iter().enumerate() {
        let first = rows.top + i as i32 * rows.height + ROW_PAD + SUB_H / 2;
        for (j, &kind) in p.kinds.iter().enumerate() {
            let y = first + j as i32 * SUB_H;
            let row = results
                .blast_by_kind
                .iter()
                .find(|r| r.measure == m && r.deployment == *dep && r.kind == kind);
            kind_label(canvas, l, kind.name(), style::kind_colour(kind), y)?;
            match row {
                Some(r) => {
                    size_marks(canvas, r, y, &|v| size_axis.x(v))?;
                    frequency(
                        canvas,
                        l,
                        (r.incidents_per_year, r.blast_share_per_year),
                        style::kind_colour(kind),
                        y,
                        &hits_axis,
                    )?;
                }
                None => {
                    canvas.text("0", LINE_SIZE, MUTED, RIGHT, (l.freq_right, y))?;
                }
            }
        }
        let y = first + p.kinds.len() as i32 * SUB_H;
        kind_label(canvas, l, TOTAL_LABEL, TOTAL_BAR, y)?;
        if let Some(s) = results.row(dep, m) {
            frequency(
                canvas,
                l,
                (s.incidents_per_year, s.blast_share_per_year),
                TOTAL_BAR,
                y,
                &hits_axis,
            )?;
        }
    }
    Ok(())
}

/// A line's swatch and name in the kind column.
fn kind_label<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    l: &Layout,
    name: &str,
    colour: RGBColor,
    y: i32,
) -> anyhow::Result<()> {
    let x = l.kind_left;
    canvas.rect((x, y - SWATCH / 2), (x + SWATCH, y + SWATCH / 2), colour)?;
    canvas.text(name, LINE_SIZE, TEXT, LEFT, (x + SWATCH + 6, y))
}

/// Failures a year, printed, and hits a year as a bar with its value.
fn frequency<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    l: &Layout,
    (per_year, hits): (f64, f64),
    colour: RGBColor,
    y: i32,
    axis: &Axis,
) -> anyhow::Result<()> {
    canvas.text(
        &style::rate(per_year),
        LINE_SIZE,
        TEXT,
        RIGHT,
        (l.freq_right, y),
    )?;
    let (zero, end) = (axis.x(0.0), axis.x(hits));
    let half = SUB_H / 2 - 3;
    if hits > 0.0 {
        // At least a pixel, so a rare kind still shows it hurt.
        canvas.rect((zero, y - half), (end.max(zero + 1), y + half), colour)?;
    }
    canvas.text(
        &style::rate(hits),
        LINE_SIZE,
        TEXT,
        LEFT,
        (end.max(zero) + 6, y),
    )
}

/// One kind's size marks on one line: bar from median to p95 (at least a
/// few pixels wide, so a point mass still shows), line on to the largest,
/// the mean as a diamond.
fn size_marks<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    r: &BlastRow,
    y: i32,
    x: &dyn Fn(f64) -> i32,
) -> anyhow::Result<()> {
    let colour = style::kind_colour(r.kind);
    let (p50, p95, max) = (x(r.blast_p50), x(r.blast_p95), x(r.blast_max));
    let half = SUB_H / 2 - 3;
    // Widened about its middle when narrower than a point mass would show.
    let grow = (MIN_BAR_W - (p95 - p50)).max(0);
    let (a, b) = (p50 - grow / 2, p95 + (grow - grow / 2));
    canvas.rect((a, y - half), (b, y + half), colour)?;
    if max > b {
        canvas.line(vec![(b, y), (max, y)], INK.stroke_width(1))?;
    }
    canvas.line(
        vec![(max, y - half - 1), (max, y + half + 1)],
        INK.stroke_width(2),
    )?;
    marks::diamond(canvas, (x(r.blast_mean), y), 3, true)
}
