//! The paper-size model's parameter counts per part (model-spec §1.2), config round trip and
//! validation, and the shapes of every head's outputs on a narrow model.

use burn::backend::Flex;
use burn::prelude::*;
use dla34::num_parameters as n;
use hvisnet::{Hvisnet, HvisnetError, ModelConfig};

type B = Flex;

#[test]
fn paper_model_parts_have_reference_parameter_counts() {
    let device = Default::default();
    let model = Hvisnet::<B>::new(&ModelConfig::default(), &device).unwrap();
    assert_eq!(n(&model.backbone.body), 15_270_832);
    assert_eq!(n(&model.backbone.fpn), 2_000_384);
    assert_eq!(n(&model.fcos), 4_738_566);
    assert_eq!(n(&model.attention), 1_807_120);
    let seg = n(model.basis.seg_head.as_ref().unwrap());
    assert_eq!(seg, 443_138);
    assert_eq!(n(&model.basis) - seg, 1_476_868);
    let id = n(&model.id_head);
    println!("ID head {id}, whole model {}", n(&model));
    assert_eq!(n(&model), 15_270_832 + 2_000_384 + 4_738_566 + 1_807_120 + 1_476_868 + 443_138 + id);
}

#[test]
fn config_round_trips_through_toml_and_rejects_mismatches() {
    let c = ModelConfig::default();
    let text = toml::to_string(&c).unwrap();
    let back: ModelConfig = toml::from_str(&text).unwrap();
    assert_eq!(back, c);
    let partial: ModelConfig = toml::from_str("[backbone.dla]\nnorm = \"frozen_bn\"\n").unwrap();
    assert_eq!(partial.backbone.dla.norm, dla34::NormKind::FrozenBn);
    assert!(toml::from_str::<ModelConfig>("[backbone]\nfpn_width = 3\n").is_err());

    let mut bad = ModelConfig::default();
    bad.fcos.in_channels = 128;
    let err = Hvisnet::<B>::new(&bad, &Default::default()).unwrap_err();
    assert!(matches!(err, HvisnetError::Config { key: "fcos.in_channels", .. }), "{err}");
}

#[test]
fn forward_gives_every_head_at_its_stride() {
    let device = Default::default();
    let mut config = ModelConfig::narrow(16);
    config.id.num_identities = 3;
    let model = Hvisnet::<B>::new(&config, &device).unwrap();
    let x = Tensor::<B, 4>::random([2, 3, 64, 96], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    let out = model.forward(x).unwrap();
    for (l, (h, w)) in [(8, 12), (4, 6), (2, 3)].into_iter().enumerate() {
        assert_eq!(out.fcos.cls_logits[l].dims(), [2, 1, h, w]);
        assert_eq!(out.fcos.bbox_reg[l].dims(), [2, 4, h, w]);
        assert_eq!(out.fcos.ctrness[l].dims(), [2, 1, h, w]);
        assert_eq!(out.attention[l].dims(), [2, 4 * 14 * 14, h, w]);
        assert_eq!(out.embeddings[l].dims(), [2, 16, h, w]);
    }
    assert_eq!(out.bases.dims(), [2, 4, 16, 24]);
    assert_eq!(out.sem_logits.unwrap().dims(), [2, 2, 8, 12]);
    let odd = Tensor::<B, 4>::zeros([1, 3, 60, 64], &device);
    assert!(matches!(model.forward(odd), Err(HvisnetError::Input { .. })));
    // Inference accepts any size (it pads) and returns instances inside the image.
    let img = Tensor::<B, 3>::random([3, 50, 70], burn::tensor::Distribution::Uniform(0.0, 255.0), &device);
    for inst in model.infer(img).unwrap() {
        assert_eq!(inst.mask.len(), 50 * 70);
        assert!(inst.bbox[2] <= 70.0 && inst.bbox[3] <= 50.0 && inst.score > 0.0);
    }
}
