//! `upsample_nearest` (the FPN's top-down resize) against burn's `interpolate(.., Nearest)` on Flex and a
//! closed-form gradient, over random sizes: the FPN's `ceil(h/2) → h`, integer factors, and irregular
//! up- and down-sampling (the `select` path).

use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use dla34::{nearest_source_index, upsample_nearest};

type B = Autodiff<Flex>;

/// A small deterministic generator (no `rand` dependency needed for a test).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn values(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next() as f32 / (1u64 << 31) as f32 * 2.0 - 1.0).collect()
    }
}

fn host<Q: Backend, const D: usize>(t: Tensor<Q, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec().unwrap()
}

/// Checks the forward and the gradient of one resize.
fn check(rng: &mut Lcg, [n, c, h_in, w_in]: [usize; 4], [h, w]: [usize; 2]) {
    let device = Default::default();
    let x_data = TensorData::new(rng.values(n * c * h_in * w_in), [n, c, h_in, w_in]);
    let r_data = rng.values(n * c * h * w);
    let x = Tensor::<B, 4>::from_data(x_data.clone(), &device).require_grad();
    let r = Tensor::<B, 4>::from_data(TensorData::new(r_data.clone(), [n, c, h, w]), &device);

    let ours = upsample_nearest(x.clone(), [h, w]);
    let theirs = interpolate(x.clone(), [h, w], InterpolateOptions::new(InterpolateMode::Nearest));
    assert_eq!(ours.dims(), [n, c, h, w]);
    let case = format!("{:?} → {:?}", [n, c, h_in, w_in], [h, w]);
    assert_eq!(host(ours.clone()), host(theirs), "forward differs from interpolate(Nearest) for {case}");

    let grads = (ours * r).sum().backward();
    let got = host(x.grad(&grads).expect("x has a gradient"));
    // Closed form: each input pixel receives the sum of the output gradients that read it.
    let mut want = vec![0f32; n * c * h_in * w_in];
    for p in 0..n * c {
        for y in 0..h {
            for x_ in 0..w {
                let (sy, sx) = (nearest_source_index(y, h_in, h), nearest_source_index(x_, w_in, w));
                want[(p * h_in + sy) * w_in + sx] += r_data[(p * h + y) * w + x_];
            }
        }
    }
    for (i, (g, e)) in got.iter().zip(&want).enumerate() {
        assert!((g - e).abs() <= 1e-5 * (1.0 + e.abs()), "gradient {i} of {case}: {g} vs {e}");
    }
}

#[test]
fn fpn_sizes_match_interpolate_and_closed_form_gradient() {
    let mut rng = Lcg(3);
    // The FPN merges ceil(h/2) into h, for even and odd h, including the 1 → 1 and 1 → 2 corners.
    for h in 1usize..=13 {
        for w in [1usize, 2, 5, 8, 9] {
            check(&mut rng, [2, 3, h.div_ceil(2), w.div_ceil(2)], [h, w]);
        }
    }
}

#[test]
fn random_sizes_match_interpolate_and_closed_form_gradient() {
    let mut rng = Lcg(11);
    for _ in 0..200 {
        let shape = [1 + rng.below(2), 1 + rng.below(3), 1 + rng.below(7), 1 + rng.below(7)];
        let size = [1 + rng.below(16), 1 + rng.below(16)];
        check(&mut rng, shape, size);
    }
}

#[test]
fn source_index_is_pytorch_nearest() {
    // Values from torch.nn.functional.interpolate(mode="nearest") index maps.
    let map = |i, o| (0..o).map(|d| nearest_source_index(d, i, o)).collect::<Vec<_>>();
    assert_eq!(map(3, 5), [0, 0, 1, 1, 2]);
    assert_eq!(map(3, 4), [0, 0, 1, 2]);
    assert_eq!(map(2, 6), [0, 0, 0, 1, 1, 1]);
    assert_eq!(map(5, 3), [0, 1, 3]);
    assert_eq!(map(4, 4), [0, 1, 2, 3]);
}
