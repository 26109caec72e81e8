//! The network on burn's wgpu backend (the burn-cubecl kernels CUDA and ROCm also run; lavapipe in CI) against
//! the same network on Flex: one full training step with the same weights, batch and targets (every loss term
//! within 1e-4 relative, every parameter gradient within 1e-3 relative) and inference (same detections, mask IoU
//! ≥ 0.99). Built with `--features hvisnet/wgpu` (tools/test.sh does).

#![cfg(feature = "wgpu")]

use std::collections::HashMap;

use burn::backend::wgpu::WgpuDevice;
use burn::backend::{Autodiff, Flex, Wgpu};
use burn::module::{AutodiffModule, Module, ModuleVisitor, Param, ParamId};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::AutodiffBackend;
use hvisnet::{Hvisnet, ModelConfig, TrainImage};
use sampler::{SamplingConfig, Targets};

mod common;
use common::{iou, two_frames, S};

type F = Autodiff<Flex>;
type W = Autodiff<Wgpu>;

fn config() -> ModelConfig {
    let mut config = ModelConfig::narrow(16);
    config.id.num_identities = 2;
    config
}

/// The same weights on another backend, through burn's full-precision record bytes. The source's parameters
/// must be materialised: burn initialises parameters lazily, and two clones of a never-read parameter
/// initialise independently (different random values), so tests start from [`fresh`].
fn copy_to<A: Backend, B: Backend>(model: Hvisnet<A>, device: &B::Device) -> Hvisnet<B> {
    let recorder = BinBytesRecorder::<FullPrecisionSettings>::default();
    let bytes = recorder.record(model.into_record(), ()).expect("record the model");
    let record = recorder.load(bytes, device).expect("load the record");
    Hvisnet::<B>::new(&config(), device).unwrap().load_record(record)
}

/// A new network whose parameters are materialised (loaded from its own record), safe to clone and copy.
fn fresh(seed: u64) -> Hvisnet<F> {
    let device = Default::default();
    F::seed(&device, seed);
    copy_to(Hvisnet::<F>::new(&config(), &device).unwrap(), &device)
}

/// Every float parameter: id → (path, values).
struct Params(HashMap<ParamId, (String, Vec<f32>)>, Vec<String>);

impl<B: Backend> ModuleVisitor<B> for Params {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.1.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.1.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let values = param.val().into_data().convert::<f32>().to_vec().unwrap();
        self.0.insert(param.id, (self.1.join("."), values));
    }
}

/// One step's loss terms and every parameter's gradient (id → path, values).
fn step<B: AutodiffBackend>(model: &Hvisnet<B>, pixels: &[f32], gt: &[TrainImage], targets: &[Targets]) -> (Vec<(&'static str, f32)>, HashMap<ParamId, (String, Vec<f32>)>) {
    let device = model.devices()[0].clone();
    let images = model.normalize(Tensor::<B, 4>::from_data(TensorData::new(pixels.to_vec(), [gt.len(), 3, S, S]), &device));
    let losses = model.loss(images, gt, targets).unwrap();
    let named = losses.named().into_iter().map(|(n, t)| (n, t.into_data().convert::<f32>().to_vec::<f32>().unwrap()[0])).collect();
    let grads = GradientsParams::from_grads(losses.total.backward(), model);
    let mut params = Params(HashMap::new(), Vec::new());
    model.visit(&mut params);
    let mut out = HashMap::new();
    for (id, (path, _)) in params.0 {
        let g = grad_values::<B>(&grads, id);
        if let Some(g) = g {
            out.insert(id, (path, g));
        }
    }
    (named, out)
}

/// The gradient of a parameter of any rank the network has (1–4).
fn grad_values<B: AutodiffBackend>(grads: &GradientsParams, id: ParamId) -> Option<Vec<f32>> {
    let v = |d: TensorData| d.convert::<f32>().to_vec::<f32>().unwrap();
    grads
        .get::<B::InnerBackend, 4>(id)
        .map(|t| v(t.into_data()))
        .or_else(|| grads.get::<B::InnerBackend, 2>(id).map(|t| v(t.into_data())))
        .or_else(|| grads.get::<B::InnerBackend, 1>(id).map(|t| v(t.into_data())))
        .or_else(|| grads.get::<B::InnerBackend, 3>(id).map(|t| v(t.into_data())))
}

fn targets_of<B: Backend>(model: &Hvisnet<B>, gt: &[TrainImage]) -> Vec<Targets> {
    let sampling = SamplingConfig::default();
    gt.iter().enumerate().map(|(i, g)| model.targets(g, &sampling, i as u64).unwrap()).collect()
}

/// max |a − b| / max |a| of two tensors on different backends.
fn rel_diff<A: Backend, C: Backend, const D: usize>(a: Tensor<A, D>, b: Tensor<C, D>) -> f32 {
    let a = a.into_data().convert::<f32>().to_vec::<f32>().unwrap();
    let b = b.into_data().convert::<f32>().to_vec::<f32>().unwrap();
    assert_eq!(a.len(), b.len());
    let scale = a.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let diff = a.iter().zip(&b).fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
    if scale > 0.0 { diff / scale } else { diff }
}

/// Stage by stage (training-mode forward: batch statistics), so that a difference is found where it starts.
#[test]
fn forward_on_wgpu_equals_flex() {
    if !testkit::vulkan() {
        return;
    }
    let (fdev, wdev) = (Default::default(), WgpuDevice::DefaultDevice);
    let flex = fresh(3);
    let wgpu: Hvisnet<W> = copy_to(flex.clone(), &wdev);
    let (gt, pixels) = two_frames();
    let input = || TensorData::new(pixels.clone(), [gt.len(), 3, S, S]);
    let xf = flex.normalize(Tensor::<F, 4>::from_data(input(), &fdev));
    let xw = wgpu.normalize(Tensor::<W, 4>::from_data(input(), &wdev));
    let mut stages: Vec<(String, f32)> = vec![("input".into(), rel_diff(xf.clone(), xw.clone()))];
    let (bf, bw) = (flex.backbone.body.forward(xf.clone()), wgpu.backbone.body.forward(xw.clone()));
    for (name, a, b) in [("level3", bf.level3, bw.level3), ("level4", bf.level4, bw.level4), ("level5", bf.level5, bw.level5)] {
        stages.push((name.into(), rel_diff(a, b)));
    }
    let (of, ow) = (flex.forward(xf).unwrap(), wgpu.forward(xw).unwrap());
    for (k, (a, b)) in of.fcos.cls_logits.iter().zip(&ow.fcos.cls_logits).enumerate() {
        stages.push((format!("cls_logits[{k}]"), rel_diff(a.clone(), b.clone())));
    }
    for (k, (a, b)) in of.fcos.bbox_towers.iter().zip(&ow.fcos.bbox_towers).enumerate() {
        stages.push((format!("bbox_tower[{k}]"), rel_diff(a.clone(), b.clone())));
    }
    stages.push(("bases".into(), rel_diff(of.bases, ow.bases)));
    for (k, (a, b)) in of.embeddings.iter().zip(&ow.embeddings).enumerate() {
        stages.push((format!("embeddings[{k}]"), rel_diff(a.clone(), b.clone())));
    }
    for (name, d) in &stages {
        println!("{name:>16}: relative difference {d:.2e}");
    }
    // 1e-3: the backends sum in different orders (Flex's GEMM convolutions, cubecl's direct ones), and batch
    // statistics over the few values of the coarse levels (level5 of two 64-px frames: 8 per channel) amplify
    // that rounding; measured up to 1.3e-4 at level5. A wrong kernel shows as 1e-1 and more.
    let bad: Vec<_> = stages.iter().filter(|(_, d)| *d > 1e-3).collect();
    assert!(bad.is_empty(), "stages differing by more than 1e-3 relative: {bad:?}");
}

#[test]
fn training_step_on_wgpu_equals_flex() {
    if !testkit::vulkan() {
        return;
    }
    let wdev = WgpuDevice::DefaultDevice;
    let flex = fresh(3);
    let wgpu: Hvisnet<W> = copy_to(flex.clone(), &wdev);
    let (gt, pixels) = two_frames();
    let targets = targets_of(&flex, &gt);
    let (loss_f, grad_f) = step(&flex, &pixels, &gt, &targets);
    let (loss_w, grad_w) = step(&wgpu, &pixels, &gt, &targets);
    for ((name, a), (_, b)) in loss_f.iter().zip(&loss_w) {
        println!("loss {name}: flex {a:.6} wgpu {b:.6}");
        assert!((a - b).abs() <= 1e-4 * a.abs().max(1e-6), "loss {name}: flex {a} vs wgpu {b}");
    }
    assert_eq!(grad_f.len(), grad_w.len(), "parameters with a gradient");
    assert!(grad_f.len() > 100, "only {} gradients", grad_f.len());
    let mut rows: Vec<(f32, f32, f32, String)> = Vec::new();
    for (id, (path, gf)) in &grad_f {
        let (_, gw) = grad_w.get(id).unwrap_or_else(|| panic!("{path}: no gradient on wgpu"));
        let scale = gf.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let diff = gf.iter().zip(gw).fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        let rel = if scale > 0.0 { diff / scale } else { diff };
        rows.push((rel, diff, scale, path.clone()));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let bad: Vec<String> = rows.iter().filter(|r| r.0 > 1e-3).map(|(rel, diff, scale, path)| format!("{path}: differs by {diff:.3e} (max |g| {scale:.3e}, relative {rel:.3e})")).collect();
    assert!(bad.is_empty(), "{} of {} gradients differ by more than 1e-3 relative:\n{}", bad.len(), rows.len(), bad.join("\n"));
    let worst = (rows[0].0, rows[0].3.clone());
    println!("{} gradients agree; worst relative difference {:.2e} at {}", grad_f.len(), worst.0, worst.1);
}

#[test]
fn inference_on_wgpu_equals_flex() {
    if !testkit::vulkan() {
        return;
    }
    // Train briefly on Flex so that there are detections to compare.
    let fdev = Default::default();
    F::seed(&fdev, 7);
    let mut model = Hvisnet::<F>::new(&config(), &fdev).unwrap();
    let (gt, pixels) = two_frames();
    let targets = targets_of(&model, &gt);
    let images = model.normalize(Tensor::<F, 4>::from_data(TensorData::new(pixels.clone(), [2, 3, S, S]), &fdev));
    let mut optim = AdamConfig::new().init();
    for _ in 0..40 {
        let losses = model.loss(images.clone(), &gt, &targets).unwrap();
        let grads = GradientsParams::from_grads(losses.total.backward(), &model);
        model = optim.step(3e-3, model, grads);
    }
    let flex = model.valid();
    let wgpu: Hvisnet<Wgpu> = copy_to(flex.clone(), &WgpuDevice::DefaultDevice);
    let frame = pixels[..3 * S * S].to_vec();
    let a = flex.infer(Tensor::from_data(TensorData::new(frame.clone(), [3, S, S]), &fdev)).unwrap();
    let b = wgpu.infer(Tensor::from_data(TensorData::new(frame, [3, S, S]), &WgpuDevice::DefaultDevice)).unwrap();
    assert!(!a.is_empty(), "no detections on Flex after training");
    assert_eq!(a.len(), b.len(), "detections: flex {} vs wgpu {}", a.len(), b.len());
    for (k, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x.score - y.score).abs() < 1e-4, "detection {k}: score {} vs {}", x.score, y.score);
        for (p, q) in x.bbox.iter().zip(&y.bbox) {
            assert!((p - q).abs() < 1e-2, "detection {k}: box {:?} vs {:?}", x.bbox, y.bbox);
        }
        let m = iou(&x.mask, &y.mask);
        let both_empty = x.mask.iter().all(|&v| v == 0) && y.mask.iter().all(|&v| v == 0);
        assert!(both_empty || m >= 0.99, "detection {k}: mask IoU {m}");
    }
    println!("{} detections agree", a.len());
}
