//! COCO AP parity against pycocotools 2.0.11 `COCOeval`: hundreds of random valid cases (polygon and RLE ground
//! truth, crowds with uncompressed RLE, JSON areas spanning all area ranges, score ties, more than 100
//! detections per image, results with and without boxes, segm and bbox). The 12 stats and the precision and
//! recall arrays must be bit-identical.

use std::path::Path;

use data::mask::Rle;
use eval::coco::{IouType, evaluate_files};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

const CASES: usize = 240;

fn rect_mask(rng: &mut ChaCha8Rng, h: u32, w: u32) -> (Rle, [f64; 4]) {
    let (x0, y0) = (rng.random_range(0..w), rng.random_range(0..h));
    let (x1, y1) = (rng.random_range(x0..w) + 1, rng.random_range(y0..h) + 1);
    let mut m = vec![0u8; (h * w) as usize];
    for y in y0..y1 {
        for x in x0..x1 {
            if rng.random_bool(0.93) {
                m[(y * w + x) as usize] = 1;
            }
        }
    }
    let rle = Rle::from_row_major(h, w, &m);
    let b = rle.bbox();
    (rle, b)
}

fn polygon(rng: &mut ChaCha8Rng, h: u32, w: u32) -> Vec<f64> {
    let (cx, cy) = (rng.random_range(0.0..w as f64), rng.random_range(0.0..h as f64));
    let r = rng.random_range(1.0..(w.min(h) as f64 / 2.0).max(1.5));
    let n = rng.random_range(3..8);
    (0..n)
        .flat_map(|k| {
            let a = k as f64 / n as f64 * std::f64::consts::TAU;
            let rr = r * rng.random_range(0.5..1.0);
            [((cx + rr * a.cos()) * 10.0).round() / 10.0, ((cy + rr * a.sin()) * 10.0).round() / 10.0]
        })
        .collect()
}

fn case(rng: &mut ChaCha8Rng) -> (Value, Value, &'static str) {
    let iou_type = if rng.random_bool(0.7) { "segm" } else { "bbox" };
    let n_img = rng.random_range(1..6);
    let cats = if rng.random_bool(0.3) { vec![1u64, 3] } else { vec![1] };
    let big = rng.random_bool(0.3);
    let (mut images, mut anns, mut dts) = (vec![], vec![], vec![]);
    let mut ann_id = rng.random_range(1..3u64);
    let with_box = rng.random_bool(0.5);
    let many = rng.random_bool(0.15);
    for i in 0..n_img {
        let img_id = 10 + 3 * i as u64;
        let (h, w) = if big { (rng.random_range(40..140), rng.random_range(40..140)) } else { (rng.random_range(8..40), rng.random_range(8..40)) };
        images.push(json!({"id": img_id, "file_name": format!("{img_id}.jpg"), "height": h, "width": w}));
        for _ in 0..rng.random_range(0..6) {
            let cat = cats[rng.random_range(0..cats.len())];
            let crowd = rng.random_bool(0.1);
            let (rle, bbox, seg) = if !crowd && rng.random_bool(0.4) {
                let p = polygon(rng, h, w);
                let r = Rle::from_polygons(std::slice::from_ref(&p), h, w).unwrap();
                let b = r.bbox();
                (r, b, json!([p]))
            } else {
                let (r, b) = rect_mask(rng, h, w);
                let seg = if crowd { json!({"size": [h, w], "counts": r.counts}) } else { json!({"size": [h, w], "counts": r.to_compressed()}) };
                (r, b, seg)
            };
            let area = if rng.random_bool(0.5) { rle.area() as f64 } else { [rng.random_range(0.0..20000.0), 1024.0, 9216.0][rng.random_range(0..3)] };
            anns.push(json!({"id": ann_id, "image_id": img_id, "category_id": cat, "segmentation": seg, "area": area, "bbox": bbox, "iscrowd": crowd as u8}));
            ann_id += 1;
            // Detections near this object.
            for _ in 0..rng.random_range(0..3) {
                let (r2, b2) = if rng.random_bool(0.7) {
                    let m = rle.to_row_major();
                    let noise = rng.random_range(0.0..0.12);
                    let keep: Vec<u8> = m.iter().map(|&v| if rng.random_bool(1.0 - noise) { v } else { 1 - v }).collect();
                    let r2 = Rle::from_row_major(h, w, &keep);
                    let b = r2.bbox();
                    (r2, b)
                } else {
                    rect_mask(rng, h, w)
                };
                dts.push((img_id, cat, r2, b2));
            }
        }
        let extra = if many { rng.random_range(95..140) } else { rng.random_range(0..4) };
        for _ in 0..extra {
            let (r, b) = rect_mask(rng, h, w);
            dts.push((img_id, cats[rng.random_range(0..cats.len())], r, b));
        }
    }
    // Shuffle detections across images, quantised scores for ties.
    for i in (1..dts.len()).rev() {
        dts.swap(i, rng.random_range(0..=i));
    }
    let dts: Vec<Value> = dts
        .into_iter()
        .map(|(img, cat, r, b)| {
            let score = (rng.random_range(0..12) as f64) / 11.0;
            let mut d = json!({"image_id": img, "category_id": cat, "score": score});
            if iou_type == "bbox" || with_box {
                d["bbox"] = json!(if iou_type == "bbox" { [b[0] + rng.random_range(-1.0..1.0), b[1], b[2], b[3] + 0.5] } else { b });
            }
            if iou_type == "segm" {
                d["segmentation"] = json!({"size": [r.h, r.w], "counts": r.to_compressed()});
            }
            d
        })
        .collect();
    let categories: Vec<Value> = cats.iter().map(|c| json!({"id": c, "name": format!("c{c}")})).collect();
    (json!({"images": images, "annotations": anns, "categories": categories}), json!(dts), iou_type)
}

fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        x => vec![x.as_f64().unwrap()],
    }
}

#[test]
fn coco_eval_is_bit_identical_to_pycocotools() {
    let Some(py) = testkit::python() else { return };
    let dir = testkit::temp_dir("coco-parity");
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut types = vec![];
    for i in 0..CASES {
        let (gt, dt, t) = case(&mut rng);
        let c = dir.join(i.to_string());
        std::fs::create_dir_all(&c).unwrap();
        std::fs::write(c.join("gt.json"), gt.to_string()).unwrap();
        std::fs::write(c.join("dt.json"), dt.to_string()).unwrap();
        std::fs::write(c.join("iou_type.txt"), t).unwrap();
        types.push(t);
    }
    let out = dir.join("oracle.json");
    let script = testkit::workspace_root().join("tools/oracles/eval_coco_pycocotools.py");
    let s = |p: &Path| p.to_string_lossy().to_string();
    testkit::run_python(&py, &script, &[&s(&dir), &CASES.to_string(), &s(&out)]);
    let oracle: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let (mut nontrivial, mut compared) = (0, 0);
    for (i, o) in oracle.iter().enumerate() {
        let c = dir.join(i.to_string());
        let ours = evaluate_files(&c.join("gt.json"), &c.join("dt.json"), types[i].parse::<IouType>().unwrap()).unwrap();
        if o.is_null() {
            continue;
        }
        compared += 1;
        let stats = flat(&o["stats"]);
        assert_eq!(ours.stats.to_vec(), stats, "case {i} ({}): stats", types[i]);
        assert_eq!(ours.acc.precision, flat(&o["precision"]), "case {i}: precision");
        assert_eq!(ours.acc.recall, flat(&o["recall"]), "case {i}: recall");
        if stats[0] > 0.0 {
            nontrivial += 1;
        }
    }
    assert!(compared > CASES * 9 / 10 && nontrivial > CASES / 3, "compared {compared}, non-trivial AP {nontrivial}");
}

#[test]
fn empty_results_give_zero_ap_where_there_is_ground_truth() {
    let dir = testkit::temp_dir("coco-empty");
    let gt = json!({"images": [{"id": 1, "file_name": "a.jpg", "height": 10, "width": 10}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1.0, 1.0, 8.0, 1.0, 8.0, 6.0]], "area": 20.0, "bbox": [1.0, 1.0, 7.0, 5.0], "iscrowd": 0}],
        "categories": [{"id": 1, "name": "person"}]});
    std::fs::write(dir.join("gt.json"), gt.to_string()).unwrap();
    std::fs::write(dir.join("dt.json"), "[]").unwrap();
    let e = evaluate_files(&dir.join("gt.json"), &dir.join("dt.json"), IouType::Segm).unwrap();
    assert_eq!(e.stats, [0.0, 0.0, 0.0, 0.0, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0, -1.0, -1.0]);
}

#[test]
fn unknown_image_id_and_wrong_mask_size_are_errors_naming_the_result() {
    let dir = testkit::temp_dir("coco-bad");
    let gt = json!({"images": [{"id": 1, "file_name": "a.jpg", "height": 10, "width": 10}], "annotations": [], "categories": [{"id": 1, "name": "person"}]});
    std::fs::write(dir.join("gt.json"), gt.to_string()).unwrap();
    std::fs::write(dir.join("dt.json"), json!([{"image_id": 1, "category_id": 1, "score": 0.5, "bbox": [0, 0, 1, 1]}, {"image_id": 7, "category_id": 1, "score": 0.5, "bbox": [0, 0, 1, 1]}]).to_string()).unwrap();
    let err = evaluate_files(&dir.join("gt.json"), &dir.join("dt.json"), IouType::Bbox).unwrap_err().to_string();
    assert!(err.contains("dt.json") && err.contains("result 1 (image_id 7)"), "{err}");
    std::fs::write(dir.join("dt2.json"), json!([{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [5, 5], "counts": "0P0"}}]).to_string()).unwrap();
    let err = evaluate_files(&dir.join("gt.json"), &dir.join("dt2.json"), IouType::Segm).unwrap_err().to_string();
    assert!(err.contains("dt2.json") && err.contains("result 0") && err.contains("10x10"), "{err}");
}
