//! Convolution for every `Conv2d` of the network: im2col + GEMM forward and gradients on the CPU.
//!
//! burn-backend's default `conv2d_weight_backward`, which burn-flex does not override, computes the weight
//! gradient as a convolution of the channel-swapped input by the channel-swapped output gradient: a
//! convolution whose kernel is the whole output map, run by Flex as a direct loop rather than a GEMM. On the
//! DLA-34 stem (7×7 3→16 and 3×3 16→16 at full resolution) that single step costs 10× PyTorch's. Flex's
//! forward runs the same small-channel convolutions in a direct loop too (2.6–3.4× slower than a GEMM).
//!
//! [`conv_forward`] is what the model crates call instead of `Conv2d::forward`. On plain [`Flex`] (inference) it
//! runs an im2col + GEMM forward, `Y[Co, rows·Wo] = W[Co, Ci·kh·kw] · cols[Ci·kh·kw, rows·Wo] (+ bias)` per
//! image and block of output rows on rayon's threads. On the CPU training backend ([`FlexAutodiff`], the
//! trainer's `Autodiff<Flex>`) it records a custom autodiff op with that same forward and a backward of two
//! GEMMs per image and block of output rows:
//! - weight gradient `grad_W[Co, Ci·kh·kw] += G_n[Co, rows·Wo] · cols_n[Ci·kh·kw, rows·Wo]ᵀ`, with `cols_n` an
//!   im2col of the input block; the bias gradient is the sum of G over n, h, w;
//! - input gradient `dcols = Wᵀ · G_n` followed by col2im. burn's default is a transposed convolution, which Flex
//!   runs 2–6× slower than this on the backbone's large maps with 3–64 channels (about the same speed on the
//!   256-channel maps); `cargo run --release -p dla34 --example conv_grad` measures both.
//!
//! Every other backend (CUDA, other autodiff strategies, ...) and every case the fast path does not cover
//! (groups ≠ 1, asymmetric padding, dtypes other than f32) runs `Conv2d::forward` unchanged, so the model
//! crates stay generic over `B: Backend`.

use std::any::{Any, TypeId};

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::backend::Backend;
use burn::tensor::ops::{ConvOptions, FloatTensor, ModuleOps};
use burn::tensor::{DType, Shape, Tensor, TensorData, TensorMetadata, TensorPrimitive};

/// The CPU training backend on which [`conv_forward`] uses the GEMM weight gradient (the trainer's
/// `burn::backend::Autodiff<burn::backend::Flex>`, default checkpointing strategy).
pub type FlexAutodiff = Autodiff<Flex, NoCheckpointing>;

/// `conv.forward(x)`, with the im2col + GEMM forward on plain [`Flex`] and the GEMM forward and gradients on
/// [`FlexAutodiff`].
pub fn conv_forward<B: Backend>(conv: &Conv2d<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
    let Some(options) = gemm_options(conv, &x) else {
        return conv.forward(x);
    };
    let weight = conv.weight.val();
    let bias = conv.bias.as_ref().map(|b| b.val());
    if TypeId::of::<B>() == TypeId::of::<Flex>() {
        let prim = |t: Tensor<Flex, 4>| t.into_primitive().tensor();
        let bias = bias.map(|b| cast::<_, Tensor<Flex, 1>>(b).into_primitive().tensor());
        let out = conv2d_flex(prim(cast(x)), prim(cast(weight)), bias, options);
        return cast(Tensor::<Flex, 4>::from_primitive(TensorPrimitive::Float(out)));
    }
    cast(conv2d_flex_autodiff(cast(x), cast(weight), bias.map(cast), options))
}

/// The options of the GEMM convolution when [`conv_forward`] takes it for this module and input: the backend is
/// [`Flex`] or [`FlexAutodiff`], the input is f32, groups = 1 and the padding is symmetric. `None`:
/// `Conv2d::forward`.
pub fn gemm_options<B: Backend>(conv: &Conv2d<B>, x: &Tensor<B, 4>) -> Option<ConvOptions<2>> {
    let backend = TypeId::of::<B>();
    if (backend != TypeId::of::<FlexAutodiff>() && backend != TypeId::of::<Flex>())
        || x.dtype() != DType::F32
        || conv.groups != 1
    {
        return None;
    }
    let padding = match conv.padding {
        PaddingConfig2d::Valid => [0, 0],
        PaddingConfig2d::Explicit(top, left, bottom, right) if top == bottom && left == right => [top, left],
        _ => return None,
    };
    Some(ConvOptions::new(conv.stride, padding, conv.dilation, 1))
}

/// Moves a value between two types the caller has proven equal with `TypeId`.
fn cast<T: 'static, U: 'static>(value: T) -> U {
    *(Box::new(value) as Box<dyn Any>).downcast::<U>().expect("conv2d: backend types checked with TypeId")
}

/// The GEMM-gradient convolution on `Autodiff<Flex>` tensors (symmetric padding in `options`, groups = 1).
pub fn conv2d_flex_autodiff(
    x: Tensor<FlexAutodiff, 4>,
    weight: Tensor<FlexAutodiff, 4>,
    bias: Option<Tensor<FlexAutodiff, 1>>,
    options: ConvOptions<2>,
) -> Tensor<FlexAutodiff, 4> {
    assert_eq!(options.groups, 1, "conv2d_flex_autodiff: groups must be 1");
    let x = x.into_primitive().tensor();
    let weight = weight.into_primitive().tensor();
    let bias = bias.map(|b| b.into_primitive().tensor());
    let out = match bias {
        Some(bias) => {
            let nodes = [x.node.clone(), weight.node.clone(), bias.node.clone()];
            record(ConvGemm::<3>.prepare(nodes).compute_bound().stateful(), x, weight, Some(bias), options)
        }
        None => {
            let nodes = [x.node.clone(), weight.node.clone()];
            record(ConvGemm::<2>.prepare(nodes).compute_bound().stateful(), x, weight, None, options)
        }
    };
    Tensor::from_primitive(TensorPrimitive::Float(out))
}

/// An `Autodiff<Flex>` float tensor (its primitive and its graph node).
type AdTensor = FloatTensor<FlexAutodiff>;

/// x and weight checkpoints and the options: what the backward step needs.
type ConvState = (NodeId, NodeId, ConvOptions<2>);

/// Runs the forward convolution ([`conv2d_flex`]) and, when any input is tracked, records the backward step.
fn record<const N: usize>(
    kind: OpsKind<ConvGemm<N>, Flex, ConvState, NoCheckpointing, N>,
    x: AdTensor,
    weight: AdTensor,
    bias: Option<AdTensor>,
    options: ConvOptions<2>,
) -> AdTensor {
    match kind {
        OpsKind::Tracked(mut prep) => {
            let state = (prep.checkpoint(&x), prep.checkpoint(&weight), options.clone());
            prep.finish(state, conv2d_flex(x.primitive, weight.primitive, bias.map(|b| b.primitive), options))
        }
        OpsKind::UnTracked(prep) => {
            prep.finish(conv2d_flex(x.primitive, weight.primitive, bias.map(|b| b.primitive), options))
        }
    }
}

/// The forward convolution on Flex tensors (symmetric padding, groups = 1): im2col + GEMM ([`forward_gemm`])
/// for f32, Flex's `conv2d` otherwise.
///
/// The GEMM is used on every shape because it was faster on every shape of the network that was measured
/// (`forward_probe` below; plain Flex, batch 1, 512 input, docs/performance.md "GEMM forward"): 2.5–3.5× on the
/// stem's small-channel convolutions (Flex runs those in its direct `conv3d_small_channel_impl` loop), 1.9× on
/// 64→64 at 128², 1.15–1.26× on 256→256 and 256→784 at 64², 1.05× and 2.2× on the 1×1 ones. Outputs differ
/// from Flex's by the summation order only (within 2e-5 on those shapes).
fn conv2d_flex(x: FlexTensor, weight: FlexTensor, bias: Option<FlexTensor>, options: ConvOptions<2>) -> FlexTensor {
    let f32s = [Some(&x), Some(&weight), bias.as_ref()].into_iter().flatten().all(|t| t.dtype() == DType::F32);
    let (xs, ws) = (x.shape(), weight.shape());
    let out_size = |i: usize| {
        let extent = options.dilation[i] * (ws[2 + i].max(1) - 1) + 1;
        (xs[2 + i] + 2 * options.padding[i]).checked_sub(extent).map(|s| s / options.stride[i] + 1)
    };
    if !f32s || options.groups != 1 || xs.num_dims() != 4 || ws.num_dims() != 4 || ws[1] != xs[1] {
        return Flex::conv2d(x, weight, bias, options);
    }
    let (Some(ho), Some(wo)) = (out_size(0), out_size(1)) else {
        return Flex::conv2d(x, weight, bias, options);
    };
    let out_shape = Shape::new([xs[0], ws[0], ho, wo]);
    let d = ConvDims::new(&xs, &ws, &out_shape, &options);
    let bias = bias.as_ref().map(f32_contiguous);
    let out = forward_gemm(&f32_contiguous(&x), &f32_contiguous(&weight), bias.as_deref(), &d);
    FlexTensor::from_data(TensorData::new(out, out_shape))
}

/// Output [n, co, ho, wo] of a convolution from the contiguous input `x`, weight `w` [co, ci·kh·kw] and bias:
/// per image and block of output rows, `Y[co, rows·wo] = W · cols[ci·kh·kw, rows·wo] (+ bias)`, with `cols` an
/// im2col of the input block; the blocks are split over rayon's threads and write disjoint columns of Y.
fn forward_gemm(x: &[f32], w: &[f32], bias: Option<&[f32]>, d: &ConvDims) -> Vec<f32> {
    let (k, plane, image) = (d.k(), d.ho * d.wo, d.ci * d.h * d.w);
    let mut out = vec![0.0f32; d.n * d.co * plane];
    if out.is_empty() {
        return out;
    }
    let threads = rayon::current_num_threads().max(1);
    // Rows per block: im2col buffer within about 1 MB (cache-resident for the GEMM), every thread gets work.
    let budget_rows = (COLS_BUDGET / 8 / (k * d.wo).max(1)).max(1);
    let rows = budget_rows.min((d.n * d.ho).div_ceil(threads)).min(d.ho).max(1);
    let blocks: Vec<(usize, usize)> = (0..d.n).flat_map(|n| (0..d.ho).step_by(rows).map(move |r0| (n, r0))).collect();
    let out_addr = out.as_mut_ptr() as usize;
    let run = |cols: &mut Vec<f32>, (n, r0): (usize, usize)| {
        let r1 = (r0 + rows).min(d.ho);
        let p = (r1 - r0) * d.wo;
        // Y_n rows r0..r1: co rows of p elements, row stride plane.
        let dst = (out_addr as *mut f32).wrapping_add(n * d.co * plane + r0 * d.wo);
        if let Some(b) = bias {
            for (c, &v) in b.iter().enumerate() {
                // SAFETY: row c of this block, in bounds and written by this block only.
                unsafe { std::slice::from_raw_parts_mut(dst.add(c * plane), p) }.fill(v);
            }
        }
        // A 1×1 convolution with stride 1 and no padding reads the image rows directly (no im2col).
        let direct = d.kh == 1 && d.kw == 1 && d.stride == [1, 1] && d.padding == [0, 0];
        let (rhs, rhs_rs) = if direct {
            (x[n * image + r0 * d.w..].as_ptr(), (d.h * d.w) as isize)
        } else {
            cols.resize(k * p, 0.0);
            im2col_rows(&x[n * image..(n + 1) * image], d, r0, r1, cols);
            (cols.as_ptr(), p as isize)
        };
        // SAFETY: blocks write disjoint columns r0·wo..r1·wo of image n's output (co rows of stride plane), which
        // `out` outlives; w is co×k row-major; rhs is k rows of p elements with row stride rhs_rs (the im2col
        // buffer, or for a direct 1×1 the image's ci planes of h·w = plane elements from row r0).
        unsafe {
            gemm_f32(
                d.co,
                p,
                k,
                (dst, 1, plane as isize),
                bias.is_some(),
                (w.as_ptr(), 1, k as isize),
                (rhs, 1, rhs_rs),
            );
        }
    };
    if blocks.len() == 1 {
        run(&mut Vec::new(), blocks[0]);
    } else {
        use rayon::prelude::*;
        blocks.into_par_iter().for_each_init(Vec::new, run);
    }
    out
}

/// The backward step; `N` = 3 with a bias (parents x, weight, bias), 2 without.
#[derive(Debug)]
struct ConvGemm<const N: usize>;

impl<const N: usize> Backward<Flex, N> for ConvGemm<N> {
    type State = ConvState;

    fn backward(self, ops: Ops<Self::State, N>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let mut parents = ops.parents.into_iter();
        let (node_x, node_weight) = (parents.next().flatten(), parents.next().flatten());
        let node_bias = parents.next().flatten();
        let grad = grads.consume::<Flex>(&ops.node);
        let (x_state, weight_state, options) = ops.state;
        let x = checkpointer.retrieve_node_output::<FlexTensor>(x_state);
        let weight = checkpointer.retrieve_node_output::<FlexTensor>(weight_state);

        let weight_shape = weight.shape();
        if x.dtype() != DType::F32 || grad.dtype() != DType::F32 || weight.dtype() != DType::F32 {
            // Not reached through `conv_forward` (f32 only); burn's own gradients for anything else.
            if let Some(node) = node_x {
                let gx = Flex::conv2d_x_backward(x.clone(), weight.clone(), grad.clone(), options.clone());
                grads.register::<Flex>(node.id, gx);
            }
            if let Some(node) = node_weight {
                let gw = Flex::conv2d_weight_backward(x.clone(), weight, grad.clone(), options);
                grads.register::<Flex>(node.id, gw);
            }
            if let Some(node) = node_bias {
                let channels = grad.shape()[1];
                let bias = FlexTensor::zeros(Shape::new([channels]), grad.dtype());
                grads.register::<Flex>(node.id, Flex::conv2d_bias_backward(x, bias, grad));
            }
            return;
        }
        let dims = ConvDims::new(&x.shape(), &weight_shape, &grad.shape(), &options);
        let g = f32_contiguous(&grad);
        if let Some(node) = node_x {
            let gx = input_grad(&f32_contiguous(&weight), &g, &dims);
            grads.register::<Flex>(node.id, FlexTensor::from_data(TensorData::new(gx, x.shape())));
        }
        if node_weight.is_none() && node_bias.is_none() {
            return;
        }
        let (gw, gb) = weight_bias_grad(&f32_contiguous(&x), &g, &dims);
        if let Some(node) = node_weight {
            grads.register::<Flex>(node.id, FlexTensor::from_data(TensorData::new(gw, weight_shape)));
        }
        if let Some(node) = node_bias {
            grads.register::<Flex>(node.id, FlexTensor::from_data(TensorData::new(gb, [dims.co])));
        }
    }
}

/// The tensor's elements in row-major order (a view when already contiguous, else a copy).
fn f32_contiguous(t: &FlexTensor) -> std::borrow::Cow<'_, [f32]> {
    match t.as_slice::<f32>() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(t.to_contiguous().as_slice::<f32>().expect("contiguous f32").to_vec()),
    }
}

/// Sizes of one convolution: input [n, ci, h, w], weight [co, ci, kh, kw], output [n, co, ho, wo].
#[derive(Debug, Clone, Copy)]
struct ConvDims {
    n: usize,
    ci: usize,
    h: usize,
    w: usize,
    co: usize,
    kh: usize,
    kw: usize,
    ho: usize,
    wo: usize,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
}

impl ConvDims {
    fn new(x: &Shape, weight: &Shape, grad: &Shape, options: &ConvOptions<2>) -> Self {
        assert!(x.num_dims() == 4 && weight.num_dims() == 4 && grad.num_dims() == 4, "conv2d: 4-D tensors");
        assert_eq!(weight[1], x[1], "conv2d: weight channels (groups = 1)");
        Self {
            n: x[0],
            ci: x[1],
            h: x[2],
            w: x[3],
            co: weight[0],
            kh: weight[2],
            kw: weight[3],
            ho: grad[2],
            wo: grad[3],
            stride: options.stride,
            padding: options.padding,
            dilation: options.dilation,
        }
    }

    /// Columns of the weight matrix: ci·kh·kw.
    fn k(&self) -> usize {
        self.ci * self.kh * self.kw
    }
}

/// Input elements of the im2col buffer for one block (f32 count, per thread): about 8 MB.
const COLS_BUDGET: usize = 1 << 21;

/// Weight gradient [co, ci·kh·kw] and bias gradient [co] of a convolution, from the contiguous input `x`
/// and output gradient `g`.
fn weight_bias_grad(x: &[f32], g: &[f32], d: &ConvDims) -> (Vec<f32>, Vec<f32>) {
    let k = d.k();
    let threads = rayon::current_num_threads().max(1);
    // Rows of output per block: within the im2col budget, and small enough that every thread gets work.
    let budget_rows = (COLS_BUDGET / (k * d.wo).max(1)).max(1);
    let share_rows = (d.n * d.ho).div_ceil(threads).max(1);
    let rows = budget_rows.min(share_rows).min(d.ho).max(1);
    let blocks: Vec<(usize, usize, usize)> = (0..d.n)
        .flat_map(|n| (0..d.ho).step_by(rows).map(move |r0| (n, r0, (r0 + rows).min(d.ho))))
        .collect();
    let groups = threads.min(blocks.len()).max(1);
    let partial = |t: usize| {
        let mut gw = vec![0.0f32; d.co * k];
        let mut gb = vec![0.0f32; d.co];
        let mut cols = Vec::new();
        for &(n, r0, r1) in &blocks[t * blocks.len() / groups..(t + 1) * blocks.len() / groups] {
            accumulate_block(x, g, d, n, r0, r1, &mut cols, &mut gw, &mut gb);
        }
        (gw, gb)
    };
    let mut parts: Vec<(Vec<f32>, Vec<f32>)> = if groups == 1 {
        vec![partial(0)]
    } else {
        use rayon::prelude::*;
        (0..groups).into_par_iter().map(partial).collect()
    };
    let (mut gw, mut gb) = parts.swap_remove(0);
    for (pw, pb) in parts {
        gw.iter_mut().zip(pw).for_each(|(a, b)| *a += b);
        gb.iter_mut().zip(pb).for_each(|(a, b)| *a += b);
    }
    (gw, gb)
}

/// Adds image `n`'s output rows `r0..r1` to the weight gradient `gw` [co, k] and the bias gradient `gb`.
#[allow(clippy::too_many_arguments)]
fn accumulate_block(
    x: &[f32],
    g: &[f32],
    d: &ConvDims,
    n: usize,
    r0: usize,
    r1: usize,
    cols: &mut Vec<f32>,
    gw: &mut [f32],
    gb: &mut [f32],
) {
    let k = d.k();
    let p = (r1 - r0) * d.wo;
    let plane = d.ho * d.wo;
    // G_n rows r0..r1: [co, p] with row stride ho·wo.
    let g_block = &g[n * d.co * plane + r0 * d.wo..];
    for (c, b) in gb.iter_mut().enumerate() {
        *b += g_block[c * plane..c * plane + p].iter().sum::<f32>();
    }
    cols.resize(k * p, 0.0);
    im2col_rows(&x[n * d.ci * d.h * d.w..(n + 1) * d.ci * d.h * d.w], d, r0, r1, cols);
    // gw[co, k] += G[co, p] · cols[k, p]ᵀ
    // SAFETY: the pointers and strides describe in-bounds matrices: gw is co×k row-major; g_block holds co
    // rows of stride `plane` with p ≤ plane - r0·wo elements each; cols is k×p row-major.
    unsafe {
        gemm_f32(
            d.co,
            k,
            p,
            (gw.as_mut_ptr(), 1, k as isize),
            true,
            (g_block.as_ptr(), 1, plane as isize),
            (cols.as_ptr(), p as isize, 1),
        );
    }
}

/// An f32 matrix view for [`gemm_f32`]: pointer, column stride, row stride (in elements).
type MatView<P> = (P, isize, isize);

/// `dst[m, n] = lhs[m, k] · rhs[k, n]`, plus dst's previous value when `accumulate`: the `gemm` crate on the
/// calling thread (the callers split the work over rayon's threads themselves).
///
/// # Safety
/// Each view must describe in-bounds memory for its extents (dst m×n, lhs m×k, rhs k×n), and dst must not
/// overlap lhs, rhs or memory written concurrently by another thread.
unsafe fn gemm_f32(
    m: usize,
    n: usize,
    k: usize,
    dst: MatView<*mut f32>,
    accumulate: bool,
    lhs: MatView<*const f32>,
    rhs: MatView<*const f32>,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.0,
            dst.1,
            dst.2,
            accumulate,
            lhs.0,
            lhs.1,
            lhs.2,
            rhs.0,
            rhs.1,
            rhs.2,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Walks the im2col layout of output rows `r0..r1` over `channels` input channels: for every channel c, tap
/// (i, j) and output row r, calls `f(col, x_start, q_lo, q_hi)` where `col` is the offset of that row's `wo`
/// columns in a `[channels·kh·kw, (r1 - r0)·wo]` buffer, `q_lo..q_hi` are the output columns whose input column
/// q·sw + j·dw - pw lies inside the image, and `x_start` is the index in a `[channels, h, w]` image of the input
/// element for q_lo (None when input row r·sh + i·dh - ph is outside the image).
fn for_each_segment(
    d: &ConvDims,
    channels: usize,
    r0: usize,
    r1: usize,
    mut f: impl FnMut(usize, Option<usize>, usize, usize),
) {
    let p = (r1 - r0) * d.wo;
    let [sh, sw] = d.stride;
    let [ph, pw] = d.padding;
    let [dh, dw] = d.dilation;
    for c in 0..channels {
        for i in 0..d.kh {
            for j in 0..d.kw {
                let row = ((c * d.kh + i) * d.kw + j) * p;
                let off = (j * dw) as isize - pw as isize;
                let q_lo = if off >= 0 { 0 } else { ((-off) as usize).div_ceil(sw) };
                let q_hi = if off >= d.w as isize { 0 } else { ((d.w as isize - off) as usize).div_ceil(sw).min(d.wo) };
                for r in r0..r1 {
                    let ih = (r * sh + i * dh) as isize - ph as isize;
                    let inside = ih >= 0 && ih < d.h as isize && q_lo < q_hi;
                    let x_start = inside.then(|| (c * d.h + ih as usize) * d.w + ((q_lo * sw) as isize + off) as usize);
                    f(row + (r - r0) * d.wo, x_start, q_lo, q_hi.max(q_lo));
                }
            }
        }
    }
}

/// im2col of one image `x` [ci, h, w] for output rows `r0..r1`: `cols[(c·kh + i)·kw + j, (r - r0)·wo + q]`
/// = x[c, r·sh + i·dh - ph, q·sw + j·dw - pw], zero outside the image.
fn im2col_rows(x: &[f32], d: &ConvDims, r0: usize, r1: usize, cols: &mut [f32]) {
    let sw = d.stride[1];
    for_each_segment(d, d.ci, r0, r1, |col, x_start, q_lo, q_hi| {
        let out = &mut cols[col..col + d.wo];
        let Some(s) = x_start else { return out.fill(0.0) };
        out[..q_lo].fill(0.0);
        out[q_hi..].fill(0.0);
        if sw == 1 {
            out[q_lo..q_hi].copy_from_slice(&x[s..s + (q_hi - q_lo)]);
        } else {
            out[q_lo..q_hi].iter_mut().zip(x[s..].iter().step_by(sw)).for_each(|(o, v)| *o = *v);
        }
    });
}

/// col2im, the adjoint of [`im2col_rows`]: adds every element of `cols` [channels·kh·kw, (r1 - r0)·wo] to the
/// input element it was read from in `dx` [channels, h, w].
fn col2im_rows(cols: &[f32], d: &ConvDims, channels: usize, r0: usize, r1: usize, dx: &mut [f32]) {
    let sw = d.stride[1];
    for_each_segment(d, channels, r0, r1, |col, x_start, q_lo, q_hi| {
        let Some(s) = x_start else { return };
        let src = &cols[col + q_lo..col + q_hi];
        if sw == 1 {
            dx[s..s + src.len()].iter_mut().zip(src).for_each(|(o, v)| *o += v);
        } else {
            dx[s..].iter_mut().step_by(sw).zip(src).for_each(|(o, v)| *o += v);
        }
    });
}

/// Elements of the column buffer of the input gradient (f32 count, per thread): about 1 MB, so that col2im
/// reads it back from cache.
const DCOLS_BUDGET: usize = 1 << 18;

/// Input gradient [n, ci, h, w] of a convolution from the contiguous weight `w` [co, ci·kh·kw] and output
/// gradient `g`: per image and block of output rows, `dcols = Wᵀ · G_block` (a GEMM), then col2im. The work is
/// split over images and groups of input channels, so that threads write disjoint parts of the result.
fn input_grad(w: &[f32], g: &[f32], d: &ConvDims) -> Vec<f32> {
    let (k, taps, plane_in, plane_out) = (d.k(), d.kh * d.kw, d.h * d.w, d.ho * d.wo);
    let mut dx = vec![0.0f32; d.n * d.ci * plane_in];
    if dx.is_empty() {
        return dx;
    }
    let threads = rayon::current_num_threads().max(1);
    let groups_per_image = if d.n >= threads { 1 } else { threads.div_ceil(d.n).min(d.ci) };
    let group_channels = d.ci.div_ceil(groups_per_image);
    let tasks: Vec<(usize, usize, &mut [f32])> = dx
        .chunks_mut(d.ci * plane_in)
        .enumerate()
        .flat_map(|(n, image)| {
            image.chunks_mut(group_channels * plane_in).enumerate().map(move |(t, part)| (n, t * group_channels, part))
        })
        .collect();
    let run = |(n, c0, part): (usize, usize, &mut [f32])| {
        let channels = part.len() / plane_in;
        let rows_k = channels * taps;
        let rows = (DCOLS_BUDGET / (rows_k * d.wo).max(1)).clamp(1, d.ho.max(1));
        let mut dcols = vec![0.0f32; rows_k * rows * d.wo];
        for r0 in (0..d.ho).step_by(rows) {
            let r1 = (r0 + rows).min(d.ho);
            let p = (r1 - r0) * d.wo;
            let g_block = &g[n * d.co * plane_out + r0 * d.wo..];
            // dcols[rows_k, p] = Wᵀ[c0·taps.., co] · G[co, p]
            // SAFETY: dcols holds rows_k·p elements row-major; w is co×k row-major and the columns
            // c0·taps..c0·taps + rows_k are within k; g_block holds co rows of stride plane_out with p elements.
            unsafe {
                gemm_f32(
                    rows_k,
                    p,
                    d.co,
                    (dcols.as_mut_ptr(), 1, p as isize),
                    false,
                    (w.as_ptr().add(c0 * taps), k as isize, 1),
                    (g_block.as_ptr(), 1, plane_out as isize),
                );
            }
            col2im_rows(&dcols[..rows_k * p], d, channels, r0, r1, part);
        }
    };
    if tasks.len() == 1 {
        tasks.into_iter().for_each(run);
    } else {
        use rayon::prelude::*;
        tasks.into_par_iter().for_each(run);
    }
    dx
}

#[cfg(test)]
mod tests {
    use burn::nn::conv::Conv2dConfig;
    use burn::tensor::Distribution;

    use super::*;

    type Ad = FlexAutodiff;

    /// max |a - b| / max |b|.
    fn rel_err<const D: usize>(a: Tensor<Flex, D>, b: Tensor<Flex, D>) -> f32 {
        let (a, b) = (a.into_data().to_vec::<f32>().unwrap(), b.into_data().to_vec::<f32>().unwrap());
        assert_eq!(a.len(), b.len());
        let diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        diff / b.iter().map(|y| y.abs()).fold(1e-12f32, f32::max)
    }

    /// Every element within absolute 1e-5 + relative 1e-4 of the reference (numpy's `allclose`).
    fn assert_close(a: Tensor<Flex, 4>, b: Tensor<Flex, 4>, what: &str) {
        assert_eq!(a.dims(), b.dims(), "{what}: shapes");
        let (a, b) = (a.into_data().to_vec::<f32>().unwrap(), b.into_data().to_vec::<f32>().unwrap());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!((x - y).abs() <= 1e-5 + 1e-4 * y.abs(), "{what}: element {i}: {x} vs {y}");
        }
    }

    /// One case: kernel, stride, padding, dilation, bias, batch, input height and width, channels in/out.
    #[derive(Debug, Clone, Copy)]
    struct Case {
        k: [usize; 2],
        stride: usize,
        pad: usize,
        dilation: usize,
        bias: bool,
        n: usize,
        hw: [usize; 2],
        c: [usize; 2],
    }

    fn module(case: Case, device: &burn::backend::flex::FlexDevice) -> Conv2d<Ad> {
        let p = case.pad;
        Conv2dConfig::new(case.c, case.k)
            .with_stride([case.stride; 2])
            .with_dilation([case.dilation; 2])
            .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
            .with_bias(case.bias)
            .init(device)
    }

    /// Output, x, weight and bias gradients of `conv_forward` and of `Conv2d::forward` for one case.
    fn check(case: Case) {
        let device = Default::default();
        let conv = module(case, &device);
        let shape = [case.n, case.c[0], case.hw[0], case.hw[1]];
        let x = Tensor::<Ad, 4>::random(shape, Distribution::Normal(0.0, 1.0), &device).require_grad();
        assert!(gemm_options(&conv, &x).is_some(), "{case:?}: fast path not taken");
        // Each graph is built and consumed by its own backward pass before the next one is built.
        let ours = conv_forward(&conv, x.clone());
        let scale = Tensor::<Ad, 4>::random(ours.dims(), Distribution::Normal(0.0, 1.0), &device);
        let g_ours = (ours.clone() * scale.clone()).sum().backward();
        let reference = conv.forward(x.clone());
        let g_ref = (reference.clone() * scale).sum().backward();
        assert_close(ours.inner(), reference.inner(), &format!("{case:?}: FlexAutodiff output"));
        // Plain Flex (inference) takes the same GEMM forward.
        let plain = burn::module::AutodiffModule::valid(&conv);
        assert!(gemm_options(&plain, &x.clone().inner()).is_some(), "{case:?}: fast path not taken on Flex");
        assert_close(
            conv_forward(&plain, x.clone().inner()),
            plain.forward(x.clone().inner()),
            &format!("{case:?}: Flex output"),
        );
        let e = rel_err(x.grad(&g_ours).unwrap(), x.grad(&g_ref).unwrap());
        assert!(e <= 1e-4, "{case:?}: x gradient rel. error {e}");
        let e = rel_err(conv.weight.grad(&g_ours).unwrap(), conv.weight.grad(&g_ref).unwrap());
        assert!(e <= 1e-4, "{case:?}: weight gradient rel. error {e}");
        if let Some(b) = &conv.bias {
            let e = rel_err(b.grad(&g_ours).unwrap(), b.grad(&g_ref).unwrap());
            assert!(e <= 1e-4, "{case:?}: bias gradient rel. error {e}");
        }
    }

    #[test]
    fn gradients_match_burn_conv_on_listed_shapes() {
        let base = Case { k: [3, 3], stride: 1, pad: 1, dilation: 1, bias: true, n: 2, hw: [9, 7], c: [5, 6] };
        check(base);
        check(Case { k: [1, 1], pad: 0, bias: true, n: 2, hw: [5, 11], c: [7, 3], ..base }); // direct 1×1
        check(Case { k: [7, 7], stride: 2, pad: 3, hw: [19, 22], c: [3, 4], ..base }); // the stem's shape
        check(Case { k: [1, 1], pad: 0, bias: false, n: 3, ..base });
        check(Case { stride: 2, dilation: 2, pad: 0, n: 1, hw: [11, 8], ..base });
        check(Case { k: [3, 1], stride: 2, pad: 1, n: 1, hw: [4, 13], ..base });
    }

    #[test]
    fn gradients_match_burn_conv_on_random_shapes() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut pick = |options: &[usize]| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            options[(state >> 33) as usize % options.len()]
        };
        for _ in 0..24 {
            let k = pick(&[1, 3, 7]);
            let dilation = pick(&[1, 2]);
            let extent = dilation * (k - 1) + 1;
            let pad = pick(&[0, 1, 3]);
            // At least one output position along each axis.
            let min = extent.saturating_sub(2 * pad).max(1);
            let case = Case {
                k: [k, k],
                stride: pick(&[1, 2]),
                pad,
                dilation,
                bias: pick(&[0, 1]) == 1,
                n: pick(&[1, 2, 3]),
                hw: [min + pick(&[0, 1, 4, 9]), min + pick(&[0, 2, 5, 12])],
                c: [pick(&[1, 3, 8]), pick(&[1, 4, 9])],
            };
            check(case);
        }
    }

    /// Grouped convolutions, asymmetric padding and other backends run `Conv2d::forward` (bit-identical).
    #[test]
    fn other_backends_and_cases_take_the_ordinary_path() {
        let device = Default::default();
        let x = Tensor::<Flex, 4>::random([1, 4, 6, 6], Distribution::Normal(0.0, 1.0), &device);
        let xa = Tensor::<Ad, 4>::random([1, 4, 6, 6], Distribution::Normal(0.0, 1.0), &device);
        let grouped = Conv2dConfig::new([4, 4], [3, 3]).with_groups(2).init::<Ad>(&device);
        let asymmetric = Conv2dConfig::new([4, 4], [2, 2]).with_padding(PaddingConfig2d::Same).init::<Ad>(&device);
        for conv in [grouped, asymmetric] {
            assert!(gemm_options(&conv, &xa).is_none());
            assert_eq!(conv_forward(&conv, xa.clone()).into_data(), conv.forward(xa.clone()).into_data());
            let plain = burn::module::AutodiffModule::valid(&conv);
            assert!(gemm_options(&plain, &x).is_none());
            assert_eq!(conv_forward(&plain, x.clone()).into_data(), plain.forward(x.clone()).into_data());
        }
        // Another backend (autodiff with another checkpointing strategy stands in for CUDA here).
        type Other = Autodiff<Flex, burn::backend::autodiff::checkpoint::strategy::BalancedCheckpointing>;
        let conv = Conv2dConfig::new([4, 4], [3, 3]).init::<Other>(&device);
        let xo = Tensor::<Other, 4>::random([1, 4, 6, 6], Distribution::Normal(0.0, 1.0), &device);
        assert!(gemm_options(&conv, &xo).is_none());
        assert_eq!(conv_forward(&conv, xo.clone()).into_data(), conv.forward(xo).into_data());
    }
}

#[cfg(test)]
mod forward_probe {
    use burn::tensor::Distribution;
    use testkit::median_ms;

    use super::*;

    /// Flex's `conv2d` forward against [`forward_gemm`] (what [`conv2d_flex`] runs), on the network's shapes at
    /// input 512, batch 1, plain Flex: the measurements behind using the GEMM on every shape.
    /// `cargo test --release -p dla34 --lib forward_probe -- --ignored --nocapture`
    #[test]
    #[ignore = "timing probe"]
    fn flex_conv_forward_vs_im2col_gemm() {
        let device = Default::default();
        // (ci, co, kernel, stride, side)
        let stem = [(3, 16, 7, 1, 512), (16, 16, 3, 1, 512), (16, 32, 3, 2, 512), (32, 64, 3, 2, 256)];
        let wide = [
            (64, 64, 3, 1, 128),
            (256, 256, 3, 1, 64),
            (256, 784, 3, 1, 64),
            (256, 256, 1, 1, 64),
            (128, 64, 1, 1, 128),
        ];
        for (ci, co, k, s, side) in stem.into_iter().chain(wide) {
            let x = Tensor::<Flex, 4>::random([1, ci, side, side], Distribution::Normal(0.0, 1.0), &device);
            let w = Tensor::<Flex, 4>::random([co, ci, k, k], Distribution::Normal(0.0, 0.1), &device);
            let opts = ConvOptions::new([s, s], [k / 2, k / 2], [1, 1], 1);
            let conv = || burn::tensor::module::conv2d(x.clone(), w.clone(), None, opts.clone());
            let flex = median_ms(5, || drop(conv()));
            let y = conv();
            let xv = x.clone().into_data().to_vec::<f32>().unwrap();
            let wv = w.clone().into_data().to_vec::<f32>().unwrap();
            let d = ConvDims::new(&x.shape(), &w.shape(), &Shape::new(y.dims()), &opts);
            let ours = median_ms(5, || drop(forward_gemm(&xv, &wv, None, &d)));
            let out = forward_gemm(&xv, &wv, None, &d);
            let yv = y.into_data().to_vec::<f32>().unwrap();
            let diff = yv.iter().zip(&out).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            println!("{ci}->{co} {k}x{k} s{s} {side}²: Flex {flex:.1} ms, im2col+GEMM {ours:.1} ms, |Δ| {diff:.1e}");
        }
    }
}
