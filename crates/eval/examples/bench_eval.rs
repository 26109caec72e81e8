//! Benchmark: 1,000 frames of MOTS results (10 sequences × 100 frames, 480×640, 8 people) and a 5,000-image
//! COCO segm evaluation, timed here; prints the Python reference commands to time on the same files.
//!
//! `cargo run --release -p eval --example bench_eval -- DIR` (DIR receives the generated files).

use std::time::Instant;

use data::mask::Rle;
use data::mots::{MotsRow, format_mots_txt};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

fn blob(h: u32, w: u32, x0: u32, y0: u32, bw: u32, bh: u32, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut m = vec![0u8; (h * w) as usize];
    for y in y0..(y0 + bh).min(h) {
        let jitter = rng.random_range(0..4);
        for x in (x0 + jitter)..(x0 + bw).min(w) {
            m[(y * w + x) as usize] = 1;
        }
    }
    m
}

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: bench_eval DIR"));
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (h, w) = (480u32, 640u32);
    // MOTS: people in separate vertical bands (masks disjoint), moving slowly; tracker masks shifted.
    let mut seqmap = String::new();
    std::fs::create_dir_all(dir.join("mots/gt/label_02")).unwrap();
    std::fs::create_dir_all(dir.join("mots/trackers/trk/data")).unwrap();
    for s in 0..10 {
        let (mut gt, mut tr) = (Vec::new(), Vec::new());
        for f in 0..100u32 {
            for p in 0..8u32 {
                if rng.random_bool(0.1) {
                    continue;
                }
                let x0 = p * 80 + (f % 20);
                let y0 = 100 + (p * 13 + f) % 60;
                let g = blob(h, w, x0, y0, 55, 250, &mut rng);
                gt.push(MotsRow { frame: f, track_id: 2001 + p, class_id: 2, rle: Rle::from_row_major(h, w, &g) });
                if rng.random_bool(0.9) {
                    let t = blob(h, w, x0 + rng.random_range(0..6), y0 + rng.random_range(0..20), 55, 240, &mut rng);
                    let id = if f > 50 && p == 3 { 2100 } else { 2001 + p };
                    tr.push(MotsRow { frame: f, track_id: id, class_id: 2, rle: Rle::from_row_major(h, w, &t) });
                }
            }
        }
        let name = format!("{s:04}");
        std::fs::write(dir.join(format!("mots/gt/label_02/{name}.txt")), format_mots_txt(&gt)).unwrap();
        std::fs::write(dir.join(format!("mots/trackers/trk/data/{name}.txt")), format_mots_txt(&tr)).unwrap();
        seqmap += &format!("{name} empty 0 99\n");
    }
    std::fs::write(dir.join("mots/seqmap.txt"), seqmap).unwrap();
    let t = Instant::now();
    let seqs = eval::mots::io::load(&dir.join("mots/gt"), &dir.join("mots/trackers/trk"), Some(&dir.join("mots/seqmap.txt")), 2).unwrap();
    let rep = eval::mots::evaluate(&seqs, eval::mots::MotsVariant::Trackeval);
    let mots_s = t.elapsed().as_secs_f64();
    println!("MOTS 1000 frames: {mots_s:.3} s (load + IoU + CLEAR/Identity/HOTA), HOTA {:.4} sMOTSA {:.4}", rep.combined.to_json()["HOTA"], rep.combined.smotsa());

    // COCO: 5,000 images, 4 people and 12 detections each.
    let (mut images, mut anns, mut dts) = (vec![], vec![], vec![]);
    let mut aid = 1;
    for i in 1..=5000u64 {
        images.push(json!({"id": i, "file_name": format!("{i}.jpg"), "height": h, "width": w}));
        for p in 0..4u32 {
            let (x0, y0) = (p * 150 + rng.random_range(0..40), rng.random_range(0..200));
            let (bw, bh) = (rng.random_range(20..110), rng.random_range(30..260));
            let g = Rle::from_row_major(h, w, &blob(h, w, x0, y0, bw, bh, &mut rng));
            anns.push(json!({"id": aid, "image_id": i, "category_id": 1, "segmentation": {"size": [h, w], "counts": g.to_compressed()}, "area": g.area() as f64, "bbox": g.bbox(), "iscrowd": 0}));
            aid += 1;
            for _ in 0..3 {
                let d = Rle::from_row_major(h, w, &blob(h, w, x0 + rng.random_range(0..15), y0 + rng.random_range(0..15), bw, bh, &mut rng));
                dts.push(json!({"image_id": i, "category_id": 1, "segmentation": {"size": [h, w], "counts": d.to_compressed()}, "score": rng.random_range(0.0..1.0)}));
            }
        }
    }
    std::fs::create_dir_all(dir.join("coco")).unwrap();
    std::fs::write(dir.join("coco/gt.json"), json!({"images": images, "annotations": anns, "categories": [{"id": 1, "name": "person"}]}).to_string()).unwrap();
    std::fs::write(dir.join("coco/dt.json"), json!(dts).to_string()).unwrap();
    let t = Instant::now();
    let e = eval::coco::evaluate_files(&dir.join("coco/gt.json"), &dir.join("coco/dt.json"), eval::coco::IouType::Segm).unwrap();
    let coco_s = t.elapsed().as_secs_f64();
    println!("COCO segm 5000 images: {coco_s:.3} s (load + IoU + evaluate/accumulate/summarize), AP {:.4}", e.stats[0]);
    let d = dir.display();
    println!("python: time .venv/bin/python tools/oracles/eval_mots_trackeval.py kitti {d}/mots/gt {d}/mots/trackers trk {d}/mots/seqmap.txt /tmp/o.json");
    println!("python: time .venv/bin/python tools/oracles/eval_coco_bench.py {d}/coco/gt.json {d}/coco/dt.json");
}
