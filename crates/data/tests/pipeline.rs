//! Datasets, augmentation, the loader and the statistics on a tiny dataset written to a temp folder.

use std::path::Path;
use std::sync::Arc;

use data::augment::{AugmentConfig, augment, resize_shape, sample_rng};
use data::check::{Format, check, person_frames};
use data::loader::{Loader, LoaderConfig};
use data::mask::Rle;
use data::stats::dataset_stats;
use serde_json::json;

/// An L-shaped person (box centre outside the mask) and a block person in a `w × h` frame.
fn shapes(w: u32, h: u32, shift: u32) -> (Vec<f64>, Vec<f64>) {
    let s = shift as f64;
    let l = vec![2.0 + s, 2.0, 6.0 + s, 2.0, 6.0 + s, 30.0, 30.0 + s, 30.0, 30.0 + s, 36.0, 2.0 + s, 36.0];
    let b = vec![(w - 20) as f64, 10.0, (w - 4) as f64, 10.0, (w - 4) as f64, (h - 4) as f64, (w - 20) as f64, (h - 4) as f64];
    (l, b)
}

/// Writes an HVIS-layout dataset: 2 videos × 3 frames of 64×48, two persons per frame.
fn write_hvis(root: &Path) {
    let (w, h) = (64u32, 48u32);
    let mut videos = vec![];
    let mut anns = vec![];
    for v in 0..2u64 {
        let names: Vec<String> = (0..3).map(|f| format!("vid{v}/{f:05}.png")).collect();
        for (f, n) in names.iter().enumerate() {
            let p = root.join("train/JPEGImages").join(n);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, (f * 60) as u8])).save(&p).unwrap();
        }
        let per_frame: Vec<_> = (0..3).map(|f| shapes(w, h, f)).collect();
        anns.push(json!({"id": 10 + v * 2, "video_id": v + 1, "category_id": 1, "iscrowd": 0,
            "segmentations": per_frame.iter().map(|(l, _)| json!([l])).collect::<Vec<_>>()}));
        // The second person is absent in frame 1.
        anns.push(json!({"id": 11 + v * 2, "video_id": v + 1, "category_id": 1, "iscrowd": 0,
            "segmentations": per_frame.iter().enumerate().map(|(f, (_, b))| if f == 1 { json!(null) } else { json!([b]) }).collect::<Vec<_>>()}));
        videos.push(json!({"id": v + 1, "width": w, "height": h, "length": 3, "file_names": names}));
    }
    let f = json!({"videos": videos, "annotations": anns, "categories": [{"id": 1, "name": "person"}]});
    std::fs::write(root.join("train.json"), f.to_string()).unwrap();
}

#[test]
fn hvis_dataset_identities_are_global_and_samples_decode() {
    let root = testkit::temp_dir("hvis");
    write_hvis(&root);
    let ds = data::datasets::hvis(&root, "train").unwrap();
    assert_eq!(ds.len(), 6);
    assert_eq!(ds.num_identities, 4);
    let s = ds.get(1).unwrap();
    assert_eq!((s.video_id, s.frame_index, s.len()), (1, 1, 1));
    let s = ds.get(3).unwrap();
    assert_eq!((s.video_id, s.frame_index), (2, 0));
    assert_eq!(s.identities, vec![3, 4]);
    assert_eq!(s.boxes[0], [2.0, 2.0, 30.0, 36.0]);
    let twice = ds.clone().concat(ds.clone());
    assert_eq!(twice.num_identities, 8);
    assert_eq!(twice.get(9).unwrap().identities, vec![7, 8]);
    let r = check(Format::Ytvis, &root.join("train.json"), Some(&root.join("train/JPEGImages"))).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert!(r.counts.contains(&("identities (person tracks)".into(), 4)));
}

#[test]
fn stats_count_overlaps_small_targets_and_centres() {
    let root = testkit::temp_dir("stats");
    write_hvis(&root);
    let frames = person_frames(Format::Ytvis, &root.join("train.json"), None).unwrap();
    let s = dataset_stats(&frames).unwrap();
    assert_eq!((s.videos, s.frames, s.instances, s.masks), (2, 6, 4, 10));
    // Every mask here is under 1024 pixels; the L's box centre lies outside it; boxes never overlap.
    assert_eq!(s.small_masks, 10);
    assert_eq!(s.centre_outside_own, 6);
    assert_eq!((s.overlapping_instances, s.overlapping_pairs, s.centre_in_other), (0, 0, 0));

    // A second, overlapping layout: the block sits inside the L's box and covers its box centre.
    let mut a = vec![0u8; 40 * 40];
    let mut b = vec![0u8; 40 * 40];
    for y in 0..40 {
        for x in 0..40 {
            if x < 4 || y >= 36 {
                a[y * 40 + x] = 1;
            } else if (10..30).contains(&x) && (10..30).contains(&y) {
                b[y * 40 + x] = 1;
            }
        }
    }
    let rows = vec![
        data::mots::MotsRow { frame: 1, track_id: 2001, class_id: 2, rle: Rle::from_row_major(40, 40, &a) },
        data::mots::MotsRow { frame: 1, track_id: 2002, class_id: 2, rle: Rle::from_row_major(40, 40, &b) },
    ];
    let frames = data::frames::mots_frames(&rows, Path::new("x.txt"));
    let s = dataset_stats(&frames).unwrap();
    assert_eq!((s.instances, s.overlapping_instances, s.overlapping_pairs), (2, 2, 1));
    assert_eq!((s.centre_outside_own, s.centre_in_other), (1, 1));
}

#[test]
fn augmentation_follows_the_recipe_and_is_deterministic() {
    assert_eq!(resize_shape(480, 640, 512, 736), (512, 683, 512.0 / 480.0));
    assert_eq!(resize_shape(100, 1000, 608, 900).1, 900);
    let root = testkit::temp_dir("aug");
    write_hvis(&root);
    let ds = data::datasets::hvis(&root, "train").unwrap();
    let s = ds.get(0).unwrap();
    let cfg = AugmentConfig { seed: 7, ..Default::default() };
    let mut seen_flip = [false, false];
    for i in 0..40u64 {
        let a = augment(&s, &cfg, true, &mut sample_rng(7, 0, i));
        let b = augment(&s, &cfg, true, &mut sample_rng(7, 0, i));
        assert_eq!((a.image.len(), a.flipped, a.valid), (b.image.len(), b.flipped, b.valid));
        assert_eq!(a.image, b.image);
        assert_eq!(a.masks, b.masks);
        assert!(a.height % 32 == 0 && a.width % 32 == 0);
        let short = a.valid.0.min(a.valid.1);
        assert!(cfg.train_short.contains(&short), "short side {short}");
        seen_flip[a.flipped as usize] = true;
        for (m, bx) in a.masks.iter().zip(&a.boxes) {
            assert_eq!((m.h, m.w), (a.height, a.width));
            let [x, y, w, h] = m.bbox();
            // Masks follow the image: the resized mask's box matches the transformed box within a pixel.
            for (p, q) in [x, y, x + w, y + h].iter().zip(bx) {
                assert!((*p as f32 - q).abs() <= 1.5 * a.scale as f32, "mask box {:?} vs box {bx:?}", [x, y, w, h]);
            }
        }
        // Padding (right of and below the valid region) is exactly 0.
        if a.valid.1 < a.width {
            assert_eq!(a.image[(a.width - 1) as usize], 0.0);
        }
    }
    assert!(seen_flip[0] && seen_flip[1]);
    let t = augment(&s, &cfg, false, &mut sample_rng(7, 0, 0));
    assert_eq!(t.valid.0.min(t.valid.1), 512);
    assert!(!t.flipped);
}

#[test]
fn loader_yields_ordered_reproducible_batches() {
    let root = testkit::temp_dir("loader");
    write_hvis(&root);
    let ds = Arc::new(data::datasets::hvis(&root, "train").unwrap());
    let cfg = LoaderConfig { batch_size: 4, prefetch: 2, shuffle: true, seed: 3, epoch: 1 };
    let run = || {
        let ds = ds.clone();
        let aug = AugmentConfig { seed: 3, ..Default::default() };
        let load: Arc<data::loader::LoadFn<(String, u32, bool)>> = Arc::new(move |i, rng| {
            let a = augment(&ds.get(i)?, &aug, true, rng);
            Ok((a.sample_id, a.valid.0, a.flipped))
        });
        let l = Loader::new(6, cfg, load);
        assert_eq!(l.num_batches(), 2);
        l.map(|b| b.unwrap()).collect::<Vec<_>>()
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    assert_eq!(a.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 2]);
    let order = data::loader::epoch_order(6, true, 3, 1);
    let ids: Vec<String> = a.iter().flatten().map(|x| x.0.clone()).collect();
    let expect: Vec<String> = order.iter().map(|&i| ds.frames[i].sample_id.clone()).collect();
    assert_eq!(ids, expect);
    // Errors stop the epoch with the error.
    let failing: Arc<data::loader::LoadFn<u32>> = Arc::new(|i, _| if i == 2 { Err(data::DataError::invalid("x", "item 2", "boom")) } else { Ok(1) });
    let out: Vec<_> = Loader::new(6, LoaderConfig { shuffle: false, ..cfg }, failing).collect();
    assert_eq!(out.len(), 1);
    assert!(out[0].is_err());
}
