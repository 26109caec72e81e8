//! The synthetic generator: determinism, disjoint visible masks, files that load back through the crate's own
//! COCO / YouTube-VIS / MOTS readers with matching counts, stable identities, re-entry, the box-centre
//! problem, and speed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use data::coco::load_coco;
use data::mask::Rle;
use data::mots::{overlaps, read_mots_txt};
use data::synth::{SynthConfig, SynthManifest, VideoCocoFile, box_centre_outside_rate, generate};
use data::ytvis::load_ytvis;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("synth-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn small(seed: u64) -> SynthConfig {
    SynthConfig { videos: 3, frames: 6, width: 96, height: 80, seed, ..Default::default() }
}

/// Every file under `dir` with its bytes, keyed by relative path.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn synth_same_seed_same_bytes_other_seed_differs() {
    let (a, b, c) = (tmp("det-a"), tmp("det-b"), tmp("det-c"));
    generate(&small(7), &a).unwrap();
    generate(&small(7), &b).unwrap();
    generate(&small(8), &c).unwrap();
    let (ta, tb, tc) = (tree(&a), tree(&b), tree(&c));
    assert!(ta.len() > 20, "expected frames and annotation files, got {} files", ta.len());
    assert_eq!(ta, tb, "same seed must give identical files");
    let differing = ta.iter().filter(|(k, v)| tc.get(*k) != Some(v)).count();
    assert!(differing > ta.len() / 2, "another seed changed only {differing} of {} files", ta.len());
    for d in [a, b, c] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn synth_files_load_back_with_consistent_counts() {
    let cfg = SynthConfig { videos: 5, frames: 8, width: 96, height: 96, seed: 3, id_pngs: true, ..Default::default() };
    let out = tmp("load");
    let summary = generate(&cfg, &out).unwrap();
    assert_eq!(summary.train.len() + summary.val.len(), 5);
    assert_eq!(summary.val.len(), 1, "val_fraction 0.2 of 5 videos");
    let (mut ytvis_instances, mut coco_instances, mut mots_instances, mut tracks) = (0u64, 0u64, 0u64, 0usize);
    let mut track_ids = HashSet::new();
    for split in ["train", "val"] {
        let yt = load_ytvis(out.join(format!("{split}.json"))).unwrap();
        let coco = load_coco(out.join(format!("instances_{split}.json"))).unwrap();
        let vcoco: VideoCocoFile = serde_json::from_slice(&std::fs::read(out.join(format!("instances_{split}.json"))).unwrap()).unwrap();
        assert_eq!(coco.images.len(), yt.videos.len() * cfg.frames, "{split}: one COCO image per frame");
        for v in &yt.videos {
            for f in &v.file_names {
                let img = image::open(out.join(split).join("JPEGImages").join(f)).unwrap();
                assert_eq!((img.width(), img.height()), (cfg.width, cfg.height));
            }
        }
        tracks += yt.annotations.len();
        // COCO annotations agree with the YouTube-VIS track they name, frame by frame.
        let by_track: HashMap<u64, &data::ytvis::YtvisAnnotation> = yt.annotations.iter().map(|a| (a.id, a)).collect();
        let frame_of: HashMap<u64, u32> = vcoco.images.iter().map(|i| (i.image.id, i.frame_index)).collect();
        for a in &vcoco.annotations {
            let t = by_track[&a.track_id];
            let f = frame_of[&a.ann.image_id] as usize;
            assert_eq!(t.segmentations[f].as_ref(), a.ann.segmentation.as_ref());
            assert_eq!(t.areas[f], Some(a.ann.area));
        }
        for a in &yt.annotations {
            assert!(track_ids.insert(a.id), "track ids unique across splits");
            assert_eq!(a.segmentations.len(), cfg.frames);
            ytvis_instances += a.segmentations.iter().flatten().count() as u64;
        }
        coco_instances += coco.annotations.len() as u64;
        assert!(coco.annotations.iter().all(|a| a.iscrowd == 0 && a.category_id == 1));
    }
    for v in summary.train.iter().chain(&summary.val) {
        let rows = read_mots_txt(out.join("mots").join(format!("{v}.txt"))).unwrap();
        assert!(rows.iter().all(|r| r.class_id == 2 && r.track_id / 1000 == 2 && (r.frame as usize) < cfg.frames));
        assert!(overlaps(&rows).is_empty(), "visible masks of one frame must be disjoint");
        mots_instances += rows.len() as u64;
        // The id PNG of each frame holds exactly the MOTS masks of that frame.
        for f in 0..cfg.frames {
            let mut png = data::mots::read_id_png(out.join("mots_png").join(v).join(format!("{f:06}.png"))).unwrap();
            let mut txt: Vec<(u32, Rle)> = rows.iter().filter(|r| r.frame as usize == f).map(|r| (r.track_id, r.rle.clone())).collect();
            png.sort_by_key(|p| p.0);
            txt.sort_by_key(|p| p.0);
            assert_eq!(png, txt, "video {v} frame {f}");
        }
    }
    assert_eq!(ytvis_instances, summary.instances);
    assert_eq!(coco_instances, summary.instances);
    assert_eq!(mots_instances, summary.instances);
    assert_eq!(tracks, summary.identities);
    let manifest: SynthManifest = serde_json::from_slice(&std::fs::read(out.join("synth.json")).unwrap()).unwrap();
    assert_eq!(manifest.config, cfg);
    assert_eq!(manifest.summary, summary);
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn synth_identities_keep_their_appearance_across_frames() {
    // The same identity's pixels keep their colour over time, and differ from the other identities'.
    let cfg = SynthConfig { videos: 1, frames: 6, width: 128, height: 128, seed: 11, min_people: 4, max_people: 4, ..Default::default() };
    let out = tmp("identity");
    generate(&cfg, &out).unwrap();
    let rows = read_mots_txt(out.join("mots/0000.txt")).unwrap();
    let mut mean: HashMap<(u32, u32), [f64; 3]> = HashMap::new();
    for r in rows.iter().filter(|r| r.rle.area() >= 150) {
        let img = image::open(out.join(format!("train/JPEGImages/0000/{:05}.jpg", r.frame))).unwrap().to_rgb8();
        let m = r.rle.to_row_major();
        let (mut s, mut n) = ([0f64; 3], 0f64);
        for (i, &v) in m.iter().enumerate() {
            if v != 0 {
                let p = img.as_raw();
                for c in 0..3 {
                    s[c] += p[3 * i + c] as f64;
                }
                n += 1.0;
            }
        }
        mean.insert((r.track_id, r.frame), s.map(|v| v / n));
    }
    let dist = |a: [f64; 3], b: [f64; 3]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
    let (mut same, mut other) = (Vec::new(), Vec::new());
    for (&(ta, fa), &ca) in &mean {
        for (&(tb, fb), &cb) in &mean {
            if ta == tb && fb == fa + 1 {
                same.push(dist(ca, cb));
            } else if ta < tb && fa == fb {
                other.push(dist(ca, cb));
            }
        }
    }
    assert!(!same.is_empty() && !other.is_empty());
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(avg(&same) * 2.0 < avg(&other), "same identity {:.1} vs others {:.1}", avg(&same), avg(&other));
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn synth_people_leave_and_come_back_with_the_same_identity() {
    let cfg = SynthConfig { videos: 4, frames: 60, width: 64, height: 64, seed: 5, ..Default::default() };
    let out = tmp("reentry");
    let s = generate(&cfg, &out).unwrap();
    assert!(s.reentries >= 1, "no identity came back in {} frames x {} videos: {s:?}", cfg.frames, cfg.videos);
    // Seen in the annotation files too: a track with a visible, null, visible pattern.
    let mut gaps = 0;
    for split in ["train", "val"] {
        for a in load_ytvis(out.join(format!("{split}.json"))).unwrap().annotations {
            let vis: Vec<bool> = a.segmentations.iter().map(Option::is_some).collect();
            let first = vis.iter().position(|&v| v).unwrap();
            let last = vis.iter().rposition(|&v| v).unwrap();
            gaps += usize::from(vis[first..=last].iter().any(|&v| !v));
        }
    }
    assert!(gaps as u64 >= s.reentries.min(1));
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn synth_box_centres_often_miss_the_person() {
    let cfg = SynthConfig { videos: 6, frames: 8, width: 128, height: 128, seed: 1, ..Default::default() };
    let out = tmp("centre");
    let s = generate(&cfg, &out).unwrap();
    let rate = s.box_centre.outside_own_rate();
    println!("box centre outside own mask {:.3}, inside another {:.3}, of {} masks; poses {:?}", rate, s.box_centre.inside_other_rate(), s.instances, s.poses);
    assert!(s.box_centre.instances == s.instances);
    assert!(rate > 0.2, "box centre outside its own mask for only {:.1}% of {} masks", 100.0 * rate, s.instances);
    assert!(s.box_centre.inside_other > 0);
    // The same number from the files, through the public statistic.
    let mut again = data::synth::CentreStats::default();
    for v in s.train.iter().chain(&s.val) {
        let rows = read_mots_txt(out.join("mots").join(format!("{v}.txt"))).unwrap();
        for f in 0..cfg.frames as u32 {
            let masks: Vec<Rle> = rows.iter().filter(|r| r.frame == f).map(|r| r.rle.clone()).collect();
            again.add(&box_centre_outside_rate(&masks));
        }
    }
    assert_eq!(again, s.box_centre);
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn synth_small_set_is_fast() {
    let cfg = SynthConfig { videos: 4, frames: 8, width: 128, height: 128, seed: 2, ..Default::default() };
    let out = tmp("speed");
    let t = Instant::now();
    generate(&cfg, &out).unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(secs < 1.0, "4 videos x 8 frames x 128^2 took {secs:.2}s");
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn synth_rejects_bad_configs() {
    let out = tmp("bad");
    for cfg in [
        SynthConfig { videos: 0, ..small(0) },
        SynthConfig { min_people: 5, max_people: 2, ..small(0) },
        SynthConfig { max_people: 1000, ..small(0) },
        SynthConfig { width: 4, ..small(0) },
        SynthConfig { jpeg_quality: 0, ..small(0) },
    ] {
        let e = generate(&cfg, &out).unwrap_err();
        assert!(e.to_string().contains("synth config"), "{e}");
    }
    assert!(!out.exists(), "nothing is written for a bad config");
}

/// Writes the pictures of docs/datasets.md (`cargo test -p data --test synth -- --ignored synth_docs_pictures`):
/// a generated frame, and its visible masks coloured by identity over the darkened frame, each mask's box
/// centre marked by a cross (white: on the person, red: off it).
#[test]
#[ignore]
fn synth_docs_pictures() {
    let seed = std::env::var("SYNTH_DOCS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let frame: u32 = std::env::var("SYNTH_DOCS_FRAME").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let cfg = SynthConfig { videos: 1, frames: frame as usize + 1, width: 256, height: 256, seed, ..Default::default() };
    let out = tmp("docs");
    generate(&cfg, &out).unwrap();
    let img = image::open(out.join(format!("train/JPEGImages/0000/{frame:05}.jpg"))).unwrap().to_rgb8();
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/images");
    std::fs::create_dir_all(&docs).unwrap();
    img.save(docs.join("synth_frame.png")).unwrap();
    let mut masks = img.clone();
    for p in masks.pixels_mut() {
        p.0 = p.0.map(|v| v / 4);
    }
    let palette = [[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 190]];
    let rows: Vec<_> = read_mots_txt(out.join("mots/0000.txt")).unwrap().into_iter().filter(|r| r.frame == frame).collect();
    for r in &rows {
        let c = palette[(r.track_id as usize) % palette.len()];
        for (i, &v) in r.rle.to_row_major().iter().enumerate() {
            if v != 0 {
                masks.as_mut()[3 * i..3 * i + 3].copy_from_slice(&c);
            }
        }
    }
    for r in &rows {
        let (cx, cy) = data::synth::box_centre_pixel(&r.rle).unwrap();
        let c = if data::synth::rle_contains(&r.rle, cx, cy) { [255, 255, 255] } else { [255, 0, 0] };
        for d in -3i32..=3 {
            for (x, y) in [(cx as i32 + d, cy as i32), (cx as i32, cy as i32 + d)] {
                if x >= 0 && y >= 0 && x < 256 && y < 256 {
                    masks.put_pixel(x as u32, y as u32, image::Rgb(c));
                }
            }
        }
    }
    masks.save(docs.join("synth_masks.png")).unwrap();
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn synth_opens_as_an_hvis_layout_dataset() {
    // The set has the HVIS layout (`<split>.json` + `<split>/JPEGImages/`), so the HVIS loader reads it.
    let cfg = SynthConfig { videos: 4, frames: 5, width: 64, height: 64, seed: 9, ..Default::default() };
    let out = tmp("hvis");
    let s = generate(&cfg, &out).unwrap();
    let (train, val) = (data::datasets::hvis(&out, "train").unwrap(), data::datasets::hvis(&out, "val").unwrap());
    assert_eq!((train.len(), val.len()), (s.train.len() * cfg.frames, s.val.len() * cfg.frames));
    assert_eq!((train.num_identities + val.num_identities) as usize, s.identities);
    let mut masks = 0;
    for i in 0..train.len() {
        let sample = train.get(i).unwrap();
        assert_eq!((sample.image.width(), sample.image.height()), (64, 64));
        assert!(sample.identities.iter().all(|&id| id >= 1 && id <= train.num_identities));
        masks += sample.len();
    }
    assert!(masks > 0);
    std::fs::remove_dir_all(out).unwrap();
}
