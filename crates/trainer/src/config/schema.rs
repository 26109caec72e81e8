//! The experiment-config schema: every key a researcher can set, its type and its default.
//!
//! Defaults are the paper's setting; every table rejects unknown keys.

use serde::{Deserialize, Serialize};

use super::{ConfigError, Layered};

/// `[model.sampling]` is the sampler crate's own config; `[tracker]` the tracker crate's.
pub use sampler::{Ambiguity, CenterStrategy, InnerMetric, Mix, SamplingConfig};
pub use tracker::TrackerConfig;

/// A whole experiment: model, data, solver, evaluation, tracker and run settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExperimentConfig {
    /// Schema version, for future migrations.
    pub version: u32,
    /// Folder receiving the resolved config, checkpoints, logs and results.
    pub output_dir: String,
    /// Seed for weights, shuffling and augmentation.
    pub seed: u64,
    /// `"cpu"` (burn's flex backend), `"cuda:N"` (needs the `cuda` feature) or `"wgpu"`, `"wgpu:N"`, `"wgpu:cpu"`
    /// (need the `wgpu` feature); see `training::device`.
    pub device: String,
    /// Several devices for data-parallel training (`["cuda:0", "cuda:1"]`); empty means `device` alone.
    pub devices: Vec<String>,
    pub model: ModelConfig,
    pub data: DataConfig,
    pub solver: SolverConfig,
    pub eval: EvalConfig,
    pub tracker: TrackerConfig,
}

impl Default for ExperimentConfig {
    fn default() -> Self {
        Self {
            version: 1,
            output_dir: "output/default".into(),
            seed: 42,
            device: "cpu".into(),
            devices: Vec::new(),
            model: ModelConfig::default(),
            data: DataConfig::default(),
            solver: SolverConfig::default(),
            eval: EvalConfig::default(),
            tracker: TrackerConfig::default(),
        }
    }
}

/// The network: backbone, FPN, detection head, masks, embeddings and positive-sample assignment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    pub backbone: BackboneConfig,
    pub fpn: FpnConfig,
    pub fcos: FcosConfig,
    pub blendmask: BlendMaskConfig,
    pub idbranch: IdBranchConfig,
    pub sampling: SamplingConfig,
}

/// Normalisation layers of the backbone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormKind {
    /// BatchNorm, trained.
    Bn,
    /// BatchNorm with frozen statistics and affine parameters.
    FrozenBn,
    /// GroupNorm with 32 groups.
    Gn,
}

/// The backbone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackboneConfig {
    /// Architecture name; `"dla34"` is the one the paper uses.
    pub name: String,
    pub norm: NormKind,
    /// ImageNet weights to start from (`trainer weights import` output); empty = random init.
    pub weights: String,
    /// Width multiplier on every channel count (1.0 = the real DLA-34; small values for tests).
    pub width: f32,
}

impl Default for BackboneConfig {
    fn default() -> Self {
        Self { name: "dla34".into(), norm: NormKind::Bn, weights: String::new(), width: 1.0 }
    }
}

/// The feature pyramid on the backbone's level3–level5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FpnConfig {
    /// Output channels of P3–P5.
    pub channels: usize,
}

impl Default for FpnConfig {
    fn default() -> Self {
        Self { channels: 256 }
    }
}

/// The FCOS detection head, its losses and its inference thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FcosConfig {
    pub num_classes: usize,
    /// Convolutions in each of the cls and box towers.
    pub num_convs: usize,
    pub fpn_strides: Vec<u32>,
    /// Object-size boundaries between levels (`[64, 128]` gives P3 ≤ 64 < P4 ≤ 128 < P5).
    pub sizes_of_interest: Vec<f32>,
    pub prior_prob: f32,
    pub focal_alpha: f32,
    pub focal_gamma: f32,
    /// Pre-NMS score threshold at inference (on sigmoid(cls)·sigmoid(ctr)).
    pub score_thresh: f32,
    pub pre_nms_topk: usize,
    pub nms_thresh: f32,
    pub max_detections: usize,
}

impl Default for FcosConfig {
    fn default() -> Self {
        Self {
            num_classes: 1,
            num_convs: 4,
            fpn_strides: vec![8, 16, 32],
            sizes_of_interest: vec![64.0, 128.0],
            prior_prob: 0.01,
            focal_alpha: 0.25,
            focal_gamma: 2.0,
            score_thresh: 0.05,
            pre_nms_topk: 1000,
            nms_thresh: 0.6,
            max_detections: 100,
        }
    }
}

/// BlendMask: bases, attention and blender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlendMaskConfig {
    /// K, the number of bases.
    pub num_bases: usize,
    /// Side of each attention map (14 → K·14·14 channels).
    pub attn_size: usize,
    /// RoIAlign output side (56).
    pub pooler_resolution: usize,
    /// Weight of the auxiliary semantic loss on the basis module; 0 turns it off.
    pub sem_loss_weight: f32,
    /// Mask probability threshold when pasting masks into the image.
    pub mask_thresh: f32,
    /// Weight of the mask loss (AdelaiDet's `INSTANCE_LOSS_WEIGHT`, 1.0).
    pub mask_loss_weight: f32,
}

impl Default for BlendMaskConfig {
    fn default() -> Self {
        Self { num_bases: 4, attn_size: 14, pooler_resolution: 56, sem_loss_weight: 0.0, mask_thresh: 0.5, mask_loss_weight: 1.0 }
    }
}

/// The identity-embedding branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdBranchConfig {
    /// Embedding dimension.
    pub dim: usize,
    /// Triplet-loss margin α.
    pub triplet_margin: f32,
    /// Weight of L_id = L_tri + L_cls against the detection losses.
    pub loss_weight: f32,
}

impl Default for IdBranchConfig {
    fn default() -> Self {
        Self { dim: 256, triplet_margin: 0.3, loss_weight: 1.0 }
    }
}

/// Datasets and augmentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    pub train: DatasetRef,
    pub val: DatasetRef,
    pub augment: AugmentConfig,
    /// Frames taken per video in a batch, so identities repeat for the triplet loss.
    pub frames_per_clip: usize,
    /// Batches prepared ahead of the training step by the loader's background thread (at least 1); each
    /// batch's frames are decoded (or rendered, for the stream) and augmented in parallel on the rayon pool.
    pub num_workers: usize,
    /// Train on new synthetic videos every epoch instead of `data.train`'s files.
    pub train_stream: TrainStreamConfig,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            train: DatasetRef { name: "hvis".into(), root: "datasets/hvis".into(), split: "train".into() },
            val: DatasetRef { name: "hvis".into(), root: "datasets/hvis".into(), split: "val".into() },
            augment: AugmentConfig::default(),
            frames_per_clip: 2,
            num_workers: 4,
            train_stream: TrainStreamConfig::default(),
        }
    }
}

/// The synthetic training stream (`data::synth::SynthStream`): every epoch `videos_per_epoch` videos never seen
/// before, rendered in memory by the loader from `(seed, epoch, video)` with the generator of the synthetic set
/// at `data.train.root` (its `synth.json` knobs: size, frames, people, JPEG quality). Validation stays on files.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainStreamConfig {
    /// Videos per epoch; 0 = off (train on `data.train`'s files). Needs `data.train.name = "synth"`.
    pub videos_per_epoch: usize,
}

/// One dataset split; all three keys are required when the table is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetRef {
    /// `hvis`, `ytvis-person`, `coco-persons`, `ochuman` or `synth`.
    pub name: String,
    /// Folder holding the dataset (see `datasets/<name>/README.md`).
    pub root: String,
    /// Split name (`train`, `val`, `test`).
    pub split: String,
}

/// The paper's augmentation recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AugmentConfig {
    /// Short sides sampled at training time.
    pub min_size_train: Vec<u32>,
    pub max_size_train: u32,
    pub min_size_test: u32,
    pub max_size_test: u32,
    pub flip_prob: f32,
    /// Images are padded to a multiple of this.
    pub size_divisibility: u32,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        Self {
            min_size_train: (256..=608).step_by(32).collect(),
            max_size_train: 900,
            min_size_test: 512,
            max_size_test: 736,
            flip_prob: 0.5,
            size_divisibility: 32,
        }
    }
}

/// The update rule of the solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// SGD with momentum as `torch.optim.SGD` (no dampening): the paper's solver.
    Sgd,
    /// Adam as `torch.optim.Adam` (coupled L2 weight decay, bias-corrected moments): for short runs from
    /// random initialisation, such as the CPU quickstart, where SGD has too few iterations to get going.
    Adam,
}

/// SGD (or Adam) with warmup and step decay, counted in epochs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SolverConfig {
    /// `"sgd"` (the paper) or `"adam"`.
    pub optimizer: OptimizerKind,
    pub epochs: u32,
    /// Images per iteration.
    pub batch_size: usize,
    pub base_lr: f64,
    /// SGD momentum (ignored by Adam).
    pub momentum: f64,
    /// Adam's β₁ and β₂ (ignored by SGD).
    pub adam_betas: [f64; 2],
    /// Adam's ε (ignored by SGD).
    pub adam_eps: f64,
    pub weight_decay: f64,
    /// Weight decay on norm and bias parameters.
    pub weight_decay_norm: f64,
    pub warmup_iters: u32,
    /// LR factor at the first warmup iteration.
    pub warmup_factor: f64,
    /// Epochs after which the LR is multiplied by `gamma`.
    pub lr_steps: Vec<u32>,
    pub gamma: f64,
    /// Gradient-norm clipping; 0 turns it off.
    pub clip_grad_norm: f64,
    /// Save a checkpoint every this many iterations (and at each epoch end).
    pub checkpoint_period: u32,
    /// Checkpoints kept on disk.
    pub keep_checkpoints: usize,
}

impl Default for SolverConfig {
    fn default() -> Self {
        Self {
            optimizer: OptimizerKind::Sgd,
            epochs: 12,
            batch_size: 16,
            base_lr: 0.01,
            momentum: 0.9,
            adam_betas: [0.9, 0.999],
            adam_eps: 1e-8,
            weight_decay: 1e-4,
            weight_decay_norm: 0.0,
            warmup_iters: 500,
            warmup_factor: 0.001,
            lr_steps: vec![8, 11],
            gamma: 0.1,
            clip_grad_norm: 0.0,
            checkpoint_period: 2000,
            keep_checkpoints: 3,
        }
    }
}

/// Evaluation during and after training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvalConfig {
    /// Evaluate every this many epochs (and at the end); 0 = only at the end.
    pub period_epochs: u32,
    /// MOTS matching variant: `mots_tools` (IoU > 0.5) or `trackeval` (IoU ≥ 0.5).
    pub mots_variant: String,
    /// Detection score threshold used before tracking at evaluation time.
    pub score_thresh: f32,
    /// Extra test sets scored once at the end of training (mask AP and occlusion AP_M / AP_H, MOTS for
    /// videos): `tests = [{ name = "ochuman", root = "datasets/ochuman", split = "val" }]`.
    pub tests: Vec<DatasetRef>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self { period_epochs: 1, mots_variant: "mots_tools".into(), score_thresh: 0.5, tests: Vec::new() }
    }
}

impl ExperimentConfig {
    /// Rules that span several keys; the message names the keys.
    pub fn validate(&self) -> Result<(), String> {
        crate::training::device::parse(&self.device, "device").map_err(|e| e.to_string())?;
        let f = &self.model.fcos;
        if f.sizes_of_interest.len() + 1 != f.fpn_strides.len() {
            return Err(format!(
                "model.fcos.sizes_of_interest has {} boundaries for {} levels in model.fcos.fpn_strides (expected {})",
                f.sizes_of_interest.len(),
                f.fpn_strides.len(),
                f.fpn_strides.len().saturating_sub(1)
            ));
        }
        self.model.sampling.validate().map_err(|e| format!("model.sampling: {e}"))?;
        self.tracker.validate().map_err(|e| format!("tracker: {e}"))?;
        let s = &self.solver;
        if s.lr_steps.windows(2).any(|w| w[0] >= w[1]) || s.lr_steps.iter().any(|&e| e > s.epochs) {
            return Err(format!(
                "solver.lr_steps = {:?}: expected increasing epochs within solver.epochs = {}",
                s.lr_steps, s.epochs
            ));
        }
        if s.batch_size == 0 || s.base_lr <= 0.0 {
            return Err("solver.batch_size and solver.base_lr must be positive".into());
        }
        if s.adam_betas.iter().any(|b| !(0.0..1.0).contains(b)) || s.adam_eps <= 0.0 {
            return Err(format!("solver.adam_betas = {:?} and solver.adam_eps = {}: expected betas in [0, 1) and a positive eps", s.adam_betas, s.adam_eps));
        }
        let stream = self.data.train_stream.videos_per_epoch;
        if stream > 0 && self.data.train.name != "synth" {
            return Err(format!(
                "data.train_stream.videos_per_epoch = {stream} needs data.train.name = \"synth\" (the stream continues that synthetic set's generator; 0 trains on the files of any dataset), got {:?}",
                self.data.train.name
            ));
        }
        if !["mots_tools", "trackeval"].contains(&self.eval.mots_variant.as_str()) {
            return Err(format!("eval.mots_variant = \"{}\": expected \"mots_tools\" or \"trackeval\"", self.eval.mots_variant));
        }
        Ok(())
    }
}

/// Decodes a merged table strictly, turning serde's message into one that names the key path and its origin.
pub(super) fn decode(layered: &Layered) -> Result<ExperimentConfig, ConfigError> {
    let value = toml::Value::Table(layered.table.clone());
    serde_path_to_error::deserialize::<_, ExperimentConfig>(value).map_err(|err| {
        let path = err.path().to_string();
        let msg = err.inner().to_string();
        describe(layered, &path, &msg)
    })
}

fn describe(layered: &Layered, path: &str, msg: &str) -> ConfigError {
    let quoted: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
    let path = path.trim_start_matches('.').to_string();
    if msg.starts_with("unknown field") {
        let name = quoted.first().copied().unwrap_or("");
        // serde_path_to_error stops at the table holding the unknown key; add the key itself.
        let full = if path.is_empty() || path == "?" { name.to_string() } else if path.ends_with(name) { path } else { format!("{path}.{name}") };
        let hint = closest(name, &quoted[1..]);
        return ConfigError::UnknownKey { origin: layered.origin_of(&full), path: full, hint };
    }
    let hint = if msg.starts_with("unknown variant") { closest(quoted.first().copied().unwrap_or(""), &quoted[1..]) } else { None };
    let msg = match hint {
        Some(h) => format!("{msg} (did you mean `{h}`?)"),
        None => msg.to_string(),
    };
    ConfigError::BadValue { origin: layered.origin_of(&path), path, msg }
}

/// The candidate nearest to `word` by edit distance, if it is close enough to be a likely typo.
fn closest(word: &str, candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c.to_string())
}
