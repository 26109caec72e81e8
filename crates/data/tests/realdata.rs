//! The parsers load every real sample in ../shared/realdata and the counts match their SOURCE.md files.

use std::collections::HashSet;

use data::coco::{load_coco, load_results};
use data::mask::{Rle, Segmentation};
use data::mots::{read_id_png, read_mots_txt};
use data::ytvis::load_ytvis;

#[test]
fn coco_persons_mmpose() {
    let Some(dir) = testkit::realdata("coco_persons_mmpose") else { return };
    let path = dir.join("test_coco.json");
    let f = load_coco(&path).unwrap();
    assert_eq!(f.images.len(), 4);
    assert_eq!(f.annotations.len(), 14);
    assert_eq!(f.person_category_id(), Some(1));
    assert!(f.problems(&path, true).is_empty(), "every polygon decodes");
    let imgs = f.image_index();
    let per_image: Vec<usize> = [785u64, 40083, 196141, 197388]
        .iter()
        .map(|id| f.annotations.iter().filter(|a| a.image_id == *id).count())
        .collect();
    assert_eq!(per_image, vec![1, 3, 5, 5]);
    let multi = f.annotations.iter().find(|a| a.id == 467657).unwrap();
    assert!(matches!(&multi.segmentation, Some(Segmentation::Polygons(p)) if p.len() == 4));
    for a in &f.annotations {
        let rle = f.annotation_rle(a, imgs[&a.image_id], &path).unwrap().unwrap();
        let rel = (rle.area() as f64 - a.area).abs() / a.area;
        assert!(rel < 0.02, "annotation {}: decoded area {} vs stored {}", a.id, rle.area(), a.area);
    }
    // pycocotools 2.0.11 gives 498 pixels for this tiny person (stored area 491.27).
    let tiny = f.annotations.iter().find(|a| a.id == 1202706).unwrap();
    assert_eq!(f.annotation_rle(tiny, imgs[&tiny.image_id], &path).unwrap().unwrap().area(), 498);
    let res = load_results(dir.join("test_coco_det_AP_H_56.json")).unwrap();
    assert_eq!(res.len(), 118);
    let per: Vec<usize> = [785u64, 40083, 196141, 197388].iter().map(|id| res.iter().filter(|r| r.image_id == *id).count()).collect();
    assert_eq!(per, vec![22, 26, 33, 37]);
}

#[test]
fn ochuman_mmpose_coco_style_with_string_size() {
    let Some(dir) = testkit::realdata("ochuman_mmpose") else { return };
    let path = dir.join("test_ochuman.json");
    let f = load_coco(&path).unwrap();
    assert_eq!((f.images.len(), f.annotations.len()), (3, 5));
    assert!(f.problems(&path, true).is_empty());
    let imgs = f.image_index();
    let masks: Vec<Rle> = f.annotations.iter().map(|a| f.annotation_rle(a, imgs[&a.image_id], &path).unwrap().unwrap()).collect();
    // `area` is the box area (475*751), not the mask area.
    assert_eq!(f.annotations[0].area, 356725.0);
    assert_eq!(masks[0].area(), 91971);
    assert_eq!((masks[0].h, masks[0].w), (864, 900));
    // Image 003896: box IoU high, mask IoU tiny; image 000817: near-identical masks.
    let i = data::mask::iou(&masks[3..4], &masks[4..5], &[false])[0][0];
    assert!(i < 0.01, "mask IoU {i}");
    let i = data::mask::iou(&masks[1..2], &masks[2..3], &[false])[0][0];
    assert!(i > 0.9, "mask IoU {i}");
}

#[test]
fn coco_panoptic_persons() {
    let Some(dir) = testkit::realdata("coco_panoptic_persons") else { return };
    let path = dir.join("panoptic_coco_detection_format.json");
    let f = load_coco(&path).unwrap();
    assert_eq!((f.images.len(), f.annotations.len(), f.categories.len()), (2, 50, 133));
    assert!(f.problems(&path, true).is_empty());
    let persons: Vec<_> = f.annotations.iter().filter(|a| a.category_id == 1).collect();
    assert_eq!(persons.iter().filter(|a| a.iscrowd == 0).count(), 26);
    assert_eq!(persons.iter().filter(|a| a.iscrowd == 1).count(), 2);
    // Panoptic origin: person masks never overlap, and the stored area is the mask area.
    let imgs = f.image_index();
    for img in &f.images {
        let rles: Vec<Rle> = persons
            .iter()
            .filter(|a| a.image_id == img.id)
            .map(|a| f.annotation_rle(a, imgs[&a.image_id], &path).unwrap().unwrap())
            .collect();
        for (i, a) in rles.iter().enumerate() {
            for b in &rles[i + 1..] {
                assert_eq!(a.intersection_area(b), 0);
            }
        }
    }
    for a in &persons {
        let r = f.annotation_rle(a, imgs[&a.image_id], &path).unwrap().unwrap();
        assert_eq!(r.area() as f64, a.area, "annotation {}", a.id);
    }
}

#[test]
fn vis_json_samples() {
    let Some(dir) = testkit::realdata("vis_json_samples") else { return };
    let path = dir.join("ovis_85aa3b0e_first3frames.json");
    let f = load_ytvis(&path).unwrap();
    assert_eq!(f.videos.len(), 1);
    assert_eq!((f.videos[0].width, f.videos[0].height, f.videos[0].length), (1920, 886, 3));
    assert_eq!(f.annotations.len(), 10);
    assert_eq!(f.categories.len(), 25);
    assert!(f.annotations.iter().all(|a| a.category_id == 19));
    assert_eq!(f.person_category_id(), Some(1));
    assert!(f.problems(&path, true).is_empty());
    // OVIS stores box areas; the stored boxes equal the decoded masks' boxes.
    for a in &f.annotations {
        for ((s, b), ar) in a.segmentations.iter().zip(&a.bboxes).zip(&a.areas) {
            if let (Some(s), Some(b), Some(ar)) = (s, b, ar) {
                assert_eq!(s.to_rle(886, 1920).unwrap().bbox(), *b, "annotation {}", a.id);
                assert_eq!(b[2] * b[3], *ar, "annotation {}", a.id);
            }
        }
    }
    // mmtracking's CocoVID file is COCO-shaped (images with video ids) with an uncompressed RLE.
    let cv = dir.join("mmtrack_cocovid_ytvis_0043f083b5_ann.json");
    let c = load_coco(&cv).unwrap();
    assert_eq!((c.images.len(), c.annotations.len()), (1, 1));
    assert!(matches!(c.annotations[0].segmentation, Some(Segmentation::Uncompressed { size: [720, 1280], .. })));
    assert!(c.problems(&cv, true).is_empty());
}

#[test]
fn davis_mots_txt_matches_the_png_ground_truth() {
    let Some(dir) = testkit::realdata("davis2016_breakdance_gt") else { return };
    let gt = read_mots_txt(dir.join("derived_mots_txt/gt/breakdance/gt/gt.txt")).unwrap();
    assert_eq!(gt.len(), 84);
    assert!(gt.iter().all(|r| r.track_id == 2001 && r.class_id == 2 && (r.rle.h, r.rle.w) == (480, 854)));
    assert_eq!(gt.iter().map(|r| r.frame).collect::<Vec<_>>(), (1..=84).collect::<Vec<_>>());
    for r in gt.iter().step_by(20) {
        let png = read_id_png(dir.join(format!("Annotations/breakdance/{:05}.png", r.frame - 1))).unwrap();
        assert_eq!(png.len(), 1, "one object (value 255) in frame {}", r.frame);
        assert_eq!(png[0].0, 255);
        assert_eq!(png[0].1, r.rle, "frame {}", r.frame);
    }
    let areas: Vec<u64> = gt.iter().map(|r| r.rle.area()).collect();
    assert!(*areas.iter().min().unwrap() > 25_000 && *areas.iter().max().unwrap() < 44_000);
    for t in ["osvos", "rvos"] {
        let rows = read_mots_txt(dir.join(format!("derived_mots_txt/trackers/{t}/data/breakdance.txt"))).unwrap();
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|r| r.frame >= 1 && r.frame <= 84 && r.class_id == 2));
        assert!(data::mots::overlaps(&rows).is_empty(), "{t}: masks from one PNG never overlap");
        if t == "osvos" {
            assert_eq!(rows.iter().map(|r| r.track_id).collect::<HashSet<_>>().len(), 1);
        }
    }
}

#[test]
fn sav_masklets_parse_as_rle() {
    let Some(dir) = testkit::realdata("sav_masklets_sample") else { return };
    for (file, objects, nonempty) in [
        ("sav_000001_manual.json", 5, vec![120, 121, 110, 8, 121]),
        ("sav_000001_auto.json", 9, vec![70, 121, 121, 121, 121, 121, 110, 59, 108]),
    ] {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        let frames = v["masklet"].as_array().unwrap();
        assert_eq!(frames.len(), 121);
        let mut counts = vec![0; objects];
        for fr in frames {
            let objs = fr.as_array().unwrap();
            assert_eq!(objs.len(), objects);
            for (k, o) in objs.iter().enumerate() {
                let rle = Segmentation::from_value(o).unwrap().rle_own_size().unwrap();
                assert_eq!((rle.h, rle.w), (848, 480));
                counts[k] += usize::from(rle.area() > 0);
            }
        }
        assert_eq!(counts, nonempty, "{file}");
    }
}
