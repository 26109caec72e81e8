//! Shared by the training-loop tests: a tiny model implementing the loop's traits and a tiny synthetic set.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::backend::{Autodiff, Flex};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use trainer::config::ExperimentConfig;
use trainer::training::batch::HostBatch;
use trainer::training::model::{InferModel, Instance, NamedLosses, TrainModel};

pub type AB = Autodiff<Flex>;

/// A per-pixel foreground predictor at stride 4 (two convs): loss `fg` is the BCE against the share of
/// person pixels in each 4×4 cell, `ctr` is a second term on the sampler's positives so two names are logged.
#[derive(Module, Debug)]
pub struct Tiny<B: Backend> {
    conv1: Conv2d<B>,
    conv2: Conv2d<B>,
    /// Calls to `losses` so far, and the call at which the loss becomes NaN (fault injection).
    #[module(skip)]
    calls: Arc<AtomicUsize>,
    #[module(skip)]
    nan_at_call: Option<usize>,
}

impl<B: Backend> Tiny<B> {
    pub fn new(device: &B::Device, nan_at_call: Option<usize>) -> Self {
        Self {
            conv1: Conv2dConfig::new([3, 8], [4, 4]).with_stride([4, 4]).init(device),
            conv2: Conv2dConfig::new([8, 1], [3, 3]).with_padding(PaddingConfig2d::Same).init(device),
            calls: Arc::new(AtomicUsize::new(0)),
            nan_at_call,
        }
    }

    pub fn conv1_weight(&self) -> Tensor<B, 4> {
        self.conv1.weight.val()
    }

    /// Every parameter value, in a fixed order.
    pub fn values(&self) -> Vec<f32> {
        let mut v: Vec<f32> = Vec::new();
        for conv in [&self.conv1, &self.conv2] {
            v.extend(conv.weight.val().into_data().convert::<f32>().to_vec::<f32>().unwrap());
            if let Some(b) = &conv.bias {
                v.extend(b.val().into_data().convert::<f32>().to_vec::<f32>().unwrap());
            }
        }
        v
    }

    fn logits(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        self.conv2.forward(burn::tensor::activation::relu(self.conv1.forward(x)))
    }
}

fn images<B: Backend>(b: &HostBatch, device: &B::Device) -> Tensor<B, 4> {
    Tensor::from_data(TensorData::new(b.images.clone(), [b.n, 3, b.height, b.width]), device)
}

/// Share of foreground pixels per 4×4 cell, `[n, 1, h/4, w/4]`.
fn fg_share(b: &HostBatch) -> (Vec<f32>, [usize; 4]) {
    let (h4, w4) = (b.height / 4, b.width / 4);
    let mut out = vec![0f32; b.n * h4 * w4];
    for (k, f) in b.frames.iter().enumerate() {
        let mut union = vec![0u8; b.height * b.width];
        for m in &f.masks {
            for (u, p) in union.iter_mut().zip(m.to_row_major()) {
                *u |= p;
            }
        }
        for y in 0..b.height {
            for x in 0..b.width {
                if union[y * b.width + x] != 0 {
                    out[k * h4 * w4 + (y / 4) * w4 + x / 4] += 1.0 / 16.0;
                }
            }
        }
    }
    (out, [b.n, 1, h4, w4])
}

impl<B: AutodiffBackend> TrainModel<B> for Tiny<B> {
    fn losses(&self, batch: &HostBatch, device: &B::Device) -> anyhow::Result<NamedLosses<B>> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let logits = self.logits(images::<B>(batch, device));
        let (share, shape) = fg_share(batch);
        let t = Tensor::<B, 4>::from_data(TensorData::new(share, shape), device);
        // BCE with logits: softplus(z) - t z.
        let sp = burn::tensor::activation::softplus(logits.clone(), 1.0);
        let mut fg = (sp - logits.clone() * t).mean();
        if self.nan_at_call == Some(call) {
            fg = fg * f32::NAN;
        }
        let positives: usize = batch.targets.iter().map(|t| t.labels.iter().filter(|&&l| l > 0).count()).sum();
        let ctr = logits.powi_scalar(2).mean().mul_scalar(1e-3 * (positives as f64 + 1.0).ln());
        Ok(NamedLosses { terms: vec![("fg".into(), fg.reshape([1])), ("ctr".into(), ctr.reshape([1]))], total: None })
    }
}

impl<B: Backend> InferModel<B> for Tiny<B> {
    fn infer(&self, frame: &data::augment::Augmented, original: (u32, u32), device: &B::Device) -> anyhow::Result<Vec<Instance>> {
        let (h, w) = (frame.height as usize, frame.width as usize);
        let x = Tensor::<B, 4>::from_data(TensorData::new(frame.image.clone(), [1, 3, h, w]), device);
        let p: Vec<f32> = burn::tensor::activation::sigmoid(self.logits(x)).into_data().convert::<f32>().to_vec().unwrap();
        let (oh, ow) = original;
        let (vh, vw) = frame.valid;
        let mut px = vec![0u8; (oh * ow) as usize];
        let mut sum = 0f32;
        for y in 0..oh as usize {
            for xx in 0..ow as usize {
                let sy = ((y as f64 + 0.5) * vh as f64 / oh as f64) as usize / 4;
                let sx = ((xx as f64 + 0.5) * vw as f64 / ow as f64) as usize / 4;
                let v = p[sy.min(h / 4 - 1) * (w / 4) + sx.min(w / 4 - 1)];
                if v > 0.5 {
                    px[y * ow as usize + xx] = 1;
                    sum += v;
                }
            }
        }
        let area = px.iter().filter(|&&v| v != 0).count();
        if area == 0 {
            return Ok(vec![]);
        }
        let mask = data::mask::Rle::from_row_major(oh, ow, &px);
        let [x0, y0, bw, bh] = mask.bbox();
        Ok(vec![Instance { bbox: [x0 as f32, y0 as f32, (x0 + bw) as f32, (y0 + bh) as f32], score: sum / area as f32, mask, embedding: vec![], location: None }])
    }
}

/// A tiny synthetic set (64×64 frames) in a fresh folder.
pub fn synth(tag: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("hvis-train-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let cfg = data::synth::SynthConfig { videos: 5, frames: 4, width: 64, height: 64, min_people: 1, max_people: 3, seed: 3, ..Default::default() };
    data::synth::generate(&cfg, &root).expect("synth");
    root
}

/// A small config over that set: 64 px, batches of 4 (2 clips of 2 frames).
pub fn config(root: &Path, out: &Path) -> ExperimentConfig {
    let mut c = ExperimentConfig::default();
    c.output_dir = out.display().to_string();
    c.seed = 7;
    for d in [&mut c.data.train, &mut c.data.val] {
        d.name = "synth".into();
        d.root = root.display().to_string();
    }
    c.data.val.split = "val".into();
    c.data.augment.min_size_train = vec![64, 96];
    c.data.augment.max_size_train = 96;
    c.data.augment.min_size_test = 64;
    c.data.augment.max_size_test = 64;
    c.data.frames_per_clip = 2;
    c.solver.batch_size = 4;
    c.solver.epochs = 2;
    c.solver.base_lr = 0.05;
    c.solver.warmup_iters = 2;
    c.solver.lr_steps = vec![1];
    c.solver.checkpoint_period = 3;
    c.solver.keep_checkpoints = 2;
    c.solver.clip_grad_norm = 10.0;
    c
}

pub fn fresh_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hvis-run-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
