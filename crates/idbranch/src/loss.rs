//! Identity classifier and the combined ID loss L_id = weight · (w_tri · L_tri + w_ce · L_ce).

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::log_softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use crate::config::IdBranchConfig;
use crate::error::IdBranchError;
use crate::triplet::batch_hard_triplet_loss;

/// Linear classifier over `num_identities + 1` classes (0 = background), applied to
/// `emb_scale ·` the normalised embedding (FairMOT). A training-only module.
#[derive(Module, Debug)]
pub struct IdClassifier<B: Backend> {
    /// Linear(dim → num_identities + 1).
    pub linear: Linear<B>,
    /// Input scale.
    pub emb_scale: f32,
}

/// The ID losses (1-element tensors).
#[derive(Debug, Clone)]
pub struct IdLosses<B: Backend> {
    /// Batch-hard triplet loss (unweighted).
    pub triplet: Tensor<B, 1>,
    /// Identity cross-entropy (unweighted; 0 when the classifier is disabled).
    pub ce: Tensor<B, 1>,
    /// weight · (triplet_weight · triplet + ce_weight · ce).
    pub total: Tensor<B, 1>,
}

impl<B: Backend> IdClassifier<B> {
    /// Builds the classifier; `Ok(None)` when `num_identities` is 0 (CE disabled).
    pub fn new(config: &IdBranchConfig, device: &B::Device) -> Result<Option<Self>, IdBranchError> {
        config.validate()?;
        if config.num_identities == 0 {
            return Ok(None);
        }
        Ok(Some(Self {
            linear: LinearConfig::new(config.dim, config.num_identities + 1).init(device),
            emb_scale: config.effective_emb_scale(),
        }))
    }

    /// Logits `[P, num_identities + 1]` of normalised embeddings `[P, dim]`.
    pub fn forward(&self, embeddings: Tensor<B, 2>) -> Tensor<B, 2> {
        self.linear.forward(embeddings.mul_scalar(self.emb_scale))
    }

    /// Computes the ID losses on gathered embeddings `[P, dim]` (L2-normalised, e.g. at every embedding
    /// positive of the batch, optionally plus background locations labelled 0) with labels `ids` `[P]`.
    pub fn losses(
        &self,
        embeddings: Tensor<B, 2>,
        ids: Tensor<B, 1, Int>,
        config: &IdBranchConfig,
    ) -> Result<IdLosses<B>, IdBranchError> {
        let triplet = batch_hard_triplet_loss(embeddings.clone(), ids.clone(), config.triplet_margin)?;
        let ce = id_cross_entropy(self.forward(embeddings), ids)?;
        Ok(combine(triplet, ce, config))
    }
}

impl<B: Backend> IdLosses<B> {
    /// The ID losses without a classifier (CE = 0): triplet only.
    pub fn triplet_only(embeddings: Tensor<B, 2>, ids: Tensor<B, 1, Int>, config: &IdBranchConfig) -> Result<Self, IdBranchError> {
        let triplet = batch_hard_triplet_loss(embeddings, ids, config.triplet_margin)?;
        let ce = triplet.clone().mul_scalar(0.0);
        Ok(combine(triplet, ce, config))
    }
}

fn combine<B: Backend>(triplet: Tensor<B, 1>, ce: Tensor<B, 1>, config: &IdBranchConfig) -> IdLosses<B> {
    let total = (triplet.clone().mul_scalar(config.triplet_weight) + ce.clone().mul_scalar(config.ce_weight)).mul_scalar(config.weight);
    IdLosses { triplet, ce, total }
}

/// Mean cross-entropy of `logits` `[P, C]` against `ids` `[P]` in `0..C`; labels < 0 are ignored
/// (`ignore_index = −1`). Returns 0 (graph-connected) when every label is ignored.
pub fn id_cross_entropy<B: Backend>(logits: Tensor<B, 2>, ids: Tensor<B, 1, Int>) -> Result<Tensor<B, 1>, IdBranchError> {
    let [p, c] = logits.dims();
    if ids.dims() != [p] {
        return Err(IdBranchError::Shape { what: "ids", expected: format!("[{p}]"), got: ids.dims().to_vec() });
    }
    if p == 0 {
        return Ok(logits.sum().mul_scalar(0.0));
    }
    let device = logits.device();
    let classes = Tensor::<B, 1, Int>::arange(0..c as i64, &device).reshape([1, c]).expand([p, c]);
    let onehot = ids.clone().reshape([p, 1]).expand([p, c]).equal(classes).float();
    let valid = ids.greater_equal_elem(0).float();
    let n = valid.clone().sum().clamp_min(1.0);
    let nll = (log_softmax(logits, 1) * onehot).sum_dim(1).reshape([p]).neg() * valid;
    Ok(nll.sum().div(n))
}
