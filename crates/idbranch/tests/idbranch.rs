//! ID branch: head structure and normalisation, batch-hard triplet loss (separation, hand computation,
//! skipping rules, gradients), identity cross-entropy, combined loss.

use burn::backend::{Autodiff, Flex};
use burn::module::Module;
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use idbranch::{batch_hard_triplet_loss, id_cross_entropy, IdBranchConfig, IdClassifier, IdHead, IdLosses};

type B = Flex;
type AD = Autodiff<Flex>;

fn emb<BB: burn::tensor::backend::Backend>(v: &[f32], d: usize, dev: &BB::Device) -> Tensor<BB, 2> {
    Tensor::from_data(TensorData::new(v.to_vec(), [v.len() / d, d]), dev)
}
fn ids<BB: burn::tensor::backend::Backend>(v: &[i64], dev: &BB::Device) -> Tensor<BB, 1, Int> {
    Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), dev)
}

#[test]
fn head_shapes_normalisation_and_parameters() {
    let dev = Default::default();
    let shared = IdHead::<B>::new(&IdBranchConfig::default(), &dev).unwrap();
    assert_eq!(shared.num_params(), (256 * 256 * 9 + 256) + (256 * 256 + 256));
    let per = IdBranchConfig { share_across_levels: false, ..Default::default() };
    assert_eq!(IdHead::<B>::new(&per, &dev).unwrap().num_params(), 3 * shared.num_params());

    let cfg = IdBranchConfig { in_channels: 8, hidden_channels: 8, dim: 6, ..Default::default() };
    let head = IdHead::<B>::new(&cfg, &dev).unwrap();
    let feats: Vec<Tensor<B, 4>> =
        [(6, 5), (3, 3)].iter().map(|&(h, w)| Tensor::random([2, 8, h, w], Distribution::Normal(0.0, 1.0), &dev)).collect();
    let out = head.forward(&feats).unwrap();
    assert_eq!(out[0].dims(), [2, 6, 6, 5]);
    let norms: Vec<f32> = (out[1].clone() * out[1].clone()).sum_dim(1).into_data().to_vec().unwrap();
    assert!(norms.iter().all(|n| (n - 1.0).abs() < 1e-4), "{norms:?}");
    let per_level = IdHead::<B>::new(&IdBranchConfig { share_across_levels: false, ..cfg }, &dev).unwrap();
    assert!(per_level.forward(&feats).is_err(), "3 heads for 2 levels");
}

#[test]
fn triplet_is_zero_for_well_separated_identities_and_positive_otherwise() {
    let dev = Default::default();
    // Two tight clusters 10 apart; margin 0.3.
    let sep = [0.0f32, 0.0, 0.1, 0.0, 0.0, 0.1, 10.0, 10.0, 10.1, 10.0, 10.0, 10.1];
    let l = batch_hard_triplet_loss(emb::<B>(&sep, 2, &dev), ids::<B>(&[1, 1, 1, 2, 2, 2], &dev), 0.3).unwrap();
    assert_eq!(l.into_scalar(), 0.0);
    // Interleaved identities: hardest negatives are closer than hardest positives.
    let mixed = [0.0f32, 0.0, 1.0, 0.0, 0.1, 0.0, 1.1, 0.0];
    let l = batch_hard_triplet_loss(emb::<B>(&mixed, 2, &dev), ids::<B>(&[1, 1, 2, 2], &dev), 0.3).unwrap();
    assert!(l.into_scalar() > 0.5);
}

/// Brute-force batch-hard triplet loss (independent of the tensor implementation).
fn triplet_hand(e: &[[f64; 2]], id: &[i64], margin: f64) -> f64 {
    let d = |a: usize, b: usize| ((e[a][0] - e[b][0]).powi(2) + (e[a][1] - e[b][1]).powi(2)).sqrt();
    let (mut sum, mut n) = (0.0, 0);
    for a in 0..e.len() {
        if id[a] < 1 {
            continue;
        }
        let pos = (0..e.len()).filter(|&j| j != a && id[j] == id[a]).map(|j| d(a, j)).fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
        let neg = (0..e.len()).filter(|&j| id[j] >= 1 && id[j] != id[a]).map(|j| d(a, j)).fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))));
        if let (Some(p), Some(q)) = (pos, neg) {
            sum += (p - q + margin).max(0.0);
            n += 1;
        }
    }
    sum / n.max(1) as f64
}

#[test]
fn triplet_matches_hand_computation_and_skips_unusable_anchors() {
    let dev = Default::default();
    // id 3 is a singleton (a negative for others, never an anchor); 0 = background and −1 = ignore are
    // left out entirely even though they sit close to the anchors.
    let e = [[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [3.0, 0.0], [0.5, 1.9], [0.2, 0.1], [0.9, 0.1]];
    let id = [1i64, 1, 2, 2, 3, 0, -1];
    let flat: Vec<f32> = e.iter().flat_map(|p| [p[0] as f32, p[1] as f32]).collect();
    let got = batch_hard_triplet_loss(emb::<B>(&flat, 2, &dev), ids::<B>(&id, &dev), 1.5).unwrap().into_scalar() as f64;
    let want = triplet_hand(&e, &id, 1.5);
    // Anchors 0 and 1: hp 1, hn = d to the singleton = √3.86; anchors 2, 3: hp √13, hn d(2,4) = √0.26
    // and d(3,1) = 2.
    let hn01 = 3.86f64.sqrt();
    let manual = (2.0 * (1.0 - hn01 + 1.5) + (13f64.sqrt() - 0.26f64.sqrt() + 1.5) + (13f64.sqrt() - 2.0 + 1.5)) / 4.0;
    assert!((want - manual).abs() < 1e-12, "{want} vs {manual}");
    assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    // Nobody with both a positive and a negative: 0.
    let none = batch_hard_triplet_loss(emb::<B>(&flat[..6], 2, &dev), ids::<B>(&[1, 2, 3], &dev), 1.0).unwrap();
    assert_eq!(none.into_scalar(), 0.0);
    assert!(batch_hard_triplet_loss(emb::<B>(&flat, 2, &dev), ids::<B>(&id[..3], &dev), 1.0).is_err());
}

#[test]
fn triplet_gradients_are_finite_and_match_finite_differences() {
    let dev = Default::default();
    let v: Vec<f32> = vec![0.3, -0.2, 0.5, 0.1, 0.4, -0.6, -0.3, 0.2, 0.7, 0.05, 0.1, 0.9, 0.2, 0.2, -0.8, 0.33, -0.1, 0.6];
    let id = [1i64, 1, 2, 2, 3, 3];
    let x = emb::<AD>(&v, 3, &dev).require_grad();
    let grads = batch_hard_triplet_loss(x.clone(), ids::<AD>(&id, &dev), 0.5).unwrap().backward();
    let g: Vec<f32> = x.grad(&grads).unwrap().into_data().to_vec().unwrap();
    assert!(g.iter().all(|x| x.is_finite()) && g.iter().any(|&x| x != 0.0));
    let f = |w: &[f32]| batch_hard_triplet_loss(emb::<B>(w, 3, &dev), ids::<B>(&id, &dev), 0.5).unwrap().into_scalar() as f64;
    let eps = 1e-3f32;
    let mut max_err = 0.0f64;
    for i in 0..v.len() {
        let (mut a, mut b) = (v.clone(), v.clone());
        a[i] += eps;
        b[i] -= eps;
        let fd = (f(&a) - f(&b)) / (2.0 * eps as f64);
        max_err = max_err.max((fd - g[i] as f64).abs());
        assert!((fd - g[i] as f64).abs() < 2e-3, "element {i}: fd {fd} analytic {}", g[i]);
    }
    println!("triplet gradient check: max |fd - analytic| = {max_err:.2e} (eps {eps})");
    // Identical embeddings (zero distances) still give finite gradients.
    let same = emb::<AD>(&[0.5f32, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 2, &dev).require_grad();
    let grads = batch_hard_triplet_loss(same.clone(), ids::<AD>(&[1, 1, 2, 2], &dev), 0.3).unwrap().backward();
    let g: Vec<f32> = same.grad(&grads).unwrap().into_data().to_vec().unwrap();
    assert!(g.iter().all(|x| x.is_finite()));
}

#[test]
fn cross_entropy_ignores_minus_one_and_counts_background() {
    let dev = Default::default();
    let logits = [0.2f32, -1.0, 0.7, 1.5, 0.3, -0.4, 0.0, 0.1, 0.2];
    let l = id_cross_entropy(emb::<B>(&logits, 3, &dev), ids::<B>(&[2, -1, 0], &dev)).unwrap().into_scalar() as f64;
    let lse = |r: &[f32]| r.iter().map(|&x| (x as f64).exp()).sum::<f64>().ln();
    let want = ((lse(&logits[0..3]) - 0.7) + (lse(&logits[6..9]) - 0.0)) / 2.0;
    assert!((l - want).abs() < 1e-6, "{l} vs {want}");
    let all_ignored = id_cross_entropy(emb::<B>(&logits, 3, &dev), ids::<B>(&[-1, -1, -1], &dev)).unwrap();
    assert_eq!(all_ignored.into_scalar(), 0.0);
}

#[test]
fn combined_loss_and_classifier() {
    let dev = Default::default();
    let cfg = IdBranchConfig { dim: 4, num_identities: 5, weight: 0.5, ce_weight: 2.0, ..Default::default() };
    assert!((cfg.effective_emb_scale() - 2f32.sqrt() * 4f32.ln()).abs() < 1e-6);
    let cls = IdClassifier::<AD>::new(&cfg, &dev).unwrap().unwrap();
    assert_eq!(cls.forward(Tensor::zeros([3, 4], &dev)).dims(), [3, 6]);
    let v = [0.5f32, 0.5, 0.5, 0.5, -0.5, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5];
    let x = emb::<AD>(&v, 4, &dev).require_grad();
    let l = cls.losses(x.clone(), ids::<AD>(&[1, 1, 4, 0], &dev), &cfg).unwrap();
    let (t, c, tot) = (l.triplet.clone().into_scalar(), l.ce.clone().into_scalar(), l.total.clone().into_scalar());
    assert!((tot - 0.5 * (t + 2.0 * c)).abs() < 1e-5);
    assert!(c > 0.0);
    let g: Vec<f32> = x.grad(&l.total.backward()).unwrap().into_data().to_vec().unwrap();
    assert!(g.iter().all(|x| x.is_finite()) && g.iter().any(|&x| x != 0.0));
    assert!(IdClassifier::<B>::new(&IdBranchConfig::default(), &dev).unwrap().is_none());
    let only = IdLosses::triplet_only(emb::<B>(&v, 4, &dev), ids::<B>(&[1, 1, 4, 0], &dev), &cfg).unwrap();
    assert_eq!(only.ce.into_scalar(), 0.0);
}

#[test]
fn config_serde() {
    let cfg: IdBranchConfig = serde_json::from_str(r#"{"dim": 128, "num_identities": 500}"#).unwrap();
    assert_eq!((cfg.dim, cfg.num_identities, cfg.triplet_margin), (128, 500, 0.3));
    assert!(serde_json::from_str::<IdBranchConfig>(r#"{"dims": 128}"#).is_err());
    assert!(IdBranchConfig { triplet_margin: -1.0, ..Default::default() }.validate().is_err());
}
