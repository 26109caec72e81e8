//! Pasting box-relative soft masks into the full image (detectron2 `paste_masks_in_image`).

/// Pastes an `r×r` row-major soft mask (probabilities) of the box `[x0, y0, x1, y1]` into an
/// `height×width` binary mask: each pixel centre inside the box samples the soft mask bilinearly
/// (align_corners = false, zero outside) and is on when the value is ≥ `threshold`.
pub fn paste_mask(soft: &[f32], r: usize, bbox: [f32; 4], height: usize, width: usize, threshold: f32) -> Vec<bool> {
    let mut out = vec![false; height * width];
    let [x0, y0, x1, y1] = bbox;
    let (bw, bh) = (x1 - x0, y1 - y0);
    if r == 0 || soft.len() != r * r || !(bw > 0.0 && bh > 0.0) {
        return out;
    }
    let sample = |u: f32, v: f32| -> f32 {
        // Bilinear with zero padding on the r×r grid whose pixel centres are at integers.
        let (u0, v0) = (u.floor(), v.floor());
        let (fu, fv) = (u - u0, v - v0);
        let mut acc = 0.0;
        for (dv, wv) in [(0.0, 1.0 - fv), (1.0, fv)] {
            for (du, wu) in [(0.0, 1.0 - fu), (1.0, fu)] {
                let (xi, yi) = (u0 + du, v0 + dv);
                if xi >= 0.0 && yi >= 0.0 && (xi as usize) < r && (yi as usize) < r {
                    acc += wu * wv * soft[yi as usize * r + xi as usize];
                }
            }
        }
        acc
    };
    let xs = (x0.floor().max(0.0) as usize).min(width)..(x1.ceil().max(0.0) as usize).min(width);
    let ys = (y0.floor().max(0.0) as usize).min(height)..(y1.ceil().max(0.0) as usize).min(height);
    for y in ys {
        let v = (y as f32 + 0.5 - y0) / bh * r as f32 - 0.5;
        for x in xs.clone() {
            let u = (x as f32 + 0.5 - x0) / bw * r as f32 - 0.5;
            out[y * width + x] = sample(u, v) >= threshold;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_mask_fills_its_box_and_nothing_else() {
        let soft = vec![1.0; 4 * 4];
        let m = paste_mask(&soft, 4, [2.0, 3.0, 6.0, 8.0], 10, 10, 0.5);
        for y in 0..10 {
            for x in 0..10 {
                let inside = (2..6).contains(&x) && (3..8).contains(&y);
                assert_eq!(m[y * 10 + x], inside, "({x},{y})");
            }
        }
    }

    #[test]
    fn left_half_mask_pastes_left_half_and_clips_to_the_image() {
        let mut soft = vec![0.0; 8 * 8];
        for y in 0..8 {
            for x in 0..4 {
                soft[y * 8 + x] = 1.0;
            }
        }
        let m = paste_mask(&soft, 8, [-4.0, 0.0, 12.0, 4.0], 4, 8, 0.5);
        // Box spans x in [-4, 12); its left half is [-4, 4): pixels 0..4 on, 4..8 off.
        for x in 0..8 {
            assert_eq!(m[x], x < 4, "x = {x}");
        }
        assert!(paste_mask(&soft, 8, [3.0, 3.0, 3.0, 5.0], 4, 8, 0.5).iter().all(|v| !v));
    }
}
