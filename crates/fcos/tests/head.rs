//! FCOS head structure: parameter count, init, shapes, flattening order, config serde.

use burn::backend::Flex;
use burn::module::Module;
use burn::tensor::{Tensor, TensorData};
use fcos::{flatten_levels, FcosConfig, FcosHead};

type B = Flex;

#[test]
fn parameter_count_matches_reference_for_one_class() {
    let head = FcosHead::<B>::new(&FcosConfig::default(), &Default::default()).unwrap();
    assert_eq!(head.num_params(), 4_738_566);
}

#[test]
fn init_follows_reference() {
    let head = FcosHead::<B>::new(&FcosConfig::default(), &Default::default()).unwrap();
    let bias: Vec<f32> = head.cls_logits.bias.as_ref().unwrap().val().into_data().to_vec().unwrap();
    assert!((bias[0] as f64 + (0.99f64 / 0.01).ln()).abs() < 1e-5, "prior bias {}", bias[0]);
    let w: Vec<f32> = head.cls_tower[0].conv.weight.val().into_data().to_vec().unwrap();
    let n = w.len() as f64;
    let mean = w.iter().map(|&x| x as f64).sum::<f64>() / n;
    let std = (w.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
    assert!(mean.abs() < 1e-3 && (std - 0.01).abs() < 5e-4, "mean {mean} std {std}");
    let tb: Vec<f32> = head.bbox_tower[3].conv.bias.as_ref().unwrap().val().into_data().to_vec().unwrap();
    assert!(tb.iter().all(|&x| x == 0.0));
}

#[test]
fn forward_shapes_and_nonnegative_boxes() {
    let cfg = FcosConfig { in_channels: 16, gn_groups: 4, num_classes: 2, init_std: 0.5, ..Default::default() };
    let dev = Default::default();
    let head = FcosHead::<B>::new(&cfg, &dev).unwrap();
    let feats: Vec<Tensor<B, 4>> = [(8, 6), (4, 3), (2, 2)]
        .iter()
        .map(|&(h, w)| Tensor::random([2, 16, h, w], burn::tensor::Distribution::Normal(0.0, 1.0), &dev))
        .collect();
    let out = head.forward(&feats);
    assert_eq!(out.cls_logits[0].dims(), [2, 2, 8, 6]);
    assert_eq!(out.bbox_reg[1].dims(), [2, 4, 4, 3]);
    assert_eq!(out.ctrness[2].dims(), [2, 1, 2, 2]);
    assert_eq!(out.bbox_towers[0].dims(), [2, 16, 8, 6]);
    let flat = out.flatten();
    let m = 2 * (48 + 12 + 4);
    assert_eq!(flat.cls_logits.dims(), [m, 2]);
    assert_eq!(flat.bbox_reg.dims(), [m, 4]);
    assert_eq!(flat.ctrness.dims(), [m]);
    let reg: Vec<f32> = flat.bbox_reg.into_data().to_vec().unwrap();
    assert!(reg.iter().all(|&x| x >= 0.0));
    assert!(reg.iter().any(|&x| x > 0.0));
}

#[test]
fn flatten_is_image_major_then_level_then_row_major() {
    let dev = Default::default();
    // value = 1000·n + 100·level + 10·row + col, one channel, plus a second channel = −value.
    let make = |level: usize, h: usize, w: usize| {
        let mut v = Vec::new();
        for n in 0..2 {
            for c in 0..2 {
                for i in 0..h {
                    for j in 0..w {
                        let x = (1000 * n + 100 * level + 10 * i + j) as f32;
                        v.push(if c == 0 { x } else { -x });
                    }
                }
            }
        }
        Tensor::<B, 4>::from_data(TensorData::new(v, [2, 2, h, w]), &dev)
    };
    let flat = flatten_levels(&[make(0, 2, 3), make(1, 1, 2)]);
    assert_eq!(flat.dims(), [2, 8, 2]);
    let got: Vec<f32> = flat.into_data().to_vec().unwrap();
    let mut want = Vec::new();
    for n in 0..2 {
        for (level, h, w) in [(0, 2, 3), (1, 1, 2)] {
            for i in 0..h {
                for j in 0..w {
                    let x = (1000 * n + 100 * level + 10 * i + j) as f32;
                    want.extend([x, -x]);
                }
            }
        }
    }
    assert_eq!(got, want);
}

#[test]
fn config_defaults_serde_and_validation() {
    let cfg = FcosConfig::default();
    assert_eq!(cfg.size_ranges(), vec![[-1.0, 64.0], [64.0, 128.0], [128.0, 1e8]]);
    let json = serde_json::to_string(&cfg).unwrap();
    let back: FcosConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cfg);
    let partial: FcosConfig = serde_json::from_str(r#"{"num_classes": 3, "norm": "none"}"#).unwrap();
    assert_eq!(partial.num_classes, 3);
    assert_eq!(partial.fpn_strides, vec![8, 16, 32]);
    assert!(serde_json::from_str::<FcosConfig>(r#"{"num_clases": 3}"#).is_err());
    let bad = FcosConfig { gn_groups: 7, ..Default::default() };
    assert!(FcosHead::<B>::new(&bad, &Default::default()).is_err());
    let bad = FcosConfig { sizes_of_interest: vec![64.0], ..Default::default() };
    assert!(bad.validate().is_err());
}
