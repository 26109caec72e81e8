//! Overlay pictures: each tracked person's mask tinted with a colour fixed by its id, a darker outline, and
//! the id drawn in a small built-in bitmap font (the look of HVISNet's Fig. 1 / Fig. 5).

use anyhow::{Result, bail};
use data::mask::Rle;
use image::{Rgb, RgbImage};

/// 3 × 5 pixel digits, one row per byte, bit 2 = left column.
const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b010, 0b010, 0b010],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

/// A saturated colour for an id: hues spaced by the golden angle so that neighbouring ids differ clearly.
pub fn id_colour(id: u64) -> [u8; 3] {
    let hue = (id as f64 * 0.618_033_988_75).fract() * 6.0;
    let (s, v) = (0.85, 0.95);
    let i = hue.floor() as u32 % 6;
    let f = hue - hue.floor();
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    let (r, g, b) = match i {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    [(r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8]
}

/// Draws `text` (digits only; other characters are skipped) with its top-left corner at (x, y).
pub fn draw_digits(img: &mut RgbImage, x: i64, y: i64, scale: u32, text: &str, colour: [u8; 3]) {
    let mut cx = x;
    for ch in text.chars() {
        let Some(d) = ch.to_digit(10) else { continue };
        for (row, bits) in DIGITS[d as usize].iter().enumerate() {
            for col in 0..3 {
                if bits & (0b100 >> col) != 0 {
                    fill_rect(img, cx + col * scale as i64, y + row as i64 * scale as i64, scale, scale, colour);
                }
            }
        }
        cx += 4 * scale as i64;
    }
}

fn fill_rect(img: &mut RgbImage, x: i64, y: i64, w: u32, h: u32, colour: [u8; 3]) {
    for yy in y.max(0)..(y + h as i64).min(img.height() as i64) {
        for xx in x.max(0)..(x + w as i64).min(img.width() as i64) {
            img.put_pixel(xx as u32, yy as u32, Rgb(colour));
        }
    }
}

/// The frame with every (id, mask) drawn: 50 % tint inside the mask, a solid outline, and the id on a
/// coloured tag at the top of the mask's box.
pub fn overlay<'a>(frame: &RgbImage, people: impl IntoIterator<Item = (u64, &'a Rle)>) -> Result<RgbImage> {
    let (w, h) = frame.dimensions();
    let mut img = frame.clone();
    let scale = (h / 160).max(2);
    let mut tags = Vec::new();
    for (id, mask) in people {
        if (mask.h, mask.w) != (h, w) {
            bail!("mask of track {id} is {}x{} but the frame is {h}x{w}", mask.h, mask.w);
        }
        let c = id_colour(id);
        let m = mask.to_row_major();
        let inside = |x: i64, y: i64| x >= 0 && y >= 0 && x < w as i64 && y < h as i64 && m[(y as u32 * w + x as u32) as usize] != 0;
        for y in 0..h as i64 {
            for x in 0..w as i64 {
                if !inside(x, y) {
                    continue;
                }
                let edge = !(inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1));
                let p = img.get_pixel_mut(x as u32, y as u32);
                for k in 0..3 {
                    p.0[k] = if edge { c[k] } else { ((p.0[k] as u16 + c[k] as u16) / 2) as u8 };
                }
            }
        }
        let [bx, by, _, _] = mask.bbox();
        if mask.area() > 0 {
            tags.push((id, bx as i64, by as i64, c));
        }
    }
    // Tags last, so that no mask tint covers them.
    for (id, x, y, c) in tags {
        let text = id.to_string();
        let tw = (4 * text.len() as u32 + 1) * scale;
        let th = 7 * scale;
        let ty = (y - th as i64).max(0);
        fill_rect(&mut img, x, ty, tw, th, c);
        draw_digits(&mut img, x + scale as i64, ty + scale as i64, scale, &text, [255, 255, 255]);
    }
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_tints_the_mask_and_draws_the_id() {
        let frame = RgbImage::from_pixel(40, 30, Rgb([0, 0, 0]));
        let mut px = vec![0u8; 40 * 30];
        for y in 15..28 {
            for x in 10..30 {
                px[y * 40 + x] = 1;
            }
        }
        let mask = Rle::from_row_major(30, 40, &px);
        let out = overlay(&frame, [(7u64, &mask)]).unwrap();
        let c = id_colour(7);
        assert_eq!(out.get_pixel(10, 20).0, c, "outline");
        assert_eq!(out.get_pixel(20, 22).0, [c[0] / 2, c[1] / 2, c[2] / 2], "tint");
        assert_eq!(out.get_pixel(2, 2).0, [0, 0, 0], "outside untouched");
        let white = out.pixels().filter(|p| p.0 == [255, 255, 255]).count();
        assert!(white > 0, "the id is drawn");
        let wrong = Rle::empty(10, 10);
        assert!(overlay(&frame, [(1u64, &wrong)]).is_err());
    }

    #[test]
    fn neighbouring_ids_get_distinct_colours() {
        for id in 1..50u64 {
            assert_ne!(id_colour(id), id_colour(id + 1));
        }
    }
}
