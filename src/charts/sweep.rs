//! The sweep chart: how a measure's downtime moves with each swept
//! parameter, and where deployments swap places (`sweep-<measure>.png`,
//! `.svg`, one per measure).
//!
//! A sweep's question is "how does it move and where does it flip", so
//! this is a line chart: downtime in minutes per year on a log axis
//! (placements differ by a few times, the ends of a sweep by a hundred),
//! one line per deployment with its 95% band shaded, the exact long-run
//! value dashed where there is one, and every crossover of this measure
//! marked at its estimate with its interval shaded, numbered, and said in
//! words under the panel. With several parameters there is one panel per
//! parameter, the others held at their first value (the panel's heading
//! says which): a grid's other lines are in `sweep.csv`, and drawing them
//! all would bury the one being read. A zip sweep moves every parameter at
//! once, so its panels are the same points read along each parameter.
//!
//! The frame (title, legend) is `frame.rs`'s and the horizontal axis
//! `axis.rs`'s; the log downtime axis is drawn here, the one vertical value
//! axis among the charts.

use super::axis::Axis;
use super::canvas::Canvas;
use super::frame::{self, LEFT, RIGHT};
use super::header::{Header, LegendItem};
use super::marks::Mark;
use super::style::{self, GRID, HEADING_H, INK, MARGIN, MUTED, NOTE_SIZE, TEXT, TICK_SIZE};
use super::{font, Area};
use crate::export::{AtomicFile, Folder};
use crate::model::Measure;
use crate::results::MINUTES_PER_YEAR;
use crate::study::crossover::Kind;
use crate::study::{self, Crossover, Scale, Sweep};
use anyhow::Context;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Deployment colours, in deployment order (Okabe–Ito, safe for colour
/// blindness, then Tol's wine and grey); a sweep of more deployments
/// repeats them, and the legend and order still tell the lines apart.
const DEPLOYMENT_COLOURS: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xb2), // blue
    RGBColor(0xd5, 0x5e, 0x00), // vermillion
    RGBColor(0x00, 0x9e, 0x73), // bluish green
    RGBColor(0xcc, 0x79, 0xa7), // reddish purple
    RGBColor(0xe6, 0x9f, 0x00), // orange
    RGBColor(0x56, 0xb4, 0xe9), // sky blue
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x66, 0x66, 0x66), // grey
];
/// Opacity of a 95% band: overlapping bands stay readable.
const BAND_ALPHA: f64 = 0.22;
/// Shade of a crossover's interval.
const CROSSING_BAND: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);
/// Height of a panel's plot, pixels.
const PLOT_H: i32 = 380;
/// Space between panels, pixels.
const PANEL_GAP: i32 = 26;
/// Height of a line of notes under a panel, pixels.
const NOTE_H: i32 = 24;
/// Smallest gap between labels of the downtime axis, pixels.
const Y_LABEL_GAP: i32 = 22;
/// Widest line of notes under a panel, pixels.
const NOTES_W: i32 = style::WIDTH as i32 - 2 * MARGIN - 140;
/// Dash and gap of the exact value's line, pixels.
const DASH: (f64, f64) = (9.0, 6.0);

/// Writes `sweep-<measure>.png` and `.svg` for every measure of `sweep`
/// into `folder`; returns the paths, PNG then SVG per measure. `title` is
/// the scenario's name.
pub fn render_sweep(
    sweep: &Sweep,
    crossovers: &[Crossover],
    title: &str,
    folder: &Folder<'_>,
) -> anyhow::Result<Vec<PathBuf>> {
    font::ensure_font()?;
    let mut files = Vec::new();
    for measure in sweep.measures() {
        let chart = SweepChart::new(sweep, crossovers, title, measure)?;
        let png = folder.path(&format!("sweep-{}.png", measure.name()))?;
        chart
            .write_png(&png)
            .with_context(|| format!("cannot draw {}", png.display()))?;
        let svg = folder.path(&format!("sweep-{}.svg", measure.name()))?;
        chart
            .write_svg(&svg)
            .with_context(|| format!("cannot draw {}", svg.display()))?;
        files.extend([png, svg]);
    }
    Ok(files)
}

/// One point of a line: (x, mean, 95% low, 95% high, exact), downtime in
/// minutes per year, x in the panel's unit.
type Sample = (f64, f64, Option<f64>, Option<f64>, Option<f64>);

/// A crossover's marker: its number, estimate and interval (parameter's
/// unit).
type Marker = (usize, f64, Option<(f64, f64)>);

/// One deployment's values along a panel's line.
struct Series {
    points: Vec<Sample>,
}

/// One parameter's panel.
struct Panel {
    heading: String,
    /// Placed once the downtime axis's labels are measured.
    axis: Axis,
    /// The parameter's range in the panel's unit, and whether it is a log
    /// axis.
    x_range: (f64, f64, bool),
    description: String,
    /// Shown values per tick label: the parameter's number ÷ this.
    scale: f64,
    series: Vec<Series>,
    /// Crossovers of this measure along this panel's line, numbered.
    marks: Vec<Marker>,
    notes: Vec<String>,
}

/// The chart of one measure, laid out.
pub struct SweepChart {
    header: Header,
    header_h: i32,
    exact_only: bool,
    /// Downtime axis range, minutes per year.
    y_range: (f64, f64),
    y_labels_w: i32,
    panels: Vec<Panel>,
    height: i32,
}

impl SweepChart {
    /// Lays out the chart of `measure`.
    pub fn new(
        sweep: &Sweep,
        crossovers: &[Crossover],
        title: &str,
        measure: Measure,
    ) -> anyhow::Result<Self> {
        let deployments = deployments(sweep, measure);
        let multi = sweep.parameters.len() > 1;
        let zip = sweep.is_zip();
        let mut subtitle = vec![if sweep.exact_only {
            "No simulation: closed-form long-run values. Log scale of downtime.".to_string()
        } else {
            "Line: simulated mean; band: its 95% interval; dashed: the exact long-run value. \
             Log scale of downtime."
                .to_string()
        }];
        subtitle.push(if multi && !zip {
            "One panel per parameter, the others held at their first value (named in the \
             panel's heading). A marked crossover: the estimate, its interval shaded."
                .to_string()
        } else if multi {
            "Zip sweep: every parameter moves together, read along each in turn. A marked \
             crossover: the estimate, its interval shaded."
                .to_string()
        } else {
            "A marked crossover: the estimate where two lines swap places, its interval \
             shaded."
                .to_string()
        });
        let mut legend: Vec<LegendItem> = deployments
            .iter()
            .enumerate()
            .map(|(i, d)| LegendItem::new(Mark::Line(colour(i)), d.as_str()))
            .collect();
        if !sweep.exact_only {
            legend.push(LegendItem::new(
                Mark::Swatch(RGBColor(0xd6, 0xd6, 0xd6)),
                "95% interval",
            ));
            legend.push(LegendItem::new(
                Mark::Lead,
                "dashed, in the line's colour: exact long-run value",
            ));
        }
        legend.push(LegendItem::new(Mark::Line(INK), "crossover estimate"));
        if !sweep.exact_only {
            legend.push(LegendItem::new(Mark::Swatch(CROSSING_BAND), "its interval"));
        }
        let header = Header {
            title: format!("{title}: {} downtime across the sweep", measure.name()),
            subtitle,
            legend,
        };
        let header_h = header.height(style::WIDTH)?;
        let mut panels = Vec::new();
        let mut y_values = Vec::new();
        for p in 0..sweep.parameters.len() {
            let panel = Panel::new(sweep, crossovers, measure, p, zip, &deployments)?;
            for s in &panel.series {
                for &(_, m, lo, hi, e) in &s.points {
                    y_values.extend([Some(m), lo, hi, e].into_iter().flatten());
                }
            }
            panels.push(panel);
        }
        let y_range = y_range(&y_values);
        let labels: Vec<String> = y_ticks(y_range, PLOT_H)
            .into_iter()
            .filter(|t| t.1)
            .map(|t| style::number(t.0))
            .collect();
        let y_labels_w = style::widest(labels.iter().map(String::as_str), TICK_SIZE)?
            .max(style::text_width("min/year", NOTE_SIZE)?);
        let plot_left = MARGIN + y_labels_w + 12;
        let plot_right = style::WIDTH as i32 - MARGIN - 24;
        for panel in &mut panels {
            let (lo, hi, log) = panel.x_range;
            panel.axis = if log {
                Axis::log(lo, hi, plot_left, plot_right)
            } else {
                Axis::linear(lo, hi, plot_left, plot_right)
            };
        }
        let height = header_h + panels.iter().map(|p| p.height() + PANEL_GAP).sum::<i32>()
            - PANEL_GAP
            + MARGIN;
        Ok(SweepChart {
            header,
            header_h,
            exact_only: sweep.exact_only,
            y_range,
            y_labels_w,
            panels,
            height,
        })
    }

    /// Canvas size, pixels.
    pub fn size(&self) -> (u32, u32) {
        (style::WIDTH, self.height.max(1) as u32)
    }

    fn write_svg(&self, dest: &Path) -> anyhow::Result<()> {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, self.size()).into_drawing_area();
            root.fill(&WHITE)?;
            self.draw(&root, false)?;
            root.present()?;
        }
        AtomicFile::write(dest, text.as_bytes())
    }

    fn write_png(&self, dest: &Path) -> anyhow::Result<()> {
        super::png::write(AtomicFile::create(dest)?, self.size(), |root| {
            self.draw(root, true)
        })
    }

    fn draw<DB>(&self, root: &Area<DB>, bitmap: bool) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let canvas = Canvas::new(root, bitmap);
        self.header.draw(&canvas)?;
        let mut top = self.header_h;
        for panel in &self.panels {
            self.draw_panel(&canvas, panel, top)?;
            top += panel.height() + PANEL_GAP;
        }
        Ok(())
    }

    fn draw_panel<DB>(&self, canvas: &Canvas<'_, DB>, panel: &Panel, top: i32) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (left, right) = panel.axis.span();
        let mid = top + HEADING_H / 2 + 2;
        canvas.text(&panel.heading, style::HEADING_SIZE, TEXT, LEFT, (left, mid))?;
        canvas.text("min/year", NOTE_SIZE, MUTED, RIGHT, (left - 12, mid))?;
        let (y0, y1) = (top + HEADING_H, top + HEADING_H + PLOT_H);
        let y = YAxis {
            range: self.y_range,
            top: y0,
            bottom: y1,
        };
        let tick = |v: f64| style::number(v);
        let visible = panel
            .series
            .iter()
            .any(|s| s.points.iter().any(|p| p.1 > 0.0));
        // Back to front: crossing intervals, grid, bands, lines, marks.
        for &(_, _, interval) in &panel.marks {
            if let Some((lo, hi)) = interval {
                let (a, b) = (
                    panel.axis.x(lo / panel.scale),
                    panel.axis.x(hi / panel.scale),
                );
                canvas.rect(
                    (a.min(b), y0),
                    (a.max(b).max(a.min(b) + 2), y1),
                    CROSSING_BAND,
                )?;
            }
        }
        panel.axis.grid(canvas, y0, y1, &tick)?;
        y.grid(canvas, (left, right), self.y_labels_w)?;
        if !visible {
            frame::no_data(canvas, y0 + PLOT_H / 3, "no downtime at any point")?;
        }
        for (i, s) in panel.series.iter().enumerate() {
            let colour = colour(i);
            if !self.exact_only {
                band(canvas, panel, &y, s, colour)?;
            }
        }
        for (i, s) in panel.series.iter().enumerate() {
            let colour = colour(i);
            for run in runs(&s.points, |p| Some((p.0, p.1))) {
                let pts: Vec<(i32, i32)> = run
                    .iter()
                    .map(|&(x, v)| (panel.axis.x(x), y.y(v)))
                    .collect();
                canvas.line(pts.clone(), colour.stroke_width(3))?;
                for c in pts {
                    canvas.circle(c, 4, colour.filled())?;
                }
            }
            if !self.exact_only {
                for run in runs(&s.points, |p| Some((p.0, p.4?))) {
                    let pts: Vec<(i32, i32)> = run
                        .iter()
                        .map(|&(x, v)| (panel.axis.x(x), y.y(v)))
                        .collect();
                    dashed(canvas, &pts, colour)?;
                }
            }
        }
        // Numbered markers, staggered where two would touch.
        let mut last_tag: Option<(i32, i32)> = None;
        for &(n, estimate, _) in &panel.marks {
            let x = panel.axis.x(estimate / panel.scale);
            canvas.line(vec![(x, y0), (x, y1)], INK.stroke_width(2))?;
            let label = n.to_string();
            let w = style::text_width(&label, NOTE_SIZE)? + 10;
            let row = match last_tag {
                Some((lx, row)) if x - lx < w + 4 => (row + 1) % 3,
                _ => 0,
            };
            last_tag = Some((x, row));
            let ty = y0 + 14 + row * 24;
            canvas.rect((x - w / 2, ty - 11), (x + w / 2, ty + 11), INK)?;
            canvas.text(&label, NOTE_SIZE, WHITE, frame::CENTRE, (x, ty))?;
        }
        // Frame lines last, so bands do not cover them.
        canvas.line(vec![(left, y0), (left, y1)], MUTED.stroke_width(1))?;
        y.labels(canvas, left)?;
        panel
            .axis
            .draw(canvas, y1, &tick, Some(panel.description.as_str()))?;
        let mut ny = y1 + style::AXIS_H + NOTE_H / 2;
        for note in &panel.notes {
            canvas.text(note, NOTE_SIZE, TEXT, LEFT, (left, ny))?;
            ny += NOTE_H;
        }
        Ok(())
    }
}

impl Panel {
    fn new(
        sweep: &Sweep,
        crossovers: &[Crossover],
        measure: Measure,
        p: usize,
        zip: bool,
        deployments: &[String],
    ) -> anyhow::Result<Self> {
        let par = &sweep.parameters[p];
        let max = par
            .values
            .iter()
            .map(|v| v.number.abs())
            .fold(0.0, f64::max);
        let (unit, scale) = study::sentence::readable_unit(par.unit, max);
        let name = study::sentence::name(&par.path);
        let log = par.scale == Scale::Log && par.values.iter().all(|v| v.number > 0.0);
        let unit_text = if unit.is_empty() {
            String::new()
        } else {
            format!(", {unit}")
        };
        let description = format!("{name}{unit_text}{}", if log { " (log scale)" } else { "" });
        // The points of this panel's line: the others at their first value.
        let mut line: Vec<usize> = (0..sweep.points.len())
            .filter(|&i| {
                zip || sweep.points[i]
                    .coords
                    .iter()
                    .enumerate()
                    .all(|(q, &c)| q == p || c == 0)
            })
            .collect();
        line.sort_by_key(|&i| sweep.points[i].coords.get(p).copied().unwrap_or(0));
        let held: Vec<String> = if zip {
            Vec::new()
        } else {
            sweep
                .parameters
                .iter()
                .enumerate()
                .filter(|&(q, _)| q != p)
                .filter_map(|(_, other)| {
                    let v = other.values.first()?;
                    Some(format!("{} {}", study::sentence::name(&other.path), v.text))
                })
                .collect()
        };
        let heading = if held.is_empty() {
            format!("along {}", par.path)
        } else {
            format!("along {}, with {}", par.path, held.join(", "))
        };
        let series = deployments
            .iter()
            .map(|d| Series {
                points: line
                    .iter()
                    .filter_map(|&i| {
                        let point = &sweep.points[i];
                        let x = par.values.get(*point.coords.get(p)?)?.number / scale;
                        let row = point
                            .summary
                            .iter()
                            .find(|r| r.measure == measure && r.deployment == *d)?;
                        let min = |u: f64| u * MINUTES_PER_YEAR;
                        Some((
                            x,
                            min(row.unavailability),
                            row.ci_low.map(min),
                            row.ci_high.map(min),
                            row.exact.map(min),
                        ))
                    })
                    .collect(),
            })
            .collect::<Vec<_>>();
        // Crossovers on this very line: along p, and (grid) held where the
        // panel holds the others.
        let on_line = |c: &&Crossover| {
            c.measure == measure
                && c.parameter == p
                && (c.zip
                    || sweep.parameters.iter().enumerate().all(|(q, other)| {
                        q == p || other.values.first() == Some(&c.from.values[q])
                    }))
        };
        let mut marks = Vec::new();
        let mut notes = Vec::new();
        let elsewhere = crossovers
            .iter()
            .filter(|c| c.measure == measure && c.parameter == p && !on_line(c))
            .count();
        for c in crossovers.iter().filter(on_line) {
            let sentence = study::sentence(sweep, c);
            if c.kind == Kind::Crossover {
                let n = marks.len() + 1;
                marks.push((n, c.estimate, c.interval));
                notes.push(format!("{n}  {sentence}"));
            } else {
                notes.push(format!("·  {sentence}"));
            }
        }
        if elsewhere > 0 {
            notes.push(format!(
                "{elsewhere} more along {name} with the other parameters at other values: \
                 crossovers.csv"
            ));
        }
        let xs: Vec<f64> = par.values.iter().map(|v| v.number / scale).collect();
        let (lo, hi) = xs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        // A little room at both ends, so the end points are not on the
        // frame.
        let x_range = if log {
            let pad = (hi / lo).powf(0.03).max(1.02);
            (lo / pad, hi * pad, true)
        } else {
            let pad = ((hi - lo) * 0.03).max(if hi > lo { 0.0 } else { 1.0 });
            (lo - pad, hi + pad, false)
        };
        let notes = wrap(&notes, NOTES_W)?;
        Ok(Panel {
            heading,
            axis: Axis::linear(0.0, 1.0, 0, 1),
            x_range,
            description,
            scale,
            series,
            marks,
            notes,
        })
    }

    fn height(&self) -> i32 {
        HEADING_H + PLOT_H + style::AXIS_H + self.notes.len() as i32 * NOTE_H
    }
}

/// `notes` broken at spaces into lines at most `width` pixels wide, the
/// lines after a note's first indented, so a long sentence (a crossover
/// with several held values) never runs off the canvas.
fn wrap(notes: &[String], width: i32) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for note in notes {
        let mut line = String::new();
        for word in note.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.trim().is_empty() && style::text_width(&candidate, NOTE_SIZE)? > width {
                out.push(std::mem::take(&mut line));
                line = format!("    {word}");
            } else {
                line = candidate;
            }
        }
        out.push(line);
    }
    Ok(out)
}

/// The deployments with a row of `measure`, in the order points list them.
fn deployments(sweep: &Sweep, measure: Measure) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for row in sweep.points.iter().flat_map(|p| &p.summary) {
        if row.measure == measure && !out.contains(&row.deployment) {
            out.push(row.deployment.clone());
        }
    }
    out
}

fn colour(i: usize) -> RGBColor {
    DEPLOYMENT_COLOURS[i % DEPLOYMENT_COLOURS.len()]
}

/// Stretches of consecutive points with a positive value (a log axis has
/// no place for 0, so a line breaks there rather than plunge off the plot).
fn runs<P>(points: &[P], xy: impl Fn(&P) -> Option<(f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for p in points {
        match xy(p).filter(|(_, v)| v.is_finite() && *v > 0.0) {
            Some(xy) => {
                if let Some(run) = out.last_mut() {
                    run.push(xy);
                }
            }
            None => out.push(Vec::new()),
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// A series' 95% band: the upper ends forward, the lower back; a lower
/// end at 0 sits on the axis floor.
fn band<DB>(
    canvas: &Canvas<'_, DB>,
    panel: &Panel,
    y: &YAxis,
    s: &Series,
    colour: RGBColor,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let ends: Vec<(f64, f64, f64)> = s
        .points
        .iter()
        .filter_map(|&(x, _, lo, hi, _)| Some((x, lo?, hi?)))
        .filter(|&(_, _, hi)| hi > 0.0)
        .collect();
    if ends.len() < 2 {
        return Ok(());
    }
    let mut pts: Vec<(i32, i32)> = ends
        .iter()
        .map(|&(x, _, hi)| (panel.axis.x(x), y.y(hi)))
        .collect();
    pts.extend(
        ends.iter()
            .rev()
            .map(|&(x, lo, _)| (panel.axis.x(x), y.y(lo))),
    );
    canvas.polygon(pts, colour.mix(BAND_ALPHA))
}

/// A dashed line through `pts`, the dash pattern running on across
/// corners.
fn dashed<DB>(canvas: &Canvas<'_, DB>, pts: &[(i32, i32)], colour: RGBColor) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (on, off) = DASH;
    let mut phase = 0.0;
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
        let len = dx.hypot(dy);
        if len == 0.0 {
            continue;
        }
        let at = |t: f64| {
            (
                a.0 + (dx * t / len).round() as i32,
                a.1 + (dy * t / len).round() as i32,
            )
        };
        let mut t = 0.0;
        while t < len {
            let in_dash = phase < on;
            let step = if in_dash {
                on - phase
            } else {
                on + off - phase
            };
            let end = (t + step).min(len);
            if in_dash {
                canvas.line(vec![at(t), at(end)], colour.stroke_width(2))?;
            }
            phase = (phase + end - t) % (on + off);
            t = end;
        }
    }
    Ok(())
}

/// The vertical log axis of downtime, minutes per year.
struct YAxis {
    range: (f64, f64),
    top: i32,
    bottom: i32,
}

impl YAxis {
    /// The pixel row of `v`, held inside the plot.
    fn y(&self, v: f64) -> i32 {
        let (lo, hi) = self.range;
        if v.is_nan() || v <= 0.0 {
            return self.bottom;
        }
        let t = ((v.ln() - lo.ln()) / (hi.ln() - lo.ln())).clamp(0.0, 1.0);
        self.bottom - (t * f64::from(self.bottom - self.top)).round() as i32
    }

    fn grid<DB>(&self, canvas: &Canvas<'_, DB>, (l, r): (i32, i32), _w: i32) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        for (v, _, decade) in y_ticks(self.range, self.bottom - self.top) {
            let colour = if decade {
                RGBColor(0xb4, 0xb4, 0xb4)
            } else {
                GRID
            };
            let y = self.y(v);
            canvas.line(vec![(l, y), (r, y)], colour.stroke_width(1))?;
        }
        Ok(())
    }

    fn labels<DB>(&self, canvas: &Canvas<'_, DB>, left: i32) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        for (v, labelled, _) in y_ticks(self.range, self.bottom - self.top) {
            let y = self.y(v);
            let len = if labelled { 6 } else { 3 };
            canvas.line(vec![(left - len, y), (left, y)], MUTED.stroke_width(1))?;
            if labelled {
                canvas.text(&style::number(v), TICK_SIZE, TEXT, RIGHT, (left - 10, y))?;
            }
        }
        Ok(())
    }
}

/// Ticks of a log range `height` pixels tall: (value, labelled, decade).
/// 1, 2 and 5 × 10^k are labelled where they are `Y_LABEL_GAP` apart,
/// else decades only.
fn y_ticks((lo, hi): (f64, f64), height: i32) -> Vec<(f64, bool, bool)> {
    let mut all = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi * (1.0 + 1e-9) {
        for m in 1..10 {
            let v = decade * f64::from(m);
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                all.push((v, m));
            }
        }
        decade *= 10.0;
    }
    // Pixels per factor of 2 to 2.5 (the closest of 1, 2, 5).
    let per_ln = f64::from(height) / (hi.ln() - lo.ln());
    let dense = per_ln * 2f64.ln() >= f64::from(Y_LABEL_GAP);
    let decades_fit = per_ln * 10f64.ln() >= f64::from(Y_LABEL_GAP);
    all.into_iter()
        .map(|(v, m)| {
            let labelled = if dense {
                matches!(m, 1 | 2 | 5)
            } else {
                m == 1 && decades_fit
            };
            (v, labelled, m == 1)
        })
        .collect()
}

/// A log range covering every positive value, widened to 1, 2 or 5 ×
/// 10^k and to at least a decade (so the axis has labels to read by).
fn y_range(values: &[f64]) -> (f64, f64) {
    style::log_range(values.iter().copied(), 1.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{PairRow, SummaryRow};
    use crate::study::{find, Parameter, PointResult, Unit, Value};

    /// Downtime (unavailability) of three placements at an istiod MTBF of
    /// `days` and a zone repair median of `hours`: per-zone swaps places
    /// with per-region near 40 days, the in-cluster one never does.
    fn truth(days: f64, hours: f64) -> [(&'static str, f64); 3] {
        [
            ("per-zone", 1e-4 * hours + 4e-3 * 15.0 / days),
            ("per-region", 6e-4 * hours / 3.0 + 1e-3 * 15.0 / days),
            (
                "each-cluster-with-a-long-name",
                2e-5 * hours + 2e-4 * 15.0 / days,
            ),
        ]
    }

    fn row(dep: &str, u: f64, exact_only: bool) -> SummaryRow {
        let half = 0.06 * u;
        // The simulated mean a little off the exact value.
        let mean = if exact_only { u } else { u * 1.02 };
        SummaryRow {
            ci_low: (!exact_only).then_some(mean - half),
            ci_high: (!exact_only).then_some(mean + half),
            exact: Some(u),
            downtime_min_per_year: u * MINUTES_PER_YEAR,
            nines: None,
            ..SummaryRow::estimate(dep, Measure::PodStart, mean)
        }
    }

    fn values(numbers: &[f64], unit: &str) -> Vec<Value> {
        numbers
            .iter()
            .map(|&n| Value {
                text: format!("{n}{unit}"),
                number: if unit == "d" { n * 24.0 } else { n },
            })
            .collect()
    }

    /// A grid over the istiod MTBF (log) and, if `two`, the zone repair
    /// median (linear).
    fn sweep(two: bool, exact_only: bool) -> Sweep {
        let days = [15.0, 30.0, 60.0, 120.0, 240.0, 365.0];
        let hours: &[f64] = if two { &[1.0, 3.0, 8.0] } else { &[3.0] };
        let mut parameters = vec![Parameter {
            path: "spec.failures.controlPlane.failure.mean".to_string(),
            unit: Unit::Hours,
            scale: Scale::Log,
            continuous: true,
            values: values(&days, "d"),
        }];
        if two {
            parameters.push(Parameter {
                path: "spec.failures.zone.repair.median".to_string(),
                unit: Unit::Hours,
                scale: Scale::Linear,
                continuous: true,
                values: values(hours, "h"),
            });
        }
        let mut points = Vec::new();
        for (j, &h) in hours.iter().enumerate() {
            for (i, &d) in days.iter().enumerate() {
                let t = truth(d, h);
                let summary: Vec<SummaryRow> =
                    t.iter().map(|&(n, u)| row(n, u, exact_only)).collect();
                let mut pairs = Vec::new();
                for x in 0..3 {
                    for y in x + 1..3 {
                        let diff = summary[x].unavailability - summary[y].unavailability;
                        let half = 0.03 * (summary[x].unavailability + summary[y].unavailability);
                        pairs.push(PairRow {
                            measure: Measure::PodStart,
                            a: t[x].0.to_string(),
                            b: t[y].0.to_string(),
                            diff_mean: diff,
                            ci_low: (!exact_only).then_some(diff - half),
                            ci_high: (!exact_only).then_some(diff + half),
                        });
                    }
                }
                let coords = if two { vec![i, j] } else { vec![i] };
                points.push(PointResult {
                    coords,
                    summary,
                    pairs,
                });
            }
        }
        Sweep {
            parameters,
            points,
            exact_only,
            mode: crate::study::SweepMode::Grid,
        }
    }

    fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        (be(&bytes[16..20]), be(&bytes[20..24]))
    }

    /// Renders into a fresh folder (or `$MESHSIM_KEEP_CHARTS/<keep_as>`),
    /// checks both files, returns the SVG.
    fn render_and_check(s: &Sweep, keep_as: &str) -> String {
        let temp = tempfile::tempdir().unwrap();
        let dir = match std::env::var_os("MESHSIM_KEEP_CHARTS") {
            Some(d) => Path::new(&d).join(keep_as),
            None => temp.path().to_path_buf(),
        };
        std::fs::create_dir_all(&dir).unwrap();
        let cs = find(s);
        let files = render_sweep(s, &cs, "capacity-study", &Folder::new(&dir)).unwrap();
        assert_eq!(
            files,
            vec![
                dir.join("sweep-podStart.png"),
                dir.join("sweep-podStart.svg")
            ]
        );
        let size = SweepChart::new(s, &cs, "capacity-study", Measure::PodStart)
            .unwrap()
            .size();
        let png = std::fs::read(&files[0]).unwrap();
        assert_eq!(png_size(&png), size);
        assert!(png.len() > 20_000, "only {} bytes", png.len());
        let svg = std::fs::read_to_string(&files[1]).unwrap();
        assert!(svg.contains(&format!(r#"width="{}" height="{}""#, size.0, size.1)));
        assert!(svg.contains("capacity-study: podStart downtime across the sweep"));
        assert!(svg.trim_end().ends_with("</svg>"));
        svg
    }

    #[test]
    fn one_parameter_draws_lines_bands_and_the_crossover_said_in_words() {
        let s = sweep(false, false);
        let svg = render_and_check(&s, "one");
        for name in ["per-zone", "per-region", "each-cluster-with-a-long-name"] {
            assert!(svg.contains(name), "{name}");
        }
        assert!(
            svg.contains("1  per-zone beats per-region for podStart once the istiod MTBF exceeds")
        );
        assert!(svg.contains("the istiod MTBF, days (log scale)"));
        // Bands are translucent fills.
        assert!(svg.contains("opacity=\"0.22\""));
    }

    #[test]
    fn two_parameters_get_a_panel_each_with_the_other_held() {
        let s = sweep(true, false);
        let svg = render_and_check(&s, "two");
        assert!(svg.contains(
            "along spec.failures.controlPlane.failure.mean, with the median zone repair time 1h"
        ));
        assert!(svg.contains("along spec.failures.zone.repair.median, with the istiod MTBF 15d"));
        let one = SweepChart::new(&sweep(false, false), &[], "t", Measure::PodStart).unwrap();
        let two = SweepChart::new(&s, &[], "t", Measure::PodStart).unwrap();
        assert!(two.size().1 > one.size().1 + PLOT_H as u32);
    }

    #[test]
    fn an_exact_only_sweep_draws_lines_without_bands() {
        let s = sweep(false, true);
        let svg = render_and_check(&s, "exact");
        assert!(svg.contains("No simulation: closed-form long-run values"));
        assert!(!svg.contains("opacity=\"0.22\""));
        assert!(!svg.contains("95% interval"));
    }

    #[test]
    fn a_zip_sweep_reads_the_one_line_along_each_parameter() {
        let mut s = sweep(false, false);
        let n = s.parameters[0].values.len();
        s.parameters.push(Parameter {
            path: "spec.failures.zone.repair.median".to_string(),
            unit: Unit::Hours,
            scale: Scale::Linear,
            continuous: true,
            values: values(&(1..=n).map(|h| h as f64).collect::<Vec<_>>(), "h"),
        });
        for (i, p) in s.points.iter_mut().enumerate() {
            p.coords = vec![i, i];
        }
        s.mode = crate::study::SweepMode::Zip;
        let svg = render_and_check(&s, "zip");
        assert!(svg.contains("Zip sweep: every parameter moves together"));
        assert!(svg.contains("along spec.failures.zone.repair.median"));
        assert!(!svg.contains(", with the"), "a zip sweep holds nothing");
        // The crossing is marked on both panels.
        assert_eq!(svg.matches("1  per-zone beats per-region").count(), 2);
    }

    #[test]
    fn a_long_note_is_wrapped_to_the_canvas() {
        font::ensure_font().unwrap();
        let long = format!("1  {}", "per-zone beats per-region ".repeat(20));
        let lines = wrap(&[long, "short".to_string()], 600).unwrap();
        assert!(lines.len() > 3, "{lines:?}");
        for l in &lines {
            assert!(style::text_width(l, NOTE_SIZE).unwrap() <= 600, "{l}");
        }
        assert!(lines[1].starts_with("    "));
        assert_eq!(lines.last().map(String::as_str), Some("short"));
    }
}
