//! Times `Conv2d::forward` against `dla34::conv_forward` (GEMM weight gradient) on the network's convolution
//! shapes, on the CPU training backend `Autodiff<Flex>`, batch 1.
//!
//! `cargo run --release -p dla34 --example conv_grad -- [SIZE] [RUNS]` (default 256, 5): SIZE is the network's
//! input side; each shape's map is the one it sees at that input. Prints, per shape, the median of RUNS (after
//! one untimed run) of the forward pass, and of forward + backward with burn's conv and with ours, with and
//! without the input gradient.

use burn::backend::Flex;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::{Distribution, Tensor};
use dla34::{FlexAutodiff as Ad, conv_forward};
use testkit::median_ms;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("SIZE RUNS")).collect();
    let (size, runs) = (args.first().copied().unwrap_or(256), args.get(1).copied().unwrap_or(5));
    let device = Default::default();
    // (name, cin, cout, kernel, stride, input side as a fraction 1/s of SIZE, bias)
    let shapes: [(&str, usize, usize, usize, usize, usize, bool); 14] = [
        ("base_layer 7x7", 3, 16, 7, 1, 1, false),
        ("level0 3x3", 16, 16, 3, 1, 1, false),
        ("level1 3x3 s2", 16, 32, 3, 2, 1, false),
        ("level2 3x3 s2", 32, 64, 3, 2, 2, false),
        ("level2 3x3", 64, 64, 3, 1, 4, false),
        ("level3 3x3", 128, 128, 3, 1, 8, false),
        ("level4 3x3", 256, 256, 3, 1, 16, false),
        ("level5 3x3", 512, 512, 3, 1, 32, false),
        ("root 1x1", 256, 128, 1, 1, 8, false),
        ("fpn/fcos tower 3x3", 256, 256, 3, 1, 8, true),
        ("attention 3x3", 256, 784, 3, 1, 8, true),
        ("basis refine 3x3", 256, 128, 3, 1, 8, false),
        ("basis tower 3x3", 128, 128, 3, 1, 4, false),
        ("basis out 1x1", 128, 4, 1, 1, 4, true),
    ];
    println!("input {size}, batch 1, median of {runs} (ms)");
    let [a, b, c, d, e, f, g] = ["conv", "map", "fwd", "burn f+b", "ours f+b", "burn f+b w", "ours f+b w"];
    println!("{a:22} {b:>12} {c:>8} {d:>10} {e:>10} {f:>12} {g:>12}");
    let mut sums = [0.0f64; 5];
    for (name, cin, cout, k, stride, div, bias) in shapes {
        let side = size / div;
        let p = k / 2;
        let conv: Conv2d<Ad> = Conv2dConfig::new([cin, cout], [k, k])
            .with_stride([stride; 2])
            .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
            .with_bias(bias)
            .init(&device);
        let x0 = Tensor::<Flex, 4>::random([1, cin, side, side], Distribution::Normal(0.0, 1.0), &device);
        let out_dims = conv.forward(Tensor::from_inner(x0.clone())).dims();
        let scale = Tensor::<Ad, 4>::random(out_dims, Distribution::Normal(0.0, 1.0), &device);
        let fwd = median_ms(runs, || drop(conv_forward(&conv, Tensor::<Ad, 4>::from_inner(x0.clone()))));
        let mut row = [fwd, 0.0, 0.0, 0.0, 0.0];
        let variants = [(false, true), (true, true), (false, false), (true, false)]; // (ours, input gradient)
        for (i, (ours, x_grad)) in variants.into_iter().enumerate() {
            row[i + 1] = median_ms(runs, || {
                let mut x = Tensor::<Ad, 4>::from_inner(x0.clone());
                if x_grad {
                    x = x.require_grad();
                }
                let y = if ours { conv_forward(&conv, x) } else { conv.forward(x) };
                drop((y * scale.clone()).sum().backward());
            });
        }
        sums.iter_mut().zip(row).for_each(|(s, v)| *s += v);
        let map = format!("{cin}x{side}x{side}");
        let [a, b, c, d, e] = row;
        println!("{name:22} {map:>12} {a:8.1} {b:10.1} {c:10.1} {d:12.1} {e:12.1}");
    }
    let [a, b, c, d, e] = sums;
    println!("{:22} {:>12} {a:8.1} {b:10.1} {c:10.1} {d:12.1} {e:12.1}", "sum", "");
    println!("(f+b: forward + backward with the input gradient; f+b w: weight and bias gradients only)");
}
