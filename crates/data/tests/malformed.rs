//! Malformed input gives a clear error naming the file and the record, never a panic.

use std::path::Path;

use data::DataError;
use data::check::{Format, check};
use data::coco::load_coco;
use data::mask::{MaskError, Rle, Segmentation};
use data::mots::read_mots_txt;
use data::ytvis::load_ytvis;
use serde_json::json;

fn write(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

fn coco_with(seg: serde_json::Value, file_name: &str) -> String {
    json!({
        "images": [{"id": 1, "file_name": file_name, "width": 8, "height": 6}],
        "annotations": [{"id": 77, "image_id": 1, "category_id": 1, "segmentation": seg, "area": 4.0, "bbox": [1, 1, 2, 2], "iscrowd": 0}],
        "categories": [{"id": 1, "name": "person"}]
    })
    .to_string()
}

fn save_png(path: &Path, w: u32, h: u32) {
    image::RgbImage::from_pixel(w, h, image::Rgb([10, 20, 30])).save(path).unwrap();
}

#[test]
fn truncated_json_names_file_and_line() {
    let d = testkit::temp_dir("trunc");
    let full = coco_with(json!([[1, 1, 3, 1, 3, 3]]), "a.png");
    let p = write(&d, "trunc.json", &full[..full.len() / 2]);
    let e = load_coco(&p).unwrap_err();
    assert!(matches!(e, DataError::Json { line: 1, .. }), "{e}");
    assert!(e.to_string().contains("trunc.json"), "{e}");
    let e = load_ytvis(write(&d, "y.json", "{\"videos\": [")).unwrap_err();
    assert!(matches!(e, DataError::Json { .. }), "{e}");
}

#[test]
fn bad_rle_strings_are_errors() {
    for s in ["9\u{7f}", "0P", "a", "P2extra", "~", "ooooooooo"] {
        assert!(Rle::from_compressed(8, 8, s).is_err(), "{s:?} must be rejected");
    }
    assert!(matches!(Rle::from_compressed(3, 3, "8"), Err(MaskError::CountsSum { sum: 8, .. })));
    let d = testkit::temp_dir("badrle");
    let p = write(&d, "c.json", &coco_with(json!({"size": [6, 8], "counts": "zz"}), "a.png"));
    let e = load_coco(&p).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("annotation id 77") && msg.contains("c.json"), "{msg}");
    // Size differing from the image.
    let p = write(&d, "s.json", &coco_with(json!({"size": [5, 8], "counts": "P1"}), "a.png"));
    let msg = load_coco(&p).unwrap_err().to_string();
    assert!(msg.contains("annotation id 77") && msg.contains("differs from the image size"), "{msg}");
}

#[test]
fn polygon_with_two_points_is_an_error() {
    assert!(matches!(Rle::from_polygons(&[vec![1.0, 1.0, 4.0, 4.0]], 8, 8), Err(MaskError::BadPolygon { index: 0, len: 4 })));
    assert!(Rle::from_polygons(&[vec![1.0, 1.0, 4.0, 4.0, 2.0]], 8, 8).is_err());
    assert!(Rle::from_polygons(&[vec![1.0, f64::NAN, 4.0, 4.0, 2.0, 2.0]], 8, 8).is_err());
    assert!(Rle::from_polygons(&[], 8, 8).is_err());
    let d = testkit::temp_dir("poly2");
    let p = write(&d, "c.json", &coco_with(json!([[1, 1, 4, 4]]), "a.png"));
    let msg = load_coco(&p).unwrap_err().to_string();
    assert!(msg.contains("annotation id 77") && msg.contains("at least 6"), "{msg}");
    // Segmentation of the wrong JSON type.
    assert!(Segmentation::from_value(&json!("abc")).is_err());
    assert!(Segmentation::from_value(&json!({"size": "[1,", "counts": "1"})).is_err());
}

#[test]
fn missing_and_corrupt_images_and_escaping_paths() {
    let d = testkit::temp_dir("imgs");
    let imgs = d.join("images");
    std::fs::create_dir_all(&imgs).unwrap();
    save_png(&imgs.join("good.png"), 8, 6);
    std::fs::write(imgs.join("bad.jpg"), b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
    let good = write(&d, "good.json", &coco_with(json!([[1, 1, 3, 1, 3, 3]]), "good.png"));
    let r = check(Format::Coco, &good, Some(&imgs)).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert!(r.counts.contains(&("person instances".to_string(), 1)));

    let missing = write(&d, "missing.json", &coco_with(json!([[1, 1, 3, 1, 3, 3]]), "nope.png"));
    let r = check(Format::Coco, &missing, Some(&imgs)).unwrap();
    assert_eq!(r.problems.len(), 1);
    let msg = r.problems[0].to_string();
    assert!(msg.contains("image id 1") && msg.contains("nope.png") && msg.contains("missing.json"), "{msg}");

    let corrupt = write(&d, "corrupt.json", &coco_with(json!([[1, 1, 3, 1, 3, 3]]), "bad.jpg"));
    let r = check(Format::Coco, &corrupt, Some(&imgs)).unwrap();
    let msg = r.problems[0].to_string();
    assert!(msg.contains("image id 1") && msg.contains("bad.jpg") && msg.contains("cannot decode image"), "{msg}");
    // Loading the sample gives the typed image error.
    let ds = data::frames::coco_frames(&load_coco(&corrupt).unwrap(), &corrupt, &imgs, 1, false, "t").unwrap();
    assert!(matches!(ds[0].load(), Err(DataError::Image { .. })));

    for esc in ["../good.json", "/etc/passwd", "a/../../x.png"] {
        let p = write(&d, "esc.json", &coco_with(json!([[1, 1, 3, 1, 3, 3]]), esc));
        let r = check(Format::Coco, &p, Some(&imgs)).unwrap();
        assert!(r.problems.iter().any(|e| matches!(e, DataError::PathEscape { .. })), "{esc}: {:?}", r.problems);
        let msg = r.problems[0].to_string();
        assert!(msg.contains("escapes the dataset root") && msg.contains("image id 1"), "{msg}");
    }
    // Wrong image size is reported too.
    save_png(&imgs.join("small.png"), 4, 4);
    let p = write(&d, "size.json", &coco_with(json!([[1, 1, 3, 1, 3, 3]]), "small.png"));
    let r = check(Format::Coco, &p, Some(&imgs)).unwrap();
    assert!(r.problems[0].to_string().contains("as annotated"), "{:?}", r.problems);
}

#[test]
fn reference_problems_are_all_reported() {
    let d = testkit::temp_dir("refs");
    let body = json!({
        "images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 6}, {"id": 1, "file_name": "b.png", "width": 8, "height": 6}],
        "annotations": [
            {"id": 5, "image_id": 9, "category_id": 1, "segmentation": [[1, 1, 3, 1, 3, 3]], "area": 1, "bbox": [0, 0, 1, 1]},
            {"id": 6, "image_id": 1, "category_id": 4, "segmentation": [[1, 1, 3, 1, 3, 3]], "area": 1, "bbox": [0, 0, -1, 1]}
        ],
        "categories": [{"id": 1, "name": "person"}]
    });
    let p = write(&d, "refs.json", &body.to_string());
    let r = check(Format::Coco, &p, None).unwrap();
    let msgs: Vec<String> = r.problems.iter().map(|e| e.to_string()).collect();
    assert_eq!(msgs.len(), 4, "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.contains("image id 1") && m.contains("unique")));
    assert!(msgs.iter().any(|m| m.contains("annotation id 5") && m.contains("image_id 9")));
    assert!(msgs.iter().any(|m| m.contains("annotation id 6") && m.contains("category_id 4")));
    assert!(msgs.iter().any(|m| m.contains("annotation id 6") && m.contains("bbox")));
}

#[test]
fn ytvis_length_mismatch_and_escape() {
    let d = testkit::temp_dir("yt");
    let body = json!({
        "videos": [{"id": 3, "width": 8, "height": 6, "length": 2, "file_names": ["v/0.png", "../v/1.png"]}],
        "annotations": [{"id": 11, "video_id": 3, "category_id": 1, "segmentations": [null], "bboxes": [null], "areas": [null], "iscrowd": 0}],
        "categories": [{"id": 1, "name": "person"}]
    });
    let p = write(&d, "y.json", &body.to_string());
    let e = load_ytvis(&p).unwrap_err().to_string();
    assert!(e.contains("annotation id 11") && e.contains("2 segmentations"), "{e}");
    let r = check(Format::Ytvis, &p, Some(&d)).unwrap();
    assert!(r.problems.iter().any(|e| matches!(e, DataError::PathEscape { .. })));
}

#[test]
fn mots_errors_name_the_line() {
    let d = testkit::temp_dir("mots");
    let ok = Rle::from_row_major(2, 2, &[1, 0, 0, 1]).to_compressed();
    for (body, needle) in [
        (format!("1 2001 2 2 2 {ok}\n1 2002 2 2 2\n"), "line 2"),
        (format!("1 2001 2 2 2 {ok}\nx 2002 2 2 2 {ok}\n"), "line 2"),
        (format!("1 2001 2 2 2 {ok}\n\n1 2001 2 2 2 {ok}\n"), "line 3"),
        ("1 2001 2 2 2 zz\n".to_string(), "line 1"),
    ] {
        let p = write(&d, "m.txt", &body);
        let e = read_mots_txt(&p).unwrap_err().to_string();
        assert!(e.contains(needle) && e.contains("m.txt"), "{e}");
    }
    // Overlapping masks in one frame are reported by check.
    let p = write(&d, "o.txt", &format!("1 2001 2 2 2 {ok}\n1 2002 2 2 2 {ok}\n"));
    let r = check(Format::Mots, &p, None).unwrap();
    assert_eq!(r.problems.len(), 1);
    assert!(r.problems[0].to_string().contains("overlap"));
}

#[test]
fn missing_dataset_names_path_and_readme() {
    let d = testkit::temp_dir("nods");
    for name in ["hvis", "ytvis-person", "coco-persons", "ochuman"] {
        let split = if name == "ochuman" { "val" } else if name == "coco-persons" { "val2017" } else { "train" };
        let e = data::datasets::open(name, &d.join(name), split).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, DataError::MissingDataset { .. }), "{msg}");
        assert!(msg.contains(&format!("datasets/{name}/README.md")) && msg.contains(d.join(name).to_str().unwrap()), "{msg}");
    }
}
