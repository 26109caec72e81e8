//! "It learns": a narrow HVISNet trained on two synthetic 64×64 frames (two persons with identities,
//! seen in both frames) on the CPU drives its loss down by a large factor, and inference then finds
//! masks overlapping both persons with IoU ≥ 0.5.

use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use hvisnet::{GtPerson, Hvisnet, ModelConfig, TrainImage};
use sampler::SamplingConfig;

type B = Autodiff<Flex>;
const S: usize = 64;

/// An ellipse mask and its box.
fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32, identity: u32) -> GtPerson {
    let mut mask = vec![0u8; S * S];
    let (mut x0, mut y0, mut x1, mut y1) = (S, S, 0, 0);
    for y in 0..S {
        for x in 0..S {
            let (dx, dy) = ((x as f32 + 0.5 - cx) / rx, (y as f32 + 0.5 - cy) / ry);
            if dx * dx + dy * dy <= 1.0 {
                mask[y * S + x] = 1;
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    GtPerson { bbox: [x0 as f32, y0 as f32, x1 as f32, y1 as f32], mask, identity: Some(identity) }
}

/// RGB 0–255 image: grey background, person 1 red, person 2 blue.
fn render(persons: &[GtPerson]) -> Vec<f32> {
    let colours = [[220.0, 40.0, 40.0], [40.0, 60.0, 220.0]];
    let mut img = vec![0.0f32; 3 * S * S];
    for y in 0..S {
        for x in 0..S {
            let mut c = [110.0 + x as f32, 110.0, 120.0 + y as f32];
            for (p, col) in persons.iter().zip(colours) {
                if p.mask[y * S + x] != 0 {
                    c = col;
                }
            }
            for k in 0..3 {
                img[k * S * S + y * S + x] = c[k];
            }
        }
    }
    img
}

fn iou(a: &[u8], b: &[u8]) -> f32 {
    let inter = a.iter().zip(b).filter(|(p, q)| **p != 0 && **q != 0).count() as f32;
    let union = a.iter().zip(b).filter(|(p, q)| **p != 0 || **q != 0).count() as f32;
    inter / union.max(1.0)
}

#[test]
fn narrow_model_learns_two_synthetic_frames() {
    let device = Default::default();
    B::seed(&device, 7);
    let mut config = ModelConfig::narrow(16);
    config.id.num_identities = 2;
    let mut model = Hvisnet::<B>::new(&config, &device).unwrap();

    let frames = [
        vec![ellipse(20.0, 32.0, 8.0, 16.0, 1), ellipse(44.0, 30.0, 9.0, 18.0, 2)],
        vec![ellipse(22.0, 33.0, 8.0, 16.0, 1), ellipse(42.0, 29.0, 9.0, 18.0, 2)],
    ];
    let gt: Vec<TrainImage> = frames.iter().map(|p| TrainImage { height: S, width: S, persons: p.clone() }).collect();
    let pixels: Vec<f32> = frames.iter().flat_map(|p| render(p)).collect();
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
    for (k, person) in frames[0].iter().enumerate() {
        let best = found.iter().map(|inst| iou(&inst.mask, &person.mask)).fold(0.0, f32::max);
        println!("person {}: best mask IoU {best:.3}", k + 1);
        assert!(best >= 0.5, "person {}: best mask IoU {best}", k + 1);
    }
    let top = &found[0];
    assert_eq!(top.embedding.len(), 16);
    let norm: f32 = top.embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "embedding norm {norm}");
}
