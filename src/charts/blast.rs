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

use super::frame::{self, Columns, Header, LegendItem, Mark};
use super::style::{self, GRID, HEADING_H, INK, MARGIN, MUTED, TEXT};
use super::{Area, Chart};
use crate::model::{Kind, Measure};
use crate::results::{BlastRow, Results};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Blast radius per deployment, measure and component kind (`blast.png`,
/// `blast.svg`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Blast;

/// Height of one kind's line inside a deployment row, pixels.
const SUB_H: i32 = 12;
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
        let mut legend = vec![LegendItem::new(Mark::Lead, "component kind:")];
        legend.extend(
            kinds
                .iter()
                .map(|&k| LegendItem::new(Mark::Swatch(style::kind_colour(k)), k.name())),
        );
        legend.extend([
            LegendItem::new(Mark::Lead, "  marks:"),
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
                    style::minutes(results.horizon_years),
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

    fn draw<DB>(&self, results: &Results, root: &Area<DB>) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let l = Layout::new(results)?;
        l.header.draw(root)?;
        let heading_y = l.header_h + HEADING_H / 2;
        let rows_top = l.header_h + HEADING_H;
        root.draw_text(
            "deployment",
            &style::anchored(style::NOTE_SIZE, MUTED, HPos::Right, VPos::Center),
            (MARGIN + l.columns.names_w, heading_y),
        )?;
        frame::names_and_stripes(
            root,
            &results.deployments,
            MARGIN,
            MARGIN + l.columns.names_w,
            l.columns.right(),
            rows_top,
            l.row_h,
        )?;
        for (&m, &left) in l.measures.iter().zip(&l.columns.lefts) {
            root.draw_text(
                m.name(),
                &style::anchored(style::HEADING_SIZE, TEXT, HPos::Center, VPos::Center),
                (left + l.columns.panel_w / 2, heading_y),
            )?;
            panel(results, root, &l, m, left, rows_top)?;
        }
        if results.blast_by_kind.is_empty() {
            frame::no_data(root, rows_top, "no incidents that hurt: nothing to show")?;
        }
        Ok(())
    }
}

fn panel<DB>(
    results: &Results,
    root: &Area<DB>,
    l: &Layout,
    m: Measure,
    left: i32,
    rows_top: i32,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let n = results.deployments.len() as i32;
    let area = root.clone().shrink(
        (left, rows_top),
        (l.columns.panel_w, n * l.row_h + style::AXIS_H),
    );
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(style::AXIS_H)
        .build_cartesian_2d(0f64..l.x_max, 0f64..1f64)?;
    let tick = |v: &f64| style::percent(*v);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_labels(6)
        .x_max_light_lines(0)
        .x_label_formatter(&tick)
        .x_label_style(style::text(style::TICK_SIZE, TEXT))
        .x_desc("share of the mesh's proxies")
        .axis_desc_style(style::text(style::LABEL_SIZE, TEXT))
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .draw()?;
    let x = |v: f64| chart.backend_coord(&(v.clamp(0.0, l.x_max), 0.0)).0;
    // The left edge, so a row's lines start from a visible zero.
    root.draw(&PathElement::new(
        vec![(x(0.0), rows_top), (x(0.0), rows_top + n * l.row_h)],
        MUTED.stroke_width(1),
    ))?;
    for (i, dep) in results.deployments.iter().enumerate() {
        let row_top = rows_top + i as i32 * l.row_h + (l.row_h - l.kinds.len() as i32 * SUB_H) / 2;
        let rows = results
            .blast_by_kind
            .iter()
            .filter(|r| r.measure == m && r.deployment == *dep);
        for r in rows {
            let Some(j) = l.kinds.iter().position(|k| *k == r.kind) else {
                continue;
            };
            let y = row_top + j as i32 * SUB_H + SUB_H / 2;
            marks(root, r, y, &x)?;
        }
    }
    Ok(())
}

/// One kind's marks on one row: bar from median to p95 (at least a few
/// pixels wide, so a point mass still shows), line on to the largest, the
/// mean as a diamond.
fn marks<DB>(root: &Area<DB>, r: &BlastRow, y: i32, x: &dyn Fn(f64) -> i32) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let colour = style::kind_colour(r.kind);
    let (p50, p95, max) = (x(r.blast_p50), x(r.blast_p95), x(r.blast_max));
    let half = SUB_H / 2 - 1;
    root.draw(&Rectangle::new(
        [(p50 - 1, y - half), (p95.max(p50 + 3), y + half)],
        colour.filled(),
    ))?;
    if max > p95 {
        root.draw(&PathElement::new(
            vec![(p95, y), (max, y)],
            INK.stroke_width(1),
        ))?;
    }
    root.draw(&PathElement::new(
        vec![(max, y - half), (max, y + half)],
        INK.stroke_width(2),
    ))?;
    frame::diamond(root, (x(r.blast_mean), y), 4, INK.filled())?;
    Ok(())
}
