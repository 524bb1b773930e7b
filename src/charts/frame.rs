//! The chart frame every chart fills in: the canvas size under the title
//! block (`header.rs`), the names column, panels stacked per measure or
//! side by side, and the message of a chart with nothing to show.
//!
//! A chart computes its layout once into a [`Frame`] (header, size, and
//! its own body layout); rendering draws the header and hands the rest of
//! the canvas to the chart, so no chart sets up its canvas or title again.
//! Names are right-aligned text measured with the embedded font, so a
//! long deployment name is never clipped or overlapped.

use super::canvas::Canvas;
use super::header::Header;
use super::style::{self, HEADING_H, MARGIN, MUTED, NOTE_SIZE, STRIPE, TEXT};
use super::Backend;
use crate::model::Measure;
use crate::results::Results;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Left-aligned, vertically centred.
pub const LEFT: (HPos, VPos) = (HPos::Left, VPos::Center);
/// Right-aligned, vertically centred.
pub const RIGHT: (HPos, VPos) = (HPos::Right, VPos::Center);
/// Centred both ways.
pub const CENTRE: (HPos, VPos) = (HPos::Center, VPos::Center);

/// A chart laid out: its title block, its canvas size, and where the
/// chart's own marks go (`B`, each chart's layout).
#[derive(Clone, Debug)]
pub struct Frame<B> {
    /// The title block.
    pub header: Header,
    /// Bottom of the title block: the chart's body starts here.
    pub top: i32,
    /// Canvas width and height, pixels.
    pub size: (u32, u32),
    /// The chart's own layout.
    pub body: B,
}

impl<B> Frame<B> {
    /// `header` over a body `body_h` pixels high, on a canvas `width`
    /// pixels wide (the legend wraps to it).
    pub fn new(header: Header, width: u32, body_h: i32, body: B) -> anyhow::Result<Self> {
        let top = header.height(width)?;
        Ok(Frame {
            header,
            top,
            size: (width, (top + body_h) as u32),
            body,
        })
    }
}

/// "1,000 replications × 1 years, seed 42": what was run, for a subtitle.
pub fn run_line(results: &Results) -> String {
    format!(
        "{} replications × {} years, seed {}",
        style::thousands(results.replications as i64),
        style::number(results.horizon_years),
        results.seed
    )
}

/// Space between panels stacked one above the other, pixels.
const STACK_GAP: i32 = 14;

/// Panels stacked top to bottom, one per measure: each has its tick
/// labels under it, the last one the axis description too, so the axis
/// is described once.
#[derive(Clone, Debug)]
pub struct Stack {
    heights: Vec<i32>,
}

impl Stack {
    /// Panels of these heights, top to bottom.
    pub fn new(heights: Vec<i32>) -> Self {
        Stack { heights }
    }

    /// Height of the panels with the description under the last and the
    /// bottom margin.
    pub fn height(&self) -> i32 {
        self.heights.iter().map(|h| h + STACK_GAP).sum::<i32>() - STACK_GAP
            + (style::AXIS_H - style::TICKS_H)
            + MARGIN
    }

    /// Top of each panel below `top`, and whether it is the last.
    pub fn tops(&self, top: i32) -> Vec<(i32, bool)> {
        let mut y = top;
        let n = self.heights.len();
        self.heights
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let at = y;
                y += h + STACK_GAP;
                (at, i + 1 == n)
            })
            .collect()
    }
}

/// A stacked panel's heading band from `top`: the measure and what users
/// feel when it is bad, left-aligned at `x`, and "deployment" over the
/// names column ending at `names_right`. Returns the band's text line, for
/// the panel's column headers.
pub fn panel_heading<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    m: Measure,
    top: i32,
    x: i32,
    names_right: i32,
) -> anyhow::Result<i32> {
    let mid = top + HEADING_H / 2 + 2;
    canvas.text(
        &style::measure_heading(m),
        style::HEADING_SIZE,
        TEXT,
        LEFT,
        (x, mid),
    )?;
    canvas.text("deployment", NOTE_SIZE, MUTED, RIGHT, (names_right, mid))?;
    Ok(mid)
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
    pub fn draw<DB: Backend>(
        &self,
        canvas: &Canvas<'_, DB>,
        names: &[String],
    ) -> anyhow::Result<()> {
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
pub fn no_data<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    top: i32,
    message: &str,
) -> anyhow::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::header::LegendItem;
    use crate::charts::marks::Mark;

    #[test]
    fn stacked_panels_leave_a_gap_between_and_the_description_under_the_last() {
        let stack = Stack::new(vec![100, 50]);
        assert_eq!(stack.tops(10), [(10, false), (124, true)]);
        // 100 + 14 + 50, then the description's extra room and the margin.
        let extra = style::AXIS_H - style::TICKS_H;
        assert_eq!(stack.height(), 164 + extra + MARGIN);
    }

    #[test]
    fn a_frame_is_its_header_over_its_body() {
        super::super::font::ensure_font().unwrap();
        let header = Header {
            title: "t".to_string(),
            subtitle: vec!["s".to_string()],
            legend: vec![LegendItem::new(Mark::Mean, "mean")],
        };
        let top = header.height(800).unwrap();
        let frame = Frame::new(header, 800, 300, ()).unwrap();
        assert_eq!((frame.top, frame.size), (top, (800, (top + 300) as u32)));
        assert!(top > MARGIN + style::TITLE_SIZE as i32, "{top}");
    }
}
