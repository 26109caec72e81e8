//! The generalised occlusion AP (`eval::occlusion`) against OCHuman's own AP / AP_M / AP_H path
//! (`eval::ochuman`, per-range `toCocoFormart` conversions) on the real OCHuman sample, and against pycocotools.
//!
//! The sample (../shared/realdata/ochuman_mmpose) is in OCHuman's COCO-style format, so it is turned back into a
//! raw OCHuman file: the real masks become exact polygons (one rectangle per run of pixels), the real boxes
//! become corners, and `max_iou` is set two ways — each person's box IoU with the other persons of its image
//! (the definition `box_max_iou` assumes), and values placed on the range edges.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use data::coco::{CocoFile, CocoResult, load_coco};
use data::mask::{Rle, Segmentation};
use data::ochuman::{COCO_KEYPOINTS, OchumanFile, OchumanSplit, load_ochuman};
use eval::occlusion::{box_max_iou, evaluate_occlusion};
use serde_json::json;

/// Rectangles `[x0, y, x1, y, x1, y', x0, y']` covering exactly the mask's pixels (rows with the same runs merged).
fn exact_polygons(m: &Rle) -> Vec<Vec<f64>> {
    let (h, w) = (m.h as usize, m.w as usize);
    let px = m.to_row_major();
    let runs = |y: usize| {
        let row = &px[y * w..(y + 1) * w];
        let mut r = Vec::new();
        let mut x = 0;
        while x < w {
            if row[x] != 0 {
                let s = x;
                while x < w && row[x] != 0 {
                    x += 1;
                }
                r.push((s, x));
            } else {
                x += 1;
            }
        }
        r
    };
    let mut out = Vec::new();
    let mut y = 0;
    while y < h {
        let r = runs(y);
        let mut y1 = y + 1;
        while y1 < h && runs(y1) == r {
            y1 += 1;
        }
        for (x0, x1) in r {
            let (x0, x1, ya, yb) = (x0 as f64, x1 as f64, y as f64, y1 as f64);
            out.push(vec![x0, ya, x1, ya, x1, yb, x0, yb]);
        }
        y = y1;
    }
    out
}

/// The sample as a raw OCHuman file, `max_iou` per annotation from `max_iou(k)`; also the real masks.
fn raw_from_sample(coco: &CocoFile, path: &Path, max_iou: &dyn Fn(usize) -> f64) -> (serde_json::Value, Vec<Rle>) {
    let imgs = coco.image_index();
    let mut images = Vec::new();
    let mut masks = Vec::new();
    for img in &coco.images {
        let mut anns = Vec::new();
        for (k, a) in coco.annotations.iter().enumerate().filter(|(_, a)| a.image_id == img.id) {
            let m = coco.annotation_rle(a, imgs[&a.image_id], path).unwrap().unwrap();
            let [x, y, w, h] = a.bbox;
            anns.push(json!({
                "bbox": [x, y, x + w, y + h],
                "keypoints": a.keypoints.clone().unwrap(),
                "segms": {"outer": exact_polygons(&m), "inner": [], "height": img.height, "width": img.width},
                "max_iou": max_iou(k),
            }));
            masks.push(m);
        }
        let stem = img.file_name.trim_end_matches(".jpg");
        images.push(json!({"image_id": stem, "file_name": img.file_name, "width": img.width, "height": img.height, "annotations": anns}));
    }
    (json!({"keypoint_names": COCO_KEYPOINTS, "keypoint_visible": {}, "images": images}), masks)
}

/// Predictions on the all-range conversion: each person's mask shifted right by 3·k pixels (score falling with
/// k), and one false positive per image (the first person's mask shifted far).
fn predictions(all: &CocoFile, path: &Path) -> Vec<CocoResult> {
    let imgs = all.image_index();
    let mut out = Vec::new();
    for (k, a) in all.annotations.iter().enumerate() {
        let img = imgs[&a.image_id];
        let m = all.annotation_rle(a, img, path).unwrap().unwrap();
        for (shift, score) in [(3 * k, 0.9 - 0.1 * k as f64), (60 + 7 * k, 0.45 + 0.05 * k as f64)] {
            let px = m.to_row_major();
            let (h, w) = (img.height as usize, img.width as usize);
            let mut moved = vec![0u8; h * w];
            for y in 0..h {
                for x in shift..w {
                    moved[y * w + x] = px[y * w + x - shift];
                }
            }
            let r = Rle::from_row_major(img.height, img.width, &moved);
            out.push(CocoResult { image_id: a.image_id, category_id: 1, score, segmentation: Some(Segmentation::Compressed { size: [r.h, r.w], counts: r.to_compressed() }), bbox: None });
        }
    }
    out
}

fn sample() -> Option<(CocoFile, PathBuf)> {
    let dir = testkit::realdata("ochuman_mmpose")?;
    let path = dir.join("test_ochuman.json");
    Some((load_coco(&path).unwrap(), path))
}

fn write_raw(raw: &serde_json::Value, tag: &str) -> (OchumanFile, PathBuf) {
    let dir = testkit::temp_dir(tag);
    let p = dir.join("ochuman.json");
    std::fs::write(&p, raw.to_string()).unwrap();
    (load_ochuman(&p).unwrap(), p)
}

#[test]
fn generalised_occlusion_ap_equals_ochuman_on_the_real_sample() {
    let Some((coco, path)) = sample() else { return };
    let boxes: Vec<[f64; 4]> = coco.annotations.iter().map(|a| a.bbox).collect();
    let by_box = box_max_iou(&coco);
    assert!(by_box.iter().any(|&v| v >= 0.75), "the sample has a hard person: {by_box:?}");
    let edges = [0.75, 0.0, 0.5, 0.749_999, 0.999];
    for (name, stored) in [("box IoU", by_box.clone()), ("range edges", edges.to_vec())] {
        let (raw_json, masks) = raw_from_sample(&coco, &path, &|k| stored[k]);
        let (raw, raw_path) = write_raw(&raw_json, "occl-ochuman");
        let all = raw.to_coco(OchumanSplit::All, (0.0, 1.0), &raw_path).unwrap();
        // The polygons reproduce the real masks exactly, and the raw boxes the real boxes.
        let imgs = all.image_index();
        let mut converted: Vec<Rle> = all.annotations.iter().map(|a| all.annotation_rle(a, imgs[&a.image_id], &raw_path).unwrap().unwrap()).collect();
        let mut real = masks.clone();
        converted.sort_by_key(|m| m.to_compressed());
        real.sort_by_key(|m| m.to_compressed());
        assert_eq!(converted, real, "{name}: masks");
        let mut b: Vec<[f64; 4]> = all.annotations.iter().map(|a| a.bbox).collect();
        let mut rb = boxes.clone();
        let key = |x: &[f64; 4]| x.map(|v| (v * 1000.0) as i64);
        b.sort_by_key(key);
        rb.sort_by_key(key);
        assert_eq!(b, rb, "{name}: boxes");

        let dts = predictions(&all, &raw_path);
        let dt_path = raw_path.with_file_name("dt.json");
        let official = eval::ochuman::evaluate_ochuman(&raw, &raw_path, OchumanSplit::All, &dts, &dt_path).unwrap();
        let max_iou = eval::ochuman::split_max_iou(&raw, OchumanSplit::All);
        let general = evaluate_occlusion(&all, &raw_path, &max_iou, &dts, &dt_path).unwrap();
        assert_eq!(general.persons, official.persons, "{name}");
        for ((n, o), (_, g)) in official.ranges.iter().zip(&general.ranges) {
            assert_eq!(o.stats, g.stats, "{name}: {n}");
            assert_eq!(o.acc, g.acc, "{name}: {n}");
        }
        eprintln!("{name}: stored max_iou {stored:?}, persons per range {:?}\n{}", general.persons, general.table());
        if name == "box IoU" {
            // The stored value is the box IoU, so computing it from the converted ground truth gives it back.
            assert_eq!(box_max_iou(&all), max_iou);
            assert!(general.persons.iter().all(|&p| p > 0), "every range has a person: {:?}", general.persons);
        } else {
            assert_eq!(general.persons, vec![5, 2, 2], "[0.5, 0.75) and [0.75, 1) are half-open");
        }
    }
}

#[test]
fn generalised_occlusion_ap_matches_pycocotools_on_each_range() {
    let Some((coco, path)) = sample() else { return };
    let Some(py) = testkit::python() else { return };
    let by_box = box_max_iou(&coco);
    let (raw_json, _) = raw_from_sample(&coco, &path, &|k| by_box[k]);
    let (raw, raw_path) = write_raw(&raw_json, "occl-oracle");
    let all = raw.to_coco(OchumanSplit::All, (0.0, 1.0), &raw_path).unwrap();
    let dts = predictions(&all, &raw_path);
    let general = evaluate_occlusion(&all, &raw_path, &box_max_iou(&all), &dts, &raw_path).unwrap();
    // Each range as OCHumanApi writes it (renumbered ids), predictions remapped by file name.
    let cases = testkit::temp_dir("occl-oracle-cases");
    let name_of: HashMap<u64, String> = all.images.iter().map(|i| (i.id, i.file_name.clone())).collect();
    for (k, (_, lo, hi)) in eval::occlusion::RANGES.iter().enumerate() {
        let gt = raw.to_coco(OchumanSplit::All, (*lo, *hi), &raw_path).unwrap();
        let id_of: HashMap<&str, u64> = gt.images.iter().map(|i| (i.file_name.as_str(), i.id)).collect();
        let remapped: Vec<CocoResult> =
            dts.iter().filter_map(|r| id_of.get(name_of[&r.image_id].as_str()).map(|&id| CocoResult { image_id: id, ..r.clone() })).collect();
        let d = cases.join(k.to_string());
        std::fs::create_dir_all(&d).unwrap();
        data::coco::write_coco(d.join("gt.json"), &gt).unwrap();
        data::coco::write_results(d.join("dt.json"), &remapped).unwrap();
        std::fs::write(d.join("iou_type.txt"), "segm").unwrap();
    }
    let out = cases.join("oracle.json");
    let script = testkit::workspace_root().join("tools/oracles/eval_coco_pycocotools.py");
    testkit::run_python(&py, &script, &[cases.to_str().unwrap(), "3", out.to_str().unwrap()]);
    let oracle: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    for ((n, e), o) in general.ranges.iter().zip(&oracle) {
        let stats: Vec<f64> = o["stats"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for (a, b) in e.stats.iter().zip(&stats) {
            assert!((a - b).abs() < 1e-12, "{n}: ours {:?} pycocotools {stats:?}", e.stats);
        }
    }
}

#[test]
fn max_iou_must_cover_every_annotation_and_results_known_images() {
    let Some((coco, path)) = sample() else { return };
    let e = evaluate_occlusion(&coco, &path, &[0.0], &[], &path).unwrap_err().to_string();
    assert!(e.contains("max_iou") && e.contains("one value per annotation (5)"), "{e}");
    let r = CocoResult { image_id: 99, category_id: 1, score: 0.5, segmentation: None, bbox: Some([0.0, 0.0, 5.0, 5.0]) };
    let e = evaluate_occlusion(&coco, &path, &box_max_iou(&coco), &[r], Path::new("dt.json")).unwrap_err().to_string();
    assert!(e.contains("dt.json") && e.contains("image_id 99"), "{e}");
}
