//! Batch-hard triplet loss (Hermans et al. 2017; FairMOT's `TripletLoss`) with anchors restricted to
//! locations that have both a positive and a negative.

use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use crate::error::IdBranchError;

/// Batch-hard triplet loss over `embeddings` `[P, D]` with identity labels `ids` `[P]`.
///
/// Only labels ≥ 1 take part (0 = background and −1 = ignore are skipped). For each anchor the hardest
/// positive is the farthest other location with the same identity and the hardest negative the nearest
/// one with a different identity (Euclidean distance); anchors lacking either are skipped. Returns
/// mean over the used anchors of max(0, d(a,p) − d(a,n) + margin), or 0 (graph-connected) when none.
/// All P locations of the batch compete, so frames of one clip provide cross-frame positives.
pub fn batch_hard_triplet_loss<B: Backend>(
    embeddings: Tensor<B, 2>,
    ids: Tensor<B, 1, Int>,
    margin: f32,
) -> Result<Tensor<B, 1>, IdBranchError> {
    let [p, _] = embeddings.dims();
    if ids.dims() != [p] {
        return Err(IdBranchError::Shape { what: "ids", expected: format!("[{p}]"), got: ids.dims().to_vec() });
    }
    if p < 2 {
        return Ok(embeddings.sum().mul_scalar(0.0));
    }
    let device = embeddings.device();
    let sq = (embeddings.clone() * embeddings.clone()).sum_dim(1); // [P, 1]
    let gram = embeddings.clone().matmul(embeddings.clone().transpose());
    let d2 = sq.clone() + sq.transpose() - gram.mul_scalar(2.0);
    let dist = d2.clamp_min(1e-12).sqrt();

    let row = ids.clone().reshape([p, 1]).expand([p, p]);
    let col = ids.clone().reshape([1, p]).expand([p, p]);
    let valid = ids.greater_equal_elem(1);
    let valid_pair = valid.clone().reshape([p, 1]).expand([p, p]).bool_and(valid.clone().reshape([1, p]).expand([p, p]));
    let eye = Tensor::<B, 2, Int>::eye(p, &device).bool();
    let same = row.clone().equal(col.clone()).bool_and(valid_pair.clone()).bool_and(eye.bool_not());
    let diff = row.not_equal(col).bool_and(valid_pair);

    // Distances are ≥ 0, so −1 never wins a max and `big` never wins a min.
    let big = 1e4;
    let hardest_pos = dist.clone().mask_fill(same.clone().bool_not(), -1.0).max_dim(1).reshape([p]);
    let hardest_neg = dist.mask_fill(diff.clone().bool_not(), big).min_dim(1).reshape([p]);
    let has_pos = same.float().sum_dim(1).reshape([p]).greater_elem(0.0);
    let has_neg = diff.float().sum_dim(1).reshape([p]).greater_elem(0.0);
    let anchor = has_pos.bool_and(has_neg).bool_and(valid);
    let n_anchor = anchor.clone().float().sum();
    let per = relu(hardest_pos - hardest_neg + margin);
    let per = per.mask_fill(anchor.bool_not(), 0.0);
    Ok(per.sum().div(n_anchor.clamp_min(1.0)))
}
