//! RoIAlign: closed-form cases, host/tensor agreement, errors, finite-difference gradient w.r.t. the
//! feature map, GT-mask crop-and-resize.

use blendmask::{crop_and_resize_mask, roi_align, roi_align_host, Roi, RoiAlignConfig};
use burn::backend::{Autodiff, Flex};
use burn::tensor::{Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type B = Flex;
type AD = Autodiff<Flex>;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

#[test]
fn constant_map_gives_constant_output_inside_the_map() {
    let dev = Default::default();
    let feat = Tensor::<B, 4>::full([1, 2, 10, 12], 3.5, &dev);
    let rois = [Roi { batch: 0, bbox: [4.0, 4.0, 30.0, 36.0] }];
    let out = roi_align(feat, &rois, &RoiAlignConfig::blendmask(56)).unwrap();
    assert_eq!(out.dims(), [1, 2, 56, 56]);
    let v: Vec<f32> = out.into_data().to_vec().unwrap();
    assert!(v.iter().all(|&x| (x - 3.5).abs() < 1e-5));
}

#[test]
fn ramp_is_sampled_at_bin_centres_with_border_clamping() {
    // f(y, x) = x on a 6×8 map; one sample per bin: value = clamp(x_s, 0, W−1) for x_s ≥ −1, else 0.
    let (h, w) = (6usize, 8usize);
    let data: Vec<f32> = (0..h * w).map(|i| (i % w) as f32).collect();
    let dev = Default::default();
    let feat = Tensor::<B, 4>::from_data(TensorData::new(data, [1, 1, h, w]), &dev);
    // In map coordinates (scale 1): x from −3 to 10 covers both borders.
    let bbox = [-3.0f32, 1.0, 10.0, 4.0];
    let cfg = RoiAlignConfig { output: (3, 13), spatial_scale: 1.0, sampling_ratio: 1, aligned: true };
    let out: Vec<f32> = roi_align(feat, &[Roi { batch: 0, bbox }], &cfg).unwrap().into_data().to_vec().unwrap();
    for pw in 0..13 {
        let xs = bbox[0] - 0.5 + (pw as f32 + 0.5) * (13.0 / 13.0);
        let want = if xs < -1.0 || xs > w as f32 { 0.0 } else { xs.clamp(0.0, (w - 1) as f32) };
        for ph in 0..3 {
            assert!((out[ph * 13 + pw] - want).abs() < 1e-5, "bin ({ph},{pw}) x {xs}: {} vs {want}", out[ph * 13 + pw]);
        }
    }
}

#[test]
fn tensor_and_host_implementations_agree_and_select_the_right_image() {
    let shape = [3usize, 4, 9, 11];
    let data = random(shape.iter().product(), 7);
    let dev = Default::default();
    let feat = Tensor::<B, 4>::from_data(TensorData::new(data.clone(), shape), &dev);
    let rois = [
        Roi { batch: 2, bbox: [3.0, 5.0, 30.0, 22.0] },
        Roi { batch: 0, bbox: [-6.0, -2.0, 9.0, 40.0] },
        Roi { batch: 1, bbox: [10.0, 10.0, 10.5, 11.0] },
    ];
    for cfg in [
        RoiAlignConfig::blendmask(7),
        RoiAlignConfig { output: (5, 4), spatial_scale: 0.5, sampling_ratio: 0, aligned: true },
        RoiAlignConfig { output: (4, 4), spatial_scale: 0.25, sampling_ratio: 3, aligned: false },
    ] {
        let got: Vec<f32> = roi_align(feat.clone(), &rois, &cfg).unwrap().into_data().to_vec().unwrap();
        let want = roi_align_host(&data, shape, &rois, &cfg).unwrap();
        assert_eq!(got.len(), want.len());
        let err = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(err < 1e-5, "{cfg:?}: {err}");
    }
    // A RoI on image 2 must ignore images 0 and 1: zeroing them leaves its output unchanged.
    let mut only2 = data.clone();
    only2[..2 * 4 * 9 * 11].iter_mut().for_each(|v| *v = 0.0);
    let a = roi_align_host(&data, shape, &rois[..1], &RoiAlignConfig::blendmask(7)).unwrap();
    let b = roi_align_host(&only2, shape, &rois[..1], &RoiAlignConfig::blendmask(7)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn bad_rois_are_errors() {
    let dev = Default::default();
    let feat = Tensor::<B, 4>::zeros([1, 1, 4, 4], &dev);
    let cfg = RoiAlignConfig::blendmask(4);
    assert!(roi_align(feat.clone(), &[Roi { batch: 1, bbox: [0.0, 0.0, 4.0, 4.0] }], &cfg).is_err());
    assert!(roi_align(feat.clone(), &[Roi { batch: 0, bbox: [0.0, f32::NAN, 4.0, 4.0] }], &cfg).is_err());
    assert_eq!(roi_align(feat, &[], &cfg).unwrap().dims(), [0, 1, 4, 4]);
}

#[test]
fn gradient_wrt_features_matches_finite_differences() {
    let shape = [2usize, 3, 7, 9];
    let numel: usize = shape.iter().product();
    let data = random(numel, 11);
    let rois = [
        Roi { batch: 1, bbox: [2.0, 3.0, 25.0, 20.0] },
        Roi { batch: 0, bbox: [-4.0, 6.0, 14.0, 33.0] },
        Roi { batch: 1, bbox: [8.0, 8.0, 12.0, 9.0] },
    ];
    let cfg = RoiAlignConfig::blendmask(6);
    let out_n = rois.len() * 3 * 6 * 6;
    let g = random(out_n, 12);
    let dev = Default::default();
    let f = |x: &[f32]| -> f64 {
        let t = Tensor::<B, 4>::from_data(TensorData::new(x.to_vec(), shape), &dev);
        let o = roi_align(t, &rois, &cfg).unwrap();
        let gt = Tensor::<B, 4>::from_data(TensorData::new(g.clone(), [3, 3, 6, 6]), &dev);
        (o * gt).sum().into_scalar() as f64
    };
    let x = Tensor::<AD, 4>::from_data(TensorData::new(data.clone(), shape), &dev).require_grad();
    let gt = Tensor::<AD, 4>::from_data(TensorData::new(g.clone(), [3, 3, 6, 6]), &dev);
    let grads = (roi_align(x.clone(), &rois, &cfg).unwrap() * gt).sum().backward();
    let analytic: Vec<f32> = x.grad(&grads).unwrap().into_data().to_vec().unwrap();
    let eps = 1e-2f32;
    let mut max_err = 0.0f64;
    let mut nonzero = 0;
    for i in 0..numel {
        let (mut a, mut b) = (data.clone(), data.clone());
        a[i] += eps;
        b[i] -= eps;
        let fd = (f(&a) - f(&b)) / (2.0 * eps as f64);
        let err = (fd - analytic[i] as f64).abs();
        max_err = max_err.max(err);
        nonzero += (analytic[i] != 0.0) as usize;
        assert!(err < 1e-3 + 1e-3 * fd.abs(), "element {i}: fd {fd} analytic {}", analytic[i]);
    }
    assert!(nonzero > 20, "gradient reaches the pooled pixels");
    println!("roi_align gradient check ({numel} elements): max |fd - analytic| = {max_err:.2e} (eps {eps})");
}

#[test]
fn crop_and_resize_of_a_box_mask_in_its_own_box_is_all_ones() {
    let (h, w) = (40usize, 50usize);
    let mut m = vec![0u8; h * w];
    for y in 10..30 {
        for x in 5..45 {
            m[y * w + x] = 1;
        }
    }
    let full = crop_and_resize_mask(&m, h, w, [5.0, 10.0, 45.0, 30.0], 28).unwrap();
    assert!(full.iter().all(|&v| v == 1.0));
    // The left half of a box twice as wide: left 14 columns in, right 14 out.
    let half = crop_and_resize_mask(&m, h, w, [5.0, 10.0, 85.0, 30.0], 28).unwrap();
    for r in 0..28 {
        assert!(half[r * 28..r * 28 + 14].iter().all(|&v| v == 1.0));
        assert!(half[r * 28 + 14..(r + 1) * 28].iter().all(|&v| v == 0.0));
    }
}

#[test]
fn paste_mask_fills_its_box_and_nothing_else() {
    use blendmask::paste_mask;
    let ones = vec![1.0f32; 56 * 56];
    let m = paste_mask(&ones, 56, [10.0, 5.0, 30.0, 25.0], 40, 50, 0.5).unwrap();
    for y in 0..40 {
        for x in 0..50 {
            let inside = (10..30).contains(&x) && (5..25).contains(&y);
            assert_eq!(m[y * 50 + x] == 1, inside, "pixel ({y},{x})");
        }
    }
    // Left half of the mask on: left half of the box pasted.
    let half: Vec<f32> = (0..56 * 56).map(|i| ((i % 56) < 28) as u8 as f32).collect();
    let m = paste_mask(&half, 56, [0.0, 0.0, 40.0, 20.0], 20, 40, 0.5).unwrap();
    assert!((0..20).all(|y| (0..20).all(|x| m[y * 40 + x] == 1) && (20..40).all(|x| m[y * 40 + x] == 0)));
    // Round trip with crop_and_resize: a box mask cropped to its box and pasted back is itself.
    let mut src = vec![0u8; 30 * 30];
    for y in 4..20 {
        for x in 7..25 {
            src[y * 30 + x] = 1;
        }
    }
    let crop = crop_and_resize_mask(&src, 30, 30, [7.0, 4.0, 25.0, 20.0], 56).unwrap();
    assert_eq!(paste_mask(&crop, 56, [7.0, 4.0, 25.0, 20.0], 30, 30, 0.5).unwrap(), src);
    assert!(paste_mask(&ones[..10], 56, [0.0; 4], 4, 4, 0.5).is_err());
    assert!(paste_mask(&ones, 56, [0.0, 0.0, -1.0, 5.0], 4, 4, 0.5).unwrap().iter().all(|&v| v == 0));
}
