//! Inference post-processing: threshold on cls·ctr, sqrt score, ltrb decode in stride units, per-level
//! top-k, class-aware NMS, max detections, tensor read-back of one image.

use burn::backend::Flex;
use burn::tensor::{Tensor, TensorData};
use fcos::postprocess::LevelPrediction;
use fcos::{nms, postprocess_image, postprocess_levels, Detection, FcosConfig, FcosHeadOutput};

type B = Flex;

fn logit(p: f32) -> f32 {
    (p / (1.0 - p)).ln()
}

/// A level with every location at background except the given (class, location, p_cls, p_ctr, ltrb).
fn level(c: usize, h: usize, w: usize, stride: usize, hits: &[(usize, usize, f32, f32, [f32; 4])]) -> LevelPrediction {
    let hw = h * w;
    let mut cls = vec![-20.0f32; c * hw];
    let mut ctr = vec![0.0f32; hw];
    let mut reg = vec![1.0f32; 4 * hw];
    for &(k, i, pc, pt, ltrb) in hits {
        cls[k * hw + i] = logit(pc);
        ctr[i] = logit(pt);
        for (ch, v) in ltrb.iter().enumerate() {
            reg[ch * hw + i] = *v;
        }
    }
    LevelPrediction { cls_logits: cls, bbox_reg: reg, ctrness: ctr, height: h, width: w, stride }
}

#[test]
fn threshold_acts_on_product_and_score_is_its_sqrt() {
    let cfg = FcosConfig { fpn_strides: vec![8], sizes_of_interest: vec![], ..Default::default() };
    // p = 0.2·0.2 = 0.04 < 0.05 (though √p = 0.2): dropped. p = 0.3·0.2 = 0.06: kept with score √0.06.
    let lv = level(1, 4, 4, 8, &[(0, 6, 0.3, 0.2, [1.0, 2.0, 3.0, 4.0]), (0, 9, 0.2, 0.2, [1.0; 4])]);
    let dets = postprocess_levels(&[lv], &cfg).unwrap();
    assert_eq!(dets.len(), 1);
    let d = dets[0];
    assert!((d.score - 0.06f32.sqrt()).abs() < 1e-5);
    // Location 6 = row 1, col 2: (x, y) = (2·8 + 4, 1·8 + 4) = (20, 12); ltrb × stride 8.
    assert_eq!(d.xy, [20.0, 12.0]);
    let want = [20.0 - 8.0, 12.0 - 16.0, 20.0 + 24.0, 12.0 + 32.0];
    assert!(d.bbox.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-4), "{:?}", d.bbox);
    assert_eq!((d.class, d.level, d.location), (0, 0, 6));
    // Without THRESH_WITH_CTR the test is on σ(cls) alone: both pass.
    let cfg2 = FcosConfig { thresh_with_ctr: false, ..cfg };
    let lv = level(1, 4, 4, 8, &[(0, 6, 0.3, 0.2, [1.0; 4]), (0, 9, 0.2, 0.2, [1.0; 4])]);
    assert_eq!(postprocess_levels(&[lv], &cfg2).unwrap().len(), 2);
}

#[test]
fn nms_is_class_aware_and_levels_are_offset() {
    let cfg = FcosConfig { num_classes: 2, ..Default::default() };
    // Level 0 (4×4, s 8): two near-identical class-0 boxes and one class-1 box at the same place.
    let l0 = level(2, 4, 4, 8, &[(0, 5, 0.9, 0.9, [2.0, 2.0, 2.0, 2.0]), (0, 6, 0.8, 0.9, [3.0, 2.0, 1.0, 2.0])]);
    let mut l0 = l0;
    l0.cls_logits[16 + 5] = logit(0.7); // class 1 at location 5, same box
    // Level 1 (2×2, s 16): a separate box far away.
    let l1 = level(2, 2, 2, 16, &[(0, 3, 0.6, 0.9, [0.5, 0.5, 0.5, 0.5])]);
    let l2 = level(2, 1, 1, 32, &[]);
    let dets = postprocess_levels(&[l0, l1, l2], &cfg).unwrap();
    let summary: Vec<(usize, usize, usize)> = dets.iter().map(|d| (d.class, d.level, d.location)).collect();
    assert_eq!(summary, vec![(0, 0, 5), (1, 0, 5), (0, 1, 16 + 3)]);
    assert!(dets.windows(2).all(|w| w[0].score >= w[1].score));
    let tight = FcosConfig { max_detections: 2, ..cfg.clone() };
    let l0 = level(2, 4, 4, 8, &[(0, 5, 0.9, 0.9, [2.0; 4]), (0, 10, 0.8, 0.9, [0.4; 4]), (0, 15, 0.7, 0.9, [0.4; 4])]);
    let l1 = level(2, 2, 2, 16, &[]);
    let l2 = level(2, 1, 1, 32, &[]);
    assert_eq!(postprocess_levels(&[l0.clone(), l1.clone(), l2.clone()], &tight).unwrap().len(), 2);
    let topk = FcosConfig { pre_nms_topk: 1, ..cfg };
    let d = postprocess_levels(&[l0, l1, l2], &topk).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].location, 5);
}

#[test]
fn nms_suppresses_only_above_threshold() {
    let det = |x0: f32, s: f32| Detection { bbox: [x0, 0.0, x0 + 10.0, 10.0], score: s, class: 0, level: 0, location: 0, xy: [0.0; 2] };
    // IoU of [0,10] and [2.5,12.5] = 7.5/12.5 = 0.6 exactly: kept (suppression needs IoU > 0.6).
    let dets = [det(0.0, 0.9), det(2.5, 0.8), det(1.0, 0.7)];
    assert_eq!(nms(&dets, 0.6), vec![0, 1]);
}

#[test]
fn tensor_path_reads_the_requested_image() {
    let dev = Default::default();
    let cfg = FcosConfig { fpn_strides: vec![8, 16], sizes_of_interest: vec![64.0], ..Default::default() };
    let lv0 = level(1, 3, 4, 8, &[(0, 7, 0.9, 0.8, [1.0, 1.5, 2.0, 0.5])]);
    let lv1 = level(1, 2, 2, 16, &[(0, 2, 0.7, 0.9, [0.3, 0.2, 0.1, 0.4])]);
    let bg0 = level(1, 3, 4, 8, &[]);
    let bg1 = level(1, 2, 2, 16, &[]);
    // Image 0 is background everywhere, image 1 carries the hits.
    let stack = |a: &LevelPrediction, b: &LevelPrediction, field: fn(&LevelPrediction) -> &Vec<f32>, ch: usize| {
        let v: Vec<f32> = field(a).iter().chain(field(b)).copied().collect();
        Tensor::<B, 4>::from_data(TensorData::new(v, [2, ch, a.height, a.width]), &dev)
    };
    let out = FcosHeadOutput::<B> {
        cls_logits: vec![stack(&bg0, &lv0, |l| &l.cls_logits, 1), stack(&bg1, &lv1, |l| &l.cls_logits, 1)],
        bbox_reg: vec![stack(&bg0, &lv0, |l| &l.bbox_reg, 4), stack(&bg1, &lv1, |l| &l.bbox_reg, 4)],
        ctrness: vec![stack(&bg0, &lv0, |l| &l.ctrness, 1), stack(&bg1, &lv1, |l| &l.ctrness, 1)],
        bbox_towers: vec![],
    };
    assert!(postprocess_image(&out, 0, &cfg).unwrap().is_empty());
    let got = postprocess_image(&out, 1, &cfg).unwrap();
    assert_eq!(got, postprocess_levels(&[lv0.clone(), lv1], &cfg).unwrap());
    assert_eq!(got.len(), 2);
    assert!(postprocess_image(&out, 2, &cfg).is_err());
    let mut broken = lv0;
    broken.ctrness.pop();
    assert!(postprocess_levels(&[broken], &cfg).is_err());
}
