//! RoIAlign (torchvision `roi_align` semantics, incl. `aligned=True` = detectron2 ROIAlignV2) built from
//! burn tensor ops. The sampling positions and bilinear weights depend only on the boxes, which are
//! host data (GT boxes in training, detections at inference), so they are computed on the host; the
//! tensor part is one `select` (gather) of feature rows, a multiply by the weights and a sum — gradients
//! flow to the feature map (the boxes get none, as in BlendMask where they are constants).

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

use crate::error::BlendMaskError;

/// One region: image index in the batch and (x0, y0, x1, y1) in input pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    /// Image index in the feature batch.
    pub batch: usize,
    /// Box corners in input-image pixels.
    pub bbox: [f32; 4],
}

/// RoIAlign parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoiAlignConfig {
    /// Output (height, width).
    pub output: (usize, usize),
    /// Factor from box coordinates to feature-map pixels (0.25 for stride-4 bases).
    pub spatial_scale: f32,
    /// Samples per bin side; ≤ 0 means adaptive ⌈roi_size / output⌉ per RoI.
    pub sampling_ratio: i32,
    /// Half-pixel-correct alignment (subtract 0.5 after scaling; no 1-pixel minimum RoI size).
    pub aligned: bool,
}

impl RoiAlignConfig {
    /// BlendMask's pooler: R×R, scale 1/4, sampling ratio 1, aligned.
    pub fn blendmask(resolution: usize) -> Self {
        Self { output: (resolution, resolution), spatial_scale: 0.25, sampling_ratio: 1, aligned: true }
    }
}

/// Sparse bilinear weights: for each output element (RoI-major, then row-major bins), `taps` pairs of
/// (pixel index y·W + x within the RoI's image, weight). Padding taps carry weight 0 at pixel 0.
struct Taps {
    taps: usize,
    pixel: Vec<i64>,
    weight: Vec<f32>,
}

fn validate(rois: &[Roi], n: usize) -> Result<(), BlendMaskError> {
    for (index, r) in rois.iter().enumerate() {
        if r.batch >= n {
            return Err(BlendMaskError::Roi { index, reason: format!("batch index {} but only {n} images", r.batch) });
        }
        if r.bbox.iter().any(|v| !v.is_finite()) {
            return Err(BlendMaskError::Roi { index, reason: format!("non-finite box {:?}", r.bbox) });
        }
    }
    Ok(())
}

/// Grid size of one RoI (samples per bin along y and x) and its bin geometry.
fn roi_geometry(r: &Roi, cfg: &RoiAlignConfig) -> (f32, f32, f32, f32, usize, usize) {
    let (oh, ow) = cfg.output;
    let offset = if cfg.aligned { 0.5 } else { 0.0 };
    let sx = r.bbox[0] * cfg.spatial_scale - offset;
    let sy = r.bbox[1] * cfg.spatial_scale - offset;
    let mut rw = r.bbox[2] * cfg.spatial_scale - offset - sx;
    let mut rh = r.bbox[3] * cfg.spatial_scale - offset - sy;
    if !cfg.aligned {
        rw = rw.max(1.0);
        rh = rh.max(1.0);
    }
    let bin_h = rh / oh as f32;
    let bin_w = rw / ow as f32;
    let gh = if cfg.sampling_ratio > 0 { cfg.sampling_ratio as usize } else { (rh / oh as f32).ceil().max(0.0) as usize };
    let gw = if cfg.sampling_ratio > 0 { cfg.sampling_ratio as usize } else { (rw / ow as f32).ceil().max(0.0) as usize };
    (sx, sy, bin_w, bin_h, gh, gw)
}

/// torchvision's `bilinear_interpolate` weights at (y, x) on an H×W map: up to 4 (pixel, weight) pairs.
fn bilinear(y: f32, x: f32, h: usize, w: usize, out: &mut Vec<(i64, f32)>) {
    if y < -1.0 || y > h as f32 || x < -1.0 || x > w as f32 {
        return;
    }
    let (mut y, mut x) = (y.max(0.0), x.max(0.0));
    let mut y_low = y as usize;
    let mut x_low = x as usize;
    let y_high;
    let x_high;
    if y_low >= h - 1 {
        y_low = h - 1;
        y_high = h - 1;
        y = y_low as f32;
    } else {
        y_high = y_low + 1;
    }
    if x_low >= w - 1 {
        x_low = w - 1;
        x_high = w - 1;
        x = x_low as f32;
    } else {
        x_high = x_low + 1;
    }
    let ly = y - y_low as f32;
    let lx = x - x_low as f32;
    let (hy, hx) = (1.0 - ly, 1.0 - lx);
    let idx = |yy: usize, xx: usize| (yy * w + xx) as i64;
    out.push((idx(y_low, x_low), hy * hx));
    out.push((idx(y_low, x_high), hy * lx));
    out.push((idx(y_high, x_low), ly * hx));
    out.push((idx(y_high, x_high), ly * lx));
}

fn compute_taps(rois: &[Roi], h: usize, w: usize, cfg: &RoiAlignConfig) -> Taps {
    let (oh, ow) = cfg.output;
    let geos: Vec<_> = rois.iter().map(|r| roi_geometry(r, cfg)).collect();
    let taps = geos.iter().map(|g| 4 * g.4 * g.5).max().unwrap_or(0).max(1);
    let total = rois.len() * oh * ow;
    let mut pixel = Vec::with_capacity(total * taps);
    let mut weight = Vec::with_capacity(total * taps);
    let mut buf = Vec::with_capacity(taps);
    for &(sx, sy, bin_w, bin_h, gh, gw) in &geos {
        let count = (gh * gw).max(1) as f32;
        for ph in 0..oh {
            for pw in 0..ow {
                buf.clear();
                for iy in 0..gh {
                    let y = sy + ph as f32 * bin_h + (iy as f32 + 0.5) * bin_h / gh as f32;
                    for ix in 0..gw {
                        let x = sx + pw as f32 * bin_w + (ix as f32 + 0.5) * bin_w / gw as f32;
                        bilinear(y, x, h, w, &mut buf);
                    }
                }
                for k in 0..taps {
                    let (p, wt) = buf.get(k).copied().unwrap_or((0, 0.0));
                    pixel.push(p);
                    weight.push(wt / count);
                }
            }
        }
    }
    Taps { taps, pixel, weight }
}

/// RoIAlign of `features` `[N, C, H, W]` over `rois`: returns `[R, C, out_h, out_w]`. Matches torchvision
/// `roi_align(features, boxes, output, spatial_scale, sampling_ratio, aligned)`. An empty `rois` gives
/// `[0, C, out_h, out_w]`.
pub fn roi_align<B: Backend>(
    features: Tensor<B, 4>,
    rois: &[Roi],
    cfg: &RoiAlignConfig,
) -> Result<Tensor<B, 4>, BlendMaskError> {
    let [n, c, h, w] = features.dims();
    let (oh, ow) = cfg.output;
    validate(rois, n)?;
    if h == 0 || w == 0 || oh == 0 || ow == 0 {
        return Err(BlendMaskError::Shape { what: "features/output", expected: "non-empty maps".into(), got: vec![n, c, h, w, oh, ow] });
    }
    let device = features.device();
    if rois.is_empty() {
        return Ok(Tensor::zeros([0, c, oh, ow], &device));
    }
    let t = compute_taps(rois, h, w, cfg);
    // Global row index into the [N·H·W, C] table.
    let per_roi = oh * ow * t.taps;
    let rows: Vec<i64> = t
        .pixel
        .iter()
        .enumerate()
        .map(|(i, &p)| p + (rois[i / per_roi].batch * h * w) as i64)
        .collect();
    let e = rows.len();
    let table = features.permute([0, 2, 3, 1]).reshape([n * h * w, c]);
    let idx = Tensor::<B, 1, Int>::from_data(TensorData::new(rows, [e]), &device);
    let wts = Tensor::<B, 2>::from_data(TensorData::new(t.weight, [e, 1]), &device);
    let gathered = table.select(0, idx) * wts; // [E, C]
    let r = rois.len();
    let pooled = gathered.reshape([r * oh * ow, t.taps, c]).sum_dim(1).reshape([r, oh, ow, c]);
    Ok(pooled.permute([0, 3, 1, 2]))
}

/// Host RoIAlign on a row-major `[N, C, H, W]` slice: the same arithmetic as [`roi_align`], for data
/// preparation (GT mask cropping) and tests. Returns `[R, C, out_h, out_w]` row-major.
pub fn roi_align_host(
    features: &[f32],
    shape: [usize; 4],
    rois: &[Roi],
    cfg: &RoiAlignConfig,
) -> Result<Vec<f32>, BlendMaskError> {
    let [n, c, h, w] = shape;
    if features.len() != n * c * h * w || h == 0 || w == 0 {
        return Err(BlendMaskError::Shape { what: "features", expected: format!("{shape:?} non-empty"), got: vec![features.len()] });
    }
    validate(rois, n)?;
    let (oh, ow) = cfg.output;
    let t = compute_taps(rois, h, w, cfg);
    let mut out = vec![0.0f32; rois.len() * c * oh * ow];
    for (ri, r) in rois.iter().enumerate() {
        for ch in 0..c {
            let plane = &features[(r.batch * c + ch) * h * w..(r.batch * c + ch + 1) * h * w];
            for o in 0..oh * ow {
                let base = (ri * oh * ow + o) * t.taps;
                let v: f32 = (0..t.taps).map(|k| plane[t.pixel[base + k] as usize] * t.weight[base + k]).sum();
                out[(ri * c + ch) * oh * ow + o] = v;
            }
        }
    }
    Ok(out)
}

/// Crops a binary mask (`h × w`, row-major, non-zero = inside) to `bbox` and resizes it to `size × size`
/// as detectron2's `BitMasks.crop_and_resize` does: aligned RoIAlign at scale 1 with adaptive sampling,
/// then ≥ 0.5. Returns 0/1 values, row-major.
pub fn crop_and_resize_mask(
    mask: &[u8],
    h: usize,
    w: usize,
    bbox: [f32; 4],
    size: usize,
) -> Result<Vec<f32>, BlendMaskError> {
    let plane: Vec<f32> = mask.iter().map(|&v| if v != 0 { 1.0 } else { 0.0 }).collect();
    let cfg = RoiAlignConfig { output: (size, size), spatial_scale: 1.0, sampling_ratio: 0, aligned: true };
    let out = roi_align_host(&plane, [1, 1, h, w], &[Roi { batch: 0, bbox }], &cfg)?;
    Ok(out.into_iter().map(|v| if v >= 0.5 { 1.0 } else { 0.0 }).collect())
}
