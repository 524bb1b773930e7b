//! A chart's PNG: drawn into a buffer of our own, encoded with one filter.
//!
//! plotters' own PNG writer (the `image` crate's defaults) filters each
//! row adaptively: it runs every row through all four PNG filters and
//! keeps the one whose bytes sum smallest, then deflates at the fastest
//! level. After a short simulation that trial filtering was the largest
//! single part of drawing the charts, and the blast chart's PNG is the
//! longest job of a run's fixed cost (BENCHMARKS.md, "Fixed cost"). Paeth
//! on every row, with the same fast deflate, costs half the encoder's
//! instructions and gives files about 5% larger (1.29 MB against 1.22 MB
//! for the ranking study's four charts); the pixels are the same.
//!
//! The buffer starts white, so a chart's PNG needs no fill pass of its own
//! over millions of pixels: the SVG fills its background itself.

use super::Area;
use crate::export::AtomicFile;
use anyhow::Context;
use plotters::backend::RGBPixel;
use plotters::prelude::*;
use std::io::Write;

/// Bytes per pixel: 8-bit RGB, plotters' bitmap format and the PNG's.
const RGB: usize = 3;

/// Draws a `size` canvas, white to start with, with `draw`, and writes it
/// to `file` as a PNG (then commits the file).
pub fn write<F>(mut file: AtomicFile, size: (u32, u32), draw: F) -> anyhow::Result<()>
where
    F: FnOnce(&Area<BitMapBackend<'_, RGBPixel>>) -> anyhow::Result<()>,
{
    let mut pixels = white(size)?;
    {
        let root = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut pixels, size)?
            .into_drawing_area();
        draw(&root)?;
        root.present()?;
    }
    let mut out = std::io::BufWriter::new(file.file());
    encode(&pixels, size, &mut out)?;
    out.flush()?;
    drop(out);
    file.commit()
}

/// A white canvas of `size`, row after row of RGB pixels.
fn white((w, h): (u32, u32)) -> anyhow::Result<Vec<u8>> {
    let len = (w as usize)
        .checked_mul(h as usize)
        .and_then(|n| n.checked_mul(RGB))
        .with_context(|| format!("a {w} × {h} px canvas is too large to draw"))?;
    Ok(vec![255; len])
}

/// Encodes `pixels` (8-bit RGB rows, top to bottom) as a PNG into `out`.
fn encode(pixels: &[u8], (w, h): (u32, u32), out: impl Write) -> anyhow::Result<()> {
    let mut encoder = png::Encoder::new(out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::FilterType::Paeth);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pixels, size and colour type a PNG decodes to.
    fn decode(bytes: &[u8]) -> (Vec<u8>, (u32, u32), png::ColorType) {
        let mut reader = png::Decoder::new(bytes).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (buf, (info.width, info.height), info.color_type)
    }

    #[test]
    fn a_drawing_decodes_to_the_pixels_drawn_on_white() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.png");
        let size = (37, 23);
        write(AtomicFile::create(&dest).unwrap(), size, |root| {
            root.draw(&Rectangle::new([(3, 4), (10, 20)], RED.filled()))?;
            root.draw(&Circle::new((25, 11), 6, BLUE.stroke_width(2)))?;
            Ok(())
        })
        .unwrap();
        let (pixels, got, colour) = decode(&std::fs::read(&dest).unwrap());
        assert_eq!((got, colour), (size, png::ColorType::Rgb));

        // The same drawing through plotters' fill, on its own buffer.
        let mut want = vec![0; 37 * 23 * RGB];
        {
            let root = BitMapBackend::with_buffer(&mut want, size).into_drawing_area();
            root.fill(&WHITE).unwrap();
            root.draw(&Rectangle::new([(3, 4), (10, 20)], RED.filled()))
                .unwrap();
            root.draw(&Circle::new((25, 11), 6, BLUE.stroke_width(2)))
                .unwrap();
            root.present().unwrap();
        }
        assert_eq!(pixels, want);
        let at = |x: usize, y: usize| &pixels[(y * 37 + x) * RGB..][..RGB];
        assert_eq!(at(0, 0), [255, 255, 255]);
        assert_eq!(at(5, 10), [255, 0, 0]);
    }
}
