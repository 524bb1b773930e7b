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

use super::frame::{self, Header, LegendItem, Mark};
use super::style::{self, GAP, GRID, HEADING_H, MARGIN, MUTED, NOTE_SIZE, ROW_H, TEXT};
use super::{Area, Chart};
use crate::model::Measure;
use crate::results::{Results, SummaryRow, MINUTES_PER_YEAR};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Downtime per deployment and measure, log scale, with 95% intervals and
/// exact values (`ranking.png`, `ranking.svg`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Ranking;

/// Space between panels, pixels.
const PANEL_GAP: i32 = 14;
/// Space between the plot and the value columns, pixels.
const COLUMN_GAP: i32 = 26;
/// Neutral colour for the dot in the legend (each panel uses its
/// measure's colour).
const LEGEND_DOT: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);

/// Where everything goes, computed once from the results and used both
/// for the canvas size and for drawing.
struct Layout {
    header: Header,
    header_h: i32,
    names_w: i32,
    plot_left: i32,
    plot_right: i32,
    value_right: i32,
    rank_right: i32,
    panel_h: i32,
    last_panel_h: i32,
    height: i32,
    x_range: (f64, f64),
    measures: Vec<Measure>,
}

fn minutes(u: f64) -> f64 {
    u * MINUTES_PER_YEAR
}

/// "1,362 ± 8.8": the estimate and its interval's half-width.
fn value_text(row: &SummaryRow) -> String {
    let v = style::minutes(minutes(row.unavailability));
    match (row.ci_low, row.ci_high) {
        (Some(lo), Some(hi)) => {
            format!(
                "{v} ± {}",
                style::minutes(minutes((hi - lo).max(0.0) / 2.0))
            )
        }
        _ => v,
    }
}

const VALUE_HEADER: &str = "min/year ± 95% CI";
const RANK_HEADER: &str = "rank";

impl Layout {
    fn new(results: &Results) -> anyhow::Result<Self> {
        let width = style::WIDTH as i32;
        let n = results.deployments.len().max(1) as i32;
        let header = Header {
            title: format!(
                "{}: downtime per proxy by control-plane placement",
                results.scenario
            ),
            subtitle: vec![
                format!(
                    "{} replications × {} years, seed {}. Log scale, same in every panel; \
                     rank 1 = least downtime.",
                    style::thousands(results.replications as i64),
                    style::minutes(results.horizon_years),
                    results.seed
                ),
                "The 95% interval is often narrower than the dot: its half-width is \
                 printed on the right."
                    .to_string(),
            ],
            legend: vec![
                LegendItem::new(Mark::Dot(LEGEND_DOT), "simulated mean"),
                LegendItem::new(Mark::Whisker, "95% confidence interval"),
                LegendItem::new(Mark::Exact, "exact long-run value (closed form)"),
            ],
        };
        let header_h = header.height(style::WIDTH)?;
        let names_w = style::names_width(results.deployments.iter().map(String::as_str))?;
        let values: Vec<String> = results.summary.iter().map(value_text).collect();
        let value_w = style::widest(values.iter().map(String::as_str), NOTE_SIZE)?
            .max(style::text_width(VALUE_HEADER, NOTE_SIZE)?);
        let rank_w = style::text_width(RANK_HEADER, NOTE_SIZE)?.max(style::text_width(
            &results.deployments.len().to_string(),
            NOTE_SIZE,
        )?);
        let rank_right = width - MARGIN;
        let value_right = rank_right - rank_w - COLUMN_GAP;
        let plot_right = value_right - value_w - COLUMN_GAP;
        let plot_left = MARGIN + names_w + GAP / 2;
        let panel_h = HEADING_H + n * ROW_H + style::TICKS_H;
        let last_panel_h = HEADING_H + n * ROW_H + style::AXIS_H;
        let measures = super::measures(results);
        let panels = measures.len().max(1) as i32;
        let height = header_h + (panels - 1) * (panel_h + PANEL_GAP) + last_panel_h + MARGIN;
        Ok(Layout {
            header,
            header_h,
            names_w,
            plot_left,
            plot_right,
            value_right,
            rank_right,
            panel_h,
            last_panel_h,
            height,
            x_range: x_range(results),
            measures,
        })
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
            .filter(|v| v.is_finite() && *v > 0.0)
    });
    let (lo, hi) = values.fold((f64::INFINITY, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !(lo.is_finite() && hi > 0.0) {
        return (1.0, 1000.0);
    }
    let (lo, hi) = (style::nice_floor(lo / 1.15), style::nice_ceiling(hi * 1.15));
    // At least a decade, so the axis has labelled ticks to read by.
    if hi / lo < 10.0 {
        let mid = (lo * hi).sqrt();
        (
            style::nice_floor(mid / 10f64.sqrt()),
            style::nice_ceiling(mid * 10f64.sqrt()),
        )
    } else {
        (lo, hi)
    }
}

impl Chart for Ranking {
    fn name(&self) -> &'static str {
        "ranking"
    }

    fn size(&self, results: &Results) -> anyhow::Result<(u32, u32)> {
        let l = Layout::new(results)?;
        Ok((style::WIDTH, l.height as u32))
    }

    fn draw<DB>(&self, results: &Results, root: &Area<DB>) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let l = Layout::new(results)?;
        l.header.draw(root)?;
        let mut top = l.header_h;
        for (i, &m) in l.measures.iter().enumerate() {
            let last = i + 1 == l.measures.len();
            panel(results, root, &l, m, top, last)?;
            top += l.panel_h + PANEL_GAP;
        }
        Ok(())
    }
}

/// One measure's panel, its heading band starting at `top`.
fn panel<DB>(
    results: &Results,
    root: &Area<DB>,
    l: &Layout,
    m: Measure,
    top: i32,
    last: bool,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let n = results.deployments.len() as i32;
    let colour = style::measure_colour(m);
    let mid = top + HEADING_H / 2 + 2;
    root.draw_text(
        &style::measure_heading(m),
        &style::text(style::HEADING_SIZE, TEXT),
        (l.plot_left, mid),
    )?;
    let head = |h| style::anchored(NOTE_SIZE, MUTED, h, VPos::Center);
    root.draw_text("deployment", &head(HPos::Right), (MARGIN + l.names_w, mid))?;
    root.draw_text(VALUE_HEADER, &head(HPos::Right), (l.value_right, mid))?;
    root.draw_text(RANK_HEADER, &head(HPos::Right), (l.rank_right, mid))?;

    let rows_top = top + HEADING_H;
    frame::names_and_stripes(
        root,
        &results.deployments,
        MARGIN,
        MARGIN + l.names_w,
        l.rank_right,
        rows_top,
        ROW_H,
    )?;

    let axis_h = if last { style::AXIS_H } else { style::TICKS_H };
    let panel_h = if last { l.last_panel_h } else { l.panel_h };
    let area = root.clone().shrink(
        (l.plot_left, rows_top),
        (l.plot_right - l.plot_left, panel_h - HEADING_H),
    );
    let (lo, hi) = l.x_range;
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(axis_h)
        .build_cartesian_2d((lo..hi).log_scale(), 0f64..1f64)?;
    let tick = |v: &f64| style::log_tick(*v);
    let mut mesh = chart.configure_mesh();
    mesh.disable_y_mesh()
        .disable_y_axis()
        .x_labels(40)
        .x_max_light_lines(0)
        .x_label_formatter(&tick)
        .x_label_style(style::text(style::TICK_SIZE, TEXT))
        .bold_line_style(GRID)
        .axis_style(MUTED);
    if last {
        mesh.x_desc("downtime per proxy, minutes per year (log scale)")
            .axis_desc_style(style::text(style::LABEL_SIZE, TEXT));
    }
    mesh.draw()?;

    let x = |v: f64| chart.backend_coord(&(v, 0.0)).0;
    let (x_lo, x_hi) = (x(lo), x(hi));
    // Decades a shade darker than the other grid lines.
    let mut decade = 10f64.powf(lo.log10().ceil());
    while decade <= hi * (1.0 + 1e-9) {
        let px = x(decade);
        root.draw(&PathElement::new(
            vec![(px, rows_top), (px, rows_top + n * ROW_H)],
            RGBColor(0xb4, 0xb4, 0xb4).stroke_width(1),
        ))?;
        decade *= 10.0;
    }

    let value_style = style::anchored(NOTE_SIZE, TEXT, HPos::Right, VPos::Center);
    for (i, dep) in results.deployments.iter().enumerate() {
        let Some(row) = results.row(dep, m) else {
            continue;
        };
        let y = rows_top + i as i32 * ROW_H + ROW_H / 2;
        let clamp = |px: i32| px.clamp(x_lo, x_hi);
        if let (Some(cl), Some(ch)) = (row.ci_low, row.ci_high) {
            let (cl, ch) = (minutes(cl), minutes(ch));
            if ch > 0.0 {
                // A lower end at 0 has no place on a log axis: the
                // interval runs off the left edge, without a cap.
                let left = if cl > 0.0 { clamp(x(cl)) } else { x_lo };
                frame::whisker(root, left, clamp(x(ch)), y, cl > 0.0, true)?;
            }
        }
        let v = minutes(row.unavailability);
        if v > 0.0 {
            frame::dot(root, (clamp(x(v)), y), colour)?;
        } else {
            root.draw_text(
                "no bad time observed",
                &style::text(NOTE_SIZE, MUTED),
                (x_lo + 8, y),
            )?;
        }
        if let Some(e) = row.exact.map(minutes).filter(|e| *e > 0.0) {
            frame::diamond(root, (clamp(x(e)), y), 9, style::INK.stroke_width(2))?;
        }
        root.draw_text(&value_text(row), &value_style, (l.value_right, y))?;
        root.draw_text(&row.rank.to_string(), &value_style, (l.rank_right, y))?;
    }
    Ok(())
}
