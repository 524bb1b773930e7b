//! The cause chart: which component kinds a deployment's downtime comes
//! from.
//!
//! The ranking says how much; this says why, which is what a reviewer
//! needs to decide where to spend (a second istiod, or a better API-server
//! SLA). One stacked bar per deployment and measure, split by the kind of
//! the failed component each bad proxy-hour is charged to, with the total
//! printed at its end. Stacking needs a linear axis, and measures differ by
//! a hundred times, so each panel has its own scale (said in the subtitle).
//! If the parts fall short of the total, the rest is drawn grey as
//! "unattributed" rather than silently dropped.

use super::axis::Axis;
use super::canvas::Canvas;
use super::frame::{self, Columns, Frame, Rows, CENTRE, LEFT, RIGHT};
use super::header::{Header, LegendItem};
use super::marks::Mark;
use super::style::{self, HEADING_H, MARGIN, MUTED, NOTE_SIZE, ROW_H, TEXT, UNATTRIBUTED};
use super::Backend;
use super::Chart;
use crate::export::files::{ChartFiles, CAUSE_CHART};
use crate::model::{Kind, Measure};
use crate::results::{Results, MINUTES_PER_YEAR};
use plotters::prelude::*;

/// Downtime per deployment and measure, stacked by the component kind that
/// caused it (`cause.png`, `cause.svg`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Cause;

/// Narrowest useful panel, pixels.
const MIN_PANEL_W: i32 = 300;
/// Height of a bar inside its row, pixels.
const BAR_H: i32 = 18;
/// A shortfall of the parts below this share of the total is rounding.
const SHORTFALL: f64 = 0.005;

/// One deployment and measure: minutes per year per kind, in
/// [`Kind::ALL`] order, then the unattributed rest.
struct Stack {
    parts: Vec<(Kind, f64)>,
    unattributed: f64,
}

impl Stack {
    fn of(results: &Results, dep: &str, m: Measure) -> Self {
        if results.cause.is_empty() {
            // Nothing recorded is not the same as nothing attributed.
            return Stack {
                parts: Vec::new(),
                unattributed: 0.0,
            };
        }
        let parts: Vec<(Kind, f64)> = Kind::ALL
            .into_iter()
            .filter_map(|k| {
                let v: f64 = results
                    .cause
                    .iter()
                    .filter(|c| c.measure == m && c.kind == k && c.deployment == dep)
                    .map(|c| c.unavailability * MINUTES_PER_YEAR)
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .sum();
                (v > 0.0).then_some((k, v))
            })
            .collect();
        let sum: f64 = parts.iter().map(|(_, v)| v).sum();
        let total = results
            .row(dep, m)
            .map_or(0.0, |r| r.unavailability * MINUTES_PER_YEAR);
        let rest = total - sum;
        let unattributed = if rest > SHORTFALL * total { rest } else { 0.0 };
        Stack {
            parts,
            unattributed,
        }
    }

    fn total(&self) -> f64 {
        self.parts.iter().map(|(_, v)| v).sum::<f64>() + self.unattributed
    }
}

/// Where the panels go and what they stack, computed once with the frame.
pub struct Layout {
    columns: Columns,
    stacks: Vec<Vec<Stack>>,
    measures: Vec<Measure>,
}

impl Layout {
    fn frame(results: &Results) -> anyhow::Result<Frame<Self>> {
        let measures = super::measures(results);
        let stacks: Vec<Vec<Stack>> = measures
            .iter()
            .map(|&m| {
                results
                    .deployments
                    .iter()
                    .map(|d| Stack::of(results, d, m))
                    .collect()
            })
            .collect();
        let all = || stacks.iter().flatten();
        let kinds = Kind::ALL
            .into_iter()
            .filter(|k| all().any(|s| s.parts.iter().any(|(pk, _)| pk == k)));
        let mut legend: Vec<LegendItem> = kinds
            .map(|k| LegendItem::new(Mark::Swatch(style::kind_colour(k)), k.name()))
            .collect();
        if !legend.is_empty() {
            legend.insert(0, LegendItem::new(Mark::Lead, "caused by a failed:"));
        }
        if all().any(|s| s.unattributed > 0.0) {
            legend.push(LegendItem::new(
                Mark::Swatch(UNATTRIBUTED),
                "unattributed (parts short of the total)",
            ));
        }
        let header = Header {
            title: format!("{}: where the downtime comes from", results.scenario),
            subtitle: vec![
                "Downtime per proxy split by the kind of the highest failed component on the \
                 path that made the proxy bad; total at the end of each bar."
                    .to_string(),
                format!(
                    "{}. Each panel has its own scale.",
                    frame::run_line(results)
                ),
            ],
            legend,
        };
        let names_w = style::names_width(results.deployments.iter().map(String::as_str))?;
        let columns = Columns::new(names_w, measures.len(), MIN_PANEL_W);
        let n = results.deployments.len().max(1) as i32;
        let body_h = HEADING_H + n * ROW_H + style::AXIS_H + MARGIN;
        let width = columns.width;
        let layout = Layout {
            columns,
            stacks,
            measures,
        };
        Frame::new(header, width, body_h, layout)
    }
}

impl Chart for Cause {
    type Body = Layout;

    fn files(&self) -> ChartFiles {
        CAUSE_CHART
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
        let heading_y = frame.top + HEADING_H / 2;
        let rows = Rows {
            left: MARGIN,
            names_right: MARGIN + l.columns.names_w,
            right: l.columns.right(),
            top: frame.top + HEADING_H,
            height: ROW_H,
        };
        canvas.text(
            "deployment",
            NOTE_SIZE,
            MUTED,
            RIGHT,
            (rows.names_right, heading_y),
        )?;
        rows.draw(canvas, &results.deployments)?;
        let panels = l.measures.iter().zip(&l.columns.lefts).zip(&l.stacks);
        for ((&m, &left), stacks) in panels {
            let centre = left + l.columns.panel_w / 2;
            canvas.text(
                m.name(),
                style::HEADING_SIZE,
                TEXT,
                CENTRE,
                (centre, heading_y),
            )?;
            panel(canvas, l, &rows, stacks, left)?;
        }
        if results.cause.is_empty() {
            frame::no_data(
                canvas,
                rows.top,
                "no cause breakdown in these results: nothing to show",
            )?;
        }
        Ok(())
    }
}

fn panel<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    l: &Layout,
    rows: &Rows,
    stacks: &[Stack],
    left: i32,
) -> anyhow::Result<()> {
    let largest = stacks.iter().map(Stack::total).fold(0f64, f64::max);
    // Room after the longest bar for its total.
    let x_max = if largest > 0.0 {
        style::nice_ceiling(largest * 1.3)
    } else {
        1.0
    };
    let axis = Axis::linear(0.0, x_max, left, left + l.columns.panel_w);
    let bottom = rows.bottom(stacks.len());
    let tick = |v: f64| style::number(v);
    axis.grid(canvas, rows.top, bottom, &tick)?;
    axis.draw(canvas, bottom, &tick, Some("downtime, minutes per year"))?;
    let zero = axis.x(0.0);
    canvas.line(
        vec![(zero, rows.top), (zero, bottom)],
        MUTED.stroke_width(1),
    )?;
    for (i, stack) in stacks.iter().enumerate() {
        let y = rows.centre(i);
        let (y0, y1) = (y - BAR_H / 2, y + BAR_H / 2);
        let mut at = 0.0;
        let segments = stack
            .parts
            .iter()
            .map(|&(k, v)| (style::kind_colour(k), v))
            .chain((stack.unattributed > 0.0).then_some((UNATTRIBUTED, stack.unattributed)));
        for (colour, v) in segments {
            let (a, b) = (axis.x(at), axis.x(at + v));
            canvas.rect((a, y0), (b.max(a + 1), y1), colour)?;
            // A white hairline between segments, so neighbours of similar
            // colour stay apart.
            if a > zero {
                canvas.line(vec![(a, y0), (a, y1)], WHITE.stroke_width(1))?;
            }
            at += v;
        }
        let total = stack.total();
        if total > 0.0 {
            canvas.text(
                &style::minutes(total),
                NOTE_SIZE,
                TEXT,
                LEFT,
                (axis.x(total) + 6, y),
            )?;
        }
    }
    Ok(())
}
