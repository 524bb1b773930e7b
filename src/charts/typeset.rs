//! Font metrics for setting bitmap text glyph by glyph.
//!
//! plotters' bitmap text drops every glyph's left side bearing, so it
//! comes out unevenly spaced ("on e-cl u ster"). The SVG is not affected
//! (the viewer sets its text), but the PNG is what people paste into
//! design documents. So the canvas draws PNG text one glyph at a time, at
//! pen position plus side bearing, with the pen moved by the glyph's
//! advance and the font's kerning: the metrics ab_glyph reads from the
//! embedded font, the same reader plotters draws the glyph shapes with.
//! Layout uses the same widths ([`width`]), so columns are sized for
//! exactly what is drawn.

use super::font;
use ab_glyph::{Font, FontRef};
use std::sync::OnceLock;

fn face() -> Option<&'static FontRef<'static>> {
    static FACE: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FACE.get_or_init(|| FontRef::try_from_slice(font::FONT_BYTES).ok())
        .as_ref()
}

/// Every glyph of `text` placed, and the total advance in pixels.
///
/// The font's metrics are whole font units; they are scaled and summed
/// here in f64 rather than taken scaled from ab_glyph in f32, so a glyph
/// far along a long label lands on the pixel its width was measured for.
fn layout(face: &FontRef<'_>, text: &str, size: f64) -> (Vec<Glyph>, f64) {
    // ab_glyph (and so plotters) scales a font so that ascender to
    // descender spans the requested size in pixels.
    let k = size / f64::from(face.height_unscaled());
    let mut pen = 0.0;
    let mut prev = None;
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = face.glyph_id(c);
        if let Some(p) = prev {
            pen += f64::from(face.kern_unscaled(p, id)) * k;
        }
        out.push(Glyph {
            c,
            pen,
            bearing: f64::from(face.h_side_bearing_unscaled(id)) * k,
        });
        pen += f64::from(face.h_advance_unscaled(id)) * k;
        prev = Some(id);
    }
    (out, pen)
}

/// Width in pixels of `text` at `size`; `None` if the embedded font cannot
/// be read.
pub fn width(text: &str, size: f64) -> Option<f64> {
    face().map(|f| layout(f, text, size).1)
}

/// One character placed on a line of text.
#[derive(Clone, Copy, Debug)]
pub struct Glyph {
    /// The character.
    pub c: char,
    /// Pen position from the start of the text, pixels.
    pub pen: f64,
    /// Left side bearing: from the pen to the ink's left edge, pixels.
    pub bearing: f64,
}

/// Each character of `text` at `size` placed, and the total advance in
/// pixels; `None` if the embedded font cannot be read.
pub fn glyphs(text: &str, size: f64) -> Option<(Vec<Glyph>, f64)> {
    face().map(|f| layout(f, text, size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::IntoFont;

    #[test]
    fn metrics_agree_with_plotters_on_advance_widths() {
        font::ensure_font().unwrap();
        // A string without kerning pairs: plotters' estimate is the sum of
        // advances, truncated.
        let s = "nnnnnnnnnnmmmmmmmmmmoooooooooo";
        let ours = width(s, 100.0).unwrap();
        let (theirs, _) = (font::FONT, 100.0).into_font().box_size(s).unwrap();
        assert!((ours - f64::from(theirs)).abs() < 1.5, "{ours} vs {theirs}");
    }

    #[test]
    fn glyphs_have_side_bearings_and_kerning_applies() {
        // "AV" is a kerning pair in DejaVu Sans: the V moves left of where
        // the A's advance alone would put it.
        let (av, _) = glyphs("AV", 100.0).unwrap();
        let (a, a_advance) = glyphs("A", 100.0).unwrap();
        assert!(av[1].pen < a_advance - 1.0, "{} {a_advance}", av[1].pen);
        let (n, _) = glyphs("n", 100.0).unwrap();
        assert!(n[0].bearing > 0.0 && a[0].bearing >= 0.0, "{n:?}");
    }
}
