//! Pasting R×R soft masks into the image (detectron2 `paste_masks_in_image`, the bilinear
//! `grid_sample(align_corners=False)` path with zero padding), then thresholding.

use crate::error::BlendMaskError;

/// Pastes one `r × r` mask of probabilities (σ of the blender's logits), row-major, into an
/// `height × width` canvas inside `bbox` (x0, y0, x1, y1 in image pixels) and returns the binary mask
/// (`1` where the resampled probability ≥ `threshold`), row-major.
pub fn paste_mask(
    mask: &[f32],
    r: usize,
    bbox: [f32; 4],
    height: usize,
    width: usize,
    threshold: f32,
) -> Result<Vec<u8>, BlendMaskError> {
    if r == 0 || mask.len() != r * r {
        return Err(BlendMaskError::Shape { what: "mask", expected: format!("{r}×{r} values"), got: vec![mask.len()] });
    }
    if bbox.iter().any(|v| !v.is_finite()) {
        return Err(BlendMaskError::Roi { index: 0, reason: format!("non-finite box {bbox:?}") });
    }
    let mut out = vec![0u8; height * width];
    let (bw, bh) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
    if bw <= 0.0 || bh <= 0.0 {
        return Ok(out);
    }
    let at = |y: isize, x: isize| -> f32 {
        if y < 0 || x < 0 || y >= r as isize || x >= r as isize { 0.0 } else { mask[y as usize * r + x as usize] }
    };
    // Only pixels whose centre can see the mask need work.
    let x_lo = (bbox[0].floor().max(0.0) as usize).min(width);
    let x_hi = ((bbox[2].ceil() + 1.0).max(0.0) as usize).min(width);
    let y_lo = (bbox[1].floor().max(0.0) as usize).min(height);
    let y_hi = ((bbox[3].ceil() + 1.0).max(0.0) as usize).min(height);
    for y in y_lo..y_hi {
        let sy = (y as f32 + 0.5 - bbox[1]) / bh * r as f32 - 0.5;
        let y0 = sy.floor();
        let ly = sy - y0;
        for x in x_lo..x_hi {
            let sx = (x as f32 + 0.5 - bbox[0]) / bw * r as f32 - 0.5;
            let x0 = sx.floor();
            let lx = sx - x0;
            let (yi, xi) = (y0 as isize, x0 as isize);
            let v = (1.0 - ly) * ((1.0 - lx) * at(yi, xi) + lx * at(yi, xi + 1))
                + ly * ((1.0 - lx) * at(yi + 1, xi) + lx * at(yi + 1, xi + 1));
            out[y * width + x] = (v >= threshold) as u8;
        }
    }
    Ok(out)
}
