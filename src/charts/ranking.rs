//! The ranking chart: downtime per proxy for every deployment and measure.
//!
//! It answers the study's first question — which placement loses least,
//! and by how much — so it is a dot plot a reviewer reads like a table:
//! one panel per measure, one row per deployment in scenario order, the
//! same log axis in every panel (placements differ by a few times, measures
//! by a hundred), and the value, its interval and its rank printed on the
//! right. Downtime in minutes per year is the unavailability times a
//! constant, so the axis is both; minutes are what people budget in.
//!
//! With thousands of replications the 95% interval is often narrower than
//! the dot; the whisker is still drawn (it shows when it is wide) and its
//! half-width is always printed, so a narrow interval is visible as a
//! number rather than missing.

use super::axis::Axis;
use super::canvas::Canvas;
use super::frame::{self, Frame, Rows, Stack, LEFT, RIGHT};
use super::header::{Header, LegendItem};
use super::marks::{self, Mark};
use super::style::{self, GAP, HEADING_H, MARGIN, MUTED, NOTE_SIZE, ROW_H, TEXT};
use super::Backend;
use super::Chart;
use crate::export::files::{ChartFiles, RANKING_CHART};
use crate::model::Measure;
use crate::results::{Results, SummaryRow, MINUTES_PER_YEAR};
use plotters::prelude::*;

/// Downtime per deployment and measure, log scale, with 95% intervals and
/// exact values (`ranking.png`, `ranking.svg`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Ranking;

/// Space between the plot and the value columns, pixels.
const COLUMN_GAP: i32 = 30;
/// Neutral colour for the dot in the legend (each panel uses its
/// measure's colour).
const LEGEND_DOT: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);
const VALUE_HEADER: &str = "min/year ± 95% CI";
const RANK_HEADER: &str = "rank";
const AXIS_DESCRIPTION: &str = "downtime per proxy, minutes per year (log scale)";

/// Where the panels and columns go, computed once with the frame.
pub struct Layout {
    names_w: i32,
    value_right: i32,
    rank_right: i32,
    axis: Axis,
    measures: Vec<Measure>,
    stack: Stack,
}

fn minutes(u: f64) -> f64 {
    u * MINUTES_PER_YEAR
}

/// "1,362 ± 8.8": the estimate and its interval's half-width.
fn value_text(row: &SummaryRow) -> String {
    let v = style::minutes(minutes(row.unavailability));
    match (row.ci_low, row.ci_high) {
        (Some(lo), Some(hi)) => {
            let half = minutes((hi - lo).max(0.0) / 2.0);
            format!("{v} ± {}", style::minutes(half))
        }
        _ => v,
    }
}

/// Tick labels: minutes, whole where whole.
fn tick(v: f64) -> String {
    style::number(v)
}

impl Layout {
    fn frame(results: &Results) -> anyhow::Result<Frame<Self>> {
        let width = style::WIDTH as i32;
        let measures = super::measures(results);
        let header = Header {
            title: format!(
                "{}: downtime per proxy by control-plane placement",
                results.scenario
            ),
            subtitle: vec![
                format!(
                    "{}. Log scale, the same in every panel; rank 1 = least downtime.",
                    frame::run_line(results)
                ),
                "The 95% interval is often narrower than the dot: its half-width is \
                 printed on the right. 2= : a shared rank (the paired 95% interval of \
                 the difference contains 0)."
                    .to_string(),
            ],
            legend: vec![
                LegendItem::new(Mark::Dot(LEGEND_DOT), "simulated mean"),
                LegendItem::new(Mark::Whisker, "95% confidence interval"),
                LegendItem::new(Mark::Exact, "exact long-run value (closed form)"),
            ],
        };
        let names_w = style::names_width(results.deployments.iter().map(String::as_str))?;
        let values: Vec<String> = results.summary.iter().map(value_text).collect();
        let value_w = style::widest(values.iter().map(String::as_str), NOTE_SIZE)?
            .max(style::text_width(VALUE_HEADER, NOTE_SIZE)?);
        let labels: Vec<String> = results.summary.iter().map(|r| r.rank_label()).collect();
        let rank_w = style::widest(labels.iter().map(String::as_str), NOTE_SIZE)?
            .max(style::text_width(RANK_HEADER, NOTE_SIZE)?);
        let rank_right = width - MARGIN;
        let value_right = rank_right - rank_w - COLUMN_GAP;
        let plot_right = value_right - value_w - COLUMN_GAP;
        let plot_left = MARGIN + names_w + GAP / 2;
        let (lo, hi) = x_range(results);
        let n = results.deployments.len().max(1) as i32;
        let panel_h = HEADING_H + n * ROW_H + style::TICKS_H;
        // An empty run still gets one panel's room, for its axis.
        let stack = Stack::new(vec![panel_h; measures.len().max(1)]);
        let body_h = stack.height();
        let layout = Layout {
            names_w,
            value_right,
            rank_right,
            axis: Axis::log(lo, hi, plot_left, plot_right),
            measures,
            stack,
        };
        Frame::new(header, style::WIDTH, body_h, layout)
    }
}

/// A log range covering every positive estimate, interval end and exact
/// value, widened to 1, 2 or 5 × 10^k at both ends.
fn x_range(results: &Results) -> (f64, f64) {
    let values = results.summary.iter().flat_map(|r| {
        [Some(r.unavailability), r.ci_low, r.ci_high, r.exact]
            .into_iter()
            .flatten()
            .map(minutes)
    });
    style::log_range(values, 1.15)
}

impl Chart for Ranking {
    type Body = Layout;

    fn files(&self) -> ChartFiles {
        RANKING_CHART
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
        for (&m, (top, last)) in l.measures.iter().zip(l.stack.tops(frame.top)) {
            panel(results, canvas, l, m, top, last)?;
        }
        Ok(())
    }
}

/// One measure's panel, its heading band starting at `top`.
fn panel<DB: Backend>(
    results: &Results,
    canvas: &Canvas<'_, DB>,
    l: &Layout,
    m: Measure,
    top: i32,
    last: bool,
) -> anyhow::Result<()> {
    let (plot_left, _) = l.axis.span();
    let mid = frame::panel_heading(canvas, m, top, plot_left, MARGIN + l.names_w)?;
    canvas.text(VALUE_HEADER, NOTE_SIZE, MUTED, RIGHT, (l.value_right, mid))?;
    canvas.text(RANK_HEADER, NOTE_SIZE, MUTED, RIGHT, (l.rank_right, mid))?;

    let rows = Rows {
        left: MARGIN,
        names_right: MARGIN + l.names_w,
        right: l.rank_right,
        top: top + HEADING_H,
        height: ROW_H,
    };
    rows.draw(canvas, &results.deployments)?;
    let bottom = rows.bottom(results.deployments.len());
    l.axis.grid(canvas, rows.top, bottom, &tick)?;
    let description = last.then_some(AXIS_DESCRIPTION);
    l.axis.draw(canvas, bottom, &tick, description)?;

    let colour = style::measure_colour(m);
    let value_cols = ((l.value_right, RIGHT), (l.rank_right, RIGHT));
    for (i, dep) in results.deployments.iter().enumerate() {
        let Some(row) = results.row(dep, m) else {
            continue;
        };
        let y = rows.centre(i);
        if let (Some(cl), Some(ch)) = (row.ci_low, row.ci_high) {
            let (cl, ch) = (minutes(cl), minutes(ch));
            if ch > 0.0 {
                // A lower end at 0 has no place on a log axis: the
                // interval runs off the left edge, without a cap.
                let left_cap = cl > 0.0;
                marks::whisker(canvas, (l.axis.x(cl), l.axis.x(ch)), y, (left_cap, true))?;
            }
        }
        let v = minutes(row.unavailability);
        if v > 0.0 {
            marks::dot(canvas, (l.axis.x(v), y), colour)?;
        } else {
            let note = "no bad time observed";
            let w = style::text_width(note, NOTE_SIZE)?;
            canvas.rect((plot_left + 2, y - 10), (plot_left + w + 14, y + 10), WHITE)?;
            canvas.text(note, NOTE_SIZE, MUTED, LEFT, (plot_left + 8, y))?;
        }
        if let Some(e) = row.exact.map(minutes).filter(|e| *e > 0.0) {
            marks::diamond(canvas, (l.axis.x(e), y), 9, false)?;
        }
        let ((vx, va), (rx, ra)) = value_cols;
        canvas.text(&value_text(row), NOTE_SIZE, TEXT, va, (vx, y))?;
        canvas.text(&row.rank_label(), NOTE_SIZE, TEXT, ra, (rx, y))?;
    }
    Ok(())
}
