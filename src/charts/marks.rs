//! The marks charts draw data with, and the legend shows beside its
//! labels: one function per mark, so a dot in a plot and the dot in its
//! legend are the same drawing.

use super::canvas::Canvas;
use super::style::INK;
use super::Backend;
use plotters::prelude::*;

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

/// Draws a legend symbol centred at `c`.
pub fn draw_mark<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    mark: Mark,
    c: (i32, i32),
) -> anyhow::Result<()> {
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
pub fn dot<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    c: (i32, i32),
    colour: RGBColor,
) -> anyhow::Result<()> {
    canvas.circle(c, 6, colour.filled())?;
    canvas.circle(c, 6, INK.stroke_width(1))
}

/// A dark diamond of half-diagonal `r` centred at `c`, filled or hollow.
pub fn diamond<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    c: (i32, i32),
    r: i32,
    filled: bool,
) -> anyhow::Result<()> {
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
pub fn whisker<DB: Backend>(
    canvas: &Canvas<'_, DB>,
    (x0, x1): (i32, i32),
    y: i32,
    (cap0, cap1): (bool, bool),
) -> anyhow::Result<()> {
    let s = INK.stroke_width(2);
    canvas.line(vec![(x0, y), (x1, y)], s)?;
    for (x, cap) in [(x0, cap0), (x1, cap1)] {
        if cap {
            canvas.line(vec![(x, y - 7), (x, y + 7)], s)?;
        }
    }
    Ok(())
}
