//! `trainer train CONFIG.toml`: the training job (HVISNet on the configured datasets and device).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use burn::tensor::backend::AutodiffBackend;
use clap::Args;

use crate::config::{self, DatasetRef, ExperimentConfig};
use crate::training::batch::TrainSource;
use crate::training::device::{OnBackend, dispatch, resolve};
use crate::training::engine::{Outcome, RunContext, train};
use crate::training::evaluate::{self, CocoEvaluator};
use crate::training::{interrupt, network, run_dir};

/// Arguments of `trainer train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The experiment config (TOML).
    pub config: PathBuf,
    /// Override a key: `--set solver.base_lr=0.005` (value parsed as TOML; repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Continue from the newest checkpoint in the run's output folder.
    #[arg(long)]
    pub resume: bool,
    /// Stop after this iteration with a checkpoint (as Ctrl-C does), e.g. to fit a job's time limit; continue
    /// with `--resume`.
    #[arg(long, value_name = "ITER")]
    pub stop_after: Option<u64>,
}

/// Resolves the config, checks device and datasets, then trains and evaluates.
pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let resolved = config::load(&args.config, &args.set)?;
    let c = resolved.config.clone();
    let device = resolve(&c.device, &c.devices)?;
    let started = Instant::now();
    ensure_synth(&c.data.train)?;
    let train_ds = Arc::new(open(&c.data.train, "data.train")?);
    ensure_synth(&c.data.val)?;
    let val_ds = open(&c.data.val, "data.val")?;
    let test_ds = open_tests(&c)?;
    let source = TrainSource::from_config(&c, train_ds.clone())?;
    let on = match &source {
        TrainSource::Stream(st) => format!(
            "a synthetic stream ({} new videos per epoch × {} frames, {}×{}, knobs of {}; {} identity labels per epoch)",
            st.videos_per_epoch,
            st.synth.frames,
            st.synth.width,
            st.synth.height,
            Path::new(&c.data.train.root).join("synth.json").display(),
            st.identities_per_epoch()
        ),
        TrainSource::Files(ds) => format!("{} ({} frames, {} identities)", ds.name, ds.len(), ds.num_identities),
    };
    eprintln!(
        "{}: {} on {on}, val {} ({} frames), device {device}, output {}",
        args.config.display(),
        c.model.backbone.name,
        val_ds.name,
        val_ds.len(),
        c.output_dir
    );
    let toml = resolved.to_toml_string();
    // The ID classifier has one class per training identity: the dataset's, or the stream's labels per epoch.
    let job = TrainJob { c: &c, toml, train: (train_ds, source.num_identities()), eval_ds: (val_ds, test_ds), resume: args.resume, stop_after: args.stop_after, started };
    dispatch(device, job)
}

/// `run_on` as a job for [`dispatch`].
struct TrainJob<'a> {
    c: &'a ExperimentConfig,
    toml: String,
    /// The training files and the number of identity labels the ID classifier needs.
    train: (Arc<data::datasets::FrameDataset>, usize),
    eval_ds: (data::datasets::FrameDataset, Vec<data::datasets::FrameDataset>),
    resume: bool,
    stop_after: Option<u64>,
    started: Instant,
}

impl OnBackend for TrainJob<'_> {
    type Output = anyhow::Result<()>;
    fn run<B: AutodiffBackend>(self, device: &B::Device) -> Self::Output {
        run_on::<B>(self.c, self.toml, device, self.train, self.eval_ds, (self.resume, self.stop_after), self.started)
    }
}

fn run_on<B: AutodiffBackend>(
    c: &ExperimentConfig,
    resolved_toml: String,
    device: &B::Device,
    (train_ds, num_identities): (Arc<data::datasets::FrameDataset>, usize),
    (val_ds, test_ds): (data::datasets::FrameDataset, Vec<data::datasets::FrameDataset>),
    (resume, stop_after): (bool, Option<u64>),
    started: Instant,
) -> anyhow::Result<()> {
    B::seed(device, c.seed);
    let model_cfg = network::model_config(c, num_identities)?;
    let model = hvisnet::Hvisnet::<B>::new(&model_cfg, device).map_err(|e| anyhow::anyhow!("building the network: {e}"))?;
    // ImageNet weights for the body (a resumed run then overwrites everything from its checkpoint).
    let (model, loaded) = network::init_backbone(model, c)?;
    if let Some(line) = loaded {
        eprintln!("{line}");
    }
    let dir = PathBuf::from(&c.output_dir);
    run_dir::prepare(&dir, &resolved_toml, &run_dir::RunMeta { device: c.device.clone(), seed: c.seed })
        .with_context(|| format!("preparing the run folder {}", dir.display()))?;
    // A run being (re)started is not finished: results.json appears only once its final evaluation is done.
    evaluate::clear_results(&dir)?;
    let mut evaluator = CocoEvaluator::from_config(c, Arc::new(val_ds), test_ds, &dir)?;
    interrupt::install();
    let ctx = RunContext { dir: dir.clone(), resolved_toml, train: train_ds, resume, stop_after, quiet: false };
    let outcome = train::<B, _>(model, device, c, &ctx, Some(&mut evaluator))?;
    let took = crate::training::progress::fmt_secs(started.elapsed().as_secs_f64());
    match outcome {
        Outcome::Finished { iterations, checkpoint } => {
            eprintln!("finished {iterations} iterations in {took}");
            let results = match evaluator.final_results() {
                Some(r) => evaluate::write_results(&dir, r, started.elapsed().as_secs_f64())?.display().to_string(),
                None => "not written: no final evaluation ran in this session (the run had already finished)".into(),
            };
            eprintln!("results in {}:", dir.display());
            eprintln!("  results.json    {results}");
            eprintln!("  evaluation      {}", dir.join("eval/summary.md").display());
            eprintln!("  checkpoint      {}", checkpoint.display());
            eprintln!("  metrics         {}", dir.join("metrics.jsonl").display());
            eprintln!("  TensorBoard     tensorboard --logdir {}", dir.display());
            if let Ok(md) = std::fs::read_to_string(dir.join("eval/summary.md")) {
                eprintln!("\n{md}");
            }
        }
        Outcome::Stopped { iterations, checkpoint } => {
            eprintln!("stopped after {iterations} iterations ({took}); checkpoint {}", checkpoint.display());
            eprintln!("continue with: trainer train <config> --resume (same config and --set overrides)");
        }
    }
    Ok(())
}

/// The synthetic set is generated on first use (the quickstart's data); other datasets must be present.
fn ensure_synth(d: &DatasetRef) -> anyhow::Result<()> {
    let root = Path::new(&d.root);
    if d.name != "synth" || root.join(format!("{}.json", d.split)).exists() {
        return Ok(());
    }
    let cfg = data::synth::SynthConfig::default();
    eprintln!("generating the synthetic dataset in {} ({} videos × {} frames, {}×{}) ...", root.display(), cfg.videos, cfg.frames, cfg.width, cfg.height);
    let t = Instant::now();
    data::synth::generate(&cfg, root).with_context(|| format!("generating the synthetic dataset in {}", root.display()))?;
    eprintln!("generated in {:.1}s", t.elapsed().as_secs_f64());
    Ok(())
}

/// The `eval.tests` sets, opened (and generated, for `synth`) before any work, so that a missing one stops the
/// run at once with the expected path and the dataset's README.
fn open_tests(c: &ExperimentConfig) -> anyhow::Result<Vec<data::datasets::FrameDataset>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, t) in c.eval.tests.iter().enumerate() {
        if !seen.insert((t.name.as_str(), t.split.as_str())) {
            anyhow::bail!("eval.tests[{i}]: {}/{} is listed twice (results are keyed by name/split)", t.name, t.split);
        }
        ensure_synth(t)?;
        out.push(open(t, &format!("eval.tests[{i}]"))?);
    }
    Ok(out)
}

fn open(d: &DatasetRef, key: &str) -> anyhow::Result<data::datasets::FrameDataset> {
    data::datasets::open(&d.name, Path::new(&d.root), &d.split)
        .with_context(|| format!("{key} (name = {:?}, root = {:?}, split = {:?})", d.name, d.root, d.split))
}
