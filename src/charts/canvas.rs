//! The surface a chart draws on: a few shapes and text, in pixels.
//!
//! Charts draw through this small vocabulary instead of plotters' chart
//! builder, whose tick spacing does not know its labels' widths and whose
//! legend sits inside the plot: here every label is placed by our own
//! layout (measured with the embedded font, never clipped). The shapes are
//! plotters' own; only bitmap text is set glyph by glyph
//! ([`super::typeset`] says why), each glyph drawn by plotters once and
//! then copied (`glyphs.rs`). In an SVG, text stays one `<text>`
//! element per label, so it can be searched and selected.

use super::glyphs as recorded;
use super::{font, typeset, Area, Backend};
use anyhow::anyhow;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A chart's drawing surface: the whole canvas, and how to set text on it.
pub struct Canvas<'a, DB: DrawingBackend> {
    area: &'a Area<DB>,
    glyph_by_glyph: bool,
}

impl<'a, DB: Backend> Canvas<'a, DB> {
    /// A surface over `area`; `glyph_by_glyph` for bitmaps, whose text
    /// plotters would space unevenly.
    pub fn new(area: &'a Area<DB>, glyph_by_glyph: bool) -> Self {
        Canvas {
            area,
            glyph_by_glyph,
        }
    }

    /// Width and height, pixels.
    pub fn size(&self) -> (i32, i32) {
        let (w, h) = self.area.dim_in_pixel();
        (w as i32, h as i32)
    }

    /// A filled rectangle between two corners.
    pub fn rect(&self, a: (i32, i32), b: (i32, i32), colour: impl Color) -> anyhow::Result<()> {
        self.area.draw(&Rectangle::new([a, b], colour.filled()))?;
        Ok(())
    }

    /// A line through `points`.
    pub fn line(&self, points: Vec<(i32, i32)>, style: ShapeStyle) -> anyhow::Result<()> {
        self.area.draw(&PathElement::new(points, style))?;
        Ok(())
    }

    /// A filled polygon.
    pub fn polygon(&self, points: Vec<(i32, i32)>, colour: impl Color) -> anyhow::Result<()> {
        self.area.draw(&Polygon::new(points, colour.filled()))?;
        Ok(())
    }

    /// A circle, filled or outlined as `style` says.
    pub fn circle(&self, c: (i32, i32), r: i32, style: ShapeStyle) -> anyhow::Result<()> {
        self.area.draw(&Circle::new(c, r, style))?;
        Ok(())
    }

    /// Text at `size` pixels, anchored at `pos` as `h` and `v` say.
    pub fn text(
        &self,
        text: &str,
        size: f64,
        colour: RGBColor,
        (h, v): (HPos, VPos),
        pos: (i32, i32),
    ) -> anyhow::Result<()> {
        // Once per process; a chart drawn without `render` still finds it.
        font::ensure_font()?;
        let font = (font::FONT, size).into_font();
        if !self.glyph_by_glyph {
            let style = font.color(&colour).pos(Pos::new(h, v));
            self.area.draw_text(text, &style, pos)?;
            return Ok(());
        }
        // plotters' bitmap text drops each glyph's left side bearing
        // (typeset.rs), so a PNG's text is set here one glyph at a time.
        // The string is anchored as plotters anchors one, by its box, but
        // with the width the glyphs are set to: plotters' own width is its
        // f32 sum of advances, truncated, a pixel off what is drawn.
        let (glyphs, advance) = typeset::glyphs(text, size)
            .ok_or_else(|| anyhow!("the embedded DejaVu Sans font has no usable metrics"))?;
        let (_, height) = font.box_size(text)?;
        let (width, height) = (advance.round() as i32, height as i32);
        let dx = match h {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match v {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let style = font.color(&colour).pos(Pos::new(HPos::Left, VPos::Top));
        for typeset::Glyph { c, pen, bearing } in glyphs {
            if c.is_whitespace() {
                continue;
            }
            // plotters draws a glyph's ink from the given x: put it where
            // the pen plus the side bearing says.
            let x = pos.0 + dx + pen.round() as i32 + bearing.floor() as i32;
            // Drawn by plotters once per thread, then copied (glyphs.rs).
            let pixels = recorded::pixels(c, &style)?;
            self.area.draw(&recorded::Glyph {
                at: (x, pos.1 + dy),
                pixels,
            })?;
        }
        Ok(())
    }
}
