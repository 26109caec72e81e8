//! "It learns": a narrow HVISNet trained on two synthetic 64×64 frames (two persons with identities,
//! seen in both frames) on the CPU drives its loss down by a large factor, and inference then finds
//! masks overlapping both persons with IoU ≥ 0.5.

use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use hvisnet::{Hvisnet, ModelConfig};
use sampler::SamplingConfig;

type B = Autodiff<Flex>;

mod common;
use common::{iou, two_frames, S};

#[test]
fn narrow_model_learns_two_synthetic_frames() {
    let device = Default::default();
    B::seed(&device, 7);
    let mut config = ModelConfig::narrow(16);
    config.id.num_identities = 2;
    let mut model = Hvisnet::<B>::new(&config, &device).unwrap();

    let (gt, pixels) = two_frames();
    let images = Tensor::<B, 4>::from_data(TensorData::new(pixels.clone(), [2, 3, S, S]), &device);
    let images = model.normalize(images);
    let sampling = SamplingConfig::default();
    let targets: Vec<_> = gt.iter().enumerate().map(|(i, g)| model.targets(g, &sampling, i as u64).unwrap()).collect();
    assert!(targets.iter().all(|t| t.labels.iter().any(|&l| l > 0)), "no positives");

    let mut optim = AdamConfig::new().init();
    let mut history = Vec::new();
    for step in 0..80 {
        let losses = model.loss(images.clone(), &gt, &targets).unwrap();
        let total: f32 = losses.total.clone().into_scalar();
        assert!(total.is_finite(), "step {step}: {total}");
        if step == 0 {
            let named: Vec<String> = losses.named().iter().map(|(n, t)| format!("{n} {:.3}", t.clone().into_scalar())).collect();
            println!("step 0: {}", named.join(", "));
        }
        history.push(total);
        let grads = GradientsParams::from_grads(losses.total.backward(), &model);
        model = optim.step(3e-3, model, grads);
    }
    let first = history[0];
    let last = history[history.len() - 5..].iter().sum::<f32>() / 5.0;
    println!("total loss {first:.3} → {last:.3} ({:.1}×)", first / last);
    assert!(last * 5.0 < first, "loss {first} → {last}");

    // Inference on the first frame finds both persons' masks.
    let eval = model.valid();
    let image = Tensor::<Flex, 3>::from_data(TensorData::new(pixels[..3 * S * S].to_vec(), [3, S, S]), &device);
    let found = eval.infer(image.clone()).unwrap();
    assert!(!found.is_empty(), "no detections");
    // The same detections for a frame twice the size: boxes and locations scaled, masks pasted at 2S.
    let large = eval.infer_at(image, (2 * S, 2 * S)).unwrap();
    assert_eq!(large.len(), found.len());
    for (a, b) in found.iter().zip(&large) {
        for (x, y) in a.bbox.iter().zip(&b.bbox) {
            assert!((2.0 * x - y).abs() < 1e-3, "box {:?} → {:?}", a.bbox, b.bbox);
        }
        assert_eq!(b.location, a.location.map(|v| 2.0 * v));
        assert_eq!((b.score, b.mask.len()), (a.score, 4 * S * S));
        let down: Vec<u8> = (0..S * S).map(|i| b.mask[(i / S * 2) * 2 * S + (i % S) * 2]).collect();
        let both_empty = a.mask.iter().all(|&v| v == 0) && down.iter().all(|&v| v == 0);
        assert!(both_empty || iou(&down, &a.mask) > 0.8, "mask at 2S disagrees with the mask at S");
    }
    for (k, person) in gt[0].persons.iter().enumerate() {
        let best = found.iter().map(|inst| iou(&inst.mask, &person.mask)).fold(0.0, f32::max);
        println!("person {}: best mask IoU {best:.3}", k + 1);
        assert!(best >= 0.5, "person {}: best mask IoU {best}", k + 1);
    }
    let top = &found[0];
    assert_eq!(top.embedding.len(), 16);
    let norm: f32 = top.embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "embedding norm {norm}");
}
