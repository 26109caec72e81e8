//! Where the time of a forward pass and a training step goes, module by module, on the CPU backend.
//!
//! `cargo run --release -p hvisnet --example profile -- [SIZE] [RUNS]` (default 256, 3): builds the
//! network `configs/hvisnet.toml` resolves to (paper widths, no semantic head, 2 identities), feeds it a
//! synthetic frame with two persons and prints the median time of each part: the backbone body, FPN,
//! FCOS head, attention layer, basis module and ID head in inference mode (no autodiff) and with autodiff;
//! then the training step split into forward + losses, backward and the SGD step. The CPU backend runs
//! ops synchronously, so wall-clock time between calls is the time of the ops in between.
//!
//! `... --example profile -- conv SIDE [RUNS]` times one 3×3 conv 256→256 (bias) on a 1×256×SIDE×SIDE map
//! instead: forward, forward + backward with autodiff, and the two backward convolutions burn's default
//! `conv2d_x_backward` / `conv2d_weight_backward` run (a transposed conv, and a conv of the channel-swapped
//! input by the channel-swapped output gradient); then GroupNorm(32), training-mode BatchNorm and ReLU on
//! the same map.

use std::time::Instant;

use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::optim::{momentum::MomentumConfig, GradientsParams, Optimizer, SgdConfig};
use burn::prelude::*;
use hvisnet::{GtPerson, Hvisnet, ModelConfig, TrainImage};

type Ad = Autodiff<Flex>;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Two ellipse persons (identities 1 and 2) and RGB pixels, as `trainer bench` uses.
fn frame(size: usize) -> (TrainImage, Vec<f32>) {
    let s = size as f32;
    let ellipse = |cx: f32, cy: f32, rx: f32, ry: f32, identity| {
        let mask = (0..size * size)
            .map(|i| {
                let (dx, dy) = (((i % size) as f32 + 0.5 - cx) / rx, ((i / size) as f32 + 0.5 - cy) / ry);
                u8::from(dx * dx + dy * dy <= 1.0)
            })
            .collect();
        GtPerson { bbox: [cx - rx, cy - ry, cx + rx, cy + ry], mask, identity: Some(identity) }
    };
    let persons = vec![ellipse(0.3 * s, 0.5 * s, 0.1 * s, 0.3 * s, 1), ellipse(0.65 * s, 0.45 * s, 0.15 * s, 0.35 * s, 2)];
    let pixels = (0..3 * size * size)
        .map(|i| {
            let p = i % (size * size);
            match persons.iter().position(|q| q.mask[p] != 0) {
                Some(k) => [200.0, 60.0][k] + (i / (size * size)) as f32 * 20.0,
                None => 100.0 + (p % size) as f32 * 100.0 / s,
            }
        })
        .collect();
    (TrainImage { height: size, width: size, persons }, pixels)
}

/// Times each module of the forward pass once; returns (name, ms) in order.
fn forward_parts<B: Backend>(model: &Hvisnet<B>, images: Tensor<B, 4>) -> Vec<(&'static str, f64)> {
    let mut out = Vec::new();
    let mut t = Instant::now();
    let mut lap = |name, out: &mut Vec<(&'static str, f64)>| {
        out.push((name, t.elapsed().as_secs_f64() * 1e3));
        t = Instant::now();
    };
    let f = model.backbone.body.forward(images);
    lap("dla34 body", &mut out);
    let feats = model.backbone.fpn.forward([f.level3, f.level4, f.level5]).to_vec();
    lap("fpn", &mut out);
    let fcos = model.fcos.forward(&feats);
    lap("fcos head (8 tower convs + outputs)", &mut out);
    let attn = model.attention.forward(&fcos.bbox_towers);
    lap("attention conv (784 ch)", &mut out);
    let basis = model.basis.forward(&feats).expect("basis");
    lap("basis module", &mut out);
    let emb = model.id_head.forward(&feats).expect("id head");
    lap("id head", &mut out);
    drop((attn, basis, emb));
    out
}

/// Forward and backward of each module alone (inputs detached, gradient of the sum of its outputs).
fn module_backward(model: &Hvisnet<Ad>, images: Tensor<Ad, 4>, runs: usize) {
    let f = model.backbone.body.forward(images.clone());
    let levels = [f.level3, f.level4, f.level5].map(|t| t.detach().require_grad());
    let feats: Vec<_> = model.backbone.fpn.forward(levels.clone()).into_iter().map(|t| t.detach().require_grad()).collect();
    let total = |ts: Vec<Tensor<Ad, 4>>| ts.into_iter().map(|t| t.sum()).reduce(|a, b| a + b).expect("outputs");
    type Run<'a> = Box<dyn Fn() -> Tensor<Ad, 1> + 'a>;
    let parts: Vec<(&str, Run)> = vec![
        ("dla34 body", Box::new(|| {
            let f = model.backbone.body.forward(images.clone());
            total(vec![f.level3, f.level4, f.level5])
        })),
        ("fpn", Box::new(|| total(model.backbone.fpn.forward(levels.clone()).to_vec()))),
        ("fcos head + attention conv", Box::new(|| {
            let o = model.fcos.forward(&feats);
            let a = model.attention.forward(&o.bbox_towers);
            total([o.cls_logits, o.bbox_reg, o.ctrness, a].concat())
        })),
        ("basis module", Box::new(|| total(vec![model.basis.forward(&feats).expect("basis").bases]))),
        ("id head", Box::new(|| total(model.id_head.forward(&feats).expect("id head")))),
    ];
    println!("each module alone with autodiff: forward / backward of the sum of its outputs");
    for (name, run) in &parts {
        let (mut fw, mut bw) = (Vec::new(), Vec::new());
        for i in 0..=runs {
            let t = Instant::now();
            let loss = run();
            let tf = t.elapsed().as_secs_f64() * 1e3;
            let t = Instant::now();
            drop(loss.backward());
            if i > 0 {
                fw.push(tf);
                bw.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        println!("  {name:40} {:9.1} ms / {:9.1} ms", median(fw), median(bw));
    }
}

fn print_parts(title: &str, runs: Vec<Vec<(&'static str, f64)>>) {
    println!("{title}");
    let mut total = 0.0;
    for i in 0..runs[0].len() {
        let m = median(runs.iter().map(|r| r[i].1).collect());
        total += m;
        println!("  {:40} {m:9.1} ms", runs[0][i].0);
    }
    println!("  {:40} {total:9.1} ms", "sum of medians");
}

/// Median milliseconds of `runs` calls of `f` after one warm-up call.
fn time_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

fn conv_bench(side: usize, runs: usize) {
    use burn::tensor::Distribution;
    use burn::tensor::module::{conv2d, conv_transpose2d};
    use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
    let device = Default::default();
    let x = Tensor::<Flex, 4>::random([1, 256, side, side], Distribution::Normal(0.0, 1.0), &device);
    let w = Tensor::<Flex, 4>::random([256, 256, 3, 3], Distribution::Normal(0.0, 0.02), &device);
    let b = Tensor::<Flex, 1>::zeros([256], &device);
    let opts = ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
    let g = Tensor::<Flex, 4>::random([1, 256, side, side], Distribution::Normal(0.0, 1.0), &device);
    println!("conv3x3 256→256 on 1×256×{side}×{side}, median of {runs}");
    let fwd = time_ms(runs, || drop(conv2d(x.clone(), w.clone(), Some(b.clone()), opts.clone())));
    println!("  {:40} {fwd:9.1} ms", "forward");
    let xg = time_ms(runs, || {
        let t = ConvTransposeOptions::new([1, 1], [1, 1], [0, 0], [1, 1], 1);
        drop(conv_transpose2d(g.clone(), w.clone(), None, t));
    });
    println!("  {:40} {xg:9.1} ms", "input grad (conv_transpose2d)");
    let wg = time_ms(runs, || drop(conv2d(x.clone().swap_dims(0, 1), g.clone().swap_dims(0, 1), None, opts.clone())));
    println!("  {:40} {wg:9.1} ms", "weight grad (conv of swapped dims)");
    let xa = Tensor::<Ad, 4>::from_inner(x.clone()).require_grad();
    let wa = Tensor::<Ad, 4>::from_inner(w.clone()).require_grad();
    let ba = Tensor::<Ad, 1>::from_inner(b.clone()).require_grad();
    let fb = time_ms(runs, || drop(conv2d(xa.clone(), wa.clone(), Some(ba.clone()), opts.clone()).sum().backward()));
    println!("  {:40} {fb:9.1} ms", "forward + backward (autodiff)");
    let gn = burn::nn::GroupNormConfig::new(32, 256).init::<Ad>(&device);
    let bn = burn::nn::BatchNormConfig::new(256).init::<Ad>(&device);
    let gf = time_ms(runs, || drop(gn.forward(xa.clone())));
    let gfb = time_ms(runs, || drop(gn.forward(xa.clone()).sum().backward()));
    println!("  {:40} {gf:9.1} ms / {:9.1} ms", "GroupNorm(32) forward / backward", gfb - gf);
    let bf = time_ms(runs, || drop(bn.forward(xa.clone())));
    let bfb = time_ms(runs, || drop(bn.forward(xa.clone()).sum().backward()));
    println!("  {:40} {bf:9.1} ms / {:9.1} ms", "BatchNorm (training) forward / backward", bfb - bf);
    let rf = time_ms(runs, || drop(burn::tensor::activation::relu(xa.clone())));
    let rfb = time_ms(runs, || drop(burn::tensor::activation::relu(xa.clone()).sum().backward()));
    println!("  {:40} {rf:9.1} ms / {:9.1} ms", "ReLU forward / backward", rfb - rf);
}

fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().map(String::as_str) == Some("conv") {
        let side = raw.get(1).and_then(|a| a.parse().ok()).unwrap_or(64);
        return conv_bench(side, raw.get(2).and_then(|a| a.parse().ok()).unwrap_or(5));
    }
    let args: Vec<usize> = raw.iter().map(|a| a.parse().expect("SIZE RUNS")).collect();
    let size = args.first().copied().unwrap_or(256).div_ceil(32) * 32;
    let runs = args.get(1).copied().unwrap_or(3).max(1);
    let mut cfg = ModelConfig::default();
    cfg.blendmask.basis.loss_on = false;
    cfg.id.num_identities = 2;
    let device = Default::default();
    let mut model = Hvisnet::<Ad>::new(&cfg, &device).expect("model");
    println!("input 1×3×{size}×{size}, {} parameters, {runs} runs after 1 warm-up", dla34::num_parameters(&model));
    let (gt, pixels) = frame(size);
    let images = model.normalize(Tensor::<Ad, 4>::from_data(TensorData::new(pixels, [1, 3, size, size]), &device));
    let targets = vec![model.targets(&gt, &sampler::SamplingConfig::default(), 0).expect("targets")];
    let gt = vec![gt];

    let eval = model.valid();
    let inner = images.clone().inner();
    let parts: Vec<_> = (0..=runs).map(|_| forward_parts(&eval, inner.clone())).skip(1).collect();
    print_parts("forward, inference mode", parts);
    let parts: Vec<_> = (0..=runs).map(|_| forward_parts(&model, images.clone())).skip(1).collect();
    print_parts("forward, autodiff (training mode)", parts);

    let mut optim = SgdConfig::new().with_momentum(Some(MomentumConfig::new().with_dampening(0.0))).init();
    let (mut fwd, mut loss_t, mut bwd, mut step) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..=runs {
        let t = Instant::now();
        let out = model.forward(images.clone()).expect("forward");
        let t_fwd = t.elapsed().as_secs_f64() * 1e3;
        drop(out);
        let t = Instant::now();
        let losses = model.loss(images.clone(), &gt, &targets).expect("loss");
        let t_loss = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let grads = GradientsParams::from_grads(losses.total.backward(), &model);
        let t_bwd = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        model = optim.step(1e-4, model, grads);
        let t_step = t.elapsed().as_secs_f64() * 1e3;
        if i > 0 {
            fwd.push(t_fwd);
            loss_t.push(t_loss - t_fwd);
            bwd.push(t_bwd);
            step.push(t_step);
        }
    }
    module_backward(&model, images.clone(), runs);

    println!("training step");
    let (f, l, b, s) = (median(fwd), median(loss_t), median(bwd), median(step));
    println!("  {:40} {f:9.1} ms", "forward (autodiff)");
    println!("  {:40} {l:9.1} ms", "losses and targets (loss() − forward)");
    println!("  {:40} {b:9.1} ms", "backward");
    println!("  {:40} {s:9.1} ms", "SGD step");
    println!("  {:40} {:9.1} ms", "sum", f + l + b + s);
}
