//! The title block every chart opens with: title, subtitle lines and the
//! legend.
//!
//! plotters' built-in legend sits inside a plot and covers data; with ten
//! deployments there is no free corner. Here the legend is a band under
//! the title, wrapped to the canvas width, each entry measured with the
//! embedded font.

use super::canvas::Canvas;
use super::frame::LEFT;
use super::marks::{draw_mark, Mark};
use super::style::{self, LEGEND_SIZE, MARGIN, MUTED, SUBTITLE_SIZE, TEXT};
use super::Backend;
use plotters::style::text_anchor::{HPos, VPos};

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
    pub fn draw<DB: Backend>(&self, canvas: &Canvas<'_, DB>) -> anyhow::Result<i32> {
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
