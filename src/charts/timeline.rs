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

use super::axis::Axis;
use super::canvas::Canvas;
use super::frame::{self, Frame, Rows, LEFT};
use super::header::{Header, LegendItem};
use super::marks::Mark;
use super::style::{self, HEADING_H, MARGIN, MUTED, NOTE_SIZE, TEXT};
use super::Backend;
use super::Chart;
use crate::export::files::{ChartFiles, TIMELINE_CHART};
use crate::model::{Kind, Measure};
use crate::results::{Results, Series};
use plotters::prelude::*;

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

/// Where the lanes and strips go, computed once with the frame.
pub struct Layout {
    names_w: i32,
    axis: Axis,
    /// Kinds with an outage, and their label (kind and count).
    lanes: Vec<(Kind, String)>,
    filled: Option<Measure>,
    line: Option<Measure>,
    hours: f64,
    /// Top of the share of proxies' scale.
    share_max: f64,
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
    fn frame(results: &Results) -> anyhow::Result<Frame<Self>> {
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
            legend.push(LegendItem::new(Mark::Lead, "bad share of proxies:"));
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
            format!("first {} days", style::number(hours / 24.0))
        } else {
            format!("first {} hours", style::number(hours))
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
        let unit_end = if in_days(hours) { hours / 24.0 } else { hours };
        let axis = Axis::linear(0.0, unit_end, plot_left, plot_right);
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
        let body_h = if empty {
            EMPTY_H
        } else {
            HEADING_H
                + lanes.len().max(1) as i32 * LANE_H
                + SECTION_GAP
                + HEADING_H
                + n * STRIP_H
                + style::AXIS_H
                + MARGIN
        };
        let layout = Layout {
            names_w,
            axis,
            lanes,
            filled,
            line,
            hours,
            share_max,
            empty,
        };
        Frame::new(header, style::WIDTH, body_h, layout)
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
    type Body = Layout;

    fn files(&self) -> ChartFiles {
        TIMELINE_CHART
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
        if l.empty {
            return frame::no_data(
                canvas,
                frame.top,
                "no timeline data in these results: no outages and no series were recorded",
            );
        }
        let lanes_top = frame.top + HEADING_H;
        let lanes_h = l.lanes.len().max(1) as i32 * LANE_H;
        lanes(results, canvas, l, lanes_top)?;
        strips(results, canvas, l, lanes_top + lanes_h + SECTION_GAP)
    }
}

/// A section heading left-aligned over the plots, ending at `bottom`.
fn heading<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    l: &Layout,
    bottom: i32,
    text: &str,
) -> anyhow::Result<()> {
    let y = bottom - HEADING_H / 2 + 2;
    canvas.text(text, style::HEADING_SIZE, TEXT, LEFT, (l.axis.span().0, y))
}

/// Tick labels: days or hours, whole where whole.
fn tick(v: f64) -> String {
    style::number(v)
}

fn lanes<DB: Backend>(
    results: &Results,
    canvas: &Canvas<'_, DB>,
    l: &Layout,
    top: i32,
) -> anyhow::Result<()> {
    heading(canvas, l, top, "component outages")?;
    let names: Vec<String> = l.lanes.iter().map(|(_, s)| s.clone()).collect();
    let rows = Rows {
        left: MARGIN,
        names_right: MARGIN + l.names_w,
        right: l.axis.span().1,
        top,
        height: LANE_H,
    };
    rows.draw(canvas, &names)?;
    l.axis
        .grid(canvas, top, rows.bottom(l.lanes.len().max(1)), &tick)?;
    if l.lanes.is_empty() {
        canvas.text(
            "no component outages in this period",
            NOTE_SIZE,
            MUTED,
            LEFT,
            (l.axis.span().0 + 8, rows.centre(0)),
        )?;
    }
    let x = |h: f64| l.axis.x(l.unit(h));
    for (j, (kind, _)) in l.lanes.iter().enumerate() {
        let y0 = top + j as i32 * LANE_H + 5;
        let y1 = y0 + LANE_H - 10;
        // Overlapping outages of one kind show darker.
        let colour = style::kind_colour(*kind).mix(0.6);
        for o in results.timeline.outages.iter().filter(|o| o.kind == *kind) {
            let a = x(o.start_h);
            let b = x(o.end_h).max(a + 2);
            canvas.rect((a, y0), (b, y1), colour)?;
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

fn strips<DB: Backend>(
    results: &Results,
    canvas: &Canvas<'_, DB>,
    l: &Layout,
    top: i32,
) -> anyhow::Result<()> {
    let scale = format!("each strip 0–{}", style::percent(l.share_max));
    let what = match (l.filled, l.line) {
        (Some(f), Some(g)) => format!("bad share of proxies: {}, {} ({scale})", f.name(), g.name()),
        (Some(f), None) => format!("bad share of proxies: {} ({scale})", f.name()),
        _ => "bad share of proxies: no series recorded".to_string(),
    };
    let rows = Rows {
        left: MARGIN,
        names_right: MARGIN + l.names_w,
        right: l.axis.span().1,
        top: top + HEADING_H,
        height: STRIP_H,
    };
    heading(canvas, l, rows.top, &what)?;
    rows.draw(canvas, &results.deployments)?;
    let bottom = rows.bottom(results.deployments.len());
    l.axis.grid(canvas, rows.top, bottom, &tick)?;
    let description = if in_days(l.hours) {
        "days since the warm-up ended"
    } else {
        "hours since the warm-up ended"
    };
    l.axis.draw(canvas, bottom, &tick, Some(description))?;
    let (x0, x1) = l.axis.span();
    let cols = (x1 - x0).max(1) as usize;
    for (i, dep) in results.deployments.iter().enumerate() {
        let base = rows.top + (i as i32 + 1) * STRIP_H - 5;
        let peak = rows.top + i as i32 * STRIP_H + 7;
        let y =
            |s: f64| base - ((s / l.share_max).min(1.0) * f64::from(base - peak)).round() as i32;
        canvas.line(vec![(x0, base), (x1, base)], MUTED.stroke_width(1))?;
        // The strip's top of scale, ticked at the right edge.
        canvas.line(
            vec![(x1, base), (x1, peak), (x1 + 4, peak)],
            MUTED.stroke_width(1),
        )?;
        canvas.text(
            &style::percent(l.share_max),
            NOTE_SIZE,
            MUTED,
            LEFT,
            (x1 + 7, peak),
        )?;
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
                    let a = (x0 + c as i32, y(v).min(base - 1));
                    canvas.rect(a, (x0 + d as i32, base), colour)?;
                }
                c = d;
            }
        }
        if let Some(s) = l.line.and_then(|m| series_of(results, dep, m)) {
            let colour = style::measure_colour(s.measure);
            let env = envelope(&s.points, l.hours, cols);
            // Outlines of the stretches above zero only: a line along the
            // baseline would hide the filled measure's small spikes.
            let mut c = 0;
            while c < cols {
                if env[c] <= 0.0 {
                    c += 1;
                    continue;
                }
                let at = |k: usize| x0 + k as i32;
                let mut path = vec![(at(c), base), (at(c), y(env[c]))];
                let mut d = c + 1;
                while d < cols && env[d] > 0.0 {
                    if env[d] != env[d - 1] {
                        path.push((at(d), y(env[d - 1])));
                        path.push((at(d), y(env[d])));
                    }
                    d += 1;
                }
                path.push((at(d), y(env[d - 1])));
                path.push((at(d), base));
                canvas.line(path, colour.stroke_width(2))?;
                c = d;
            }
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
