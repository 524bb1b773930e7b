//! The blast chart: how much of the mesh one failure takes down, per
//! deployment and component kind.
//!
//! Downtime alone hides the docs' second claim, that more control planes
//! limit the outage scope. This chart shows the scope: for every
//! deployment (a row) and measure (a panel) one thin line per component
//! kind, with the median-to-p95 range as a bar, a line on to the largest
//! incident and the mean as a diamond. All panels share one 0–100%-style
//! axis so scopes compare across measures; rows follow the names column
//! as in the other charts.

use super::axis::Axis;
use super::canvas::Canvas;
use super::frame::{self, Columns, Header, LegendItem, Mark, Rows, CENTRE, RIGHT};
use super::style::{self, HEADING_H, INK, MARGIN, MUTED, NOTE_SIZE, TEXT};
use super::Chart;
use crate::model::{Kind, Measure};
use crate::results::{BlastRow, Results};
use plotters::prelude::*;

/// Blast radius per deployment, measure and component kind (`blast.png`,
/// `blast.svg`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Blast;

/// Height of one kind's line inside a deployment row, pixels.
const SUB_H: i32 = 14;
/// Narrowest bar: a point mass (median = p95) still shows its colour
/// around the mean's diamond.
const MIN_BAR_W: i32 = 12;
/// Padding above and below the kind lines of a row, pixels.
const ROW_PAD: i32 = 6;
/// Narrowest useful panel, pixels.
const MIN_PANEL_W: i32 = 300;
/// The bar in the legend, neutral (each kind has its colour).
const LEGEND_BAR: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);

struct Layout {
    header: Header,
    header_h: i32,
    columns: Columns,
    kinds: Vec<Kind>,
    row_h: i32,
    height: i32,
    x_max: f64,
    measures: Vec<Measure>,
}

impl Layout {
    fn new(results: &Results) -> anyhow::Result<Self> {
        let kinds: Vec<Kind> = Kind::ALL
            .into_iter()
            .filter(|k| results.blast_by_kind.iter().any(|r| r.kind == *k))
            .collect();
        let mut legend = Vec::new();
        if !kinds.is_empty() {
            legend.push(LegendItem::new(Mark::Lead, "component kind:"));
        }
        legend.extend(
            kinds
                .iter()
                .map(|&k| LegendItem::new(Mark::Swatch(style::kind_colour(k)), k.name())),
        );
        legend.extend([
            LegendItem::new(Mark::Lead, "marks:"),
            LegendItem::new(Mark::Bar(LEGEND_BAR), "median to p95"),
            LegendItem::new(Mark::ToMax, "on to the largest"),
            LegendItem::new(Mark::Mean, "mean"),
        ]);
        let header = Header {
            title: format!(
                "{}: blast radius of one failure, by component kind",
                results.scenario
            ),
            subtitle: vec![
                "Share of the mesh's proxies that one component failure turns bad, over \
                 the incidents that hurt; one line per kind in each deployment's row."
                    .to_string(),
                format!(
                    "{} replications × {} years, seed {}. Same scale in every panel.",
                    style::thousands(results.replications as i64),
                    style::number(results.horizon_years),
                    results.seed
                ),
            ],
            legend,
        };
        let names_w = style::names_width(results.deployments.iter().map(String::as_str))?;
        let measures = super::measures(results);
        let columns = Columns::new(names_w, measures.len(), MIN_PANEL_W);
        let header_h = header.height(columns.width)?;
        let row_h = (kinds.len() as i32 * SUB_H + 2 * ROW_PAD).max(style::ROW_H);
        let n = results.deployments.len().max(1) as i32;
        let height = header_h + HEADING_H + n * row_h + style::AXIS_H + MARGIN;
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
        Ok(Layout {
            header,
            header_h,
            columns,
            kinds,
            row_h,
            height,
            x_max,
            measures,
        })
    }
}

impl Chart for Blast {
    fn name(&self) -> &'static str {
        "blast"
    }

    fn size(&self, results: &Results) -> anyhow::Result<(u32, u32)> {
        let l = Layout::new(results)?;
        Ok((l.columns.width, l.height as u32))
    }

    fn draw<DB>(&self, results: &Results, canvas: &Canvas<'_, DB>) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let l = Layout::new(results)?;
        l.header.draw(canvas)?;
        let heading_y = l.header_h + HEADING_H / 2;
        let rows = Rows {
            left: MARGIN,
            names_right: MARGIN + l.columns.names_w,
            right: l.columns.right(),
            top: l.header_h + HEADING_H,
            height: l.row_h,
        };
        canvas.text(
            "deployment",
            NOTE_SIZE,
            MUTED,
            RIGHT,
            (rows.names_right, heading_y),
        )?;
        rows.draw(canvas, &results.deployments)?;
        for (&m, &left) in l.measures.iter().zip(&l.columns.lefts) {
            let centre = left + l.columns.panel_w / 2;
            canvas.text(
                m.name(),
                style::HEADING_SIZE,
                TEXT,
                CENTRE,
                (centre, heading_y),
            )?;
            panel(results, canvas, &l, &rows, m, left)?;
        }
        if results.blast_by_kind.is_empty() {
            frame::no_data(canvas, rows.top, "no incidents that hurt: nothing to show")?;
        }
        Ok(())
    }
}

fn panel<DB>(
    results: &Results,
    canvas: &Canvas<'_, DB>,
    l: &Layout,
    rows: &Rows,
    m: Measure,
    left: i32,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let axis = Axis::linear(0.0, l.x_max, left, left + l.columns.panel_w);
    let bottom = rows.bottom(results.deployments.len());
    let tick = |v: f64| style::percent(v);
    axis.grid(canvas, rows.top, bottom, &tick)?;
    axis.draw(canvas, bottom, &tick, Some("share of the mesh's proxies"))?;
    // The zero line, so a row's marks start from a visible origin.
    canvas.line(
        vec![(axis.x(0.0), rows.top), (axis.x(0.0), bottom)],
        MUTED.stroke_width(1),
    )?;
    let x = |v: f64| axis.x(v);
    for (i, dep) in results.deployments.iter().enumerate() {
        let first =
            rows.top + i as i32 * rows.height + (rows.height - l.kinds.len() as i32 * SUB_H) / 2;
        let these = results
            .blast_by_kind
            .iter()
            .filter(|r| r.measure == m && r.deployment == *dep);
        for r in these {
            let Some(j) = l.kinds.iter().position(|k| *k == r.kind) else {
                continue;
            };
            marks(canvas, r, first + j as i32 * SUB_H + SUB_H / 2, &x)?;
        }
    }
    Ok(())
}

/// One kind's marks on one row: bar from median to p95 (at least a few
/// pixels wide, so a point mass still shows), line on to the largest, the
/// mean as a diamond.
fn marks<DB>(
    canvas: &Canvas<'_, DB>,
    r: &BlastRow,
    y: i32,
    x: &dyn Fn(f64) -> i32,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let colour = style::kind_colour(r.kind);
    let (p50, p95, max) = (x(r.blast_p50), x(r.blast_p95), x(r.blast_max));
    let half = SUB_H / 2 - 2;
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
    frame::diamond(canvas, (x(r.blast_mean), y), 3, true)
}
