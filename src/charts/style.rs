//! Sizes, text widths, colours and number formats shared by every chart.
//!
//! They live in one place so the four charts read as one set: the same
//! title size, the same colour for a component kind in the cause chart and
//! the timeline, the same colour for a measure in the ranking and the
//! timeline. The font itself is in `font.rs`.

use super::typeset;
use crate::model::{Kind, Measure};
pub use crate::output::format::{rate, thousands};
use anyhow::anyhow;
use plotters::prelude::*;

/// Canvas width of the charts laid out in one column, pixels.
pub const WIDTH: u32 = 1600;
/// Space around the canvas edge, pixels.
pub const MARGIN: i32 = 24;
/// Horizontal gap between the names column and a plot, and between
/// panels side by side, pixels.
pub const GAP: i32 = 28;

// Font sizes are even: plotters places a glyph from half the size, and
// an odd size puts glyphs of different heights a pixel apart.

/// Chart title.
pub const TITLE_SIZE: f64 = 30.0;
/// Line under the title (what was run, how to read the marks).
pub const SUBTITLE_SIZE: f64 = 18.0;
/// Panel and section headings.
pub const HEADING_SIZE: f64 = 20.0;
/// Axis descriptions.
pub const LABEL_SIZE: f64 = 18.0;
/// Tick labels.
pub const TICK_SIZE: f64 = 16.0;
/// Deployment and lane names.
pub const NAME_SIZE: f64 = 18.0;
/// Legend entries.
pub const LEGEND_SIZE: f64 = 16.0;
/// Values printed beside marks.
pub const NOTE_SIZE: f64 = 16.0;

/// Height of a deployment row in the ranking and cause charts, pixels.
pub const ROW_H: i32 = 30;
/// Height of a band holding a heading, pixels.
pub const HEADING_H: i32 = 34;
/// Height under a plot for tick labels only, pixels.
pub const TICKS_H: i32 = 30;
/// Height under a plot for tick labels and the axis description, pixels.
pub const AXIS_H: i32 = 62;

/// Body text.
pub const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Secondary text: subtitles, column headers, notes.
pub const MUTED: RGBColor = RGBColor(0x5f, 0x5f, 0x5f);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xd9, 0xd9, 0xd9);
/// Every other row's background, so a row can be followed across.
pub const STRIPE: RGBColor = RGBColor(0xf3, 0xf3, 0xf3);
/// Marks that are not a data colour: whiskers, exact values, means.
pub const INK: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
/// The part of a total no component kind accounts for.
pub const UNATTRIBUTED: RGBColor = RGBColor(0xb0, 0xb0, 0xb0);

/// Measures, in [`Measure::ALL`] order. Sized by that list, so a new
/// measure without a colour does not compile (rather than silently
/// sharing one).
const MEASURE_COLOURS: [RGBColor; Measure::ALL.len()] = [
    RGBColor(0x4e, 0x79, 0xa7), // config: blue
    RGBColor(0x59, 0xa1, 0x4f), // podStart: green
    RGBColor(0xb0, 0x7a, 0xa1), // endpoints: purple
    RGBColor(0xe1, 0x57, 0x59), // traffic: red
    RGBColor(0xf2, 0x8e, 0x2b), // badConfig: orange
];

/// Component kinds, in [`Kind::ALL`] order (Okabe–Ito, safe for colour
/// blindness, and Tol's wine for config changes): the enclosing domains in
/// blues, the cluster green, its parts warm. Sized by the kinds list, so
/// a kind added without a colour does not compile; two kinds sharing a
/// colour made a blast chart's region and configChange lines one.
const KIND_COLOURS: [RGBColor; Kind::ALL.len()] = [
    RGBColor(0x00, 0x72, 0xb2), // region
    RGBColor(0x56, 0xb4, 0xe9), // zone
    RGBColor(0x00, 0x9e, 0x73), // cluster
    RGBColor(0xe6, 0x9f, 0x00), // apiServer
    RGBColor(0xcc, 0x79, 0xa7), // eastWestGateway
    RGBColor(0xd5, 0x5e, 0x00), // controlPlane
    RGBColor(0x8c, 0x51, 0x0a), // controlPlaneCommon: the control plane's vermillion, darkened
    RGBColor(0x99, 0x99, 0x99), // externalSite
    RGBColor(0x99, 0x99, 0x33), // ca: Tol's olive, apart from the cluster's green
    RGBColor(0x88, 0x22, 0x55), // configChange
];

/// What users feel when a measure is bad (README, "What is measured"),
/// keyed by [`Measure::name`] so a new measure needs no change here to
/// render (it just gets no description).
const MEASURE_EFFECTS: [(&str, &str); 5] = [
    ("config", "route and policy changes stop reaching proxies"),
    ("podStart", "new pods cannot start"),
    ("endpoints", "load-balancing endpoints go stale"),
    ("traffic", "certificates expire and calls fail"),
    (
        "badConfig",
        "a bad config change is served: calls fail until rolled back",
    ),
];

/// The colour of a measure.
pub fn measure_colour(m: Measure) -> RGBColor {
    MEASURE_COLOURS[m.index()]
}

/// The colour of a component kind.
pub fn kind_colour(k: Kind) -> RGBColor {
    KIND_COLOURS[k.index()]
}

/// "config: route and policy changes stop reaching proxies".
pub fn measure_heading(m: Measure) -> String {
    match MEASURE_EFFECTS.iter().find(|(name, _)| *name == m.name()) {
        Some((name, effect)) => format!("{name}: {effect}"),
        None => m.name().to_string(),
    }
}

/// Width in pixels of `s` drawn at `size`.
pub fn text_width(s: &str, size: f64) -> anyhow::Result<i32> {
    let w = typeset::width(s, size)
        .ok_or_else(|| anyhow!("the embedded DejaVu Sans font has no usable metrics"))?;
    Ok(w.ceil() as i32)
}

/// Width of the widest of `items` at `size`, pixels.
pub fn widest<'a>(items: impl IntoIterator<Item = &'a str>, size: f64) -> anyhow::Result<i32> {
    let mut w = 0;
    for s in items {
        w = w.max(text_width(s, size)?);
    }
    Ok(w)
}

/// Width of the names column: the longest deployment or lane name plus
/// padding, so names are never clipped.
pub fn names_width<'a>(names: impl IntoIterator<Item = &'a str>) -> anyhow::Result<i32> {
    Ok(widest(names, NAME_SIZE)?.max(text_width("deployment", NAME_SIZE)?) + 12)
}

/// The smallest of 1, 2, 2.5, 5 × 10^k at or above `v` (for linear axes
/// that end on a round number).
pub fn nice_ceiling(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let decade = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * decade >= v * (1.0 - 1e-9) {
            return step * decade;
        }
    }
    10.0 * decade
}

/// A log axis range covering every positive finite value, padded by the
/// factor `pad` and widened to 1, 2 or 5 × 10^k at both ends and to at
/// least a decade, so the axis has labelled ticks to read by; 1 to 1,000
/// when there is no such value.
pub fn log_range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !(lo.is_finite() && hi > 0.0) {
        return (1.0, 1000.0);
    }
    let (lo, hi) = (nice_floor(lo / pad), nice_ceiling(hi * pad));
    if hi / lo < 10.0 {
        let mid = (lo * hi).sqrt();
        (
            nice_floor(mid / 10f64.sqrt()),
            nice_ceiling(mid * 10f64.sqrt()),
        )
    } else {
        (lo, hi)
    }
}

/// The largest of 1, 2, 5 × 10^k at or below `v` (for log axes).
pub fn nice_floor(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let decade = 10f64.powf(v.log10().floor());
    for step in [5.0, 2.0, 1.0] {
        if step * decade <= v * (1.0 + 1e-9) {
            return step * decade;
        }
    }
    decade
}

/// A count of minutes: thousands separated, three significant digits
/// below 100.
pub fn minutes(v: f64) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    let a = v.abs();
    if a >= 99.95 {
        thousands(v.round() as i64)
    } else if a >= 9.995 {
        format!("{v:.1}")
    } else if a >= 0.9995 {
        format!("{v:.2}")
    } else if a == 0.0 {
        "0".to_string()
    } else {
        // Three significant digits, without trailing zeros.
        let digits = (2 - a.log10().floor() as i32).clamp(0, 12) as usize;
        let s = format!("{v:.digits$}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

/// The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k at or above
/// `v`: a linear axis end that wastes less than a fifth of the plot.
pub fn snug_ceiling(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let decade = 10f64.powf(v.log10().floor());
    for step in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if step * decade >= v * (1.0 - 1e-9) {
            return step * decade;
        }
    }
    10.0 * decade
}

/// A share (0–1) as a percentage with sensible precision.
pub fn percent(v: f64) -> String {
    let p = v * 100.0;
    if p == 0.0 {
        "0%".to_string()
    } else if p.abs() >= 9.95 || (p - p.round()).abs() < 1e-9 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// A round number (tick labels, years): like [`minutes`], without
/// trailing zeros.
pub fn number(v: f64) -> String {
    let s = minutes(v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::font::ensure_font;

    #[test]
    fn numbers_read_like_a_table() {
        assert_eq!(minutes(1362.14), "1,362");
        assert_eq!(minutes(30.84), "30.8");
        assert_eq!(minutes(2.345), "2.35");
        assert_eq!(minutes(0.01234), "0.0123");
        assert_eq!(minutes(0.5), "0.5");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(rate(2.0098), "2.0");
        assert_eq!(rate(0.0049), "0.0049");
        assert_eq!(rate(0.00005), "0.000050");
        assert_eq!(rate(12.11), "12");
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(0.998), "1.0");
        assert_eq!(rate(9.97), "10");
        assert_eq!(rate(-0.0049), "-0.0049");
        assert_eq!(snug_ceiling(11.97), 12.0);
        assert_eq!(snug_ceiling(0.1008), 0.12);
        assert_eq!(snug_ceiling(7.0), 8.0);
        assert_eq!(percent(0.333), "33%");
        assert_eq!(percent(0.037), "3.7%");
        assert_eq!(percent(0.05), "5%");
        assert_eq!(number(20.0), "20");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(1000.0), "1,000");
        assert_eq!(number(0.02), "0.02");
        assert_eq!(nice_ceiling(0.333), 0.5);
        assert_eq!(nice_ceiling(0.21), 0.25);
        assert_eq!(nice_ceiling(1362.0), 2000.0);
    }

    #[test]
    fn every_kind_and_measure_has_a_colour_of_its_own() {
        // The palettes are sized by the lists (a short one does not
        // compile); this holds them distinct and in list order.
        for (i, k) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(k.index(), i, "{}", k.name());
            for other in &Kind::ALL[..i] {
                assert_ne!(
                    kind_colour(k),
                    kind_colour(*other),
                    "{} {}",
                    k.name(),
                    other.name()
                );
            }
        }
        for (i, m) in Measure::ALL.into_iter().enumerate() {
            assert_eq!(m.index(), i, "{}", m.name());
            for other in &Measure::ALL[..i] {
                assert_ne!(measure_colour(m), measure_colour(*other), "{}", m.name());
            }
        }
    }

    #[test]
    fn the_embedded_font_registers_and_measures() {
        ensure_font().unwrap();
        let short = text_width("abc", NAME_SIZE).unwrap();
        let long = text_width("multiple-clusters-per-region", NAME_SIZE).unwrap();
        assert!(short > 0 && long > 5 * short, "{short} {long}");
    }
}
