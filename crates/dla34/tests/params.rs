//! Parameter counts against the reference (model-spec §1.2) and output shapes/strides.

use burn::backend::Flex;
use burn::prelude::*;
use dla34::{Dla34Config, DlaFpnConfig, FpnConfig, NormKind, num_parameters as n};

type B = Flex;

#[test]
fn dla34_has_reference_parameter_count() {
    let device = Default::default();
    let dla = Dla34Config::default().init::<B>(&device);
    // ucbdrive layout without classifier, including the two unused projections (41,728).
    assert_eq!(n(&dla), 15_270_832);
    let dead = n(dla.level3.project.as_ref().unwrap()) + n(dla.level4.project.as_ref().unwrap());
    assert_eq!(dead, 41_728);
    // Per-level numbers from the reference table.
    assert_eq!(n(&dla.base_layer), 2_384);
    assert_eq!(n(&dla.level0), 2_336);
    assert_eq!(n(&dla.level1), 4_672);
    assert_eq!(n(&dla.level2), 140_032);
    assert_eq!(n(&dla.level3), 1_215_488);
    assert_eq!(n(&dla.level4), 4_855_808);
    assert_eq!(n(&dla.level5), 9_050_112);
}

#[test]
fn norm_kinds_have_the_same_parameter_count() {
    let device = Default::default();
    for norm in [NormKind::FrozenBn, NormKind::Gn] {
        let dla = Dla34Config { norm, ..Default::default() }.init::<B>(&device);
        assert_eq!(n(&dla), 15_270_832, "{norm:?}");
    }
}

#[test]
fn fpn_has_reference_parameter_count() {
    let device = Default::default();
    let fpn = FpnConfig { in_channels: [128, 256, 512], out_channels: 256 }.init::<B>(&device);
    assert_eq!(n(&fpn), 2_000_384);
    let both = DlaFpnConfig::default().init::<B>(&device);
    assert_eq!(n(&both), 15_270_832 + 2_000_384);
}

#[test]
fn full_dla34_gives_strides_8_16_32() {
    let device = Default::default();
    let net = DlaFpnConfig::default().init::<B>(&device);
    let x = Tensor::<B, 4>::random([1, 3, 64, 64], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    let f = net.body.forward(x.clone());
    assert_eq!(f.level3.dims(), [1, 128, 8, 8]);
    assert_eq!(f.level4.dims(), [1, 256, 4, 4]);
    assert_eq!(f.level5.dims(), [1, 512, 2, 2]);
    let [p3, p4, p5] = net.forward(x);
    assert_eq!(p3.dims(), [1, 256, 8, 8]);
    assert_eq!(p4.dims(), [1, 256, 4, 4]);
    assert_eq!(p5.dims(), [1, 256, 2, 2]);
    let v: Vec<f32> = p3.into_data().to_vec().unwrap();
    assert!(v.iter().all(|x| x.is_finite()));
}
