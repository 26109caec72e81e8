//! Configurable normalisation: batch norm, frozen batch norm or group norm.

use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig, GroupNorm, GroupNormConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Which normalisation the backbone uses after each convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormKind {
    /// Batch norm: batch statistics when training (autodiff backend), running statistics otherwise.
    /// The reference config uses SyncBN; on one device this is the same thing.
    #[default]
    Bn,
    /// Frozen batch norm: always the stored running statistics and affine values, no gradients
    /// (detectron2's `FrozenBN`, AdelaiDet's default for DLA).
    FrozenBn,
    /// Group norm with `min(32, channels)` groups (DLA's 16-channel stem cannot take 32 groups).
    Gn,
}

/// Group count for group norm: 32 where the channels allow it, else the channel count.
fn gn_groups(channels: usize) -> usize {
    if channels % 32 == 0 { 32 } else { channels }
}

/// A normalisation layer of the kind chosen by [`NormKind`]. The variant names do not appear in
/// PyTorch key paths: burn-store skips them when importing.
#[derive(Module, Debug)]
pub enum Norm<B: Backend> {
    /// Trainable batch norm.
    Batch(BatchNorm<B>),
    /// Batch norm whose statistics and affine values are never updated.
    FrozenBatch(BatchNorm<B>),
    /// Group norm.
    Group(GroupNorm<B>),
}

impl NormKind {
    /// Builds a normalisation layer over `channels` channels (PyTorch defaults: eps 1e-5, momentum 0.1).
    pub fn init<B: Backend>(&self, channels: usize, device: &B::Device) -> Norm<B> {
        match self {
            NormKind::Bn => Norm::Batch(BatchNormConfig::new(channels).init(device)),
            NormKind::FrozenBn => Norm::FrozenBatch(BatchNormConfig::new(channels).init(device)),
            NormKind::Gn => Norm::Group(GroupNormConfig::new(gn_groups(channels), channels).init(device)),
        }
    }
}

impl<B: Backend> Norm<B> {
    /// Normalises an `[N, C, H, W]` tensor.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        match self {
            Norm::Batch(bn) => batch_norm(bn, x),
            Norm::Group(gn) => group_norm(gn, x),
            Norm::FrozenBatch(bn) => {
                let (scale, shift) = running_scale_shift(bn);
                scale_shift(x, scale.detach(), shift.detach())
            }
        }
    }
}

/// A per-channel `[1, C, 1]` tensor repeated to a contiguous `[N, C, 1]`. An `[N, C, H·W]` tensor combined with
/// it is one scalar per contiguous row, which burn-flex applies with SIMD; broadcasting `[1, C, 1]` itself
/// (a zero stride before the channel stride) takes its scalar strided-iterator path, which was a fifth of the
/// quickstart's training step (docs/performance.md).
fn per_image<B: Backend>(v: Tensor<B, 3>, n: usize) -> Tensor<B, 3> {
    if n == 1 { v } else { v.repeat_dim(0, n) }
}

/// `x · scale + shift` with per-channel `[C]` scale and shift.
fn scale_shift<B: Backend>(x: Tensor<B, 4>, scale: Tensor<B, 1>, shift: Tensor<B, 1>) -> Tensor<B, 4> {
    let [n, c, h, w] = x.dims();
    let x = x.reshape([n, c, h * w]);
    (x * per_image(scale.reshape([1, c, 1]), n) + per_image(shift.reshape([1, c, 1]), n)).reshape([n, c, h, w])
}

/// γ/√(running var + ε) and β − running mean · that scale.
fn running_scale_shift<B: Backend>(bn: &BatchNorm<B>) -> (Tensor<B, 1>, Tensor<B, 1>) {
    let scale = bn.gamma.val() / (bn.running_var.value() + bn.epsilon).sqrt();
    let shift = bn.beta.val() - bn.running_mean.value() * scale.clone();
    (scale, shift)
}

/// Batch norm of an `[N, C, H, W]` tensor with `bn`'s parameters, as burn's `BatchNorm::forward`
/// computes it (batch statistics with biased variance and a running-statistics update on an autodiff
/// device, running statistics otherwise), with fewer full-size tensor ops: the statistics reduce a
/// contiguous `[N, C, H·W]` view along its last axis and the output is one multiply and one add.
/// burn's version reduces a channel-swapped copy and applies sub, div, mul and add with 4-D
/// broadcasting; on the CPU backend its backward costs about 7× more (docs/performance.md).
pub fn batch_norm<B: Backend>(bn: &BatchNorm<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
    let [n, c, h, w] = x.dims();
    let device = x.device();
    if !B::ad_enabled(&device) {
        let (scale, shift) = running_scale_shift(bn);
        return scale_shift(x, scale, shift);
    }
    let x = x.reshape([n, c, h * w]);
    let mean = x.clone().mean_dim(2).mean_dim(0); // [1, C, 1]
    let centered = x - per_image(mean.clone(), n);
    let var = centered.clone().square().mean_dim(2).mean_dim(0);
    let m = bn.momentum;
    let update = |running: &burn::module::RunningState<Tensor<B, 1>>, batch: Tensor<B, 3>| {
        let value = running.value_sync().to_device(&device).mul_scalar(1.0 - m) + batch.detach().mul_scalar(m).reshape([c]);
        running.update(value.detach());
    };
    update(&bn.running_mean, mean);
    update(&bn.running_var, var.clone());
    let scale = bn.gamma.val().reshape([1, c, 1]) / (var + bn.epsilon).sqrt();
    (centered * per_image(scale, n) + per_image(bn.beta.val().reshape([1, c, 1]), n)).reshape([n, c, h, w])
}

/// Group norm of an `[N, C, H, W]` tensor with `gn`'s parameters, as burn's `GroupNorm::forward`
/// computes it, with fewer full-size tensor ops: the per-group 1/σ and the per-channel γ are folded
/// into one `[N, C]` scale, so the output is one multiply and one add of the centred input.
pub fn group_norm<B: Backend>(gn: &GroupNorm<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
    let [n, c, h, w] = x.dims();
    let g = gn.num_groups;
    let x = x.reshape([n, g, c / g * h * w]);
    let centered = x.clone() - x.mean_dim(2);
    let var = centered.clone().square().mean_dim(2); // [N, G, 1]
    let inv_std = (var + gn.epsilon).sqrt().recip().expand([n, g, c / g]).reshape([n, c, 1]);
    let centered = centered.reshape([n, c, h * w]);
    let out = match (&gn.gamma, &gn.beta) {
        (Some(gamma), Some(beta)) => centered * (inv_std * gamma.val().reshape([1, c, 1])) + per_image(beta.val().reshape([1, c, 1]), n),
        _ => centered * inv_std,
    };
    out.reshape([n, c, h, w])
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::module::AutodiffModule;
    use burn::tensor::{Distribution, Tolerance};

    use super::*;

    type Ad = Autodiff<Flex>;

    fn close<const D: usize>(a: Tensor<Flex, D>, b: Tensor<Flex, D>) {
        a.into_data().assert_approx_eq::<f32>(&b.into_data(), Tolerance::rel_abs(1e-4, 1e-5));
    }

    /// Outputs, input gradients, parameter gradients and running statistics equal burn's modules.
    #[test]
    fn norms_match_burn_modules() {
        let device = Default::default();
        let x = Tensor::<Ad, 4>::random([2, 64, 5, 7], Distribution::Normal(0.5, 2.0), &device).require_grad();
        let ours_bn = BatchNormConfig::new(64).init::<Ad>(&device);
        let ref_bn = BatchNormConfig::new(64).init::<Ad>(&device); // separate running statistics
        let scale = Tensor::<Ad, 4>::random([2, 64, 5, 7], Distribution::Normal(0.0, 1.0), &device);
        let (ours_gn, ref_gn) = (GroupNormConfig::new(8, 64).init::<Ad>(&device), GroupNormConfig::new(8, 64).init::<Ad>(&device));
        type Apply<'a> = Box<dyn Fn(Tensor<Ad, 4>) -> Tensor<Ad, 4> + 'a>;
        let pairs: [(Apply, Apply); 2] = [
            (Box::new(|x| batch_norm(&ours_bn, x)), Box::new(|x| ref_bn.forward(x))),
            (Box::new(|x| group_norm(&ours_gn, x)), Box::new(|x| ref_gn.forward(x))),
        ];
        for (ours, reference) in pairs {
            // Each graph is built and consumed by its own backward pass before the next one is built: a
            // backward pass may free the shared leaf's node, so two live graphs over `x` would be order-dependent.
            let a = ours(x.clone());
            let ga = x.grad(&(a.clone() * scale.clone()).sum().backward()).expect("grad of ours");
            let b = reference(x.clone());
            let gb = x.grad(&(b.clone() * scale.clone()).sum().backward()).expect("grad of burn's");
            close(a.inner(), b.inner());
            close(ga, gb);
        }
        let g_ours = (batch_norm(&ours_bn, x.clone()) * scale.clone()).sum().backward();
        let g_ref = (ref_bn.forward(x.clone()) * scale.clone()).sum().backward();
        close(ours_bn.gamma.grad(&g_ours).expect("grad"), ref_bn.gamma.grad(&g_ref).expect("grad"));
        close(ours_bn.beta.grad(&g_ours).expect("grad"), ref_bn.beta.grad(&g_ref).expect("grad"));
        close(ours_bn.running_mean.value().inner(), ref_bn.running_mean.value().inner());
        close(ours_bn.running_var.value().inner(), ref_bn.running_var.value().inner());
        // Inference (no autodiff): running statistics.
        let x = x.inner();
        close(batch_norm(&ours_bn.valid(), x.clone()), ref_bn.valid().forward(x));
    }
}
