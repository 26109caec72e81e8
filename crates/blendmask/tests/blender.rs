//! Basis module, attention layer, blender and losses: structure, closed forms, hand computations and a
//! finite-difference gradient check through the whole blender + mask loss.

use blendmask::{
    mask_loss, resize_bilinear, roi_align, semantic_loss, zero_loss, AttentionLayer, BasisConfig, BasisModule,
    BlendMaskConfig, Blender, Roi,
};
use burn::backend::{Autodiff, Flex};
use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use fcos::NormKind;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type B = Flex;
type AD = Autodiff<Flex>;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

#[test]
fn default_parameter_counts() {
    let dev = Default::default();
    let cfg = BlendMaskConfig::default();
    let top = AttentionLayer::<B>::new(&cfg, &dev).unwrap();
    assert_eq!(cfg.attn_channels(), 784);
    assert_eq!(top.num_params(), 256 * 784 * 9 + 784);
    let basis = BasisModule::<B>::new(&cfg, 3, &dev).unwrap();
    // conv3×3 without bias + BN per block; 1×1 convs with bias. burn's `num_params` also counts BN's
    // running mean and variance, so a BN contributes 4 values per channel (PyTorch counts 2 trainable).
    let block = |cin: usize| cin * 128 * 9 + 4 * 128;
    let bases = 3 * block(256) + 3 * block(128) + block(128) + 128 * 4 + 4;
    let seg = block(256) + block(128) + 128 * 2 + 2;
    assert_eq!(basis.num_params(), bases + seg);
    let no_seg = BlendMaskConfig { basis: BasisConfig { loss_on: false, ..Default::default() }, ..Default::default() };
    assert_eq!(BasisModule::<B>::new(&no_seg, 3, &dev).unwrap().num_params(), bases);
}

fn small_config() -> BlendMaskConfig {
    BlendMaskConfig {
        num_bases: 3,
        attn_size: 4,
        top_in_channels: 8,
        pooler_resolution: 8,
        basis: BasisConfig { in_channels: 8, convs_dim: 8, num_convs: 2, norm: NormKind::Gn, gn_groups: 4, ..Default::default() },
        ..Default::default()
    }
}

#[test]
fn basis_and_attention_shapes() {
    let dev = Default::default();
    let cfg = small_config();
    let basis = BasisModule::<B>::new(&cfg, 3, &dev).unwrap();
    let feats: Vec<Tensor<B, 4>> =
        [(8, 10), (4, 5), (2, 3)].iter().map(|&(h, w)| Tensor::random([2, 8, h, w], Distribution::Normal(0.0, 1.0), &dev)).collect();
    let out = basis.forward(&feats).unwrap();
    assert_eq!(out.bases.dims(), [2, 3, 16, 20]);
    assert_eq!(out.sem_logits.unwrap().dims(), [2, 2, 8, 10]);
    assert!(basis.forward(&feats[..2]).is_err());
    let top = AttentionLayer::<B>::new(&cfg, &dev).unwrap();
    let a = top.forward(&feats);
    assert_eq!(a[1].dims(), [2, 3 * 16, 4, 5]);
}

/// Host bilinear resize with PyTorch's align_corners=False convention (source index clamped at 0).
fn resize_host(src: &[f32], h: usize, w: usize, oh: usize, ow: usize) -> Vec<f32> {
    let coord = |o: usize, i: usize, n: usize| -> (usize, usize, f32) {
        let s = ((o as f32 + 0.5) * (i as f32 / n as f32) - 0.5).max(0.0);
        let lo = (s.floor() as usize).min(i - 1);
        let hi = (lo + 1).min(i - 1);
        (lo, hi, s - lo as f32)
    };
    let mut out = vec![0.0; oh * ow];
    for y in 0..oh {
        let (y0, y1, ly) = coord(y, h, oh);
        for x in 0..ow {
            let (x0, x1, lx) = coord(x, w, ow);
            let v = |yy: usize, xx: usize| src[yy * w + xx];
            out[y * ow + x] = (1.0 - ly) * ((1.0 - lx) * v(y0, x0) + lx * v(y0, x1)) + ly * ((1.0 - lx) * v(y1, x0) + lx * v(y1, x1));
        }
    }
    out
}

#[test]
fn attention_resize_is_bilinear_without_corner_alignment() {
    let dev = Default::default();
    let src = random(14 * 14, 3);
    let t = Tensor::<B, 4>::from_data(TensorData::new(src.clone(), [1, 1, 14, 14]), &dev);
    let got: Vec<f32> = resize_bilinear(t, [56, 56]).into_data().to_vec().unwrap();
    let want = resize_host(&src, 14, 14, 56, 56);
    let err = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(err < 1e-5, "max err {err}");
}

/// The separable resize against burn's own bilinear `interpolate` on Flex (which has a backward there): forward
/// within 1e-6 and the input gradient of a random weighting within 1e-5, on random up- and down-scalings.
#[test]
fn separable_resize_equals_interpolate_forward_and_gradient() {
    use burn::tensor::module::interpolate;
    use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
    let dev = Default::default();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for case in 0..24u64 {
        let (n, c) = (rng.random_range(1..3usize), rng.random_range(1..4usize));
        let (h, w) = (rng.random_range(1..17usize), rng.random_range(1..17usize));
        let (oh, ow) = (rng.random_range(1..33usize), rng.random_range(1..33usize));
        let len = n * c * h * w;
        let x = Tensor::<AD, 4>::from_data(TensorData::new(random(len, case), [n, c, h, w]), &dev).require_grad();
        let x_ref = Tensor::<AD, 4>::from_data(TensorData::new(random(len, case), [n, c, h, w]), &dev).require_grad();
        let weight = Tensor::<AD, 4>::from_data(TensorData::new(random(n * c * oh * ow, 100 + case), [n, c, oh, ow]), &dev);
        let ours = resize_bilinear(x.clone(), [oh, ow]);
        let opts = InterpolateOptions { mode: InterpolateMode::Bilinear, align_corners: false };
        let theirs = interpolate(x_ref.clone(), [oh, ow], opts);
        let max_diff = |a: Tensor<B, 4>, b: Tensor<B, 4>| (a - b).abs().max().into_scalar();
        let fwd = max_diff(ours.clone().inner(), theirs.clone().inner());
        assert!(fwd < 1e-6, "case {case} {n}×{c}×{h}×{w}→{oh}×{ow}: forward differs by {fwd}");
        let g = (ours * weight.clone()).sum().backward();
        let g_ref = (theirs * weight).sum().backward();
        let grad = max_diff(x.grad(&g).unwrap(), x_ref.grad(&g_ref).unwrap());
        assert!(grad < 1e-5, "case {case} {n}×{c}×{h}×{w}→{oh}×{ow}: gradient differs by {grad}");
    }
}

#[test]
fn blender_equals_pooled_bases_weighted_by_softmax() {
    let dev = Default::default();
    let cfg = small_config();
    let blender = Blender::new(&cfg).unwrap();
    let (k, r, m) = (3usize, 8usize, 4usize);
    let bases_v = random(2 * k * 6 * 7, 5);
    let bases = Tensor::<B, 4>::from_data(TensorData::new(bases_v, [2, k, 6, 7]), &dev);
    let rois = [Roi { batch: 1, bbox: [1.0, 2.0, 20.0, 18.0] }, Roi { batch: 0, bbox: [0.0, 0.0, 28.0, 24.0] }];
    // Three instances: two on box 1, one on box 0.
    let attn_v = random(3 * k * m * m, 6);
    let attns = Tensor::<B, 2>::from_data(TensorData::new(attn_v.clone(), [3, k * m * m]), &dev);
    let idx = Tensor::<B, 1, Int>::from_data(TensorData::new(vec![1i64, 0, 1], [3]), &dev);
    let got: Vec<f32> = blender.forward(bases.clone(), &rois, attns, Some(idx)).unwrap().into_data().to_vec().unwrap();
    let pooled: Vec<f32> = roi_align(bases, &rois, &blender.pooler).unwrap().into_data().to_vec().unwrap();
    for (p, &g) in [1usize, 0, 1].iter().enumerate() {
        let resized: Vec<Vec<f32>> =
            (0..k).map(|kk| resize_host(&attn_v[(p * k + kk) * m * m..(p * k + kk + 1) * m * m], m, m, r, r)).collect();
        for i in 0..r * r {
            let z: f32 = (0..k).map(|kk| resized[kk][i].exp()).sum();
            let want: f32 = (0..k).map(|kk| resized[kk][i].exp() / z * pooled[(g * k + kk) * r * r + i]).sum();
            assert!((got[p * r * r + i] - want).abs() < 1e-5, "instance {p} pixel {i}");
        }
    }
    // Without an index, instance i uses box i.
    let attns2 = Tensor::<B, 2>::from_data(TensorData::new(attn_v[..2 * k * m * m].to_vec(), [2, k * m * m]), &dev);
    let b2 = Tensor::<B, 4>::full([2, k, 6, 7], 2.0, &dev);
    let flat: Vec<f32> = blender.forward(b2, &rois, attns2, None).unwrap().into_data().to_vec().unwrap();
    // Constant bases inside the map blend to the constant (softmax weights sum to 1).
    assert!((flat[r * r + 3 * r + 3] - 2.0).abs() < 1e-5);
    // Shape errors are reported.
    let bad = Tensor::<B, 2>::zeros([2, 5], &dev);
    assert!(blender.forward(Tensor::<B, 4>::zeros([2, k, 6, 7], &dev), &rois, bad, None).is_err());
}

#[test]
fn mask_loss_matches_hand_computation() {
    let dev = Default::default();
    let logits = random(2 * 3 * 3, 8);
    let gt: Vec<f32> = (0..18).map(|i| ((i * 7) % 3 == 0) as u8 as f32).collect();
    let ctr = [0.4f32, 0.9];
    let denorm = 1.7f32;
    let l = mask_loss(
        Tensor::<B, 3>::from_data(TensorData::new(logits.clone(), [2, 3, 3]), &dev),
        Tensor::<B, 3>::from_data(TensorData::new(gt.clone(), [2, 3, 3]), &dev),
        Tensor::<B, 1>::from_data(TensorData::new(ctr.to_vec(), [2]), &dev),
        Tensor::<B, 1>::from_floats([denorm], &dev),
    )
    .unwrap()
    .into_scalar() as f64;
    let mut want = 0.0f64;
    for p in 0..2 {
        let mut s = 0.0;
        for i in 0..9 {
            let (x, t) = (logits[p * 9 + i] as f64, gt[p * 9 + i] as f64);
            let sg = 1.0 / (1.0 + (-x).exp());
            s += -(t * sg.ln() + (1.0 - t) * (1.0 - sg).ln());
        }
        want += s / 9.0 * ctr[p] as f64;
    }
    want /= denorm as f64;
    assert!((l - want).abs() < 1e-6, "{l} vs {want}");
    let z = zero_loss(&[Tensor::<B, 2>::ones([2, 2], &dev)]).unwrap();
    assert_eq!(z.into_scalar(), 0.0);
}

#[test]
fn semantic_loss_matches_hand_computation() {
    let dev = Default::default();
    let logits = random(2 * 2 * 2, 9);
    let targets = vec![0i64, 1, 1, 0];
    let l = semantic_loss(
        Tensor::<B, 4>::from_data(TensorData::new(logits.clone(), [1, 2, 2, 2]), &dev),
        Tensor::<B, 3, Int>::from_data(TensorData::new(targets.clone(), [1, 2, 2]), &dev),
        0.3,
    )
    .unwrap()
    .into_scalar() as f64;
    let mut want = 0.0;
    for i in 0..4 {
        let (a, b) = (logits[i] as f64, logits[4 + i] as f64);
        let lse = (a.exp() + b.exp()).ln();
        want += lse - if targets[i] == 0 { a } else { b };
    }
    want = want / 4.0 * 0.3;
    assert!((l - want).abs() < 1e-6, "{l} vs {want}");
}

/// Blender + mask loss as a function of the bases and attentions.
fn blend_loss<BB: Backend>(bases: Tensor<BB, 4>, attns: Tensor<BB, 2>, dev: &BB::Device) -> Tensor<BB, 1> {
    let blender = Blender::new(&small_config()).unwrap();
    let rois = [Roi { batch: 0, bbox: [2.0, 1.0, 17.0, 19.0] }, Roi { batch: 1, bbox: [-3.0, 4.0, 22.0, 14.0] }];
    let idx = Tensor::<BB, 1, Int>::from_data(TensorData::new(vec![0i64, 1, 0], [3]), dev);
    let logits = blender.forward(bases, &rois, attns, Some(idx)).unwrap();
    let gt: Vec<f32> = (0..3 * 64).map(|i| ((i / 8 + i % 8) % 2) as f32).collect();
    let gt = Tensor::<BB, 3>::from_data(TensorData::new(gt, [3, 8, 8]), dev);
    let ctr = Tensor::<BB, 1>::from_data(TensorData::new(vec![0.5f32, 0.8, 0.3], [3]), dev);
    mask_loss(logits, gt, ctr, Tensor::from_floats([1.6], dev)).unwrap()
}

#[test]
fn blender_and_mask_loss_gradients_match_finite_differences() {
    let dev = Default::default();
    let (nb, na) = (2 * 3 * 5 * 6, 3 * 3 * 16);
    let bv = random(nb, 21);
    let av: Vec<f32> = random(na, 22).iter().map(|v| 2.0 * v).collect();
    let f = |b: &[f32], a: &[f32]| -> f64 {
        blend_loss(
            Tensor::<B, 4>::from_data(TensorData::new(b.to_vec(), [2, 3, 5, 6]), &dev),
            Tensor::<B, 2>::from_data(TensorData::new(a.to_vec(), [3, 48]), &dev),
            &dev,
        )
        .into_scalar() as f64
    };
    let bt = Tensor::<AD, 4>::from_data(TensorData::new(bv.clone(), [2, 3, 5, 6]), &dev).require_grad();
    let at = Tensor::<AD, 2>::from_data(TensorData::new(av.clone(), [3, 48]), &dev).require_grad();
    let grads = blend_loss(bt.clone(), at.clone(), &dev).backward();
    let gb: Vec<f32> = bt.grad(&grads).unwrap().into_data().to_vec().unwrap();
    let ga: Vec<f32> = at.grad(&grads).unwrap().into_data().to_vec().unwrap();
    let eps = 1e-2f32;
    let mut max_err = 0.0f64;
    for (which, analytic) in [(0, &gb), (1, &ga)] {
        for i in 0..analytic.len() {
            let (mut b1, mut b2, mut a1, mut a2) = (bv.clone(), bv.clone(), av.clone(), av.clone());
            if which == 0 {
                b1[i] += eps;
                b2[i] -= eps;
            } else {
                a1[i] += eps;
                a2[i] -= eps;
            }
            let fd = (f(&b1, &a1) - f(&b2, &a2)) / (2.0 * eps as f64);
            let err = (fd - analytic[i] as f64).abs();
            max_err = max_err.max(err);
            assert!(err < 5e-4 + 1e-2 * fd.abs(), "tensor {which} element {i}: fd {fd} analytic {}", analytic[i]);
        }
    }
    println!("blender + mask loss gradient check: max |fd - analytic| = {max_err:.2e} (eps {eps})");
}
