//! What every chart has around its plots: the title block, the legend and
//! the names column, drawn in pixels on the whole canvas.
//!
//! Plotters' built-in legend sits inside a plot and covers data; with ten
//! deployments there is no free corner. Here the legend is a band under
//! the title, wrapped to the canvas width, and names are right-aligned
//! text measured with the embedded font, so a long deployment name is
//! never clipped or overlapped.

use super::style::{self, INK, LEGEND_SIZE, MARGIN, MUTED, STRIPE, SUBTITLE_SIZE, TEXT};
use super::Area;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// The symbol in front of a legend entry.
#[derive(Clone, Copy, Debug)]
pub enum Mark {
    /// No symbol: a lead-in such as "component kind:".
    Lead,
    /// A filled square.
    Swatch(RGBColor),
    /// A filled dot with a dark rim (an estimate).
    Dot(RGBColor),
    /// A horizontal interval with end caps (a confidence interval).
    Whisker,
    /// A hollow diamond (an exact value).
    Exact,
    /// A thick line.
    Line(RGBColor),
    /// A short filled bar (median to p95).
    Bar(RGBColor),
    /// A thin line ending in a tick (up to the maximum).
    ToMax,
    /// A small dark diamond (a mean).
    Mean,
}

/// One legend entry.
#[derive(Clone, Debug)]
pub struct LegendItem {
    /// Its symbol.
    pub mark: Mark,
    /// Its text.
    pub label: String,
}

impl LegendItem {
    /// An entry.
    pub fn new(mark: Mark, label: impl Into<String>) -> Self {
        LegendItem {
            mark,
            label: label.into(),
        }
    }
}

/// Width of the symbol slot in front of a legend label.
const MARK_W: i32 = 30;
/// Height of a legend line.
const LEGEND_LINE_H: i32 = 28;
/// Gap between legend entries.
const ENTRY_GAP: i32 = 30;

/// The title block: title, subtitle lines and the legend.
#[derive(Clone, Debug)]
pub struct Header {
    /// The title (carries the scenario name).
    pub title: String,
    /// Lines under the title.
    pub subtitle: Vec<String>,
    /// Legend entries, laid out left to right and wrapped.
    pub legend: Vec<LegendItem>,
}

impl Header {
    /// Height of the block on a canvas `width` pixels wide, including the
    /// space below it.
    pub fn height(&self, width: u32) -> anyhow::Result<i32> {
        let lines = legend_layout(&self.legend, width)?
            .last()
            .map_or(0, |&(_, _, line)| line + 1);
        Ok(MARGIN
            + title_h()
            + self.subtitle.len() as i32 * subtitle_h()
            + 8
            + lines * LEGEND_LINE_H
            + 12)
    }

    /// Draws the block at the top of `root`; returns the y where the
    /// content below it starts.
    pub fn draw<DB>(&self, root: &Area<DB>) -> anyhow::Result<i32>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (width, _) = root.dim_in_pixel();
        let mut y = MARGIN;
        let title = style::anchored(style::TITLE_SIZE, TEXT, HPos::Left, VPos::Top);
        root.draw_text(&self.title, &title, (MARGIN, y))?;
        y += title_h();
        let sub = style::anchored(SUBTITLE_SIZE, MUTED, HPos::Left, VPos::Top);
        for line in &self.subtitle {
            root.draw_text(line, &sub, (MARGIN, y))?;
            y += subtitle_h();
        }
        y += 8;
        let mut lines = 0;
        for (item, (x, _, line)) in self.legend.iter().zip(legend_layout(&self.legend, width)?) {
            let cy = y + line * LEGEND_LINE_H + LEGEND_LINE_H / 2;
            lines = lines.max(line + 1);
            draw_mark(root, item.mark, (x + MARK_W / 2, cy))?;
            let (colour, tx) = match item.mark {
                Mark::Lead => (MUTED, x),
                _ => (TEXT, x + MARK_W + 6),
            };
            root.draw_text(&item.label, &style::text(LEGEND_SIZE, colour), (tx, cy))?;
        }
        Ok(y + lines * LEGEND_LINE_H + 12)
    }
}

fn title_h() -> i32 {
    (style::TITLE_SIZE * 1.3) as i32
}

fn subtitle_h() -> i32 {
    (SUBTITLE_SIZE * 1.45) as i32
}

/// (x, width, line) of every legend entry, wrapping at the canvas width.
fn legend_layout(items: &[LegendItem], width: u32) -> anyhow::Result<Vec<(i32, i32, i32)>> {
    let right = width as i32 - MARGIN;
    let mut out = Vec::with_capacity(items.len());
    let (mut x, mut line) = (MARGIN, 0);
    for item in items {
        let w = match item.mark {
            Mark::Lead => 0,
            _ => MARK_W + 6,
        } + style::text_width(&item.label, LEGEND_SIZE)?;
        // A lead-in stays on the line of the entries it introduces.
        if x > MARGIN && x + w > right {
            x = MARGIN;
            line += 1;
        }
        out.push((x, w, line));
        x += w + match item.mark {
            Mark::Lead => 12,
            _ => ENTRY_GAP,
        };
    }
    Ok(out)
}

/// Draws a legend symbol centred at `c`.
pub fn draw_mark<DB>(root: &Area<DB>, mark: Mark, c: (i32, i32)) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (x, y) = c;
    match mark {
        Mark::Lead => {}
        Mark::Swatch(colour) => {
            root.draw(&Rectangle::new(
                [(x - 8, y - 8), (x + 8, y + 8)],
                colour.filled(),
            ))?;
        }
        Mark::Dot(colour) => dot(root, c, colour)?,
        Mark::Whisker => whisker(root, x - 13, x + 13, y, true, true)?,
        Mark::Exact => diamond(root, c, 8, INK.stroke_width(2))?,
        Mark::Line(colour) => {
            root.draw(&PathElement::new(
                vec![(x - 13, y), (x + 13, y)],
                colour.stroke_width(3),
            ))?;
        }
        Mark::Bar(colour) => {
            root.draw(&Rectangle::new(
                [(x - 13, y - 5), (x + 5, y + 5)],
                colour.filled(),
            ))?;
        }
        Mark::ToMax => {
            root.draw(&PathElement::new(
                vec![(x - 13, y), (x + 11, y)],
                INK.stroke_width(1),
            ))?;
            root.draw(&PathElement::new(
                vec![(x + 11, y - 6), (x + 11, y + 6)],
                INK.stroke_width(2),
            ))?;
        }
        Mark::Mean => diamond(root, c, 5, INK.filled())?,
    }
    Ok(())
}

/// An estimate: a filled dot with a dark rim.
pub fn dot<DB>(root: &Area<DB>, c: (i32, i32), colour: RGBColor) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    root.draw(&Circle::new(c, 6, colour.filled()))?;
    root.draw(&Circle::new(c, 6, INK.stroke_width(1)))?;
    Ok(())
}

/// A diamond of half-diagonal `r` centred at `c`.
pub fn diamond<DB>(root: &Area<DB>, c: (i32, i32), r: i32, s: ShapeStyle) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (x, y) = c;
    let points = vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y), (x, y - r)];
    if s.filled {
        root.draw(&Polygon::new(points, s))?;
    } else {
        root.draw(&PathElement::new(points, s))?;
    }
    Ok(())
}

/// A horizontal interval from `x0` to `x1` at `y`, with a cap at each end
/// that is `true`.
pub fn whisker<DB>(
    root: &Area<DB>,
    x0: i32,
    x1: i32,
    y: i32,
    cap0: bool,
    cap1: bool,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let s = INK.stroke_width(2);
    root.draw(&PathElement::new(vec![(x0, y), (x1, y)], s))?;
    for (x, cap) in [(x0, cap0), (x1, cap1)] {
        if cap {
            root.draw(&PathElement::new(vec![(x, y - 7), (x, y + 7)], s))?;
        }
    }
    Ok(())
}

/// Deployment (or lane) names, right-aligned against `right`, one per
/// row centre, with a light stripe behind every other row from `left` to
/// `stripe_right` so a row can be followed across the panels.
pub fn names_and_stripes<DB>(
    root: &Area<DB>,
    names: &[String],
    left: i32,
    right: i32,
    stripe_right: i32,
    top: i32,
    row_h: i32,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let name_style = style::anchored(style::NAME_SIZE, TEXT, HPos::Right, VPos::Center);
    for (i, name) in names.iter().enumerate() {
        let y0 = top + i as i32 * row_h;
        if i % 2 == 1 {
            root.draw(&Rectangle::new(
                [(left, y0), (stripe_right, y0 + row_h)],
                STRIPE.filled(),
            ))?;
        }
        root.draw_text(name, &name_style, (right, y0 + row_h / 2))?;
    }
    Ok(())
}

/// Panels side by side, one per measure, right of the names column; the
/// canvas grows wider rather than squeeze a panel below `min_panel_w`.
#[derive(Clone, Debug)]
pub struct Columns {
    /// Width of the names column, pixels.
    pub names_w: i32,
    /// Left edge of every panel's plot, pixels.
    pub lefts: Vec<i32>,
    /// Width of each panel's plot, pixels.
    pub panel_w: i32,
    /// Canvas width, pixels.
    pub width: u32,
}

impl Columns {
    /// Lays out `count` panels after a names column `names_w` wide.
    pub fn new(names_w: i32, count: usize, min_panel_w: i32) -> Self {
        let count = count.max(1) as i32;
        let first = MARGIN + names_w + style::GAP / 2;
        let avail = style::WIDTH as i32 - MARGIN - first - (count - 1) * style::GAP;
        let panel_w = (avail / count).max(min_panel_w);
        let lefts = (0..count)
            .map(|i| first + i * (panel_w + style::GAP))
            .collect();
        let width = first + count * panel_w + (count - 1) * style::GAP + MARGIN;
        Columns {
            names_w,
            lefts,
            panel_w,
            width: width.max(style::WIDTH as i32) as u32,
        }
    }

    /// Right edge of the last panel.
    pub fn right(&self) -> i32 {
        self.lefts.last().map_or(0, |l| l + self.panel_w)
    }
}

/// A message in the middle of an area that has nothing to show.
pub fn no_data<DB>(root: &Area<DB>, top: i32, message: &str) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (w, h) = root.dim_in_pixel();
    let s = style::anchored(style::HEADING_SIZE, MUTED, HPos::Center, VPos::Center);
    let y = top + (h as i32 - top) / 2;
    root.draw_text(message, &s, (w as i32 / 2, y))?;
    Ok(())
}
