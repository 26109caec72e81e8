//! Polygon rasterisation exactly as pycocotools `rleFrPoly`: the outline is upsampled ×5, walked densely,
//! and the crossings of pixel-column boundaries become run starts/ends. C integer semantics (truncation
//! toward zero, unsigned wrap-around) are reproduced on purpose so that results are byte-identical.

use super::Rle;

/// Rasterises one polygon given as flat `[x0, y0, x1, y1, ...]` (at least 3 points, caller-checked).
pub(crate) fn fr_poly(xy: &[f64], h: u32, w: u32) -> Rle {
    let k = xy.len() / 2;
    let scale = 5.0f64;
    let mut x: Vec<i32> = (0..k).map(|j| (scale * xy[2 * j] + 0.5) as i32).collect();
    let mut y: Vec<i32> = (0..k).map(|j| (scale * xy[2 * j + 1] + 0.5) as i32).collect();
    x.push(x[0]);
    y.push(y[0]);
    // Dense boundary points (u, v) in the upsampled grid.
    let mut u: Vec<i32> = Vec::new();
    let mut v: Vec<i32> = Vec::new();
    for j in 0..k {
        let (mut xs, mut xe, mut ys, mut ye) = (x[j], x[j + 1], y[j], y[j + 1]);
        let dx = (xe as i64 - xs as i64).abs();
        let dy = (ys as i64 - ye as i64).abs();
        let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
        if flip {
            std::mem::swap(&mut xs, &mut xe);
            std::mem::swap(&mut ys, &mut ye);
        }
        if dx >= dy {
            let s = (ye as f64 - ys as f64) / dx as f64;
            for d in 0..=dx {
                let t = if flip { dx - d } else { d };
                u.push((t + xs as i64) as i32);
                v.push((ys as f64 + s * t as f64 + 0.5) as i32);
            }
        } else {
            let s = (xe as f64 - xs as f64) / dy as f64;
            for d in 0..=dy {
                let t = if flip { dy - d } else { d };
                v.push((t + ys as i64) as i32);
                u.push((xs as f64 + s * t as f64 + 0.5) as i32);
            }
        }
    }
    // Points where the boundary crosses a pixel column, downsampled back to pixel units.
    let wm1 = (w as u64).wrapping_sub(1) as f64;
    let mut a: Vec<u32> = Vec::new();
    for j in 1..u.len() {
        if u[j] == u[j - 1] {
            continue;
        }
        let mut xd = if u[j] < u[j - 1] { u[j] } else { u[j] - 1 } as f64;
        xd = (xd + 0.5) / scale - 0.5;
        if xd.floor() != xd || xd < 0.0 || xd > wm1 {
            continue;
        }
        let mut yd = v[j].min(v[j - 1]) as f64;
        yd = (yd + 0.5) / scale - 0.5;
        if yd < 0.0 {
            yd = 0.0;
        } else if yd > h as f64 {
            yd = h as f64;
        }
        yd = yd.ceil();
        let (xi, yi) = (xd as i32, yd as i32);
        a.push(xi.wrapping_mul(h as i32).wrapping_add(yi) as u32);
    }
    a.push(h.wrapping_mul(w));
    a.sort_unstable();
    let mut p = 0u32;
    for t in a.iter_mut() {
        let cur = *t;
        *t = t.wrapping_sub(p);
        p = cur;
    }
    // Collapse zero-length runs: a zero merges the following run into the previous one.
    let mut b: Vec<u32> = Vec::with_capacity(a.len());
    let mut j = 0usize;
    b.push(a[j]);
    j += 1;
    while j < a.len() {
        if a[j] > 0 {
            b.push(a[j]);
            j += 1;
        } else {
            j += 1;
            if j < a.len() {
                let last = b.len() - 1;
                b[last] = b[last].wrapping_add(a[j]);
                j += 1;
            }
        }
    }
    Rle { h, w, counts: b }
}
