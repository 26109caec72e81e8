//! Live tracking: the HVISNet network of a training checkpoint run on each frame as a [`FrameDetector`].
//! `--weights` names a checkpoint folder (`model.bin`) or a run folder (its newest checkpoint); the model
//! config comes from the checkpoint's `config.resolved.toml` unless `--config` is given.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::prelude::*;
use data::mask::Rle;
use hvisnet::Hvisnet;
use image::RgbImage;
use tracker::{BBox, Detection};

use crate::cmd::track_input::FrameDetector;
use crate::config::ExperimentConfig;
use crate::training::checkpoint::CheckpointStore;
use crate::training::engine::load_model;
use crate::training::network::model_config;

/// The checkpoint folder `--weights` names: itself when it holds `model.bin`, else the newest checkpoint
/// of a run folder (`checkpoints/last`, or the highest `iter_*`).
pub fn resolve_checkpoint(weights: &Path) -> Result<PathBuf> {
    if !weights.exists() {
        bail!("--weights {}: does not exist (give a checkpoint folder holding model.bin, or a run folder with checkpoints/)", weights.display());
    }
    if weights.join("model.bin").is_file() {
        return Ok(weights.to_path_buf());
    }
    if weights.join("checkpoints").is_dir() {
        return CheckpointStore::new(weights, 1).latest().with_context(|| {
            format!("--weights {}: the run folder has no complete checkpoint in {}", weights.display(), weights.join("checkpoints").display())
        });
    }
    bail!("--weights {}: neither a checkpoint folder (no model.bin) nor a run folder (no checkpoints/)", weights.display())
}

/// The experiment config of a checkpoint: `--config` when given, else the checkpoint's `config.resolved.toml`
/// (or the run folder's, two levels up).
pub fn checkpoint_config(checkpoint: &Path, config: Option<&Path>) -> Result<(ExperimentConfig, PathBuf)> {
    let path = match config {
        Some(p) => p.to_path_buf(),
        None => {
            let here = checkpoint.join("config.resolved.toml");
            let run = checkpoint.parent().and_then(Path::parent).map(|r| r.join("config.resolved.toml"));
            match run {
                _ if here.is_file() => here,
                Some(r) if r.is_file() => r,
                _ => bail!("checkpoint {}: no config.resolved.toml beside it or in its run folder; pass --config CONFIG.toml", checkpoint.display()),
            }
        }
    };
    let resolved = crate::config::load(&path, &[]).with_context(|| format!("reading the model config {}", path.display()))?;
    Ok((resolved.config, path))
}

/// Shapes and ids of every float parameter, in visiting order.
#[derive(Default)]
struct Params {
    shapes: Vec<Vec<usize>>,
    ids: Vec<ParamId>,
}

impl<B: Backend> ModuleVisitor<B> for Params {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.shapes.push(param.val().dims().to_vec());
        self.ids.push(param.id);
    }
}

fn params<B: Backend>(m: &Hvisnet<B>) -> Params {
    let mut p = Params::default();
    m.visit(&mut p);
    p
}

/// HVISNet loaded from a checkpoint, with the test-time resize and score threshold of its experiment config.
pub struct HvisnetDetector<B: Backend> {
    model: Hvisnet<B>,
    device: B::Device,
    /// Test resize: short side and longest side.
    pub test_size: (u32, u32),
    /// Detections below this score are dropped before tracking (`[eval] score_thresh`).
    pub score_thresh: f32,
}

impl<B: Backend> HvisnetDetector<B> {
    /// Builds the network of `cfg` and loads the checkpoint's weights, refusing weights whose parameter shapes
    /// or count do not fit the config (burn itself would load them silently).
    pub fn load(cfg: &ExperimentConfig, config_path: &Path, checkpoint: &Path, device: &B::Device) -> Result<Self> {
        // The identity classifier is a training-only head: left out (its weights in the file are ignored).
        let mc = model_config(cfg, 0).with_context(|| format!("model config from {}", config_path.display()))?;
        let fresh = Hvisnet::<B>::new(&mc, device).map_err(|e| anyhow::anyhow!("building the network of {}: {e}", config_path.display()))?;
        let before = params(&fresh);
        let model = load_model(fresh, checkpoint, device)?;
        let after = params(&model);
        let mismatch = |what: String| {
            anyhow::anyhow!(
                "checkpoint {} does not fit the model config {}: {what} (was the checkpoint trained with another [model] section? pass its config with --config)",
                checkpoint.join("model.bin").display(),
                config_path.display()
            )
        };
        if before.shapes.len() != after.shapes.len() {
            return Err(mismatch(format!("{} parameter tensors expected, {} loaded", before.shapes.len(), after.shapes.len())));
        }
        for (k, (a, b)) in before.shapes.iter().zip(&after.shapes).enumerate() {
            if a != b {
                return Err(mismatch(format!("parameter tensor #{k} has shape {b:?} in the checkpoint, {a:?} in the config")));
            }
        }
        // A parameter still carrying its fresh id was not in the checkpoint (the config has more layers).
        let fresh_ids: std::collections::HashSet<ParamId> = before.ids.into_iter().collect();
        let missing = after.ids.iter().filter(|id| fresh_ids.contains(id)).count();
        if missing > 0 {
            return Err(mismatch(format!("{missing} parameter tensor(s) of the config are not in the checkpoint")));
        }
        let a = &cfg.data.augment;
        Ok(Self { model, device: device.clone(), test_size: (a.min_size_test, a.max_size_test), score_thresh: cfg.eval.score_thresh })
    }

    /// The network config in use.
    pub fn model_config(&self) -> &hvisnet::ModelConfig {
        &self.model.config
    }
}

impl<B: Backend> FrameDetector for HvisnetDetector<B> {
    fn detect(&mut self, frame: &RgbImage) -> Result<Vec<Detection<Rle>>> {
        let (h, w) = (frame.height(), frame.width());
        let (nh, nw, _) = data::augment::resize_shape(h, w, self.test_size.0, self.test_size.1);
        let resized = if (nh, nw) == (h, w) {
            frame.clone()
        } else {
            image::imageops::resize(frame, nw, nh, image::imageops::FilterType::Triangle)
        };
        let (rh, rw) = (nh as usize, nw as usize);
        let mut chw = vec![0f32; 3 * rh * rw];
        for (i, p) in resized.pixels().enumerate() {
            for c in 0..3 {
                chw[c * rh * rw + i] = p.0[c] as f32;
            }
        }
        let image = Tensor::<B, 3>::from_data(TensorData::new(chw, [3, rh, rw]), &self.device);
        // Boxes scaled back and soft masks pasted at the frame's resolution.
        let found = self.model.infer_at(image, (h as usize, w as usize)).map_err(|e| anyhow::anyhow!("HVISNet inference: {e}"))?;
        let mut out = Vec::new();
        for inst in found.into_iter().filter(|i| i.score >= self.score_thresh) {
            let bbox = BBox::from_corners(inst.bbox.map(f64::from));
            out.push(Detection { bbox, score: inst.score as f64, embedding: inst.embedding, payload: Rle::from_row_major(h, w, &inst.mask) });
        }
        Ok(out)
    }
}
