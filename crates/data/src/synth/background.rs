//! Cluttered static backgrounds: a wall or sky over a ground plane, smooth colour noise, and random shapes
//! (buildings, windows, poles, fences, blobs) in colours that overlap the clothing palette.

use super::figure::hsv;
use super::raster::{Canvas, Paint};
use rand::Rng;

/// Paints a random background into `canvas` (labels stay 0). `horizon` is the y of the ground line.
pub fn paint_background(canvas: &mut Canvas, horizon: f32, rng: &mut impl Rng) {
    let (w, h) = (canvas.width, canvas.height);
    let top = hsv(rng.random(), rng.random_range(0.05..0.5), rng.random_range(0.5..0.95));
    let mid = hsv(rng.random(), rng.random_range(0.05..0.5), rng.random_range(0.3..0.9));
    let ground_far = hsv(rng.random(), rng.random_range(0.05..0.45), rng.random_range(0.25..0.7));
    let ground_near = hsv(rng.random(), rng.random_range(0.05..0.45), rng.random_range(0.15..0.6));
    // Low-frequency noise: a coarse random grid, bilinearly interpolated.
    const G: usize = 6;
    let grid: Vec<[f32; 3]> = (0..(G + 1) * (G + 1))
        .map(|_| [0; 3].map(|_: u8| rng.random_range(-28.0f32..28.0)))
        .collect();
    for y in 0..h {
        let fy = y as f32 / h as f32 * G as f32;
        let (gy, ty) = ((fy as usize).min(G - 1), fy.fract());
        let base = if (y as f32) < horizon {
            mix(top, mid, y as f32 / horizon.max(1.0))
        } else {
            mix(ground_far, ground_near, (y as f32 - horizon) / (h as f32 - horizon).max(1.0))
        };
        for x in 0..w {
            let fx = x as f32 / w as f32 * G as f32;
            let (gx, tx) = ((fx as usize).min(G - 1), fx.fract());
            let i = 3 * (y * w + x);
            for c in 0..3 {
                let a = grid[gy * (G + 1) + gx][c] * (1.0 - tx) + grid[gy * (G + 1) + gx + 1][c] * tx;
                let b = grid[(gy + 1) * (G + 1) + gx][c] * (1.0 - tx) + grid[(gy + 1) * (G + 1) + gx + 1][c] * tx;
                canvas.rgb[i + c] = (base[c] + a * (1.0 - ty) + b * ty).clamp(0.0, 255.0) as u8;
            }
        }
    }
    let (wf, hf) = (w as f32, h as f32);
    let shapes = rng.random_range(5..14);
    for _ in 0..shapes {
        let colour = clutter_colour(rng);
        match rng.random_range(0..5) {
            0 => {
                // Building with windows, standing on the horizon.
                let (x0, bw) = (rng.random_range(-0.1..1.0) * wf, rng.random_range(0.1..0.4) * wf);
                let top = horizon - rng.random_range(0.1..0.9) * horizon;
                canvas.fill_polygon(&rect(x0, top, bw, horizon - top), &Paint::Solid(colour), 0);
                let win = clutter_colour(rng);
                let step = rng.random_range(0.04..0.09) * wf;
                let mut wy = top + step * 0.5;
                while wy + step * 0.5 < horizon {
                    let mut wx = x0 + step * 0.4;
                    while wx + step * 0.5 < x0 + bw {
                        canvas.fill_polygon(&rect(wx, wy, step * 0.5, step * 0.55), &Paint::Solid(win), 0);
                        wx += step;
                    }
                    wy += step;
                }
            }
            1 => {
                // Pole.
                let x0 = rng.random_range(0.0..1.0) * wf;
                let pw = rng.random_range(0.008..0.03) * wf;
                let base = horizon + rng.random_range(0.0..0.3) * (hf - horizon);
                let top = base - rng.random_range(0.3..0.9) * hf;
                canvas.fill_polygon(&rect(x0, top, pw, base - top), &Paint::Solid(colour), 0);
            }
            2 => {
                // Fence: striped band along the horizon.
                let other = clutter_colour(rng);
                let fh = rng.random_range(0.03..0.12) * hf;
                let period = rng.random_range(0.02..0.06) * wf;
                let paint = Paint::Stripes { a: colour, b: other, origin: (0.0, 0.0), axis: (1.0, 0.0), period };
                canvas.fill_polygon(&rect(-1.0, horizon - fh, wf + 2.0, fh), &paint, 0);
            }
            3 => {
                // Blob (a tree crown, a bush, a puddle).
                let c = (rng.random_range(0.0..1.0) * wf, rng.random_range(0.1..0.95) * hf);
                let r = rng.random_range(0.03..0.15) * wf;
                canvas.fill_ellipse(c, r, r * rng.random_range(0.5..1.3), rng.random_range(0.0..std::f32::consts::PI), &Paint::Solid(colour), 0);
            }
            _ => {
                // A tilted slab (a poster, a ramp).
                let c = (rng.random_range(0.0..1.0) * wf, rng.random_range(0.2..0.9) * hf);
                let (a, b) = (rng.random_range(0.03..0.15) * wf, rng.random_range(0.03..0.15) * hf);
                let t: f32 = rng.random_range(-0.6..0.6);
                let (s, co) = t.sin_cos();
                let corner = |u: f32, v: f32| (c.0 + u * co - v * s, c.1 + u * s + v * co);
                canvas.fill_polygon(&[corner(-a, -b), corner(a, -b), corner(a, b), corner(-a, b)], &Paint::Solid(colour), 0);
            }
        }
    }
}

/// A colour for clutter: half of them saturated like clothing, the rest muted.
pub fn clutter_colour(rng: &mut impl Rng) -> [u8; 3] {
    if rng.random_bool(0.5) {
        hsv(rng.random(), rng.random_range(0.4..0.95), rng.random_range(0.35..0.95))
    } else {
        hsv(rng.random(), rng.random_range(0.0..0.3), rng.random_range(0.15..0.85))
    }
}

/// An axis-aligned rectangle as a polygon.
pub fn rect(x: f32, y: f32, w: f32, h: f32) -> [(f32, f32); 4] {
    [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
}

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0);
    [0, 1, 2].map(|c| a[c] as f32 * (1.0 - t) + b[c] as f32 * t)
}
