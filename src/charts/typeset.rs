//! Font metrics for setting bitmap text glyph by glyph.
//!
//! plotters' ab_glyph renderer drops every glyph's left side bearing, so
//! bitmap text comes out unevenly spaced ("on e-cl u ster"). The SVG is not
//! affected (the viewer sets its text), but the PNG is what people paste
//! into design documents. So the canvas draws PNG text one
//! glyph at a time, at pen position plus side bearing, with the pen moved
//! by the glyph's advance and the font's kerning: the metrics this module
//! reads from the embedded font's `cmap`, `hhea`, `hmtx` and `kern`
//! tables. Glyph shapes still come from plotters. Layout uses the same
//! widths ([`width`]), so columns are sized for exactly what is drawn.

use super::font;
use std::sync::OnceLock;

/// Horizontal metrics of the embedded font, enough to place glyphs.
struct Metrics {
    data: &'static [u8],
    /// Offset of the cmap format-4 subtable (Unicode BMP).
    cmap: usize,
    hmtx: usize,
    h_metrics: usize,
    /// Offset of the kern format-0 subtable's pair count, if any.
    kern: Option<usize>,
    /// Font units from ascender to descender: ab_glyph scales a font so
    /// this height equals the requested size in pixels.
    height_units: f64,
}

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

fn i16_at(d: &[u8], at: usize) -> Option<i16> {
    u16_at(d, at).map(|v| v as i16)
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *d.get(at)?,
        *d.get(at + 1)?,
        *d.get(at + 2)?,
        *d.get(at + 3)?,
    ]))
}

impl Metrics {
    fn parse(data: &'static [u8]) -> Option<Self> {
        let tables = usize::from(u16_at(data, 4)?);
        let table = |tag: &[u8; 4]| {
            (0..tables).find_map(|i| {
                let rec = 12 + 16 * i;
                (data.get(rec..rec + 4)? == tag)
                    .then(|| u32_at(data, rec + 8).map(|o| o as usize))?
            })
        };
        let hhea = table(b"hhea")?;
        let ascender = f64::from(i16_at(data, hhea + 4)?);
        let descender = f64::from(i16_at(data, hhea + 6)?);
        let h_metrics = usize::from(u16_at(data, hhea + 34)?);
        let hmtx = table(b"hmtx")?;
        let cmap_table = table(b"cmap")?;
        let cmap = (0..usize::from(u16_at(data, cmap_table + 2)?)).find_map(|i| {
            let rec = cmap_table + 4 + 8 * i;
            let (platform, encoding) = (u16_at(data, rec)?, u16_at(data, rec + 2)?);
            let sub = cmap_table + u32_at(data, rec + 4)? as usize;
            let unicode = platform == 0 || (platform == 3 && encoding == 1);
            (unicode && u16_at(data, sub)? == 4).then_some(sub)
        })?;
        let kern = table(b"kern").and_then(|k| {
            // Version 0, first subtable: horizontal kerning, format 0.
            let coverage = u16_at(data, k + 8)?;
            (u16_at(data, k)? == 0 && coverage & 1 == 1 && coverage >> 8 == 0).then_some(k + 10)
        });
        Some(Metrics {
            data,
            cmap,
            hmtx,
            h_metrics,
            kern,
            height_units: ascender - descender,
        })
    }

    /// The glyph of `c` (0, the missing-glyph box, if the font lacks it).
    fn glyph(&self, c: char) -> u16 {
        let Ok(code) = u16::try_from(u32::from(c)) else {
            return 0;
        };
        self.glyph_bmp(code).unwrap_or(0)
    }

    fn glyph_bmp(&self, code: u16) -> Option<u16> {
        let (d, sub) = (self.data, self.cmap);
        let segs = usize::from(u16_at(d, sub + 6)? / 2);
        let ends = sub + 14;
        let starts = ends + 2 * segs + 2;
        let deltas = starts + 2 * segs;
        let offsets = deltas + 2 * segs;
        let i = (0..segs).find(|&i| u16_at(d, ends + 2 * i).is_some_and(|e| e >= code))?;
        let start = u16_at(d, starts + 2 * i)?;
        if start > code {
            return None;
        }
        let delta = u16_at(d, deltas + 2 * i)?;
        let range = usize::from(u16_at(d, offsets + 2 * i)?);
        if range == 0 {
            return Some(code.wrapping_add(delta));
        }
        let at = offsets + 2 * i + range + 2 * usize::from(code - start);
        let g = u16_at(d, at)?;
        (g != 0).then(|| g.wrapping_add(delta))
    }

    /// (advance, left side bearing) of a glyph, font units.
    fn h_metrics(&self, g: u16) -> (f64, f64) {
        let (d, n, g) = (self.data, self.h_metrics.max(1), usize::from(g));
        let advance = u16_at(d, self.hmtx + 4 * g.min(n - 1)).unwrap_or(0);
        let lsb = if g < n {
            i16_at(d, self.hmtx + 4 * g + 2)
        } else {
            i16_at(d, self.hmtx + 4 * n + 2 * (g - n))
        }
        .unwrap_or(0);
        (f64::from(advance), f64::from(lsb))
    }

    /// Kerning between two glyphs, font units.
    fn kerning(&self, left: u16, right: u16) -> f64 {
        let Some(at) = self.kern else {
            return 0.0;
        };
        let d = self.data;
        let pairs = usize::from(u16_at(d, at).unwrap_or(0));
        let key = (u32::from(left) << 16) | u32::from(right);
        let pair = |i: usize| u32_at(d, at + 8 + 6 * i);
        let (mut lo, mut hi) = (0, pairs);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match pair(mid) {
                Some(k) if k == key => {
                    return f64::from(i16_at(d, at + 8 + 6 * mid + 4).unwrap_or(0));
                }
                Some(k) if k < key => lo = mid + 1,
                Some(_) => hi = mid,
                None => return 0.0,
            }
        }
        0.0
    }

    /// Pixels per font unit at `size`.
    fn scale(&self, size: f64) -> f64 {
        size / self.height_units
    }

    /// Every glyph of `text` placed, and the total advance in pixels.
    fn layout(&self, text: &str, size: f64) -> (Vec<Glyph>, f64) {
        let k = self.scale(size);
        let mut pen = 0.0;
        let mut prev = None;
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            let g = self.glyph(c);
            if let Some(p) = prev {
                pen += self.kerning(p, g) * k;
            }
            let (advance, lsb) = self.h_metrics(g);
            out.push(Glyph {
                c,
                pen,
                bearing: lsb * k,
            });
            pen += advance * k;
            prev = Some(g);
        }
        (out, pen)
    }
}

fn metrics() -> Option<&'static Metrics> {
    static METRICS: OnceLock<Option<Metrics>> = OnceLock::new();
    METRICS
        .get_or_init(|| Metrics::parse(font::FONT_BYTES))
        .as_ref()
}

/// Width in pixels of `text` at `size`; `None` if the embedded font cannot
/// be read.
pub fn width(text: &str, size: f64) -> Option<f64> {
    metrics().map(|m| m.layout(text, size).1)
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
    metrics().map(|m| m.layout(text, size))
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
        let m = metrics().unwrap();
        let n = m.glyph('n');
        assert_ne!(n, 0);
        let (advance, lsb) = m.h_metrics(n);
        assert!(advance > 0.0 && lsb > 0.0, "{advance} {lsb}");
        assert!(m.kerning(m.glyph('A'), m.glyph('V')) < 0.0);
        assert_eq!(m.glyph('\u{10FFFF}'), 0);
    }
}
