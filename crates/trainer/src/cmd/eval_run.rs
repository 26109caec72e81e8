//! `trainer eval --run DIR [--iter N] --dataset NAME --root R --split S [--out OUT] [--device D]`: scores a
//! training run's checkpoint on any dataset split, as the training's evaluation hook scores `data.val`. The
//! network is built from the checkpoint's resolved config and run on its device (or `--device`) through the
//! trainer's one backend dispatch; the scoring is the hook's own ([`CocoEvaluator::standalone`]), so the files
//! and numbers are those of `<run>/eval/`, written into OUT (default `<run>/eval_<NAME>_<SPLIT>/`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::tensor::backend::AutodiffBackend;
use clap::Args;
use hvisnet::Hvisnet;

use crate::cmd::track::live;
use crate::config::{DatasetRef, ExperimentConfig};
use crate::training::checkpoint::CheckpointStore;
use crate::training::device::{OnBackend, dispatch, resolve};
use crate::training::engine::{EvalHook, EvalReport, TrainerState, load_model};
use crate::training::evaluate::CocoEvaluator;
use crate::training::network::model_config;

/// The dataset names `--dataset` accepts (those of `data.train`, `data.val` and `eval.tests`).
pub const DATASETS: [&str; 5] = ["synth", "hvis", "ytvis-person", "coco-persons", "ochuman"];

/// Arguments of `trainer eval --run` (required unless a subcommand is given).
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Training run folder: its `checkpoints/` and `config.resolved.toml` (the run's `output_dir`).
    #[arg(long, value_name = "DIR", required = true)]
    pub run: Option<PathBuf>,
    /// Iteration of the checkpoint to evaluate (`checkpoints/iter_<N>`); default: the newest (`checkpoints/last`).
    #[arg(long, value_name = "N")]
    pub iter: Option<u64>,
    /// Dataset: synth, hvis, ytvis-person, coco-persons or ochuman.
    #[arg(long, value_name = "NAME", required = true)]
    pub dataset: Option<String>,
    /// Dataset folder (layout in datasets/<NAME>/README.md).
    #[arg(long, value_name = "R", required = true)]
    pub root: Option<PathBuf>,
    /// Split (train, val, test, val2017, ... as the dataset names them).
    #[arg(long, value_name = "S", required = true)]
    pub split: Option<String>,
    /// Output folder; default: DIR/eval_<NAME>_<SPLIT>/ (never the training's own DIR/eval/).
    #[arg(long, value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Device: cpu, cuda:N, wgpu, wgpu:N or wgpu:cpu; default: the run config's `device`.
    #[arg(long, value_name = "D")]
    pub device: Option<String>,
}

/// The checkpoint folder to evaluate: `checkpoints/iter_<N>` for `--iter N`, else the newest complete one.
/// Errors name the folder and list the iterations present.
pub fn find_checkpoint(run: &Path, iter: Option<u64>) -> Result<PathBuf> {
    let dir = run.join("checkpoints");
    if !dir.is_dir() {
        bail!("--run {}: no {} (expected a training run folder holding checkpoints/ and config.resolved.toml)", run.display(), dir.display());
    }
    let store = CheckpointStore::new(run, 1);
    let present = store.list();
    let listed = || {
        let iters: Vec<String> = present.iter().filter_map(|p| p.file_name()?.to_str()?.strip_prefix("iter_")?.parse::<u64>().ok()).map(|n| n.to_string()).collect();
        if iters.is_empty() { "none".to_string() } else { iters.join(", ") }
    };
    let found = match iter {
        Some(n) => Some(dir.join(format!("iter_{n:08}"))).filter(|p| p.is_dir()),
        None => store.latest(),
    };
    let what = iter.map_or("the newest checkpoint".to_string(), |n| format!("--iter {n}"));
    match found {
        Some(p) if p.join("model.bin").is_file() => Ok(p),
        Some(p) => bail!("{what}: {} has no model.bin (an incomplete checkpoint); checkpoints in {}: iterations {}", p.display(), dir.display(), listed()),
        None => bail!(
            "{what}: no checkpoint {}in {}; the run has checkpoints at iterations {} (the run keeps the newest solver.keep_checkpoints)",
            iter.map_or(String::new(), |n| format!("iter_{n:08} ")),
            dir.display(),
            listed()
        ),
    }
}

/// The resolved config beside the checkpoint (or in the run folder) and the path it was read from.
fn run_config(run: &Path, checkpoint: &Path) -> Result<(ExperimentConfig, PathBuf)> {
    let candidates = [checkpoint.join("config.resolved.toml"), run.join("config.resolved.toml")];
    let path = candidates.iter().find(|p| p.is_file()).with_context(|| {
        format!("--run {}: neither {} nor {} exists (the resolved config the run was trained with)", run.display(), candidates[0].display(), candidates[1].display())
    })?;
    live::checkpoint_config(checkpoint, Some(path.as_path()))
}

/// Iteration and epochs completed of a checkpoint (`state.json`).
fn checkpoint_state(checkpoint: &Path) -> Result<TrainerState> {
    let path = checkpoint.join("state.json");
    let bytes = std::fs::read(&path).with_context(|| format!("reading {} (the checkpoint's iteration and epoch)", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}: expected the trainer state (iteration, epoch, ...)", path.display()))
}

/// Whether two paths name the same folder (the lexical comparison when either does not exist).
fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Runs `trainer eval --run`.
pub fn run(args: RunArgs) -> Result<()> {
    let started = Instant::now();
    let missing = |flag: &str| anyhow::anyhow!("trainer eval: {flag} is required (or give a subcommand: mots, coco, ochuman, ytvis)");
    let run = args.run.ok_or_else(|| missing("--run DIR"))?;
    let name = args.dataset.ok_or_else(|| missing("--dataset NAME"))?;
    let root = args.root.ok_or_else(|| missing("--root R"))?;
    let split = args.split.ok_or_else(|| missing("--split S"))?;
    if !run.is_dir() {
        bail!("--run {}: does not exist (expected a training run folder holding checkpoints/ and config.resolved.toml)", run.display());
    }
    if !DATASETS.contains(&name.as_str()) {
        bail!("--dataset {name:?}: unknown dataset; expected one of {}", DATASETS.join(", "));
    }
    let checkpoint = find_checkpoint(&run, args.iter)?;
    let (cfg, cfg_path) = run_config(&run, &checkpoint)?;
    let state = checkpoint_state(&checkpoint)?;
    let device = match &args.device {
        Some(d) => resolve(d, &[]).context("--device")?,
        None => resolve(&cfg.device, &cfg.devices).with_context(|| format!("the device of {} (choose another with --device)", cfg_path.display()))?,
    };
    let dataset = DatasetRef { name: name.clone(), root: root.to_string_lossy().into_owned(), split: split.clone() };
    let data = data::datasets::open(&name, &root, &split).with_context(|| format!("--dataset {name} --root {} --split {split}", root.display()))?;
    if data.is_empty() {
        bail!("--dataset {name} --root {} --split {split}: the split has no frames", root.display());
    }
    let out = args.out.unwrap_or_else(|| run.join(format!("eval_{name}_{split}").replace(['/', '\\'], "_")));
    if same_dir(&out, &run.join("eval")) {
        bail!("--out {}: that is the training's own evaluation folder; choose another (default: {})", out.display(), run.join(format!("eval_{name}_{split}")).display());
    }
    eprintln!(
        "eval: checkpoint {} (iteration {}, epoch {}), config {}, {name}/{split} ({} frames) from {}, device {device}, output {}",
        checkpoint.display(),
        state.iteration,
        state.epoch,
        cfg_path.display(),
        data.len(),
        root.display(),
        out.display()
    );
    let mut provenance = serde_json::Map::new();
    provenance.insert("checkpoint".into(), serde_json::json!(checkpoint.display().to_string()));
    provenance.insert("config".into(), serde_json::json!(cfg_path.display().to_string()));
    let evaluator = CocoEvaluator::standalone(&cfg, &dataset, Arc::new(data), &out, provenance)?;
    let job = EvalJob { cfg: &cfg, cfg_path: &cfg_path, checkpoint: &checkpoint, evaluator, iteration: state.iteration, epoch: state.epoch };
    let report = dispatch(device, job)?;
    println!("{}", report.line);
    println!("wrote {} in {} (summary: {})", out.display(), crate::training::progress::fmt_secs(started.elapsed().as_secs_f64()), out.join("summary.md").display());
    Ok(())
}

/// The checkpoint loaded on the job's backend (inference: `B::InnerBackend`) and scored by the hook.
struct EvalJob<'a> {
    cfg: &'a ExperimentConfig,
    cfg_path: &'a Path,
    checkpoint: &'a Path,
    evaluator: CocoEvaluator,
    iteration: u64,
    epoch: u32,
}

impl OnBackend for EvalJob<'_> {
    type Output = Result<EvalReport>;
    fn run<B: AutodiffBackend>(mut self, device: &B::Device) -> Self::Output {
        // `HvisnetDetector::load` refuses weights that do not fit the config (burn would load them silently);
        // it keeps its network private, so the checked checkpoint is then loaded again as the hook's model.
        drop(live::HvisnetDetector::<B::InnerBackend>::load(self.cfg, self.cfg_path, self.checkpoint, device)?);
        // The identity classifier is a training-only head, left out as `trainer track` does.
        let mc = model_config(self.cfg, 0).with_context(|| format!("model config from {}", self.cfg_path.display()))?;
        let fresh = Hvisnet::<B::InnerBackend>::new(&mc, device).map_err(|e| anyhow::anyhow!("building the network of {}: {e}", self.cfg_path.display()))?;
        let model = load_model(fresh, self.checkpoint, device)?;
        EvalHook::<B::InnerBackend, Hvisnet<B::InnerBackend>>::evaluate(&mut self.evaluator, &model, device, self.iteration, self.epoch)
    }
}
