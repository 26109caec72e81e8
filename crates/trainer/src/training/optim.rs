//! The solver: SGD with momentum as PyTorch defines it (no dampening) — or Adam as `torch.optim.Adam` —
//! with weight decay on weights but a separate (default zero) decay on norm and bias parameters, and optional
//! clipping of the global gradient norm.
//!
//! burn 0.21's optimizers have one weight decay for every parameter and clip each tensor on its own, so both
//! are done here on the gradients before burn's update: clip by the norm over all gradients (PyTorch's
//! `clip_grad_norm_`), then add `wd · w` to each gradient (coupled L2, as `torch.optim.SGD` and
//! `torch.optim.Adam`), with `wd` = `weight_decay` for parameters of rank ≥ 2 (conv and linear weights) and
//! `weight_decay_norm` for rank-1 ones (norm scales and shifts, biases).

use std::path::Path;

use anyhow::Context;
use burn::module::{AutodiffModule, ModuleVisitor, Param};
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{Adam, AdamConfig, GradientsParams, Optimizer, Sgd, SgdConfig};
use burn::prelude::*;
use burn::record::{BinFileRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::AutodiffBackend;

use crate::config::{OptimizerKind, SolverConfig};

/// burn's update rule behind the solver.
enum Rule<B: AutodiffBackend, M: AutodiffModule<B>> {
    Sgd(OptimizerAdaptor<Sgd<B::InnerBackend>, M, B>),
    Adam(OptimizerAdaptor<Adam, M, B>),
}

/// SGD or Adam + grouped weight decay + global-norm clipping for a model `M`.
pub struct Solver<B: AutodiffBackend, M: AutodiffModule<B>> {
    rule: Rule<B, M>,
    weight_decay: f64,
    weight_decay_norm: f64,
    clip_grad_norm: f64,
}

/// What one step did to the gradients.
#[derive(Debug, Clone)]
pub struct StepInfo<B: Backend> {
    /// Global L2 norm of the raw gradients (before clipping), `[1]`, left on the device: the engine reads it
    /// back together with the loss values, in the step's one device→host read.
    pub grad_norm: Tensor<B, 1>,
}

impl<B: AutodiffBackend, M: AutodiffModule<B>> Solver<B, M> {
    /// A fresh solver (empty momentum buffers) from the `[solver]` table.
    pub fn new(cfg: &SolverConfig) -> Self {
        let rule = match cfg.optimizer {
            OptimizerKind::Sgd => {
                let momentum = (cfg.momentum > 0.0).then(|| MomentumConfig::new().with_momentum(cfg.momentum).with_dampening(0.0));
                Rule::Sgd(SgdConfig::new().with_momentum(momentum).init::<B, M>())
            }
            OptimizerKind::Adam => {
                let [b1, b2] = cfg.adam_betas;
                Rule::Adam(AdamConfig::new().with_beta_1(b1 as f32).with_beta_2(b2 as f32).with_epsilon(cfg.adam_eps as f32).init::<B, M>())
            }
        };
        Self { rule, weight_decay: cfg.weight_decay, weight_decay_norm: cfg.weight_decay_norm, clip_grad_norm: cfg.clip_grad_norm }
    }

    /// One update with learning rate `lr`; returns the updated model. Nothing is read back to the host: the
    /// clipping factor `min(1, max_norm / (norm + 1e-6))` is computed and applied on the device, so a GPU
    /// stream is not stalled between the backward pass and the update. A non-finite norm makes the update
    /// non-finite; the engine sees it in the norm it reads back and discards the update.
    pub fn step(&mut self, lr: f64, model: M, mut grads: GradientsParams) -> (M, StepInfo<B::InnerBackend>) {
        let mut norm = SquaredNorm::<B> { grads: &grads, parts: Vec::new() };
        model.visit(&mut norm);
        let device = model.devices().into_iter().next().expect("a model with parameters has a device");
        let grad_norm = match norm.parts.into_iter().reduce(|a, b| a + b) {
            Some(t) => t.sqrt(),
            None => Tensor::zeros([1], &device),
        };
        let scale = (self.clip_grad_norm > 0.0).then(|| grad_norm.clone().add_scalar(1e-6).recip().mul_scalar(self.clip_grad_norm).clamp_max(1.0));
        let mut apply = Adjust::<B> { grads: &mut grads, _b: std::marker::PhantomData, scale, wd: self.weight_decay, wd_norm: self.weight_decay_norm };
        model.visit(&mut apply);
        let model = match &mut self.rule {
            Rule::Sgd(o) => o.step(lr, model, grads),
            Rule::Adam(o) => o.step(lr, model, grads),
        };
        (model, StepInfo { grad_norm })
    }

    /// Saves the momentum (SGD) or moment (Adam) buffers, full precision.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let recorder = BinFileRecorder::<FullPrecisionSettings>::new();
        match &self.rule {
            Rule::Sgd(o) => recorder.record(o.to_record(), path.to_path_buf()),
            Rule::Adam(o) => recorder.record(o.to_record(), path.to_path_buf()),
        }
        .with_context(|| format!("writing optimizer state {}", path.display()))
    }

    /// Loads buffers written by [`Solver::save`] with the same optimizer.
    pub fn load(mut self, path: &Path, device: &B::Device) -> anyhow::Result<Self> {
        let recorder = BinFileRecorder::<FullPrecisionSettings>::new();
        let context = || format!("reading optimizer state {}", path.display());
        self.rule = match self.rule {
            Rule::Sgd(o) => Rule::Sgd(o.load_record(recorder.load(path.to_path_buf(), device).with_context(context)?)),
            Rule::Adam(o) => Rule::Adam(o.load_record(recorder.load(path.to_path_buf(), device).with_context(context)?)),
        };
        Ok(self)
    }
}

struct SquaredNorm<'a, B: AutodiffBackend> {
    grads: &'a GradientsParams,
    parts: Vec<Tensor<B::InnerBackend, 1>>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for SquaredNorm<'_, B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(g) = self.grads.get::<B::InnerBackend, D>(param.id) {
            self.parts.push(g.powi_scalar(2).sum());
        }
    }
}

struct Adjust<'a, B: AutodiffBackend> {
    grads: &'a mut GradientsParams,
    _b: std::marker::PhantomData<B>,
    /// The clipping factor, `[1]` on the device (1 when the norm is below the limit).
    scale: Option<Tensor<B::InnerBackend, 1>>,
    wd: f64,
    wd_norm: f64,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for Adjust<'_, B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let Some(mut g) = self.grads.remove::<B::InnerBackend, D>(param.id) else { return };
        if let Some(s) = &self.scale {
            g = g.mul(s.clone().reshape([1; D]));
        }
        let wd = if D >= 2 { self.wd } else { self.wd_norm };
        if wd != 0.0 {
            g = param.val().inner().mul_scalar(wd).add(g);
        }
        self.grads.register::<B::InnerBackend, D>(param.id, g);
    }
}
