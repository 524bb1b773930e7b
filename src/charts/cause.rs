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

use super::frame::{self, Columns, Header, LegendItem, Mark};
use super::style::{self, GRID, HEADING_H, MARGIN, MUTED, ROW_H, TEXT, UNATTRIBUTED};
use super::{Area, Chart};
use crate::model::{Kind, Measure};
use crate::results::{Results, MINUTES_PER_YEAR};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

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

struct Layout {
    header: Header,
    header_h: i32,
    columns: Columns,
    height: i32,
    stacks: Vec<Vec<Stack>>,
    measures: Vec<Measure>,
}

impl Layout {
    fn new(results: &Results) -> anyhow::Result<Self> {
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
        let mut legend = vec![LegendItem::new(Mark::Lead, "caused by a failed:")];
        legend
            .extend(kinds.map(|k| LegendItem::new(Mark::Swatch(style::kind_colour(k)), k.name())));
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
                    "{} replications × {} years, seed {}. Each panel has its own scale.",
                    style::thousands(results.replications as i64),
                    style::minutes(results.horizon_years),
                    results.seed
                ),
            ],
            legend,
        };
        let names_w = style::names_width(results.deployments.iter().map(String::as_str))?;
        let columns = Columns::new(names_w, measures.len(), MIN_PANEL_W);
        let header_h = header.height(columns.width)?;
        let n = results.deployments.len().max(1) as i32;
        let height = header_h + HEADING_H + n * ROW_H + style::AXIS_H + MARGIN;
        Ok(Layout {
            header,
            header_h,
            columns,
            height,
            stacks,
            measures,
        })
    }
}

impl Chart for Cause {
    fn name(&self) -> &'static str {
        "cause"
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
            ROW_H,
        )?;
        let heading = style::anchored(style::HEADING_SIZE, TEXT, HPos::Center, VPos::Center);
        for ((&m, &left), stacks) in l.measures.iter().zip(&l.columns.lefts).zip(&l.stacks) {
            root.draw_text(
                m.name(),
                &heading,
                (left + l.columns.panel_w / 2, heading_y),
            )?;
            panel(results, root, &l, stacks, left, rows_top)?;
        }
        if results.cause.is_empty() {
            frame::no_data(
                root,
                rows_top,
                "no cause breakdown in these results: nothing to show",
            )?;
        }
        Ok(())
    }
}

fn panel<DB>(
    results: &Results,
    root: &Area<DB>,
    l: &Layout,
    stacks: &[Stack],
    left: i32,
    rows_top: i32,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let n = results.deployments.len() as i32;
    let largest = stacks.iter().map(Stack::total).fold(0f64, f64::max);
    // Room after the longest bar for its total.
    let x_max = if largest > 0.0 {
        style::nice_ceiling(largest * 1.3)
    } else {
        1.0
    };
    let area = root.clone().shrink(
        (left, rows_top),
        (l.columns.panel_w, n * ROW_H + style::AXIS_H),
    );
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(style::AXIS_H)
        .build_cartesian_2d(0f64..x_max, 0f64..1f64)?;
    let tick = |v: &f64| style::minutes(*v);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_labels(5)
        .x_max_light_lines(0)
        .x_label_formatter(&tick)
        .x_label_style(style::text(style::TICK_SIZE, TEXT))
        .x_desc("downtime, minutes per year")
        .axis_desc_style(style::text(style::LABEL_SIZE, TEXT))
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .draw()?;
    let x = |v: f64| chart.backend_coord(&(v, 0.0)).0;
    root.draw(&PathElement::new(
        vec![(x(0.0), rows_top), (x(0.0), rows_top + n * ROW_H)],
        MUTED.stroke_width(1),
    ))?;
    let total_style = style::text(style::NOTE_SIZE, TEXT);
    for (i, stack) in stacks.iter().enumerate() {
        let y = rows_top + i as i32 * ROW_H + ROW_H / 2;
        let (y0, y1) = (y - BAR_H / 2, y + BAR_H / 2);
        let mut at = 0.0;
        let segments = stack
            .parts
            .iter()
            .map(|&(k, v)| (style::kind_colour(k), v))
            .chain((stack.unattributed > 0.0).then_some((UNATTRIBUTED, stack.unattributed)));
        for (colour, v) in segments {
            let (a, b) = (x(at), x(at + v));
            root.draw(&Rectangle::new(
                [(a, y0), (b.max(a + 1), y1)],
                colour.filled(),
            ))?;
            // A white hairline between segments, so neighbours of similar
            // colour stay apart.
            if a > x(0.0) {
                root.draw(&PathElement::new(
                    vec![(a, y0), (a, y1)],
                    WHITE.stroke_width(1),
                ))?;
            }
            at += v;
        }
        let total = stack.total();
        if total > 0.0 {
            root.draw_text(&style::minutes(total), &total_style, (x(total) + 6, y))?;
        }
    }
    Ok(())
}
