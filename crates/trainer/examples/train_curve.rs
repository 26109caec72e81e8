//! Our side of the PyTorch training-curve comparison (`tools/torch_parity/train_curve.py`): trains the network of
//! an experiment config for N iterations with the trainer's own pieces (the batch builder and sampler, the
//! network's losses, the solver and LR schedule of `[solver]`) on `Autodiff<Flex>`, and writes what PyTorch
//! needs to train its twin on exactly the same thing:
//!
//! ```text
//! OUT/weights.safetensors      the initial weights by module path (metadata: the model config as JSON)
//! OUT/batch_00001.safetensors  per iteration: normalised images, GT (boxes, masks, identities, mask crops) and
//!  ...                         our sampler's targets (the keys of train_step_reference.py; metadata: the LR)
//! OUT/ours.jsonl               per iteration: our loss terms, total and gradient norm
//! OUT/solver.json              the `[solver]` table
//! ```
//!
//! ```sh
//! cargo run --release -p trainer --example train_curve -- configs/quickstart.toml 300 /tmp/curve [--set k=v ...]
//! .venv-torch/bin/python tools/torch_parity/train_curve.py /tmp/curve
//! ```
//!
//! The synthetic set of the config must exist (`trainer data synth`, or one `trainer train` of the config).

#[path = "../../hvisnet/examples/export_step/io.rs"]
#[allow(dead_code, unused_imports)]
mod io;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use burn::backend::{Autodiff, Flex};
use burn::module::Module;
use burn::optim::GradientsParams;
use burn::prelude::*;
use io::{Collect, HostTensor, write_safetensors};
use safetensors::Dtype;
use trainer::training::batch::{BatchBuilder, HostBatch, TrainSource, augment_config, epoch_batches, sampler_config};
use trainer::training::model::TrainModel;
use trainer::training::optim::Solver;
use trainer::training::schedule::LrSchedule;

type B = Autodiff<Flex>;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: train_curve CONFIG ITERATIONS OUT [--set key=value ...]";
    let [config, iterations, out] = [0, 1, 2].map(|i| args.get(i).cloned());
    let (Some(config), Some(iterations), Some(out)) = (config, iterations, out) else { bail!("{usage}") };
    let iterations: u64 = iterations.parse().with_context(|| format!("ITERATIONS = {iterations:?}: expected a count; {usage}"))?;
    let mut sets = Vec::new();
    let mut rest = args[3..].iter();
    while let Some(a) = rest.next() {
        match (a.as_str(), rest.next()) {
            ("--set", Some(kv)) => sets.push(kv.clone()),
            _ => bail!("unexpected argument {a:?}; {usage}"),
        }
    }
    let out = PathBuf::from(out);
    // A folder of its own: old batch files beside new ones would make the two runs train on different data.
    if out.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        bail!("OUT = {} already has files; give an empty or new folder", out.display());
    }
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let c = trainer::config::load(Path::new(&config), &sets)?.config;

    let files = Arc::new(
        data::datasets::open(&c.data.train.name, Path::new(&c.data.train.root), &c.data.train.split)
            .with_context(|| format!("data.train ({}); generate it first", c.data.train.root))?,
    );
    let source = TrainSource::from_config(&c, files)?;
    let clips = source.clips(c.data.frames_per_clip);
    let device = Default::default();
    B::seed(&device, c.seed);
    let model_cfg = trainer::training::network::model_config(&c, source.num_identities())?;
    let model = hvisnet::Hvisnet::<B>::new(&model_cfg, &device)?;
    // As `trainer train`: ImageNet weights for the body when the config names them.
    let (model, _) = trainer::training::network::init_backbone(model, &c)?;

    // Materialise every (lazily initialised) parameter once and write it: the model trained below is this one.
    let mut collect = Collect::default();
    model.visit(&mut collect);
    let weights: BTreeMap<String, HostTensor> = collect.entries.iter().map(|e| (e.path.clone(), HostTensor::f32(e.shape.clone(), &e.values))).collect();
    let config_json = serde_json::to_string(&model_cfg)?;
    write_safetensors(&out.join("weights.safetensors"), &weights, HashMap::from([("config".to_string(), config_json)]));
    std::fs::write(out.join("solver.json"), serde_json::to_string_pretty(&c.solver)?)?;

    let s = &c.solver;
    let per_epoch = epoch_batches(&clips, s.batch_size, c.data.frames_per_clip, c.seed, 0).len() as u64;
    let schedule = LrSchedule::new(s.base_lr, s.warmup_iters as u64, s.warmup_factor, &s.lr_steps, s.gamma, per_epoch);
    let (sampling, levels) = sampler_config(&c);
    let builder = BatchBuilder { source, augment: augment_config(&c), sampling, levels };
    let mut solver = Solver::<B, hvisnet::Hvisnet<B>>::new(s);
    let mut model = model;
    let mut log = std::fs::File::create(out.join("ours.jsonl"))?;
    let r = model_cfg.blendmask.pooler_resolution;
    let mut iter = 0u64;
    'epochs: for epoch in 0.. {
        for indices in epoch_batches(&clips, s.batch_size, c.data.frames_per_clip, c.seed, epoch) {
            if iter == iterations {
                break 'epochs;
            }
            let batch = builder.build(&indices, epoch)?;
            let lr = schedule.lr(iter);
            iter += 1;
            write_batch(&out.join(format!("batch_{iter:05}.safetensors")), &batch, r, lr)?;
            let losses = model.losses(&batch, &device)?;
            let mut record = serde_json::Map::new();
            record.insert("iteration".into(), iter.into());
            for (name, t) in &losses.terms {
                record.insert(name.clone(), f64::from(t.clone().into_scalar().elem::<f32>()).into());
            }
            let total = losses.total();
            record.insert("total".into(), f64::from(total.clone().into_scalar().elem::<f32>()).into());
            let grads = GradientsParams::from_grads(total.backward(), &model);
            let (next, info) = solver.step(lr, model, grads);
            model = next;
            record.insert("grad_norm".into(), f64::from(info.grad_norm.into_scalar().elem::<f32>()).into());
            record.insert("lr".into(), lr.into());
            writeln!(log, "{}", serde_json::Value::Object(record))?;
            if iter % 25 == 0 || iter == iterations {
                eprintln!("iteration {iter}/{iterations}");
            }
        }
    }
    eprintln!("wrote {} iterations to {}", iter, out.display());
    Ok(())
}

/// One batch in the layout `tools/torch_parity/train_step_reference.py` reads, with the normalised `images`
/// instead of its `pixels`, and the iteration's LR in the metadata.
fn write_batch(path: &Path, b: &HostBatch, r: usize, lr: f64) -> anyhow::Result<()> {
    let (n, h, w) = (b.n, b.height, b.width);
    let mut t = BTreeMap::new();
    t.insert("images".to_string(), HostTensor::f32(vec![n, 3, h, w], &b.images));
    let persons: Vec<(usize, usize)> = b.frames.iter().enumerate().flat_map(|(i, f)| (0..f.boxes.len()).map(move |p| (i, p))).collect();
    let g = persons.len();
    let masks: Vec<Vec<u8>> = persons.iter().map(|&(i, p)| b.frames[i].masks[p].to_row_major()).collect();
    let boxes: Vec<[f32; 4]> = persons.iter().map(|&(i, p)| b.frames[i].boxes[p]).collect();
    t.insert("gt.batch".into(), HostTensor::int(vec![g], persons.iter().map(|&(i, _)| i as i64), Dtype::I64));
    t.insert("gt.boxes".into(), HostTensor::f32(vec![g, 4], &boxes.concat()));
    t.insert("gt.masks".into(), HostTensor::int(vec![g, h, w], masks.iter().flatten().map(|&v| i64::from(v)), Dtype::U8));
    t.insert("gt.identity".into(), HostTensor::int(vec![g], persons.iter().map(|&(i, p)| i64::from(b.frames[i].identities[p])), Dtype::I64));
    let mut crops = Vec::with_capacity(g * r * r);
    for (m, bx) in masks.iter().zip(&boxes) {
        crops.extend(blendmask::crop_and_resize_mask(m, h, w, *bx, r)?.into_iter().map(|v| v as i64));
    }
    t.insert("gt.crops".into(), HostTensor::int(vec![g, r, r], crops, Dtype::U8));
    io::insert_targets(&mut t, &b.targets);
    write_safetensors(path, &t, HashMap::from([("lr".to_string(), lr.to_string())]));
    Ok(())
}
