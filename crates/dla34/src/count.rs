//! Parameter counting as PyTorch's `sum(p.numel() for p in model.parameters())` does it.

use burn::prelude::*;
use burn_store::ModuleSnapshot;

/// Whether a tensor path names a normalisation buffer rather than a parameter.
fn is_buffer(path: &str) -> bool {
    path.ends_with("running_mean") || path.ends_with("running_var")
}

/// Number of learnable parameters (burn's `num_params` also counts BatchNorm running statistics,
/// which PyTorch and the reference counts treat as buffers).
pub fn num_parameters<B: Backend, M: ModuleSnapshot<B>>(module: &M) -> usize {
    module
        .collect(None, None, true)
        .iter()
        .filter(|s| !is_buffer(&s.full_path()))
        .map(|s| s.shape.num_elements())
        .sum()
}
