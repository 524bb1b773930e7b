//! Bitmap glyphs drawn once per thread, then copied.
//!
//! A PNG's text is set one glyph at a time (`typeset.rs`), and plotters
//! lays out, outlines and rasterises a glyph afresh at every call: a third
//! of the instructions of drawing the ranking study's charts, for a few
//! dozen distinct glyphs drawn thousands of times (BENCHMARKS.md, "Fixed
//! cost"). A glyph lands on whole pixels, so its pixels are the same
//! wherever it goes. Each is drawn once through plotters' own text path
//! into a recorder, and its pixels, colour and coverage as plotters
//! computed them, are copied to the canvas from then on: the PNG is the
//! same, byte for byte.
//!
//! The recordings are kept per thread (charts are drawn on rayon's
//! workers, one file per job), keyed by character, size and colour: a
//! chart uses a few sizes and colours, so they stay small (tens of KB).

use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, DrawingErrorKind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Where a glyph is recorded: far enough from the recorder's edges that
/// plotters clips none of its pixels (a glyph is a few dozen pixels).
const ORIGIN: i32 = 1 << 14;

/// A glyph's pixels: offsets from the position it is drawn at, and the
/// colour plotters gives each (the text colour at the glyph's coverage).
type Pixels = Rc<[(i32, i32, BackendColor)]>;

/// Character, size and colour's alpha (bits of the f64s), colour.
type Key = (char, u64, u64, (u8, u8, u8));

thread_local! {
    static RECORDED: RefCell<HashMap<Key, Pixels>> = RefCell::new(HashMap::new());
}

/// The glyph `c` in `style` (anchored at its top left, as the canvas sets
/// glyphs), as plotters would draw it at the origin.
pub fn pixels(c: char, style: &TextStyle<'_>) -> anyhow::Result<Pixels> {
    let key = (
        c,
        style.font.get_size().to_bits(),
        style.color.alpha.to_bits(),
        style.color.rgb,
    );
    if let Some(pixels) = RECORDED.with(|m| m.borrow().get(&key).cloned()) {
        return Ok(pixels);
    }
    let mut recorder = Recorder(Vec::new());
    let mut buf = [0u8; 4];
    recorder
        .draw_text(c.encode_utf8(&mut buf), style, (ORIGIN, ORIGIN))
        .map_err(|e| anyhow::anyhow!("cannot draw the glyph {c:?}: {e}"))?;
    let pixels: Pixels = recorder.0.into();
    RECORDED.with(|m| m.borrow_mut().insert(key, Rc::clone(&pixels)));
    Ok(pixels)
}

/// A recorded glyph to draw at `at`, as a plotters element.
pub struct Glyph {
    /// Top left, in the drawing area's pixels.
    pub at: (i32, i32),
    /// From [`pixels`].
    pub pixels: Pixels,
}

impl<'a> PointCollection<'a, (i32, i32)> for &'a Glyph {
    type Point = &'a (i32, i32);
    type IntoIter = std::iter::Once<&'a (i32, i32)>;

    fn point_iter(self) -> Self::IntoIter {
        // The area's own corner, and `at` added in `draw`: plotters moves
        // an element's points inside the area (a glyph hanging over the
        // edge would jump), but clips text pixel by pixel.
        std::iter::once(&(0, 0))
    }
}

impl<DB: DrawingBackend> Drawable<DB> for Glyph {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x0, y0)) = points.next() else {
            return Ok(());
        };
        let (x0, y0) = (x0 + self.at.0, y0 + self.at.1);
        // Clipped to the backend as plotters clips text.
        let (w, h) = backend.get_size();
        let (w, h) = (w as i32, h as i32);
        for &(dx, dy, colour) in self.pixels.iter() {
            let (x, y) = (x0 + dx, y0 + dy);
            if x >= 0 && x < w && y >= 0 && y < h {
                backend.draw_pixel((x, y), colour)?;
            }
        }
        Ok(())
    }
}

/// A backend that only notes the pixels drawn on it, relative to
/// [`ORIGIN`].
struct Recorder(Vec<(i32, i32, BackendColor)>);

impl DrawingBackend for Recorder {
    type ErrorType = std::convert::Infallible;

    fn get_size(&self) -> (u32, u32) {
        (2 * ORIGIN as u32, 2 * ORIGIN as u32)
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        (x, y): BackendCoord,
        colour: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.push((x - ORIGIN, y - ORIGIN, colour));
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: BackendCoord,
        _: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        // Text is drawn pixel by pixel; nothing else reaches a recorder.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::font;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    /// `draw` on a white 60 × 40 bitmap; its pixels.
    fn bitmap(draw: impl Fn(&DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>)) -> Vec<u8> {
        let mut pixels = vec![255; 60 * 40 * 3];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (60, 40)).into_drawing_area();
            draw(&root);
            root.present().unwrap();
        }
        pixels
    }

    #[test]
    fn a_copied_glyph_is_the_glyph_plotters_draws_clipped_alike() {
        font::ensure_font().unwrap();
        let style = (font::FONT, 30.0)
            .into_font()
            .color(&RGBColor(200, 30, 90))
            .pos(Pos::new(HPos::Left, VPos::Top));
        // Inside, and hanging over the top left and bottom right corners.
        let places = [(10, 5), (-7, -9), (48, 25)];
        for c in ['g', 'Q', '%'] {
            let want = bitmap(|root| {
                for at in places {
                    root.draw_text(&c.to_string(), &style, at).unwrap();
                }
            });
            let got = bitmap(|root| {
                for at in places {
                    // The second and third from the recording.
                    let pixels = pixels(c, &style).unwrap();
                    root.draw(&Glyph { at, pixels }).unwrap();
                }
            });
            assert!(want.iter().any(|&v| v != 255), "{c:?} drew nothing");
            assert!(got == want, "{c:?} differs from plotters' own");
        }
    }

    #[test]
    fn each_size_and_colour_is_its_own_recording() {
        font::ensure_font().unwrap();
        let style = |size, colour| {
            (font::FONT, size)
                .into_font()
                .color(&colour)
                .pos(Pos::new(HPos::Left, VPos::Top))
        };
        let small = pixels('W', &style(12.0, BLACK)).unwrap();
        let large = pixels('W', &style(24.0, BLACK)).unwrap();
        let red = pixels('W', &style(12.0, RED)).unwrap();
        assert!(large.len() > small.len());
        assert_eq!(red.len(), small.len());
        assert_eq!(red[0].2.rgb, (255, 0, 0));
        assert_eq!(small[0].2.rgb, (0, 0, 0));
        // The same request is the same recording.
        assert!(Rc::ptr_eq(
            &small,
            &pixels('W', &style(12.0, BLACK)).unwrap()
        ));
    }
}
