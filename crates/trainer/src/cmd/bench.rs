//! `trainer bench`: parameters, forward time and training-step time of the configured network on the
//! configured device (median of several runs after warm-up) on a synthetic frame.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use burn::module::AutodiffModule;
use burn::optim::{GradientsParams, Optimizer, SgdConfig, momentum::MomentumConfig};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use clap::Args;
use hvisnet::{GtPerson, Hvisnet, TrainImage};

use crate::training::device::{OnBackend, dispatch, resolve};
use crate::training::network::model_config;

/// Arguments of `trainer bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Experiment config (its `[model]` and `device` are used).
    #[arg(long)]
    pub config: PathBuf,
    /// Square input side in pixels (rounded up to a multiple of 32).
    #[arg(long, default_value_t = 512)]
    pub size: usize,
    /// Images per batch.
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Timed runs (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Untimed warm-up runs.
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
    /// Config overrides `key=value`.
    #[arg(long = "set")]
    pub overrides: Vec<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs the benchmark.
pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let resolved = crate::config::load(&args.config, &args.overrides)?;
    let c = &resolved.config;
    let model_cfg = model_config(c, 2)?;
    let device = resolve(&c.device, &c.devices)?;
    let size = args.size.max(32).div_ceil(32) * 32;
    let report = dispatch(device, BenchJob { cfg: &model_cfg, size, args: &args })?;
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    if args.json {
        let obj = serde_json::json!({
            "params": report.params,
            "forward_ms": report.forward_ms,
            "train_step_ms": report.train_step_ms,
            "size": size,
            "batch": args.batch,
            "device": device.to_string(),
            "runs": args.runs,
            "warmup": args.warmup,
            "threads": threads,
            "forward_runs_ms": report.forward_runs,
            "train_step_runs_ms": report.train_runs,
            "positives": report.positives,
            "emb_positives": report.emb_positives,
            "config": args.config.display().to_string(),
        });
        println!("{obj}");
    } else {
        println!("config      {}", args.config.display());
        println!("device      {device} ({threads} threads)");
        println!("input       {}×3×{size}×{size}, {} positives ({} for embeddings)", args.batch, report.positives, report.emb_positives);
        println!("parameters  {}", report.params);
        println!("forward     {:.1} ms (median of {}, after {} warm-up)", report.forward_ms, args.runs, args.warmup);
        println!("train step  {:.1} ms (forward + losses + backward + SGD step)", report.train_step_ms);
    }
    Ok(())
}

struct Report {
    params: usize,
    forward_ms: f64,
    train_step_ms: f64,
    forward_runs: Vec<f64>,
    train_runs: Vec<f64>,
    /// FCOS positives over the batch (each one blends a mask).
    positives: usize,
    /// Embedding positives over the batch (triplet and identity CE rows).
    emb_positives: usize,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() { f64::NAN } else { s[s.len() / 2] }
}

/// Two ellipse "persons" with identities 1 and 2 on a `size × size` frame, plus its RGB pixels.
fn synthetic_frame(size: usize) -> (TrainImage, Vec<f32>) {
    let s = size as f32;
    let ellipse = |cx: f32, cy: f32, rx: f32, ry: f32, identity| {
        let mut mask = vec![0u8; size * size];
        for y in 0..size {
            for x in 0..size {
                let (dx, dy) = ((x as f32 + 0.5 - cx) / rx, (y as f32 + 0.5 - cy) / ry);
                mask[y * size + x] = u8::from(dx * dx + dy * dy <= 1.0);
            }
        }
        GtPerson { bbox: [cx - rx, cy - ry, cx + rx, cy + ry], mask, identity: Some(identity) }
    };
    let persons = vec![ellipse(0.3 * s, 0.5 * s, 0.1 * s, 0.3 * s, 1), ellipse(0.65 * s, 0.45 * s, 0.15 * s, 0.35 * s, 2)];
    let mut pixels = vec![0.0f32; 3 * size * size];
    for (i, v) in pixels.iter_mut().enumerate() {
        let p = i % (size * size);
        let inside = persons.iter().position(|q| q.mask[p] != 0);
        *v = match inside {
            Some(k) => [200.0, 60.0][k] + (i / (size * size)) as f32 * 20.0,
            None => 100.0 + (p % size) as f32 * 100.0 / s,
        };
    }
    (TrainImage { height: size, width: size, persons }, pixels)
}

/// `bench_on` as a job for [`dispatch`].
struct BenchJob<'a> {
    cfg: &'a hvisnet::ModelConfig,
    size: usize,
    args: &'a BenchArgs,
}

impl OnBackend for BenchJob<'_> {
    type Output = anyhow::Result<Report>;
    fn run<B: AutodiffBackend>(self, device: &B::Device) -> Self::Output {
        bench_on::<B>(self.cfg, device, self.size, self.args)
    }
}

fn bench_on<B: AutodiffBackend>(cfg: &hvisnet::ModelConfig, device: &B::Device, size: usize, args: &BenchArgs) -> anyhow::Result<Report> {
    let mut model = Hvisnet::<B>::new(cfg, device)?;
    let params = dla34::num_parameters(&model);
    let (frame, pixels) = synthetic_frame(size);
    let n = args.batch.max(1);
    let gt = vec![frame; n];
    let all: Vec<f32> = (0..n).flat_map(|_| pixels.iter().copied()).collect();
    let images = model.normalize(Tensor::<B, 4>::from_data(TensorData::new(all, [n, 3, size, size]), device));
    let sampling = sampler::SamplingConfig::default();
    let targets = gt.iter().map(|g| model.targets(g, &sampling, 0)).collect::<Result<Vec<_>, _>>()?;
    let positives = targets.iter().map(|t| t.labels.iter().filter(|&&l| l > 0).count()).sum();
    let emb_positives = targets.iter().map(|t| t.emb_identity.iter().filter(|&&i| i >= 1).count()).sum();
    let sync = || B::sync(device).map_err(|e| anyhow::anyhow!("device sync: {e:?}"));

    // Forward: every head, inference mode (no autodiff).
    let eval = model.valid();
    let eval_images = images.clone().inner();
    let mut forward_runs = Vec::new();
    for i in 0..args.warmup + args.runs {
        let t = Instant::now();
        let out = eval.forward(eval_images.clone()).context("forward")?;
        let _ = out.bases.sum().into_scalar();
        sync()?;
        if i >= args.warmup {
            forward_runs.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }

    // Training step: forward, losses, backward, SGD (momentum 0.9, no dampening) step.
    let mut optim = SgdConfig::new().with_momentum(Some(MomentumConfig::new().with_dampening(0.0))).init();
    let mut train_runs = Vec::new();
    for i in 0..args.warmup + args.runs {
        let t = Instant::now();
        let losses = model.loss(images.clone(), &gt, &targets).context("loss")?;
        let grads = GradientsParams::from_grads(losses.total.backward(), &model);
        model = optim.step(1e-4, model, grads);
        sync()?;
        if i >= args.warmup {
            train_runs.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    Ok(Report {
        params,
        forward_ms: median(&forward_runs),
        train_step_ms: median(&train_runs),
        forward_runs,
        train_runs,
        positives,
        emb_positives,
    })
}
