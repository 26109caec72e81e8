//! FCOS losses: hand computations, normalisation, empty positives, finite-difference gradients.

use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use fcos::{fcos_losses, giou_ltrb, FcosConfig, FcosTargets, FlatHeadOutput};

type B = Flex;
type AD = Autodiff<Flex>;

fn sig(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A fixed little batch: M = 6 locations, 2 classes, positives at 1 (class 0) and 4 (class 1).
struct Case {
    cls: Vec<f32>,
    reg: Vec<f32>,
    ctr: Vec<f32>,
    labels: Vec<i64>,
    pos: Vec<i64>,
    reg_t: Vec<f32>,
    ctr_t: Vec<f32>,
}

fn case() -> Case {
    Case {
        cls: vec![-2.0, 0.5, 1.2, -0.3, -4.0, -1.0, 0.2, 0.7, -0.8, 2.1, 0.0, -3.0],
        reg: vec![
            1.0, 2.0, 1.5, 0.5, 2.2, 1.1, 0.9, 3.0, 0.3, 0.4, 0.5, 0.6, 1.0, 1.0, 1.0, 1.0, 4.0, 0.7, 2.6, 1.3, 0.1,
            0.2, 0.3, 0.4,
        ],
        ctr: vec![0.3, -0.5, 1.0, 0.0, 0.8, -2.0],
        labels: vec![2, 0, 2, 2, 1, 2],
        pos: vec![1, 4],
        reg_t: vec![1.8, 1.3, 1.2, 2.5, 3.1, 1.0, 2.0, 1.7],
        ctr_t: vec![0.6, 0.8],
    }
}

fn outputs<BB: Backend>(c: &Case, dev: &BB::Device) -> FlatHeadOutput<BB> {
    FlatHeadOutput {
        cls_logits: Tensor::from_data(TensorData::new(c.cls.clone(), [6, 2]), dev),
        bbox_reg: Tensor::from_data(TensorData::new(c.reg.clone(), [6, 4]), dev),
        ctrness: Tensor::from_data(TensorData::new(c.ctr.clone(), [6]), dev),
    }
}

fn targets<BB: Backend>(c: &Case, dev: &BB::Device) -> FcosTargets<BB> {
    let p = c.pos.len();
    FcosTargets {
        labels: Tensor::<BB, 1, Int>::from_data(TensorData::new(c.labels.clone(), [c.labels.len()]), dev),
        pos_inds: Tensor::<BB, 1, Int>::from_data(TensorData::new(c.pos.clone(), [p]), dev),
        reg_targets: Tensor::from_data(TensorData::new(c.reg_t.clone(), [p, 4]), dev),
        ctr_targets: Tensor::from_data(TensorData::new(c.ctr_t.clone(), [p]), dev),
    }
}

fn giou_hand(p: &[f64], t: &[f64]) -> f64 {
    let pa = (p[0] + p[2]) * (p[1] + p[3]);
    let ta = (t[0] + t[2]) * (t[1] + t[3]);
    let wi = p[0].min(t[0]) + p[2].min(t[2]);
    let hi = p[3].min(t[3]) + p[1].min(t[1]);
    let gw = p[0].max(t[0]) + p[2].max(t[2]);
    let gh = p[3].max(t[3]) + p[1].max(t[1]);
    let inter = wi * hi;
    let union = pa + ta - inter;
    let enclose = gw * gh;
    (inter + 1.0) / (union + 1.0) - (enclose - union) / enclose
}

#[test]
fn losses_match_hand_computation() {
    let c = case();
    let dev = Default::default();
    let cfg = FcosConfig { num_classes: 2, ..Default::default() };
    let l = fcos_losses(&outputs::<B>(&c, &dev), &targets::<B>(&c, &dev), &cfg, None).unwrap();

    let (alpha, num_pos) = (0.25f64, 2.0f64);
    let mut focal = 0.0;
    for m in 0..6 {
        for k in 0..2 {
            let x = c.cls[m * 2 + k] as f64;
            let t = if c.labels[m] == k as i64 { 1.0 } else { 0.0 };
            let p = sig(x);
            let ce = -(t * p.ln() + (1.0 - t) * (1.0 - p).ln());
            let pt = p * t + (1.0 - p) * (1.0 - t);
            let at = alpha * t + (1.0 - alpha) * (1.0 - t);
            focal += at * ce * (1.0 - pt).powi(2);
        }
    }
    let focal = focal / num_pos;
    let (mut loc, mut ctr, mut csum) = (0.0, 0.0, 0.0);
    for (j, &pi) in c.pos.iter().enumerate() {
        let p: Vec<f64> = c.reg[pi as usize * 4..pi as usize * 4 + 4].iter().map(|&v| v as f64).collect();
        let t: Vec<f64> = c.reg_t[j * 4..j * 4 + 4].iter().map(|&v| v as f64).collect();
        let w = c.ctr_t[j] as f64;
        loc += (1.0 - giou_hand(&p, &t)) * w;
        csum += w;
        let x = c.ctr[pi as usize] as f64;
        ctr += -(w * sig(x).ln() + (1.0 - w) * (1.0 - sig(x)).ln());
    }
    let (loc, ctr) = (loc / csum, ctr / num_pos);
    let got = |t: Tensor<B, 1>| t.into_scalar() as f64;
    assert!((got(l.cls.clone()) - focal).abs() < 1e-5, "cls {} vs {focal}", got(l.cls.clone()));
    assert!((got(l.loc.clone()) - loc).abs() < 1e-5, "loc {} vs {loc}", got(l.loc.clone()));
    assert!((got(l.ctr.clone()) - ctr).abs() < 1e-5, "ctr {} vs {ctr}", got(l.ctr.clone()));
    assert_eq!(l.num_pos_avg, 2.0);
    assert!((got(l.loss_denorm.clone()) - csum).abs() < 1e-6);
}

#[test]
fn giou_is_one_for_identical_boxes_and_lower_otherwise() {
    let dev = Default::default();
    let a = Tensor::<B, 2>::from_data(TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0, 1.0, 1.0, 1.0, 1.0], [2, 4]), &dev);
    let b = Tensor::<B, 2>::from_data(TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0, 3.0, 0.5, 0.2, 2.0], [2, 4]), &dev);
    let g: Vec<f32> = giou_ltrb(a, b).into_data().to_vec().unwrap();
    assert!((g[0] - 1.0).abs() < 1e-6);
    let want = giou_hand(&[1.0, 1.0, 1.0, 1.0], &[3.0, 0.5, 0.2, 2.0]) as f32;
    assert!((g[1] - want).abs() < 1e-6 && g[1] < 1.0);
}

#[test]
fn no_positives_gives_finite_zero_box_losses_and_unit_normaliser() {
    let c = case();
    let dev = Default::default();
    let cfg = FcosConfig { num_classes: 2, ..Default::default() };
    let t = FcosTargets::<B> {
        labels: Tensor::<B, 1, Int>::from_data(TensorData::new(vec![2i64; 6], [6]), &dev),
        pos_inds: Tensor::<B, 1, Int>::from_data(TensorData::new(Vec::<i64>::new(), [0]), &dev),
        reg_targets: Tensor::from_data(TensorData::new(Vec::<f32>::new(), [0, 4]), &dev),
        ctr_targets: Tensor::from_data(TensorData::new(Vec::<f32>::new(), [0]), &dev),
    };
    let l = fcos_losses(&outputs::<B>(&c, &dev), &t, &cfg, None).unwrap();
    assert_eq!(l.num_pos_avg, 1.0);
    assert_eq!(l.loc.clone().into_scalar(), 0.0);
    assert_eq!(l.ctr.clone().into_scalar(), 0.0);
    assert!(l.cls.clone().into_scalar().is_finite() && l.cls.into_scalar() > 0.0);
}

#[test]
fn shape_errors_are_reported_not_panicked() {
    let c = case();
    let dev = Default::default();
    let cfg = FcosConfig { num_classes: 2, ..Default::default() };
    let mut t = targets::<B>(&c, &dev);
    t.ctr_targets = Tensor::from_data(TensorData::new(vec![0.5f32; 3], [3]), &dev);
    assert!(fcos_losses(&outputs::<B>(&c, &dev), &t, &cfg, None).is_err());
    let cfg1 = FcosConfig::default();
    assert!(fcos_losses(&outputs::<B>(&c, &dev), &targets::<B>(&c, &dev), &cfg1, None).is_err());
}

/// Total FCOS loss as a function of the three prediction tensors (for finite differences).
fn total(c: &Case, cls: &[f32], reg: &[f32], ctr: &[f32]) -> f64 {
    let dev = Default::default();
    let cfg = FcosConfig { num_classes: 2, ..Default::default() };
    let o = FlatHeadOutput::<B> {
        cls_logits: Tensor::from_data(TensorData::new(cls.to_vec(), [6, 2]), &dev),
        bbox_reg: Tensor::from_data(TensorData::new(reg.to_vec(), [6, 4]), &dev),
        ctrness: Tensor::from_data(TensorData::new(ctr.to_vec(), [6]), &dev),
    };
    fcos_losses(&o, &targets::<B>(c, &dev), &cfg, None).unwrap().total().into_scalar() as f64
}

#[test]
fn gradients_match_finite_differences() {
    let c = case();
    let dev = Default::default();
    let cfg = FcosConfig { num_classes: 2, ..Default::default() };
    let o = outputs::<AD>(&c, &dev);
    let (cls, reg, ctr) = (o.cls_logits.require_grad(), o.bbox_reg.require_grad(), o.ctrness.require_grad());
    let o = FlatHeadOutput { cls_logits: cls.clone(), bbox_reg: reg.clone(), ctrness: ctr.clone() };
    let grads = fcos_losses(&o, &targets::<AD>(&c, &dev), &cfg, None).unwrap().total().backward();
    let g_cls: Vec<f32> = cls.grad(&grads).unwrap().into_data().to_vec().unwrap();
    let g_reg: Vec<f32> = reg.grad(&grads).unwrap().into_data().to_vec().unwrap();
    let g_ctr: Vec<f32> = ctr.grad(&grads).unwrap().into_data().to_vec().unwrap();

    let eps = 1e-2f32;
    let mut max_err = 0.0f64;
    #[allow(clippy::needless_range_loop)]
    let mut check = |which: usize, analytic: &[f32]| {
        for i in 0..analytic.len() {
            let (mut a, mut b) = ((c.cls.clone(), c.reg.clone(), c.ctr.clone()), (c.cls.clone(), c.reg.clone(), c.ctr.clone()));
            let bump = |v: &mut (Vec<f32>, Vec<f32>, Vec<f32>), d: f32| match which {
                0 => v.0[i] += d,
                1 => v.1[i] += d,
                _ => v.2[i] += d,
            };
            bump(&mut a, eps);
            bump(&mut b, -eps);
            let fd = (total(&c, &a.0, &a.1, &a.2) - total(&c, &b.0, &b.1, &b.2)) / (2.0 * eps as f64);
            let err = (fd - analytic[i] as f64).abs();
            assert!(err < 2e-3 + 1e-2 * fd.abs(), "param group {which} index {i}: fd {fd} analytic {}", analytic[i]);
            max_err = max_err.max(err);
        }
    };
    check(0, &g_cls);
    check(1, &g_reg);
    check(2, &g_ctr);
    // Non-positive locations get no box/centerness gradient.
    assert!(g_reg[0..4].iter().all(|&g| g == 0.0) && g_ctr[0] == 0.0);
    println!("fcos loss gradient check: max |fd - analytic| = {max_err:.2e} (eps {eps})");
}
