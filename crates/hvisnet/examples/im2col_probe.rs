//! Probe: burn's conv2d forward+backward vs a 3×3 conv written as im2col (9 shifted slices) + matmul, whose
//! weight gradient is a GEMM. `cargo run --release -p hvisnet --example im2col_probe`.

use testkit::median_ms;

use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

type Ad = Autodiff<Flex>;

fn im2col_conv(x: Tensor<Ad, 4>, w: Tensor<Ad, 4>) -> Tensor<Ad, 4> {
    let [n, c, h, wd] = x.dims();
    let [o, _, k, _] = w.dims();
    let p = k / 2;
    let xp = x.pad((p, p, p, p), burn::tensor::ops::PadMode::Constant(0.0));
    let mut cols = Vec::with_capacity(k * k);
    for ky in 0..k {
        for kx in 0..k {
            cols.push(xp.clone().slice([0..n, 0..c, ky..ky + h, kx..kx + wd]).reshape([n, c, 1, h * wd]));
        }
    }
    let cols = Tensor::cat(cols, 2).reshape([n, c * k * k, h * wd]);
    let wm = w.reshape([1, o, c * k * k]).expand([n, o, c * k * k]);
    wm.matmul(cols).reshape([n, o, h, wd])
}

fn main() {
    let device = Default::default();
    for (c, o, s) in [(16usize, 16usize, 256usize), (64, 64, 128), (256, 256, 64)] {
        let x = Tensor::<Ad, 4>::random([1, c, s, s], burn::tensor::Distribution::Normal(0.0, 1.0), &device).require_grad();
        let w = Tensor::<Ad, 4>::random([o, c, 3, 3], burn::tensor::Distribution::Normal(0.0, 0.1), &device).require_grad();
        let a = conv2d(x.clone(), w.clone(), None, ConvOptions::new([1, 1], [1, 1], [1, 1], 1));
        let b = im2col_conv(x.clone(), w.clone());
        let diff = (a.clone().inner() - b.clone().inner()).abs().max().into_scalar();
        let ga = a.sum().backward();
        let gb = b.sum().backward();
        let dw = (w.grad(&ga).unwrap() - w.grad(&gb).unwrap()).abs().max().into_scalar();
        let dx = (x.grad(&ga).unwrap() - x.grad(&gb).unwrap()).abs().max().into_scalar();
        let t_burn = median_ms(3, || drop(conv2d(x.clone(), w.clone(), None, ConvOptions::new([1, 1], [1, 1], [1, 1], 1)).sum().backward()));
        let t_col = median_ms(3, || drop(im2col_conv(x.clone(), w.clone()).sum().backward()));
        let f_burn = median_ms(3, || drop(conv2d(x.clone().inner(), w.clone().inner(), None, ConvOptions::new([1, 1], [1, 1], [1, 1], 1))));
        println!("{c}->{o} at {s}²: burn fwd {f_burn:.1} ms, fwd+bwd {t_burn:.1} ms; im2col fwd+bwd {t_col:.1} ms; |Δout| {diff:.2e} |Δdw| {dw:.2e} |Δdx| {dx:.2e}");
    }
}
