//! The timeline chart: one replication's year, failures above their
//! effect.
//!
//! Averages hide how downtime happens: a few long zone outages or many
//! short istiod restarts. This strip chart shows one simulated year: one
//! lane per component kind with every outage as a bar (a mesh has dozens
//! of components, too many for a lane each, and the kind is what the other
//! charts speak of), then one strip per deployment with the share of the
//! mesh's proxies that cannot start pods (filled) and that lose traffic
//! (line), on a shared time axis so a failure lines up with what it did.
//! A year is far more than a chart's width in pixels, so each pixel
//! column shows the peak of its time span and every outage is at least
//! two pixels wide: a ten-minute istiod restart stays visible.

use super::frame::{self, Header, LegendItem, Mark};
use super::style::{self, GRID, HEADING_H, MARGIN, MUTED, NOTE_SIZE, TEXT};
use super::{Area, Chart};
use crate::model::{Kind, Measure};
use crate::results::{Results, Series};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One replication's outages and affected share of proxies over time
/// (`timeline.png`, `timeline.svg`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TimelineChart;

/// Height of a component-kind lane, pixels.
const LANE_H: i32 = 28;
/// Height of a deployment's strip, pixels.
const STRIP_H: i32 = 46;
/// Space between the outage lanes and the strips, pixels.
const SECTION_GAP: i32 = 12;
/// Height of the canvas below the title when there is nothing to show.
const EMPTY_H: i32 = 240;
/// Preferred measures: the filled one, then the line.
const FILLED: Measure = Measure::PodStart;
const LINE: Measure = Measure::Traffic;

struct Layout {
    header: Header,
    header_h: i32,
    names_w: i32,
    plot_left: i32,
    plot_right: i32,
    /// Kinds with an outage, and their label (kind and count).
    lanes: Vec<(Kind, String)>,
    filled: Option<Measure>,
    line: Option<Measure>,
    hours: f64,
    /// Top of the share of proxies' scale.
    share_max: f64,
    height: i32,
    empty: bool,
}

/// Hours shown: as recorded, or else as far as the data reaches.
fn hours_shown(results: &Results) -> f64 {
    let t = &results.timeline;
    if t.hours.is_finite() && t.hours > 0.0 {
        return t.hours;
    }
    let reach = t
        .outages
        .iter()
        .map(|o| o.end_h)
        .chain(t.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)))
        .filter(|v| v.is_finite())
        .fold(0f64, f64::max);
    if reach > 0.0 {
        reach
    } else {
        1.0
    }
}

/// Whether a time axis in days reads better than one in hours.
fn in_days(hours: f64) -> bool {
    hours >= 48.0
}

fn series_of<'a>(results: &'a Results, dep: &str, m: Measure) -> Option<&'a Series> {
    results
        .timeline
        .series
        .iter()
        .find(|s| s.measure == m && s.deployment == dep)
}

impl Layout {
    fn new(results: &Results) -> anyhow::Result<Self> {
        let t = &results.timeline;
        let has = |m: Measure| t.series.iter().any(|s| s.measure == m);
        let filled = if has(FILLED) {
            Some(FILLED)
        } else {
            super::measures(results).into_iter().find(|&m| has(m))
        };
        let line = (has(LINE) && filled != Some(LINE)).then_some(LINE);
        let lanes: Vec<(Kind, String)> = Kind::ALL
            .into_iter()
            .filter_map(|k| {
                let count = t.outages.iter().filter(|o| o.kind == k).count();
                (count > 0).then(|| {
                    let what = if count == 1 { "outage" } else { "outages" };
                    (k, format!("{} ({count} {what})", k.name()))
                })
            })
            .collect();
        let empty = t.outages.is_empty() && t.series.is_empty();
        let hours = hours_shown(results);

        let mut legend = Vec::new();
        if !lanes.is_empty() {
            legend.push(LegendItem::new(Mark::Lead, "outage of a:"));
            legend.extend(
                lanes
                    .iter()
                    .map(|(k, _)| LegendItem::new(Mark::Swatch(style::kind_colour(*k)), k.name())),
            );
        }
        if let Some(m) = filled {
            legend.push(LegendItem::new(Mark::Lead, "  bad share of proxies:"));
            legend.push(LegendItem::new(
                Mark::Swatch(style::measure_colour(m)),
                format!("{} (filled)", m.name()),
            ));
        }
        if let Some(m) = line {
            legend.push(LegendItem::new(
                Mark::Line(style::measure_colour(m)),
                format!("{} (line)", m.name()),
            ));
        }
        let span = if in_days(hours) {
            format!("first {} days", style::minutes(hours / 24.0))
        } else {
            format!("first {} hours", style::minutes(hours))
        };
        let header = Header {
            title: format!(
                "{}: one simulated year, outages and the proxies they hit",
                results.scenario
            ),
            subtitle: if empty {
                vec![format!("Replication {}.", t.replication)]
            } else {
                vec![
                    format!(
                        "Replication {}, {span}. Top: component outages, one lane per kind. \
                         Below: per deployment, the share of the mesh's proxies that are bad.",
                        t.replication
                    ),
                    "Each pixel column shows the peak of its time span, so outages of \
                     minutes stay visible."
                        .to_string(),
                ]
            },
            legend,
        };
        let header_h = header.height(style::WIDTH)?;
        let names_w = style::names_width(
            results
                .deployments
                .iter()
                .map(String::as_str)
                .chain(lanes.iter().map(|(_, s)| s.as_str())),
        )?;
        let scale_w = style::text_width("100%", NOTE_SIZE)? + 12;
        let plot_left = MARGIN + names_w + style::GAP / 2;
        let plot_right = style::WIDTH as i32 - MARGIN - scale_w;
        let share_max = t
            .series
            .iter()
            .filter(|s| Some(s.measure) == filled || Some(s.measure) == line)
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .filter(|v| v.is_finite())
            .fold(0f64, f64::max);
        let share_max = if share_max > 0.0 {
            style::nice_ceiling(share_max).min(1.0)
        } else {
            0.1
        };
        let n = results.deployments.len() as i32;
        let height = if empty {
            header_h + EMPTY_H
        } else {
            header_h
                + HEADING_H
                + lanes.len().max(1) as i32 * LANE_H
                + SECTION_GAP
                + HEADING_H
                + n * STRIP_H
                + style::AXIS_H
                + MARGIN
        };
        Ok(Layout {
            header,
            header_h,
            names_w,
            plot_left,
            plot_right,
            lanes,
            filled,
            line,
            hours,
            share_max,
            height,
            empty,
        })
    }

    /// Time in axis units (days or hours) of `h` hours.
    fn unit(&self, h: f64) -> f64 {
        if in_days(self.hours) {
            h / 24.0
        } else {
            h
        }
    }
}

impl Chart for TimelineChart {
    fn name(&self) -> &'static str {
        "timeline"
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
        if l.empty {
            return frame::no_data(
                root,
                l.header_h,
                "no timeline data in these results: no outages and no series were recorded",
            );
        }
        let lanes_top = l.header_h + HEADING_H;
        let lanes_h = l.lanes.len().max(1) as i32 * LANE_H;
        lanes(results, root, &l, lanes_top)?;
        strips(results, root, &l, lanes_top + lanes_h + SECTION_GAP)
    }
}

/// A section heading left-aligned over the plots, ending at `bottom`.
fn heading<DB>(root: &Area<DB>, l: &Layout, bottom: i32, text: &str) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    root.draw_text(
        text,
        &style::text(style::HEADING_SIZE, TEXT),
        (l.plot_left, bottom - HEADING_H / 2 + 2),
    )?;
    Ok(())
}

/// The time axis: the same range and grid for the lanes and the strips,
/// so the two line up.
fn time_chart<'a, DB>(
    area: &'a Area<DB>,
    l: &Layout,
    axis_h: i32,
) -> anyhow::Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(axis_h)
        .build_cartesian_2d(0f64..l.unit(l.hours), 0f64..1f64)?;
    let tick = |v: &f64| style::minutes(*v);
    let desc = if in_days(l.hours) {
        "days since the warm-up ended"
    } else {
        "hours since the warm-up ended"
    };
    let mut mesh = chart.configure_mesh();
    mesh.disable_y_mesh()
        .disable_y_axis()
        .x_labels(14)
        .x_max_light_lines(0)
        .x_label_formatter(&tick)
        .x_label_style(style::text(style::TICK_SIZE, TEXT))
        .bold_line_style(GRID)
        .axis_style(MUTED);
    if axis_h > 0 {
        mesh.x_desc(desc)
            .axis_desc_style(style::text(style::LABEL_SIZE, TEXT));
    } else {
        mesh.disable_x_axis();
    }
    mesh.draw()?;
    Ok(chart)
}

fn lanes<DB>(results: &Results, root: &Area<DB>, l: &Layout, top: i32) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    heading(root, l, top, "component outages")?;
    let names: Vec<String> = l.lanes.iter().map(|(_, s)| s.clone()).collect();
    frame::names_and_stripes(
        root,
        &names,
        MARGIN,
        MARGIN + l.names_w,
        l.plot_right,
        top,
        LANE_H,
    )?;
    let h = l.lanes.len().max(1) as i32 * LANE_H;
    let area = root
        .clone()
        .shrink((l.plot_left, top), (l.plot_right - l.plot_left, h));
    let chart = time_chart(&area, l, 0)?;
    let x = |h: f64| chart.backend_coord(&(l.unit(h.clamp(0.0, l.hours)), 0.0)).0;
    if l.lanes.is_empty() {
        root.draw_text(
            "no component outages in this period",
            &style::text(NOTE_SIZE, MUTED),
            (l.plot_left + 8, top + LANE_H / 2),
        )?;
    }
    for (j, (kind, _)) in l.lanes.iter().enumerate() {
        let y0 = top + j as i32 * LANE_H + 5;
        let y1 = y0 + LANE_H - 10;
        // Overlapping outages of one kind show darker.
        let colour = style::kind_colour(*kind).mix(0.6);
        for o in results.timeline.outages.iter().filter(|o| o.kind == *kind) {
            let a = x(o.start_h);
            let b = x(o.end_h).max(a + 2);
            root.draw(&Rectangle::new([(a, y0), (b, y1)], colour.filled()))?;
        }
    }
    Ok(())
}

/// The peak of a step series in each of `cols` equal spans of
/// `0..hours`.
fn envelope(points: &[(f64, f64)], hours: f64, cols: usize) -> Vec<f64> {
    let mut env = vec![0f64; cols];
    if cols == 0 || hours <= 0.0 {
        return env;
    }
    let col = |h: f64| ((h / hours * cols as f64).max(0.0) as usize).min(cols - 1);
    for (i, &(t, share)) in points.iter().enumerate() {
        if !(share.is_finite() && share > 0.0) || t >= hours {
            continue;
        }
        let end = points.get(i + 1).map_or(hours, |p| p.0).min(hours);
        let (a, b) = (col(t), col((end - 1e-9).max(t)));
        for v in &mut env[a..=b] {
            *v = v.max(share);
        }
    }
    env
}

fn strips<DB>(results: &Results, root: &Area<DB>, l: &Layout, top: i32) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let scale = format!("each strip 0–{}", style::percent(l.share_max));
    let what = match (l.filled, l.line) {
        (Some(f), Some(g)) => format!("bad share of proxies: {}, {} ({scale})", f.name(), g.name()),
        (Some(f), None) => format!("bad share of proxies: {} ({scale})", f.name()),
        _ => "bad share of proxies: no series recorded".to_string(),
    };
    let strips_top = top + HEADING_H;
    heading(root, l, strips_top, &what)?;
    frame::names_and_stripes(
        root,
        &results.deployments,
        MARGIN,
        MARGIN + l.names_w,
        l.plot_right,
        strips_top,
        STRIP_H,
    )?;
    let n = results.deployments.len() as i32;
    let area = root.clone().shrink(
        (l.plot_left, strips_top),
        (l.plot_right - l.plot_left, n * STRIP_H + style::AXIS_H),
    );
    let chart = time_chart(&area, l, style::AXIS_H)?;
    let (x0, x1) = (
        chart.backend_coord(&(0.0, 0.0)).0,
        chart.backend_coord(&(l.unit(l.hours), 0.0)).0,
    );
    let cols = (x1 - x0).max(1) as usize;
    let scale_style = style::anchored(NOTE_SIZE, MUTED, HPos::Left, VPos::Center);
    for (i, dep) in results.deployments.iter().enumerate() {
        let base = strips_top + (i as i32 + 1) * STRIP_H - 5;
        let peak = strips_top + i as i32 * STRIP_H + 7;
        let y =
            |s: f64| base - ((s / l.share_max).min(1.0) * f64::from(base - peak)).round() as i32;
        root.draw(&PathElement::new(
            vec![(x0, base), (x1, base)],
            MUTED.stroke_width(1),
        ))?;
        root.draw_text(&style::percent(l.share_max), &scale_style, (x1 + 6, peak))?;
        if let Some(s) = l.filled.and_then(|m| series_of(results, dep, m)) {
            let colour = style::measure_colour(s.measure);
            let env = envelope(&s.points, l.hours, cols);
            // Runs of equal height as one rectangle each, to keep the SVG
            // small.
            let mut c = 0;
            while c < cols {
                let v = env[c];
                let mut d = c + 1;
                while d < cols && env[d] == v {
                    d += 1;
                }
                if v > 0.0 {
                    root.draw(&Rectangle::new(
                        [(x0 + c as i32, y(v).min(base - 1)), (x0 + d as i32, base)],
                        colour.filled(),
                    ))?;
                }
                c = d;
            }
        }
        if let Some(s) = l.line.and_then(|m| series_of(results, dep, m)) {
            let colour = style::measure_colour(s.measure);
            let env = envelope(&s.points, l.hours, cols);
            let mut path = vec![(x0, y(env.first().copied().unwrap_or(0.0)))];
            for c in 1..cols {
                if env[c] != env[c - 1] {
                    path.push((x0 + c as i32, y(env[c - 1])));
                    path.push((x0 + c as i32, y(env[c])));
                }
            }
            path.push((x1, y(env.last().copied().unwrap_or(0.0))));
            root.draw(&PathElement::new(path, colour.stroke_width(2)))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::envelope;

    #[test]
    fn a_short_spike_keeps_its_peak_in_one_column() {
        // 10 minutes at 30% in a year shown on 1,000 columns.
        let points = [(0.0, 0.0), (100.0, 0.3), (100.0 + 1.0 / 6.0, 0.0)];
        let env = envelope(&points, 8760.0, 1000);
        assert_eq!(env.iter().filter(|v| **v > 0.0).count(), 1);
        assert_eq!(env.iter().cloned().fold(0.0, f64::max), 0.3);
    }

    #[test]
    fn the_last_point_holds_to_the_end() {
        let env = envelope(&[(0.0, 0.0), (50.0, 0.1)], 100.0, 10);
        assert_eq!(env[4], 0.0);
        assert_eq!(env[5], 0.1);
        assert_eq!(env[9], 0.1);
    }
}
