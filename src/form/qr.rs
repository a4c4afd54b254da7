//! A QR code as a black-and-white PNG, for the department's link on the
//! guide sheet: a clerk with the form on paper scans it with a phone.

use anyhow::{Context, Result};
use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code that scanners need to find it.
const QUIET_ZONE: usize = 4;
/// Pixels per module: sharp when printed at a few centimetres.
const MODULE_PX: usize = 10;

/// The PNG of `text`'s QR code, with its quiet zone. Level M recovers from
/// a smudge or a fold in a printed sheet while keeping the modules large.
pub(super) fn png(text: &str) -> Result<Vec<u8>> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .context("链接太长，无法生成二维码")?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * MODULE_PX;
    let mut pixels = vec![u8::MAX; side * side];
    for (y, row) in pixels.chunks_exact_mut(side).enumerate() {
        let my = (y / MODULE_PX)
            .checked_sub(QUIET_ZONE)
            .filter(|m| *m < modules);
        let Some(my) = my else { continue };
        for (x, px) in row.iter_mut().enumerate() {
            let mx = (x / MODULE_PX)
                .checked_sub(QUIET_ZONE)
                .filter(|m| *m < modules);
            if mx.is_some_and(|mx| colors[my * modules + mx] == Color::Dark) {
                *px = 0;
            }
        }
    }
    let side = u32::try_from(side).context("二维码过大")?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().context("无法生成二维码图片")?;
    writer
        .write_image_data(&pixels)
        .context("无法生成二维码图片")?;
    writer.finish().context("无法生成二维码图片")?;
    Ok(out)
}

#[cfg(test)]
pub(in crate::form) mod tests {
    use super::*;

    /// What a phone would read from the PNG.
    pub(in crate::form) fn decode(png_bytes: &[u8]) -> String {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        let (w, h) = (info.width as usize, info.height as usize);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "one code in the picture");
        grids[0].decode().unwrap().1
    }

    #[test]
    fn the_png_reads_back_as_the_link_with_a_quiet_zone() {
        let url = "http://192.0.2.10:8080/d/AbCdEfGhIjKlMnOpQrStUvWxYz012345";
        let bytes = png(url).unwrap();
        assert_eq!(decode(&bytes), url);

        let reader = png::Decoder::new(std::io::Cursor::new(&bytes))
            .read_info()
            .unwrap();
        let info = reader.info();
        assert_eq!(info.width, info.height);
        // Version 4 (33 modules) holds this link at level M.
        assert_eq!(info.width as usize, (33 + 2 * QUIET_ZONE) * MODULE_PX);
    }

    #[test]
    fn the_border_is_light_all_round() {
        let bytes = png("http://example.cn/d/x").unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(&bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let side = info.width as usize;
        let quiet = QUIET_ZONE * MODULE_PX;
        for y in 0..side {
            for x in 0..side {
                let inside =
                    (quiet..side - quiet).contains(&x) && (quiet..side - quiet).contains(&y);
                if !inside {
                    assert_eq!(buf[y * side + x], u8::MAX, "({x}, {y})");
                }
            }
        }
        // The finder pattern's corner is dark, right inside the quiet zone.
        assert_eq!(buf[quiet * side + quiet], 0);
    }
}
