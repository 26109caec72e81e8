//! A small line plot as PNG (the paper's Fig. 6): one line per series, markers at the means, bars at ± one
//! standard deviation, axis ticks and labels, a legend. Text uses the 8×8 bitmap font of `font8x8`.

use image::{Rgb, RgbImage};

/// One point: x, mean, std (0 when one run), n.
pub type Point = (f64, f64, f64, usize);

/// One line of the plot.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Points, in x order.
    pub points: Vec<Point>,
}

const W: u32 = 880;
const H: u32 = 560;
const LEFT: i64 = 90;
const RIGHT: i64 = 30;
const TOP: i64 = 50;
const BOTTOM: i64 = 70;
const COLOURS: [[u8; 3]; 6] = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [255, 127, 14], [148, 103, 189], [23, 190, 207]];
const BLACK: [u8; 3] = [0, 0, 0];
const GREY: [u8; 3] = [225, 225, 225];

/// Draws the plot; `note` is a line printed under the x-axis label (e.g. what is missing).
pub fn draw(title: &str, x_label: &str, y_label: &str, series: &[Series], note: &str) -> RgbImage {
    let mut img = RgbImage::from_pixel(W, H, Rgb([255, 255, 255]));
    let pts: Vec<&Point> = series.iter().flat_map(|s| &s.points).collect();
    let (x0, x1) = span(pts.iter().map(|p| p.0), 0.04);
    // The y axis starts at 0 for non-negative data, so small differences are not drawn as large ones.
    let (y0, y1) = span(pts.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2]), 0.05);
    let y0 = if pts.iter().all(|p| p.1 - p.2 >= 0.0) { y0.min(0.0) } else { y0 };
    let (px0, px1, py0, py1) = (LEFT, W as i64 - RIGHT, H as i64 - BOTTOM, TOP);
    let sx = |x: f64| px0 as f64 + (x - x0) / (x1 - x0) * (px1 - px0) as f64;
    let sy = |y: f64| py0 as f64 - (y - y0) / (y1 - y0) * (py0 - py1) as f64;
    // Grid and ticks.
    let yt = ticks(y0, y1);
    let yd = decimals(&yt);
    for &t in &yt {
        let y = sy(t).round() as i64;
        line(&mut img, px0, y, px1, y, GREY);
        line(&mut img, px0 - 5, y, px0, y, BLACK);
        let s = format!("{t:.yd$}");
        text(&mut img, px0 - 8 - 8 * s.len() as i64, y - 4, &s, BLACK, 1);
    }
    let mut xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let xt = if xs.len() <= 12 && !xs.is_empty() { xs } else { ticks(x0, x1) };
    let xd = decimals(&xt);
    for &t in &xt {
        let x = sx(t).round() as i64;
        line(&mut img, x, py0, x, py1, GREY);
        line(&mut img, x, py0, x, py0 + 5, BLACK);
        let s = format!("{t:.xd$}");
        text(&mut img, x - 4 * s.len() as i64, py0 + 10, &s, BLACK, 1);
    }
    // Axes.
    line(&mut img, px0, py0, px1, py0, BLACK);
    line(&mut img, px0, py0, px0, py1, BLACK);
    // Series: error bars, lines, markers.
    for (k, s) in series.iter().enumerate() {
        let c = COLOURS[k % COLOURS.len()];
        for w in s.points.windows(2) {
            thick_line(&mut img, sx(w[0].0), sy(w[0].1), sx(w[1].0), sy(w[1].1), c);
        }
        for p in &s.points {
            let (x, y) = (sx(p.0).round() as i64, sy(p.1).round() as i64);
            if p.2 > 0.0 {
                let (ya, yb) = (sy(p.1 - p.2).round() as i64, sy(p.1 + p.2).round() as i64);
                line(&mut img, x, ya, x, yb, c);
                line(&mut img, x - 4, ya, x + 4, ya, c);
                line(&mut img, x - 4, yb, x + 4, yb, c);
            }
            marker(&mut img, x, y, k, c);
        }
    }
    // Title, labels, legend.
    text(&mut img, (W as i64 - 16 * title.len() as i64) / 2, 14, title, BLACK, 2);
    text(&mut img, (px0 + px1) / 2 - 4 * x_label.len() as i64, py0 + 30, x_label, BLACK, 1);
    if !note.is_empty() {
        text(&mut img, (px0 + px1) / 2 - 4 * note.len() as i64, py0 + 48, note, [120, 120, 120], 1);
    }
    text_vertical(&mut img, 14, (py0 + py1) / 2 + 4 * y_label.len() as i64, y_label, BLACK);
    let lw = series.iter().map(|s| s.label.len()).max().unwrap_or(0) as i64 * 8 + 44;
    // Bottom right: with the y axis from 0, the lines of non-negative data rarely pass there.
    let (lx, ly) = (px1 - lw - 10, py0 - 16 * series.len() as i64 - 18);
    if !series.is_empty() {
        rect(&mut img, lx, ly, lw, 16 * series.len() as i64 + 8, [255, 255, 255], Some([160, 160, 160]));
        for (k, s) in series.iter().enumerate() {
            let c = COLOURS[k % COLOURS.len()];
            let y = ly + 12 + 16 * k as i64;
            thick_line(&mut img, (lx + 6) as f64, y as f64, (lx + 30) as f64, y as f64, c);
            marker(&mut img, lx + 18, y, k, c);
            text(&mut img, lx + 38, y - 4, &s.label, BLACK, 1);
        }
    }
    img
}

/// Data range with a relative margin; a flat range is widened so the axis has extent.
fn span(vals: impl Iterator<Item = f64>, margin: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        let d = if lo.abs() > 1e-9 { lo.abs() * 0.1 } else { 1.0 };
        return (lo - d, hi + d);
    }
    let m = (hi - lo) * margin;
    (lo - m, hi + m)
}

/// About six round tick values inside [lo, hi].
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let raw = (hi - lo) / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

fn decimals(t: &[f64]) -> usize {
    (0..4).find(|&d| t.iter().all(|v| ((v * 10f64.powi(d as i32)).round() - v * 10f64.powi(d as i32)).abs() < 1e-6)).unwrap_or(4)
}

fn put(img: &mut RgbImage, x: i64, y: i64, c: [u8; 3]) {
    if x >= 0 && y >= 0 && x < img.width() as i64 && y < img.height() as i64 {
        img.put_pixel(x as u32, y as u32, Rgb(c));
    }
}

fn line(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
    let n = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
    for i in 0..=n {
        let t = i as f64 / n as f64;
        put(img, (x0 as f64 + t * (x1 - x0) as f64).round() as i64, (y0 as f64 + t * (y1 - y0) as f64).round() as i64, c);
    }
}

fn thick_line(img: &mut RgbImage, x0: f64, y0: f64, x1: f64, y1: f64, c: [u8; 3]) {
    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
        line(img, x0.round() as i64 + dx, y0.round() as i64 + dy, x1.round() as i64 + dx, y1.round() as i64 + dy, c);
    }
}

/// Filled circle, square or triangle by series index, so lines stay apart in grey print.
fn marker(img: &mut RgbImage, x: i64, y: i64, k: usize, c: [u8; 3]) {
    for dy in -5i64..=5 {
        for dx in -5i64..=5 {
            let inside = match k % 3 {
                0 => dx * dx + dy * dy <= 20,
                1 => dx.abs() <= 4 && dy.abs() <= 4,
                _ => dy >= -4 && dy <= 4 && 2 * dx.abs() <= dy + 4,
            };
            if inside {
                put(img, x + dx, y + dy, c);
            }
        }
    }
}

fn rect(img: &mut RgbImage, x: i64, y: i64, w: i64, h: i64, fill: [u8; 3], border: Option<[u8; 3]>) {
    for yy in y..y + h {
        for xx in x..x + w {
            put(img, xx, yy, fill);
        }
    }
    if let Some(b) = border {
        line(img, x, y, x + w - 1, y, b);
        line(img, x, y + h - 1, x + w - 1, y + h - 1, b);
        line(img, x, y, x, y + h - 1, b);
        line(img, x + w - 1, y, x + w - 1, y + h - 1, b);
    }
}

fn glyph(ch: char) -> [u8; 8] {
    let i = if ch.is_ascii() { ch as usize } else { b'?' as usize };
    font8x8::legacy::BASIC_LEGACY[i]
}

/// Horizontal text, top-left at (x, y), each font pixel drawn `scale`×`scale`.
fn text(img: &mut RgbImage, x: i64, y: i64, s: &str, c: [u8; 3], scale: i64) {
    for (k, ch) in s.chars().enumerate() {
        let g = glyph(ch);
        for (row, bits) in g.iter().enumerate() {
            for col in 0..8 {
                if bits & (1 << col) != 0 {
                    for a in 0..scale {
                        for b in 0..scale {
                            put(img, x + (8 * k as i64 + col) * scale + a, y + row as i64 * scale + b, c);
                        }
                    }
                }
            }
        }
    }
}

/// Text rotated a quarter turn anticlockwise (reading bottom to top), starting at (x, y) = its bottom-left.
fn text_vertical(img: &mut RgbImage, x: i64, y: i64, s: &str, c: [u8; 3]) {
    for (k, ch) in s.chars().enumerate() {
        let g = glyph(ch);
        for (row, bits) in g.iter().enumerate() {
            for col in 0..8 {
                if bits & (1 << col) != 0 {
                    put(img, x + row as i64, y - 8 * k as i64 - col, c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 1.0), vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        let t = ticks(3.2, 17.9);
        assert!(t.first().unwrap() >= &3.2 && t.last().unwrap() <= &17.9 && t.len() >= 4, "{t:?}");
    }

    #[test]
    fn a_plot_has_ink_in_each_series_colour() {
        let s = vec![
            Series { label: "a".into(), points: vec![(10.0, 1.0, 0.1, 3), (20.0, 2.0, 0.0, 1)] },
            Series { label: "b".into(), points: vec![(10.0, 2.0, 0.2, 3), (20.0, 1.5, 0.1, 3)] },
        ];
        let img = draw("T", "x", "y", &s, "");
        for c in &COLOURS[..2] {
            assert!(img.pixels().any(|p| p.0 == *c));
        }
        // An empty plot still draws axes.
        let e = draw("T", "x", "y", &[], "no runs");
        assert!(e.pixels().any(|p| p.0 == BLACK));
    }
}
