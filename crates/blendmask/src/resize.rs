//! Bilinear resize (`align_corners = false`, PyTorch `F.interpolate(.., mode="bilinear")`) as two
//! interpolation matrices applied with `matmul`: `Y = A_h · X · A_wᵀ` per channel.
//!
//! burn's cubecl backends (CUDA, ROCm, wgpu) have no bilinear `interpolate` backward; a matmul's backward exists
//! everywhere and is exactly the transposed linear map, i.e. PyTorch's `upsample_bilinear2d_backward`.

use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};

/// The `[output, input]` row-major matrix of 1-D linear interpolation with `align_corners = false`:
/// output `i` reads source position `s = max((i + ½)·input/output − ½, 0)`, taps `⌊s⌋` and `min(⌊s⌋ + 1,
/// input − 1)` with weights `1 − λ` and `λ`, `λ = s − ⌊s⌋` (PyTorch's `area_pixel_compute_source_index`).
pub fn interpolation_matrix(input: usize, output: usize) -> Vec<f32> {
    let mut a = vec![0f32; output * input];
    if input == 0 {
        return a;
    }
    let scale = input as f64 / output as f64;
    for i in 0..output {
        let s = ((i as f64 + 0.5) * scale - 0.5).max(0.0);
        let i0 = (s.floor() as usize).min(input - 1);
        let i1 = (i0 + 1).min(input - 1);
        let l = (s - i0 as f64) as f32;
        a[i * input + i0] += 1.0 - l;
        a[i * input + i1] += l;
    }
    a
}

/// `[input, output]`: the transpose of [`interpolation_matrix`], the right-hand factor of `X · Aᵀ`.
fn interpolation_matrix_t(input: usize, output: usize) -> Vec<f32> {
    let a = interpolation_matrix(input, output);
    let mut t = vec![0f32; a.len()];
    for o in 0..output {
        for i in 0..input {
            t[i * output + o] = a[o * input + i];
        }
    }
    t
}

/// Bilinear resize of `[N, C, H, W]` to `size` with `align_corners = false`; differentiable on every backend.
/// An axis whose size does not change is left as it is (its matrix would be the identity).
pub fn resize_bilinear<B: Backend>(x: Tensor<B, 4>, size: [usize; 2]) -> Tensor<B, 4> {
    let [n, c, h, w] = x.dims();
    let [oh, ow] = size;
    if [h, w] == size {
        return x;
    }
    let device = x.device();
    let factor = |input: usize, output: usize| {
        Tensor::<B, 2>::from_data(TensorData::new(interpolation_matrix_t(input, output), [input, output]), &device)
    };
    let mut y = x;
    if ow != w {
        y = y.reshape([n * c * h, w]).matmul(factor(w, ow)).reshape([n, c, h, ow]);
    }
    if oh != h {
        let rows = y.swap_dims(2, 3).reshape([n * c * ow, h]).matmul(factor(h, oh));
        y = rows.reshape([n, c, ow, oh]).swap_dims(2, 3);
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
