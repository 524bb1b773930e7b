//! What every chart has around its plots: the title block, the legend, the
//! names column and the marks the legend explains.
//!
//! plotters' built-in legend sits inside a plot and covers data; with ten
//! deployments there is no free corner. Here the legend is a band under
//! the title, wrapped to the canvas width, and names are right-aligned
//! text measured with the embedded font, so a long deployment name is
//! never clipped or overlapped.

use super::canvas::Canvas;
use super::style::{self, INK, LEGEND_SIZE, MARGIN, MUTED, STRIPE, SUBTITLE_SIZE, TEXT};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Left-aligned, vertically centred.
pub const LEFT: (HPos, VPos) = (HPos::Left, VPos::Center);
/// Right-aligned, vertically centred.
pub const RIGHT: (HPos, VPos) = (HPos::Right, VPos::Center);
/// Centred both ways.
pub const CENTRE: (HPos, VPos) = (HPos::Center, VPos::Center);

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
            .map_or(0, |&(_, line)| line + 1);
        Ok(MARGIN
            + title_h()
            + self.subtitle.len() as i32 * subtitle_h()
            + 8
            + lines * LEGEND_LINE_H
            + 12)
    }

    /// Draws the block at the top of the canvas; returns the y where the
    /// content below it starts.
    pub fn draw<DB>(&self, canvas: &Canvas<'_, DB>) -> anyhow::Result<i32>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (width, _) = canvas.size();
        let top_left = (HPos::Left, VPos::Top);
        let mut y = MARGIN;
        canvas.text(&self.title, style::TITLE_SIZE, TEXT, top_left, (MARGIN, y))?;
        y += title_h();
        for line in &self.subtitle {
            canvas.text(line, SUBTITLE_SIZE, MUTED, top_left, (MARGIN, y))?;
            y += subtitle_h();
        }
        y += 8;
        let mut lines = 0;
        let layout = legend_layout(&self.legend, width as u32)?;
        for (item, (x, line)) in self.legend.iter().zip(layout) {
            let cy = y + line * LEGEND_LINE_H + LEGEND_LINE_H / 2;
            lines = lines.max(line + 1);
            draw_mark(canvas, item.mark, (x + MARK_W / 2, cy))?;
            let (colour, tx) = match item.mark {
                Mark::Lead => (MUTED, x),
                _ => (TEXT, x + MARK_W + 6),
            };
            canvas.text(&item.label, LEGEND_SIZE, colour, LEFT, (tx, cy))?;
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

/// (x, line) of every legend entry, wrapping at the canvas width; a
/// lead-in moves to the next line with the entry after it.
fn legend_layout(items: &[LegendItem], width: u32) -> anyhow::Result<Vec<(i32, i32)>> {
    let right = width as i32 - MARGIN;
    let widths = items
        .iter()
        .map(|item| {
            let mark = match item.mark {
                Mark::Lead => 0,
                _ => MARK_W + 6,
            };
            Ok(mark + style::text_width(&item.label, LEGEND_SIZE)?)
        })
        .collect::<anyhow::Result<Vec<i32>>>()?;
    let gap = |item: &LegendItem| match item.mark {
        Mark::Lead => 10,
        _ => ENTRY_GAP,
    };
    let mut out = Vec::with_capacity(items.len());
    let (mut x, mut line) = (MARGIN, 0);
    for (i, item) in items.iter().enumerate() {
        // A lead-in needs room for itself and the entry it introduces.
        let need = match (item.mark, widths.get(i + 1)) {
            (Mark::Lead, Some(next)) => widths[i] + gap(item) + next,
            _ => widths[i],
        };
        if x > MARGIN && x + need > right {
            x = MARGIN;
            line += 1;
        }
        out.push((x, line));
        x += widths[i] + gap(item);
    }
    Ok(out)
}

/// Draws a legend symbol centred at `c`.
pub fn draw_mark<DB>(canvas: &Canvas<'_, DB>, mark: Mark, c: (i32, i32)) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (x, y) = c;
    match mark {
        Mark::Lead => {}
        Mark::Swatch(colour) => canvas.rect((x - 8, y - 8), (x + 8, y + 8), colour)?,
        Mark::Dot(colour) => dot(canvas, c, colour)?,
        Mark::Whisker => whisker(canvas, (x - 13, x + 13), y, (true, true))?,
        Mark::Exact => diamond(canvas, c, 8, false)?,
        Mark::Line(colour) => {
            canvas.line(vec![(x - 13, y), (x + 13, y)], colour.stroke_width(3))?
        }
        Mark::Bar(colour) => canvas.rect((x - 13, y - 5), (x + 5, y + 5), colour)?,
        Mark::ToMax => {
            canvas.line(vec![(x - 13, y), (x + 11, y)], INK.stroke_width(1))?;
            canvas.line(vec![(x + 11, y - 6), (x + 11, y + 6)], INK.stroke_width(2))?;
        }
        Mark::Mean => diamond(canvas, c, 5, true)?,
    }
    Ok(())
}

/// An estimate: a filled dot with a dark rim.
pub fn dot<DB>(canvas: &Canvas<'_, DB>, c: (i32, i32), colour: RGBColor) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    canvas.circle(c, 6, colour.filled())?;
    canvas.circle(c, 6, INK.stroke_width(1))
}

/// A dark diamond of half-diagonal `r` centred at `c`, filled or hollow.
pub fn diamond<DB>(
    canvas: &Canvas<'_, DB>,
    c: (i32, i32),
    r: i32,
    filled: bool,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (x, y) = c;
    let points = vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y), (x, y - r)];
    if filled {
        canvas.polygon(points, INK)
    } else {
        canvas.line(points, INK.stroke_width(2))
    }
}

/// A horizontal interval from `x0` to `x1` at `y`, with a cap at each end
/// that is `true`.
pub fn whisker<DB>(
    canvas: &Canvas<'_, DB>,
    (x0, x1): (i32, i32),
    y: i32,
    (cap0, cap1): (bool, bool),
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let s = INK.stroke_width(2);
    canvas.line(vec![(x0, y), (x1, y)], s)?;
    for (x, cap) in [(x0, cap0), (x1, cap1)] {
        if cap {
            canvas.line(vec![(x, y - 7), (x, y + 7)], s)?;
        }
    }
    Ok(())
}

/// Rows of a chart: names right-aligned in a column, one row per name,
/// with a light stripe behind every other row so a row can be followed
/// across the panels.
#[derive(Clone, Copy, Debug)]
pub struct Rows {
    /// Left edge of the names column (and of the stripes).
    pub left: i32,
    /// Right edge of the names column: names end here.
    pub names_right: i32,
    /// Right edge of the stripes.
    pub right: i32,
    /// Top of the first row.
    pub top: i32,
    /// Height of a row.
    pub height: i32,
}

impl Rows {
    /// Vertical centre of row `i`.
    pub fn centre(&self, i: usize) -> i32 {
        self.top + i as i32 * self.height + self.height / 2
    }

    /// Bottom of `n` rows.
    pub fn bottom(&self, n: usize) -> i32 {
        self.top + n as i32 * self.height
    }

    /// Draws the stripes and the names.
    pub fn draw<DB>(&self, canvas: &Canvas<'_, DB>, names: &[String]) -> anyhow::Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        for (i, name) in names.iter().enumerate() {
            let y0 = self.top + i as i32 * self.height;
            if i % 2 == 1 {
                canvas.rect((self.left, y0), (self.right, y0 + self.height), STRIPE)?;
            }
            canvas.text(
                name,
                style::NAME_SIZE,
                TEXT,
                RIGHT,
                (self.names_right, self.centre(i)),
            )?;
        }
        Ok(())
    }
}

/// Space between panels side by side: room for the last tick label of
/// one and the first of the next.
const PANEL_GAP: i32 = 56;

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
        // The last panel's last tick label reaches past its end.
        let right_room = MARGIN + PANEL_GAP / 2;
        let avail = style::WIDTH as i32 - right_room - first - (count - 1) * PANEL_GAP;
        let panel_w = (avail / count).max(min_panel_w);
        let lefts = (0..count)
            .map(|i| first + i * (panel_w + PANEL_GAP))
            .collect();
        let width = first + count * panel_w + (count - 1) * PANEL_GAP + right_room;
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

/// A message in the middle of the canvas below `top`, for a chart with
/// nothing to show.
pub fn no_data<DB>(canvas: &Canvas<'_, DB>, top: i32, message: &str) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (w, h) = canvas.size();
    let (x, y) = (w / 2, top + (h - top) / 2);
    // On a white card, so grid lines do not run through the words.
    let half_w = style::text_width(message, style::HEADING_SIZE)? / 2 + 16;
    let half_h = style::HEADING_SIZE as i32;
    canvas.rect((x - half_w, y - half_h), (x + half_w, y + half_h), WHITE)?;
    canvas.line(
        vec![
            (x - half_w, y - half_h),
            (x + half_w, y - half_h),
            (x + half_w, y + half_h),
            (x - half_w, y + half_h),
            (x - half_w, y - half_h),
        ],
        style::GRID.stroke_width(1),
    )?;
    canvas.text(message, style::HEADING_SIZE, MUTED, CENTRE, (x, y))
}
