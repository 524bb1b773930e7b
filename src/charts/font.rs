//! The one font every chart uses, compiled into the binary (DejaVu Sans,
//! licence in `assets/fonts/`), so charts render identically on a machine
//! with no fonts and no font libraries at all.
//!
//! It is its own module because two others read it for different ends:
//! plotters draws glyph shapes from it once [`ensure_font`] has registered
//! it, and [`super::typeset`] reads its metrics to place bitmap glyphs.
//! Kept in either of those, the other would have to import it back.

use anyhow::anyhow;
use plotters::style::FontStyle;
use std::sync::OnceLock;

/// The embedded font's file, registered with plotters under [`FONT`].
pub const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family every text style asks for: plotters' own default, so that
/// its axis labels use the embedded font too.
pub const FONT: &str = "sans-serif";

/// Registers the embedded font once per process; every chart calls this
/// before measuring or drawing text.
pub fn ensure_font() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES)
                .map_err(|_| "the embedded DejaVu Sans font could not be parsed".to_string())
        })
        .clone()
        .map_err(|e| anyhow!(e))
}
