//! Bilinear resize (`align_corners = false`, PyTorch `F.interpolate(.., mode="bilinear")`) as two separable
//! two-tap passes built from `select` and element-wise products: along each axis, output `i` is
//! `(1 − λ_i)·x[i0_i] + λ_i·x[i1_i]`.
//!
//! burn's cubecl backends (CUDA, ROCm, wgpu) have no bilinear `interpolate` backward; `select`'s backward (a
//! scatter-add) and products exist everywhere, and the composition's gradient is exactly the transposed linear
//! map, i.e. PyTorch's `upsample_bilinear2d_backward`. An earlier version used interpolation matrices with
//! `matmul`; on lavapipe (the CI's Vulkan driver) each matmul shape compiled a large kernel for 5–20 s, while the
//! gather-and-blend kernels here are small and shared with the rest of the network.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

/// The two taps and weights of 1-D linear interpolation from `input` to `output` samples with
/// `align_corners = false`: output `i` reads source position `s = max((i + ½)·input/output − ½, 0)`, taps
/// `⌊s⌋` and `min(⌊s⌋ + 1, input − 1)` with weights `1 − λ` and `λ`, `λ = s − ⌊s⌋` (PyTorch's
/// `area_pixel_compute_source_index`). Returns `(i0, i1, 1 − λ, λ)`, one entry per output sample.
pub fn interpolation_taps(input: usize, output: usize) -> (Vec<i64>, Vec<i64>, Vec<f32>, Vec<f32>) {
    let (mut i0s, mut i1s, mut w0s, mut w1s) = (Vec::with_capacity(output), Vec::with_capacity(output), Vec::with_capacity(output), Vec::with_capacity(output));
    if input == 0 {
        return (i0s, i1s, w0s, w1s);
    }
    // Positions in f64 (as burn's `interpolate` computes them), weights rounded once to f32.
    let scale = input as f64 / output as f64;
    for i in 0..output {
        let s = ((i as f64 + 0.5) * scale - 0.5).max(0.0);
        let i0 = (s.floor() as usize).min(input - 1);
        let i1 = (i0 + 1).min(input - 1);
        let l = s - i0 as f64;
        i0s.push(i0 as i64);
        i1s.push(i1 as i64);
        w0s.push((1.0 - l) as f32);
        w1s.push(l as f32);
    }
    (i0s, i1s, w0s, w1s)
}

/// The `[output, input]` row-major matrix of [`interpolation_taps`] (what the two taps compute, as a matrix).
pub fn interpolation_matrix(input: usize, output: usize) -> Vec<f32> {
    let mut a = vec![0f32; output * input];
    let (i0, i1, w0, w1) = interpolation_taps(input, output);
    for o in 0..i0.len() {
        a[o * input + i0[o] as usize] += w0[o];
        a[o * input + i1[o] as usize] += w1[o];
    }
    a
}

/// Linear interpolation of `x` along `DIM` (2 = height, 3 = width) to `output` samples.
fn resize_axis<B: Backend, const DIM: usize>(x: Tensor<B, 4>, output: usize) -> Tensor<B, 4> {
    let input = x.dims()[DIM];
    let device = x.device();
    let (i0, i1, w0, w1) = interpolation_taps(input, output);
    let index = |v: Vec<i64>| Tensor::<B, 1, Int>::from_data(TensorData::new(v, [output]), &device);
    let [n, c, _, _] = x.dims();
    let (a, b) = (x.clone().select(DIM, index(i0)), x.select(DIM, index(i1)));
    let [_, _, oh, ow] = a.dims();
    // Each weight as one row shared by every [n, c] plane (`[1, 1, oh·ow]`): burn-flex multiplies a shared
    // contiguous row with SIMD, while a weight broadcast along a middle axis takes its scalar strided path.
    let plane = |v: Vec<f32>| {
        let row: Vec<f32> = match DIM {
            3 => (0..oh).flat_map(|_| v.iter().copied()).collect(),
            _ => v.iter().flat_map(|&wt| std::iter::repeat_n(wt, ow)).collect(),
        };
        Tensor::<B, 1>::from_data(TensorData::new(row, [oh * ow]), &device).reshape([1, 1, oh * ow])
    };
    (a.reshape([n, c, oh * ow]) * plane(w0) + b.reshape([n, c, oh * ow]) * plane(w1)).reshape([n, c, oh, ow])
}

/// Bilinear resize of `[N, C, H, W]` to `size` with `align_corners = false`; differentiable on every backend.
/// An axis whose size does not change is left as it is (its interpolation is the identity).
pub fn resize_bilinear<B: Backend>(x: Tensor<B, 4>, size: [usize; 2]) -> Tensor<B, 4> {
    let [_, _, h, w] = x.dims();
    let [oh, ow] = size;
    let mut y = x;
    if ow != w {
        y = resize_axis::<B, 3>(y, ow);
    }
    if oh != h {
        y = resize_axis::<B, 2>(y, oh);
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sum_to_one_and_identity_when_sizes_agree() {
        for (i, o) in [(1, 5), (5, 1), (7, 7), (14, 56), (56, 14), (3, 8), (13, 9)] {
            let a = interpolation_matrix(i, o);
            for r in 0..o {
                let s: f32 = a[r * i..(r + 1) * i].iter().sum();
                assert!((s - 1.0).abs() < 1e-6, "{i}→{o} row {r} sums to {s}");
            }
            if i == o {
                for r in 0..o {
                    assert_eq!(a[r * i + r], 1.0, "{i}→{o} is not the identity");
                }
            }
        }
    }

    #[test]
    fn doubling_matches_pytorch_weights() {
        // F.interpolate of eye(4) to 8 rows (align_corners=False): output 1 = 0.75·x0 + 0.25·x1, output 0 = x0.
        let a = interpolation_matrix(4, 8);
        assert_eq!(&a[0..4], &[1.0, 0.0, 0.0, 0.0]);
        assert_eq!(&a[4..8], &[0.75, 0.25, 0.0, 0.0]);
        assert_eq!(&a[8..12], &[0.25, 0.75, 0.0, 0.0]);
        assert_eq!(&a[28..32], &[0.0, 0.0, 0.0, 1.0]);
    }
}
