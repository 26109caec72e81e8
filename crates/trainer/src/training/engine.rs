//! The training loop: batches → losses → checks → SGD step, with the LR schedule, checkpoints (periodic, at
//! each epoch end, on Ctrl-C), exact resume, TensorBoard events, `metrics.jsonl`, progress and evaluation hooks.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use burn::module::Module;
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::record::{BinFileRecorder, FullPrecisionSettings};
use burn::tensor::backend::AutodiffBackend;
use data::loader::{Loader, LoaderConfig};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::batch::{BatchBuilder, HostBatch, TrainSource, epoch_batches};
use super::checkpoint::{CheckpointStore, write_atomic};
use super::model::TrainModel;
use super::optim::Solver;
use super::progress::Progress;
use super::run_dir::MetricsLog;
use super::schedule::LrSchedule;
use super::tensorboard::EventWriter;
use super::interrupt;
use crate::config::ExperimentConfig;

/// What an evaluation produced: scalars for the logs, a picture of predictions, a one-line summary.
pub struct EvalReport {
    /// `(tag, value)`, e.g. `("eval/mask_AP", 0.31)`.
    pub scalars: Vec<(String, f64)>,
    /// Predictions drawn over a validation frame.
    pub image: Option<image::RgbImage>,
    /// Printed after the evaluation.
    pub line: String,
}

/// Runs an evaluation of the inference model `I` (the `valid()` form of the trained model).
pub trait EvalHook<B: Backend, I> {
    /// Evaluates `model` after `iteration` iterations (`epoch` epochs completed).
    fn evaluate(&mut self, model: &I, device: &B::Device, iteration: u64, epoch: u32) -> anyhow::Result<EvalReport>;
}

/// The run-level inputs of the loop.
pub struct RunContext {
    /// The run's output folder (already prepared: config.resolved.toml, meta.json).
    pub dir: PathBuf,
    /// The resolved config as written to the run folder; stored in each checkpoint and compared on resume.
    pub resolved_toml: String,
    /// The training frames (with `data.train_stream` on, the stream replaces them).
    pub train: Arc<data::datasets::FrameDataset>,
    /// Continue from the newest checkpoint.
    pub resume: bool,
    /// Stop (with a checkpoint) once this many iterations are done, as an interruption would.
    pub stop_after: Option<u64>,
    /// No progress output (tests).
    pub quiet: bool,
}

/// How the loop ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every epoch ran.
    Finished { iterations: u64, checkpoint: PathBuf },
    /// Ctrl-C or `stop_after`: a checkpoint was written and the run can be resumed.
    Stopped { iterations: u64, checkpoint: PathBuf },
}

/// The trainer's own part of a checkpoint (`state.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerState {
    /// Iterations completed.
    pub iteration: u64,
    /// Epoch of the next iteration.
    pub epoch: u32,
    /// Iterations in one epoch.
    pub iters_per_epoch: u64,
    /// The run's seed: with `(epoch, position in epoch)` it fixes every later batch and augmentation (the
    /// loop holds no other random state).
    pub seed: u64,
    /// LR used by the last completed iteration.
    pub lr: f64,
}

fn recorder() -> BinFileRecorder<FullPrecisionSettings> {
    BinFileRecorder::<FullPrecisionSettings>::new()
}

/// Loads the model weights of a checkpoint folder (`model.bin`).
pub fn load_model<B: Backend, M: Module<B>>(model: M, checkpoint: &Path, device: &B::Device) -> anyhow::Result<M> {
    model.load_file(checkpoint.join("model"), &recorder(), device).with_context(|| format!("reading {}", checkpoint.join("model.bin").display()))
}

struct Loop<'a, B: AutodiffBackend, M: TrainModel<B>> {
    cfg: &'a ExperimentConfig,
    ctx: &'a RunContext,
    device: B::Device,
    store: CheckpointStore,
    solver: Solver<B, M>,
    iters_per_epoch: u64,
}

impl<B: AutodiffBackend, M: TrainModel<B>> Loop<'_, B, M> {
    fn save(&self, model: &M, iteration: u64, lr: f64) -> anyhow::Result<PathBuf> {
        let staging = self.store.stage(iteration).context("creating a checkpoint folder")?;
        let dir = staging.dir().to_path_buf();
        model.clone().save_file(dir.join("model"), &recorder()).with_context(|| format!("writing {}", dir.join("model.bin").display()))?;
        self.solver.save(&dir.join("optim"))?;
        let state = TrainerState {
            iteration,
            epoch: (iteration / self.iters_per_epoch) as u32,
            iters_per_epoch: self.iters_per_epoch,
            seed: self.cfg.seed,
            lr,
        };
        write_atomic(&dir.join("state.json"), serde_json::to_string_pretty(&state)?.as_bytes())?;
        write_atomic(&dir.join("config.resolved.toml"), self.ctx.resolved_toml.as_bytes())?;
        self.store.commit(staging).context("publishing a checkpoint")
    }
}

/// Trains `model` (freshly initialised, or overwritten from the newest checkpoint when resuming) as the
/// config says, returning how the run ended. `eval` is called every `eval.period_epochs` epochs and at the end.
pub fn train<B, M>(
    mut model: M,
    device: &B::Device,
    cfg: &ExperimentConfig,
    ctx: &RunContext,
    mut eval: Option<&mut dyn EvalHook<B::InnerBackend, M::InnerModule>>,
) -> anyhow::Result<Outcome>
where
    B: AutodiffBackend,
    M: TrainModel<B>,
{
    let s = &cfg.solver;
    let source = TrainSource::from_config(cfg, ctx.train.clone())?;
    let clips = source.clips(cfg.data.frames_per_clip);
    if clips.is_empty() {
        bail!("the training set {} has no frames", source.name());
    }
    let iters_per_epoch = epoch_batches(&clips, s.batch_size, cfg.data.frames_per_clip, cfg.seed, 0).len() as u64;
    let total = iters_per_epoch * s.epochs as u64;
    let schedule = LrSchedule::new(s.base_lr, s.warmup_iters as u64, s.warmup_factor, &s.lr_steps, s.gamma, iters_per_epoch);
    let mut lp = Loop::<B, M> {
        cfg,
        ctx,
        device: device.clone(),
        store: CheckpointStore::new(&ctx.dir, s.keep_checkpoints),
        solver: Solver::new(s),
        iters_per_epoch,
    };

    let mut start = 0u64;
    if ctx.resume {
        match lp.store.latest() {
            None => eprintln!("--resume: no checkpoint in {}, starting from scratch", ctx.dir.join("checkpoints").display()),
            Some(ck) => {
                let state: TrainerState = serde_json::from_slice(&std::fs::read(ck.join("state.json")).with_context(|| format!("reading {}", ck.join("state.json").display()))?)
                    .with_context(|| format!("parsing {}", ck.join("state.json").display()))?;
                let saved = std::fs::read_to_string(ck.join("config.resolved.toml")).unwrap_or_default();
                if saved != ctx.resolved_toml {
                    bail!(
                        "--resume: the config differs from the one {} was trained with ({}); resume with the same config and overrides, or choose another output_dir",
                        ck.display(),
                        ck.join("config.resolved.toml").display()
                    );
                }
                if state.iters_per_epoch != iters_per_epoch {
                    bail!("--resume: {} has {} iterations per epoch, the dataset now gives {iters_per_epoch}", ck.display(), state.iters_per_epoch);
                }
                model = load_model(model, &ck, device)?;
                lp.solver = Solver::new(s).load(&ck.join("optim"), device)?;
                start = state.iteration;
                eprintln!("resumed from {} (iteration {start} of {total})", ck.display());
            }
        }
    }

    let mut events = EventWriter::create(&ctx.dir).context("creating the TensorBoard event file")?;
    let mut metrics = MetricsLog::open(&ctx.dir, start).context("opening metrics.jsonl")?;
    let builder = Arc::new(BatchBuilder {
        source,
        augment: super::batch::augment_config(cfg),
        sampling: super::batch::sampler_config(cfg).0,
        levels: super::batch::sampler_config(cfg).1,
    });
    let mut progress = Progress::new(total, start, ctx.quiet);
    let mut iter = start;
    let mut lr = schedule.lr(iter);
    let mut last_ckpt: Option<PathBuf> = None;

    if start == 0
        && let Some(hook) = eval.as_deref_mut()
    {
        // The untrained model's score, the baseline every later evaluation is read against.
        let report = hook.evaluate(&model.valid(), &lp.device, 0, 0).context("evaluating the untrained model")?;
        log_eval(&mut events, &mut metrics, &report, 0, 0)?;
        progress.println(&report.line);
    }
    let first_epoch = (start / iters_per_epoch) as u32;
    for epoch in first_epoch..s.epochs {
        let batches = epoch_batches(&clips, s.batch_size, cfg.data.frames_per_clip, cfg.seed, epoch as u64);
        let skip = (iter - epoch as u64 * iters_per_epoch) as usize;
        let todo: Arc<Vec<Vec<usize>>> = Arc::new(batches[skip..].to_vec());
        let (b2, t2, ep) = (builder.clone(), todo.clone(), epoch as u64);
        let loader: Loader<HostBatch> = Loader::new(
            todo.len(),
            LoaderConfig { batch_size: 1, prefetch: cfg.data.num_workers.max(1), shuffle: false, seed: cfg.seed, epoch: ep },
            Arc::new(move |k, _rng| b2.build(&t2[k], ep).map_err(|e| data::DataError::Io { path: PathBuf::from("<batch>"), source: std::io::Error::other(format!("{e:#}")) })),
        );
        for item in loader {
            let mut items = item.map_err(|e| anyhow::anyhow!("{e}")).with_context(|| format!("building the batch of iteration {}", iter + 1))?;
            let batch = items.pop().expect("one batch per loader item");
            let t0 = Instant::now();
            lr = schedule.lr(iter);
            let losses = model.losses(&batch, device).with_context(|| format!("iteration {}: forward pass on {:?}", iter + 1, batch.sample_ids()))?;
            let names: Vec<String> = losses.terms.iter().map(|(n, _)| n.clone()).collect();
            let total_loss = losses.total();
            let mut parts: Vec<Tensor<B::InnerBackend, 1>> = losses.terms.iter().map(|(_, t)| t.clone().inner().reshape([1])).collect();
            parts.push(total_loss.clone().inner().reshape([1]));
            let grads = GradientsParams::from_grads(total_loss.backward(), &model);
            let (next, info) = lp.solver.step(lr, model, grads);
            // The step's one device→host read (docs/training.md, "Host round trips"): the loss terms, the total
            // and the gradient norm, after the update is queued. A non-finite value discards the update.
            parts.push(info.grad_norm);
            let mut values: Vec<f32> = Tensor::cat(parts, 0).into_data().convert::<f32>().to_vec().expect("f32 loss values");
            let grad_norm = values.pop().expect("the gradient norm") as f64;
            let last_good = || last_ckpt.as_ref().or(lp.store.latest().as_ref()).map(|p| p.display().to_string()).unwrap_or_else(|| "none (no checkpoint written yet)".into());
            if let Some(k) = values.iter().position(|v| !v.is_finite()) {
                let name = names.get(k).map(String::as_str).unwrap_or("total");
                bail!(
                    "non-finite loss: {name} = {} at iteration {} (epoch {}, LR {lr:.3e}) on samples {:?}; this update was discarded, the last good checkpoint is {}",
                    values[k],
                    iter + 1,
                    epoch + 1,
                    batch.sample_ids(),
                    last_good()
                );
            }
            if !grad_norm.is_finite() {
                bail!(
                    "non-finite gradient norm ({grad_norm}) at iteration {} (epoch {}) on samples {:?}; this update was discarded, the last good checkpoint is {}",
                    iter + 1,
                    epoch + 1,
                    batch.sample_ids(),
                    last_good()
                );
            }
            model = next;
            iter += 1;
            let step_s = t0.elapsed().as_secs_f64();
            let loss = *values.last().expect("total");
            for (n, v) in names.iter().zip(&values) {
                events.scalar(&format!("loss/{n}"), iter, *v)?;
            }
            events.scalar("loss/total", iter, loss)?;
            events.scalar("lr", iter, lr as f32)?;
            events.scalar("grad_norm", iter, grad_norm as f32)?;
            events.scalar("throughput/images_per_s", iter, (batch.n as f64 / step_s) as f32)?;
            let mut rec = json!({"iteration": iter, "epoch": epoch + 1, "lr": lr, "grad_norm": grad_norm, "images": batch.n, "step_s": step_s, "loss_total": loss});
            for (n, v) in names.iter().zip(&values) {
                rec[format!("loss_{n}")] = json!(v);
            }
            metrics.write(&rec)?;
            progress.update(iter, epoch, loss, lr);

            let epoch_end = iter % iters_per_epoch == 0;
            if s.checkpoint_period > 0 && iter % s.checkpoint_period as u64 == 0 && !epoch_end {
                last_ckpt = Some(lp.save(&model, iter, lr)?);
            }
            let stop = interrupt::requested() || ctx.stop_after.is_some_and(|n| iter >= n);
            if stop && !epoch_end {
                let ck = lp.save(&model, iter, lr)?;
                events.flush()?;
                progress.finish();
                eprintln!("stopped at iteration {iter}; checkpoint {} (continue with --resume)", ck.display());
                return Ok(Outcome::Stopped { iterations: iter, checkpoint: ck });
            }
        }
        let ck = lp.save(&model, iter, lr)?;
        last_ckpt = Some(ck.clone());
        events.flush()?;
        let done = epoch + 1;
        let last = done == s.epochs;
        let period = cfg.eval.period_epochs;
        if let Some(hook) = eval.as_deref_mut()
            && (last || (period > 0 && done % period == 0))
        {
            let report = hook.evaluate(&model.valid(), &lp.device, iter, done).with_context(|| format!("evaluating after iteration {iter}"))?;
            log_eval(&mut events, &mut metrics, &report, iter, done)?;
            progress.println(&report.line);
        }
        let stop = interrupt::requested() || ctx.stop_after.is_some_and(|n| iter >= n);
        if stop && !last {
            events.flush()?;
            progress.finish();
            eprintln!("stopped at iteration {iter}; checkpoint {} (continue with --resume)", ck.display());
            return Ok(Outcome::Stopped { iterations: iter, checkpoint: ck });
        }
    }
    events.flush()?;
    progress.finish();
    let checkpoint = lp.store.latest().context("no checkpoint after training")?;
    Ok(Outcome::Finished { iterations: iter, checkpoint })
}

fn log_eval(events: &mut EventWriter, metrics: &mut MetricsLog, report: &EvalReport, iter: u64, epoch: u32) -> anyhow::Result<()> {
    for (tag, v) in &report.scalars {
        events.scalar(tag, iter, *v as f32)?;
    }
    if let Some(img) = &report.image {
        events.image("val/predictions", iter, img)?;
    }
    events.flush()?;
    let mut rec = json!({"iteration": iter, "epoch": epoch});
    for (tag, v) in &report.scalars {
        rec[tag.as_str()] = json!(v);
    }
    metrics.write(&rec)?;
    Ok(())
}
