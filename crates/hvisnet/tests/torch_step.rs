//! One full training step against PyTorch, without PyTorch: the committed files under `tests/data` hold a seeded
//! narrow HVISNet's weights, a batch with its GT and our sampler's targets (`examples/export_step`), and what
//! `tools/torch_parity/train_step_reference.py` (a float64 PyTorch twin of our network and losses) computed from
//! them: every loss term and every parameter's gradient. We load the same weights, run `Hvisnet::loss` and
//! backward on Autodiff<Flex> and require every loss term within 1e-5 relative and every gradient within 1e-3
//! relative (max |ours − torch| / max |torch| per tensor).

use std::collections::BTreeMap;

use burn::backend::{Autodiff, Flex};
use burn::module::{AutodiffModule, Module, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use hvisnet::{GtPerson, Hvisnet, ModelConfig, TrainImage};
use sampler::{Locations, Targets};

#[path = "../examples/export_step/io.rs"]
mod io;
use io::{data_dir, read_safetensors, Collect, HostTensor, Load};

type A = Autodiff<Flex>;

/// Tolerances of the issue: loss terms (relative) and gradients (max abs diff / max abs value per tensor).
const LOSS_TOL: f64 = 1e-5;
const GRAD_TOL: f64 = 1e-3;
/// BatchNorm running statistics after the step (max abs diff / max abs value per tensor).
const RUNNING_TOL: f64 = 1e-4;

fn grad_values<B: AutodiffBackend>(grads: &GradientsParams, id: ParamId, rank: usize) -> Option<Vec<f32>> {
    let v = |d: TensorData| d.convert::<f32>().to_vec::<f32>().unwrap();
    match rank {
        1 => grads.get::<B::InnerBackend, 1>(id).map(|t| v(t.into_data())),
        2 => grads.get::<B::InnerBackend, 2>(id).map(|t| v(t.into_data())),
        3 => grads.get::<B::InnerBackend, 3>(id).map(|t| v(t.into_data())),
        4 => grads.get::<B::InnerBackend, 4>(id).map(|t| v(t.into_data())),
        r => panic!("rank {r}"),
    }
}

/// The batch's GT and our sampler's targets as exported.
fn scene(inputs: &BTreeMap<String, HostTensor>, cfg: &ModelConfig) -> (Vec<TrainImage>, Vec<Targets>, Tensor<Flex, 4>) {
    let get = |k: &str| inputs.get(k).unwrap_or_else(|| panic!("step_inputs: no tensor {k}"));
    let px = get("pixels");
    let [n, _, h, w] = px.shape[..] else { panic!("pixels shape {:?}", px.shape) };
    let batch = get("gt.batch").to_i64();
    let boxes = get("gt.boxes").to_f32();
    let masks = get("gt.masks").to_i64();
    let ids = get("gt.identity").to_i64();
    let mut gt: Vec<TrainImage> = (0..n).map(|_| TrainImage { height: h, width: w, persons: Vec::new() }).collect();
    for (k, &b) in batch.iter().enumerate() {
        gt[b as usize].persons.push(GtPerson {
            bbox: [boxes[4 * k], boxes[4 * k + 1], boxes[4 * k + 2], boxes[4 * k + 3]],
            mask: masks[k * h * w..(k + 1) * h * w].iter().map(|&v| v as u8).collect(),
            identity: (ids[k] > 0).then_some(ids[k] as u32),
        });
    }
    let locations = Locations::new(&cfg.levels(), h, w);
    let l = locations.len;
    let (labels, matched, claims) = (get("targets.labels").to_i64(), get("targets.matched").to_i64(), get("targets.claims").to_i64());
    let (emb_matched, emb_identity) = (get("targets.emb_matched").to_i64(), get("targets.emb_identity").to_i64());
    let (ltrb, ctr) = (get("targets.ltrb").to_f32(), get("targets.centerness").to_f32());
    assert_eq!(labels.len(), n * l, "targets for {n} images of {l} locations");
    let targets = (0..n)
        .map(|i| {
            let s = i * l..(i + 1) * l;
            Targets {
                locations: locations.clone(),
                labels: labels[s.clone()].iter().map(|&v| v as i32).collect(),
                matched: matched[s.clone()].iter().map(|&v| v as i32).collect(),
                ltrb: ltrb[4 * i * l..4 * (i + 1) * l].to_vec(),
                centerness: ctr[s.clone()].to_vec(),
                claims: claims[s.clone()].iter().map(|&v| v as u8).collect(),
                emb_matched: emb_matched[s.clone()].iter().map(|&v| v as i32).collect(),
                emb_identity: emb_identity[s].to_vec(),
            }
        })
        .collect();
    let pixels = Tensor::from_data(TensorData::new(px.to_f32(), [n, 3, h, w]), &Default::default());
    (gt, targets, pixels)
}

#[test]
fn training_step_matches_pytorch() {
    let dir = data_dir();
    let (weights, wmeta) = read_safetensors(&dir.join("step_weights.safetensors"));
    let (inputs, imeta) = read_safetensors(&dir.join("step_inputs.safetensors"));
    let (expected, emeta) = read_safetensors(&dir.join("step_expected.safetensors"));
    let cfg: ModelConfig = serde_json::from_str(&wmeta["config"]).expect("config metadata");
    assert_eq!(wmeta["config"], imeta["config"], "weights and inputs exported with different configs");
    println!("reference: torch {} in {} ({})", emeta["torch"], emeta["dtype"], emeta["stats"]);

    // The exported weights, loaded by module path.
    let device = Default::default();
    let mut load = Load::new(&weights);
    let model = Hvisnet::<A>::new(&cfg, &device).unwrap().map(&mut load);
    assert!(load.missing.is_empty() && load.mismatched.is_empty(), "missing {:?}, mismatched {:?}", load.missing, load.mismatched);
    assert_eq!(load.loaded.len(), weights.len(), "weights file has tensors the model lacks");

    let (gt, targets, pixels) = scene(&inputs, &cfg);
    let images = model.normalize(Tensor::from_inner(pixels));
    let losses = model.loss(images, &gt, &targets).unwrap();

    let mut failures = Vec::new();
    for (name, t) in losses.named() {
        let ours = t.into_data().convert::<f64>().to_vec::<f64>().unwrap()[0];
        let want = expected[&format!("loss.{name}")].to_f64()[0];
        let rel = (ours - want).abs() / want.abs().max(f64::MIN_POSITIVE);
        println!("loss {name:8} ours {ours:.8} torch {want:.8} relative error {rel:.2e}");
        if rel > LOSS_TOL {
            failures.push(format!("loss {name}: ours {ours} vs torch {want} (relative {rel:.2e})"));
        }
    }

    let grads = GradientsParams::from_grads(losses.total.backward(), &model);
    let mut params = Collect::default();
    model.visit(&mut params);
    let mut errors = Vec::new();
    let mut with_grad = 0;
    for e in &params.entries {
        let ours = grad_values::<A>(&grads, e.id, e.shape.len());
        let want = expected.get(&format!("grad.{}", e.path));
        match (ours, want) {
            (None, None) => {}
            (Some(_), None) => failures.push(format!("{}: gradient in ours, none in torch", e.path)),
            (None, Some(_)) => failures.push(format!("{}: gradient in torch, none in ours", e.path)),
            (Some(g), Some(w)) => {
                with_grad += 1;
                let w = w.to_f64();
                let scale = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                let diff = g.iter().zip(&w).fold(0.0f64, |m, (a, b)| m.max((*a as f64 - b).abs()));
                let rel = if scale > 0.0 { diff / scale } else { diff };
                errors.push((rel, e.path.clone(), scale));
            }
        }
    }
    let torch_grads = expected.keys().filter(|k| k.starts_with("grad.")).count();
    assert_eq!(with_grad, torch_grads, "parameters with a gradient: ours {with_grad}, torch {torch_grads}");
    errors.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{with_grad} gradients; the worst (max |ours − torch| / max |torch|):");
    for (rel, path, scale) in errors.iter().take(8) {
        println!("  {rel:.2e}  {path} (max |g| {scale:.2e})");
    }
    let mut per_module: BTreeMap<&str, (f64, &str)> = BTreeMap::new();
    for (rel, path, _) in &errors {
        let module = path.split('.').next().unwrap_or("");
        let module = if module == "backbone" { &path[..path.match_indices('.').nth(1).map_or(path.len(), |(i, _)| i)] } else { module };
        let worst = per_module.entry(module).or_insert((0.0, ""));
        if *rel > worst.0 {
            *worst = (*rel, path);
        }
    }
    for (module, (rel, path)) in &per_module {
        println!("  worst in {module:14} {rel:.2e}  {path}");
    }
    failures.extend(errors.iter().filter(|e| e.0 > GRAD_TOL).map(|(rel, path, _)| format!("gradient {path}: relative {rel:.2e}")));

    // BatchNorm running statistics after the step (the forward updated them; `valid()` syncs them). Means must
    // equal PyTorch's. Variances: ours (like burn's `BatchNorm`) folds in the biased batch variance, PyTorch the
    // unbiased one (n/(n − 1) times larger, n = N·H·W), so PyTorch's update is converted back with the n each
    // norm saw before comparing; the printed ratio shows the difference (1 = none).
    let mut after = Collect::default();
    model.valid().visit(&mut after);
    let mut running = Vec::new();
    for e in after.entries.iter().filter(|e| e.path.ends_with("running_mean") || e.path.ends_with("running_var")) {
        let torch = expected[&format!("running.{}", e.path)].to_f64();
        let norm = e.path.rsplit_once('.').unwrap().0;
        let is_var = e.path.ends_with("running_var");
        let (keep, init) = (1.0 - 0.1, if is_var { 1.0 } else { 0.0 });
        let want: Vec<f64> = match (is_var, expected.get(&format!("bn_count.{norm}"))) {
            (true, Some(n)) => {
                let n = n.to_f64()[0];
                torch.iter().map(|t| keep * init + (t - keep * init) * (n - 1.0) / n).collect()
            }
            _ => torch.clone(), // means, and the never-run projections (no count, initial values)
        };
        let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
        let diff = e.values.iter().zip(&want).fold(0.0f64, |m, (a, b)| m.max((*a as f64 - b).abs()));
        let to_torch = e.values.iter().zip(&torch).fold(0.0f64, |m, (a, b)| m.max((*a as f64 - b).abs())) / scale;
        running.push((diff / scale, e.path.clone(), to_torch));
    }
    running.sort_by(|a, b| b.0.total_cmp(&a.0));
    let worst_var = running.iter().filter(|r| r.1.ends_with("running_var")).map(|r| r.2).fold(0.0f64, f64::max);
    println!(
        "{} running statistics; worst {:.2e} at {}; running variances differ from PyTorch's unbiased update by up to {:.2e} relative",
        running.len(),
        running[0].0,
        running[0].1,
        worst_var
    );
    failures.extend(running.iter().filter(|r| !(r.0 <= RUNNING_TOL)).map(|(rel, path, _)| format!("{path}: relative {rel:.2e}")));
    assert!(failures.is_empty(), "{} differences from PyTorch:\n{}", failures.len(), failures.join("\n"));
}
