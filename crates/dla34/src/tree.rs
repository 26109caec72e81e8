//! DLA trees of depth 1 and 2 (DLA-34 needs no deeper ones).

use burn::module::Module;
use burn::prelude::*;
use burn::tensor::module::max_pool2d;

use crate::block::{BasicBlock, ConvNorm, Root};
use crate::norm::NormKind;

/// Max-pool with kernel = stride (the reference `downsample`); identity for stride 1.
fn downsample<B: Backend>(x: Tensor<B, 4>, stride: usize) -> Tensor<B, 4> {
    if stride > 1 { max_pool2d(x, [stride, stride], [stride, stride], [0, 0], [1, 1], false) } else { x }
}

/// A tree with `levels = 1`: two BasicBlocks aggregated by a Root.
#[derive(Module, Debug)]
pub struct Tree1<B: Backend> {
    /// First block (carries the stride; its residual is the projected, downsampled input).
    pub tree1: BasicBlock<B>,
    /// Second block (its residual is the first block's output).
    pub tree2: BasicBlock<B>,
    /// Aggregation over `[x2, x1, children...]`.
    pub root: Root<B>,
    /// 1×1 conv + norm on the downsampled input when the channel count changes.
    pub project: Option<ConvNorm<B>>,
    /// Downsampling factor of this tree (max-pool kernel and stride).
    pub stride: usize,
    /// Whether the downsampled input joins the root's children.
    pub level_root: bool,
}

impl<B: Backend> Tree1<B> {
    /// Reference `Tree(1, block, cin, cout, stride, level_root, root_dim)`; `root_dim = 0`
    /// means `2·cout` (+ `cin` with a level root).
    pub fn new(
        cin: usize,
        cout: usize,
        stride: usize,
        level_root: bool,
        root_dim: usize,
        norm: NormKind,
        device: &B::Device,
    ) -> Self {
        let mut root_dim = if root_dim == 0 { 2 * cout } else { root_dim };
        if level_root {
            root_dim += cin;
        }
        Self {
            tree1: BasicBlock::new(cin, cout, stride, norm, device),
            tree2: BasicBlock::new(cout, cout, 1, norm, device),
            root: Root::new(root_dim, cout, false, norm, device),
            project: (cin != cout).then(|| ConvNorm::new(cin, cout, 1, 1, norm, device)),
            stride,
            level_root,
        }
    }

    /// Forward pass; `children` are extra inputs of the root (from an enclosing tree).
    pub fn forward(&self, x: Tensor<B, 4>, mut children: Vec<Tensor<B, 4>>) -> Tensor<B, 4> {
        let bottom = downsample(x.clone(), self.stride);
        let residual = match &self.project {
            Some(p) => p.forward(bottom.clone()),
            None => bottom.clone(),
        };
        if self.level_root {
            children.push(bottom);
        }
        let x1 = self.tree1.forward(x, residual);
        let x2 = self.tree2.forward(x1.clone(), x1.clone());
        let mut all = vec![x2, x1];
        all.extend(children);
        self.root.forward(all)
    }
}

/// A tree with `levels = 2`: a depth-1 subtree followed by a depth-1 subtree whose root also
/// aggregates the downsampled input (level root) and the first subtree's output.
#[derive(Module, Debug)]
pub struct Tree2<B: Backend> {
    /// First subtree (carries the stride).
    pub tree1: Tree1<B>,
    /// Second subtree; its root sees `[x2, x1, bottom, tree1 output]`.
    pub tree2: Tree1<B>,
    /// The reference builds this projection but never uses it (tree1 projects for itself).
    /// It is kept so ucbdrive checkpoints load completely and the parameter count matches.
    pub project: Option<ConvNorm<B>>,
    /// Downsampling factor (max-pool) for the level-root input.
    pub stride: usize,
    /// Whether the downsampled input joins the final root.
    pub level_root: bool,
}

impl<B: Backend> Tree2<B> {
    /// Reference `Tree(2, block, cin, cout, stride, level_root, root_dim = 0)`.
    pub fn new(cin: usize, cout: usize, stride: usize, level_root: bool, norm: NormKind, device: &B::Device) -> Self {
        let mut root_dim = 2 * cout;
        if level_root {
            root_dim += cin;
        }
        Self {
            tree1: Tree1::new(cin, cout, stride, false, 0, norm, device),
            tree2: Tree1::new(cout, cout, 1, false, root_dim + cout, norm, device),
            project: (cin != cout).then(|| ConvNorm::new(cin, cout, 1, 1, norm, device)),
            stride,
            level_root,
        }
    }

    /// Forward pass.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let mut children = Vec::with_capacity(2);
        if self.level_root {
            children.push(downsample(x.clone(), self.stride));
        }
        let x1 = self.tree1.forward(x, Vec::new());
        children.push(x1.clone());
        self.tree2.forward(x1, children)
    }
}
