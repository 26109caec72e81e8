//! `trainer data centers` and `trainer data show-samples`: inspect positive-sample assignment on a dataset.
//!
//! `centers` writes one JSON object per person annotation (per frame for videos) with the chosen strategy's
//! centre in original pixels, whether it lies on the mask, and the positive and ambiguous location counts per
//! FPN level at the network input size; it prints the totals. `show-samples` draws one image at input size
//! with every person's mask, box centre, centroid and inner centre, and the positive locations of a strategy.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use data::augment::{resize_mask, resize_shape};
use data::coco::{CocoFile, load_coco};
use data::mask::Rle;
use data::ochuman::{OchumanFile, OchumanSplit};
use data::paths::join_under;
use data::ytvis::load_ytvis;
use image::{Rgb, RgbImage};
use sampler::{
    Ambiguity, Assignment, CenterSource, CenterStrategy, ImageInput, ImageStats, InnerMetric, LevelConfig, MaskView,
    Person, SamplingConfig, StatsAccumulator, person_center,
};
use serde::Serialize;

/// Annotation formats these commands read.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CentersFormat {
    /// COCO instances JSON (category "person", crowd regions skipped).
    Coco,
    /// OCHuman raw JSON (all images) or its COCO-style files.
    Ochuman,
    /// YouTube-VIS JSON (also HVIS and the synthetic set): one record per annotated frame.
    Ytvis,
}

/// Centre strategies on the command line (`none` has no centre to report).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StrategyArg {
    /// Box centre (FCOS).
    Bbox,
    /// Mask centroid (CondInst).
    Centroid,
    /// Inner centre (HVISNet).
    Inner,
}

impl From<StrategyArg> for CenterStrategy {
    fn from(s: StrategyArg) -> Self {
        match s {
            StrategyArg::Bbox => CenterStrategy::Bbox,
            StrategyArg::Centroid => CenterStrategy::Centroid,
            StrategyArg::Inner => CenterStrategy::Inner,
        }
    }
}

/// Inner-centre objective on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MetricArg {
    /// Sum of distances to the edge points (default).
    SumOfDistances,
    /// Sum of squared distances.
    Squared,
}

impl From<MetricArg> for InnerMetric {
    fn from(m: MetricArg) -> Self {
        match m {
            MetricArg::SumOfDistances => InnerMetric::SumOfDistances,
            MetricArg::Squared => InnerMetric::Squared,
        }
    }
}

/// `trainer data centers --format F PATH --strategy S [--size N] --out centers.json`.
#[derive(Debug, Args)]
pub struct CentersArgs {
    /// Annotation format.
    #[arg(long, value_enum)]
    pub format: CentersFormat,
    /// The annotation file.
    pub path: PathBuf,
    /// Centre strategy.
    #[arg(long, value_enum, default_value = "inner")]
    pub strategy: StrategyArg,
    /// Network input short side for the location counts.
    #[arg(long, default_value_t = 512)]
    pub size: u32,
    /// Cap on the input long side (detectron2's ResizeShortestEdge rule).
    #[arg(long, default_value_t = 900)]
    pub max_size: u32,
    /// Inner-centre objective.
    #[arg(long, value_enum, default_value = "sum-of-distances")]
    pub inner_metric: MetricArg,
    /// Output JSON list.
    #[arg(long)]
    pub out: PathBuf,
}

/// `trainer data show-samples --format F PATH --images DIR [--image-id ID] [--frame T] --strategy S --out x.png`.
#[derive(Debug, Args)]
pub struct ShowSamplesArgs {
    /// Annotation format.
    #[arg(long, value_enum)]
    pub format: CentersFormat,
    /// The annotation file.
    pub path: PathBuf,
    /// Folder the image (frame) file names are relative to.
    #[arg(long)]
    pub images: PathBuf,
    /// Image id (video id for YouTube-VIS); default: the image or frame with the most people.
    #[arg(long)]
    pub image_id: Option<u64>,
    /// Frame index for videos.
    #[arg(long, default_value_t = 0)]
    pub frame: u32,
    /// Strategy whose positive locations are drawn.
    #[arg(long, value_enum, default_value = "inner")]
    pub strategy: StrategyArg,
    /// Network input short side (the picture is drawn at input size).
    #[arg(long, default_value_t = 512)]
    pub size: u32,
    /// Cap on the input long side.
    #[arg(long, default_value_t = 900)]
    pub max_size: u32,
    /// Output PNG.
    #[arg(long)]
    pub out: PathBuf,
}

/// One person of one frame, mask decoded at original resolution.
struct Instance {
    annotation_id: u64,
    rle: Rle,
}

/// One image or video frame with its persons.
struct Frame {
    image_id: u64,
    frame: Option<u32>,
    file_name: String,
    height: u32,
    width: u32,
    persons: Vec<Instance>,
}

/// Reads the person annotations of a file into frames (masks decoded; crowd and empty masks skipped).
fn load_frames(format: CentersFormat, path: &Path) -> anyhow::Result<Vec<Frame>> {
    let from_coco = |f: &CocoFile| -> anyhow::Result<Vec<Frame>> {
        let person = f.person_category_id().with_context(|| format!("{}: no category named \"person\"", path.display()))?;
        let by_image = f.annotations_by_image();
        let mut out = Vec::new();
        for img in &f.images {
            let mut persons = Vec::new();
            for a in by_image.get(&img.id).into_iter().flatten() {
                if a.category_id != person || a.iscrowd != 0 {
                    continue;
                }
                if let Some(rle) = f.annotation_rle(a, img, path)?
                    && rle.area() > 0
                {
                    persons.push(Instance { annotation_id: a.id, rle });
                }
            }
            let (height, width, file_name) = (img.height, img.width, img.file_name.clone());
            out.push(Frame { image_id: img.id, frame: None, file_name, height, width, persons });
        }
        Ok(out)
    };
    match format {
        CentersFormat::Coco => from_coco(&load_coco(path)?),
        CentersFormat::Ochuman => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            let v: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
            let coco: CocoFile = if v.get("keypoint_names").is_some() {
                let f: OchumanFile = serde_json::from_value(v).with_context(|| format!("parsing {}", path.display()))?;
                f.to_coco(OchumanSplit::All, (0.0, 1.0), path)?
            } else {
                load_coco(path)?
            };
            from_coco(&coco)
        }
        CentersFormat::Ytvis => {
            let f = load_ytvis(path)?;
            let person = f.person_category_id().with_context(|| format!("{}: no category named \"person\"", path.display()))?;
            let mut out = Vec::new();
            for v in &f.videos {
                let tracks: Vec<_> = f.annotations.iter().filter(|a| a.video_id == v.id && a.category_id == person && a.iscrowd == 0).collect();
                for (t, name) in v.file_names.iter().enumerate() {
                    let mut persons = Vec::new();
                    for a in &tracks {
                        let Some(Some(seg)) = a.segmentations.get(t) else { continue };
                        let rle = seg
                            .to_rle(v.height, v.width)
                            .with_context(|| format!("{}: annotation id {}, frame {t}", path.display(), a.id))?;
                        if rle.area() > 0 {
                            persons.push(Instance { annotation_id: a.id, rle });
                        }
                    }
                    let (height, width) = (v.height, v.width);
                    out.push(Frame { image_id: v.id, frame: Some(t as u32), file_name: name.clone(), height, width, persons });
                }
            }
            Ok(out)
        }
    }
}

/// `[x1, y1, x2, y2]` of a row-major mask (continuous coordinates: pixel i spans [i, i+1)).
fn mask_box(px: &[u8], w: usize) -> [f32; 4] {
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (y, row) in px.chunks_exact(w.max(1)).enumerate() {
        if let Some(a) = row.iter().position(|&v| v != 0) {
            let b = row.iter().rposition(|&v| v != 0).unwrap_or(a);
            (x0, x1, y0, y1) = (x0.min(a), x1.max(b), y0.min(y), y);
        }
    }
    if x0 == usize::MAX { [0.0; 4] } else { [x0 as f32, y0 as f32, (x1 + 1) as f32, (y1 + 1) as f32] }
}

/// A frame's persons resized to the network input, with the assignment of `cfg`.
struct Resized {
    h: usize,
    w: usize,
    scale: f64,
    masks: Vec<Vec<u8>>,
    boxes: Vec<[f32; 4]>,
}

fn resize_frame(fr: &Frame, size: u32, max_size: u32) -> Resized {
    let (nh, nw, scale) = resize_shape(fr.height, fr.width, size, max_size);
    let masks: Vec<Vec<u8>> = fr.persons.iter().map(|p| resize_mask(&p.rle, nh, nw, false, nh, nw).to_row_major()).collect();
    let boxes = masks.iter().map(|m| mask_box(m, nw as usize)).collect();
    Resized { h: nh as usize, w: nw as usize, scale, masks, boxes }
}

fn assign_resized(r: &Resized, cfg: &SamplingConfig, seed: u64) -> anyhow::Result<Assignment> {
    let persons: Vec<Person> = r
        .masks
        .iter()
        .zip(&r.boxes)
        .map(|(m, b)| Person { mask: MaskView { width: r.w, height: r.h, pixels: m }, bbox: *b, identity: None })
        .collect();
    Ok(sampler::assign(&ImageInput { height: r.h, width: r.w, persons: &persons, seed }, cfg, &LevelConfig::default())?)
}

/// One line of `centers.json`.
#[derive(Debug, Serialize)]
struct CenterRecord {
    image_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    frame: Option<u32>,
    annotation_id: u64,
    strategy: &'static str,
    center: [f32; 2],
    source: CenterSource,
    inside_mask: bool,
    input_size: [usize; 2],
    positives: Vec<usize>,
    ambiguous: Vec<usize>,
    claimed: Vec<usize>,
}

/// Runs `trainer data centers`.
pub fn run_centers(a: CentersArgs) -> anyhow::Result<()> {
    let frames = load_frames(a.format, &a.path)?;
    let strategy = CenterStrategy::from(a.strategy);
    let metric = InnerMetric::from(a.inner_metric);
    // Counting setting: no elimination, so the counts describe the strategy itself.
    let cfg = SamplingConfig {
        center: strategy,
        inner_metric: metric,
        eliminate_ambiguous: Ambiguity { seg: false, emb: false },
        ..SamplingConfig::default()
    };
    let mut records = Vec::new();
    let mut acc = StatsAccumulator::default();
    let (mut inside, mut center_time, mut sources) = (0usize, Duration::ZERO, std::collections::BTreeMap::new());
    for (k, fr) in frames.iter().enumerate() {
        if fr.persons.is_empty() {
            continue;
        }
        let r = resize_frame(fr, a.size, a.max_size);
        let asg = assign_resized(&r, &cfg, k as u64)?;
        let views: Vec<MaskView> = r.masks.iter().map(|m| MaskView { width: r.w, height: r.h, pixels: m }).collect();
        acc.add(&ImageStats::new(&asg.targets, &views)?);
        for (p, summary) in fr.persons.iter().zip(&asg.persons) {
            // The centre in original pixels, computed on the original mask.
            let (w, h) = (fr.width as usize, fr.height as usize);
            let px = p.rle.to_row_major();
            let view = MaskView { width: w, height: h, pixels: &px };
            let bbox = mask_box(&px, w);
            let t = Instant::now();
            let c = person_center(strategy, view, bbox, metric)?;
            center_time += t.elapsed();
            let pt = c.point.unwrap_or([f32::NAN; 2]);
            let on_mask = view.contains_point(pt[0], pt[1]);
            inside += on_mask as usize;
            *sources.entry(format!("{:?}", c.source)).or_insert(0usize) += 1;
            records.push(CenterRecord {
                image_id: fr.image_id,
                frame: fr.frame,
                annotation_id: p.annotation_id,
                strategy: strategy.name(),
                center: pt,
                source: c.source,
                inside_mask: on_mask,
                input_size: [r.h, r.w],
                positives: summary.positive_per_level.clone(),
                ambiguous: summary.ambiguous_per_level.clone(),
                claimed: summary.claimed_per_level.clone(),
            });
        }
    }
    let text = serde_json::to_string_pretty(&records)?;
    std::fs::write(&a.out, text).with_context(|| format!("writing {}", a.out.display()))?;
    let n = records.len();
    if n == 0 {
        bail!("{}: no person annotations with a nonempty mask", a.path.display());
    }
    let t = &acc.total;
    println!("{}: {} person annotations in {} frames, strategy {}", a.path.display(), n, acc.images, strategy.name());
    println!("  centre on the mask: {inside}/{n} = {:.2}%   (sources: {sources:?})", 100.0 * inside as f64 / n as f64);
    let build = if cfg!(debug_assertions) { " (debug build: use --release for representative times)" } else { "" };
    println!("  mean time per centre at original resolution: {:.1} µs{build}", center_time.as_secs_f64() * 1e6 / n as f64);
    println!("  at short side {}: positives per level {:?}, ambiguous locations per level {:?}", a.size, t.positives_per_level, t.ambiguous_per_level);
    if let Some(s) = t.inside.share() {
        println!("  positives on their own person's mask: {}/{} = {:.2}%", t.inside.inside, t.inside.total, 100.0 * s);
    }
    println!("  wrote {}", a.out.display());
    Ok(())
}

/// Distinct colours for persons.
const PALETTE: [[u8; 3]; 10] = [
    [230, 25, 75],
    [60, 180, 75],
    [0, 130, 200],
    [245, 130, 48],
    [145, 30, 180],
    [70, 240, 240],
    [240, 50, 230],
    [210, 245, 60],
    [250, 190, 212],
    [0, 128, 128],
];

fn put(img: &mut RgbImage, x: i64, y: i64, c: [u8; 3]) {
    if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height() {
        img.put_pixel(x as u32, y as u32, Rgb(c));
    }
}

fn disc(img: &mut RgbImage, cx: f64, cy: f64, r: f64, c: [u8; 3]) {
    let ri = r.ceil() as i64 + 1;
    for dy in -ri..=ri {
        for dx in -ri..=ri {
            let (x, y) = (cx.round() as i64 + dx, cy.round() as i64 + dy);
            if ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)) <= r * r {
                put(img, x, y, c);
            }
        }
    }
}

/// Marker shapes: square = box centre, diamond = centroid, disc = inner centre; black outline.
fn marker(img: &mut RgbImage, p: [f32; 2], shape: u8, c: [u8; 3]) {
    let (cx, cy) = (p[0].round() as i64, p[1].round() as i64);
    for (r, col) in [(6i64, [0u8, 0, 0]), (4, c)] {
        for dy in -r..=r {
            for dx in -r..=r {
                let keep = match shape {
                    0 => true,
                    1 => dx.abs() + dy.abs() <= r,
                    _ => dx * dx + dy * dy <= r * r,
                };
                if keep {
                    put(img, cx + dx, cy + dy, col);
                }
            }
        }
    }
}

fn rect(img: &mut RgbImage, b: [f32; 4], c: [u8; 3]) {
    let [x0, y0, x1, y1] = b.map(|v| v.round() as i64);
    for x in x0..=x1 - 1 {
        put(img, x, y0, c);
        put(img, x, y1 - 1, c);
    }
    for y in y0..=y1 - 1 {
        put(img, x0, y, c);
        put(img, x1 - 1, y, c);
    }
}

/// Runs `trainer data show-samples`.
pub fn run_show_samples(a: ShowSamplesArgs) -> anyhow::Result<()> {
    let frames = load_frames(a.format, &a.path)?;
    let fr = match a.image_id {
        Some(id) => frames
            .iter()
            .find(|f| f.image_id == id && f.frame.unwrap_or(0) == a.frame)
            .with_context(|| format!("{}: no image id {id} (frame {})", a.path.display(), a.frame))?,
        None => frames
            .iter()
            .reduce(|best, f| if f.persons.len() > best.persons.len() { f } else { best })
            .with_context(|| format!("{}: no images", a.path.display()))?,
    };
    let img_path = join_under(&a.images, &fr.file_name, &a.path, &format!("image id {}", fr.image_id))?;
    let orig = data::frames::decode_image(&img_path)?;
    let r = resize_frame(fr, a.size, a.max_size);
    let mut img = image::imageops::resize(&orig, r.w as u32, r.h as u32, image::imageops::FilterType::Triangle);
    // Darken and posterise the photo (16 levels per channel keeps the PNG small), then tint each mask.
    img.pixels_mut().for_each(|p| p.0 = p.0.map(|v| ((v as f32 * 0.55) as u8) & 0xF0));
    for (k, m) in r.masks.iter().enumerate() {
        let c = PALETTE[k % PALETTE.len()];
        let view = MaskView { width: r.w, height: r.h, pixels: m };
        for (i, &v) in m.iter().enumerate() {
            if v != 0 {
                let (x, y) = (i % r.w, i / r.w);
                // Mask outline in full colour, inside lightly tinted.
                let edge = x == 0 || y == 0 || !view.get(x - 1, y) || !view.get(x + 1, y) || !view.get(x, y - 1) || !view.get(x, y + 1);
                let p = img.get_pixel_mut(x as u32, y as u32);
                p.0 = if edge { c } else { [0, 1, 2].map(|j| (p.0[j] as f32 * 0.6 + c[j] as f32 * 0.4) as u8) };
            }
        }
    }
    let strategy = CenterStrategy::from(a.strategy);
    let cfg = SamplingConfig { center: strategy, eliminate_ambiguous: Ambiguity { seg: false, emb: false }, ..SamplingConfig::default() };
    let asg = assign_resized(&r, &cfg, 0)?;
    // Positive locations, coloured by matched person; ambiguous ones white. Dot size grows with the level.
    let t = &asg.targets;
    for i in 0..t.len() {
        let Ok(k) = usize::try_from(t.matched[i]) else { continue };
        let (p, level) = t.locations.get(i).context("location index")?;
        let c = if t.is_ambiguous(i) { [255, 255, 255] } else { PALETTE[k % PALETTE.len()] };
        let rad = 1.5 + level as f64;
        disc(&mut img, p[0] as f64, p[1] as f64, rad + 1.0, [0, 0, 0]);
        disc(&mut img, p[0] as f64, p[1] as f64, rad, c);
    }
    let mut counts = Vec::new();
    for (k, (m, b)) in r.masks.iter().zip(&r.boxes).enumerate() {
        let c = PALETTE[k % PALETTE.len()];
        rect(&mut img, *b, c);
        let view = MaskView { width: r.w, height: r.h, pixels: m };
        for (shape, s) in [(0u8, CenterStrategy::Bbox), (1, CenterStrategy::Centroid), (2, CenterStrategy::Inner)] {
            if let Some(p) = person_center(s, view, *b, InnerMetric::SumOfDistances)?.point {
                marker(&mut img, p, shape, c);
            }
        }
        counts.push(asg.persons[k].positive_per_level.iter().sum::<usize>());
    }
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    img.save(&a.out).with_context(|| format!("writing {}", a.out.display()))?;
    let amb = (0..t.len()).filter(|&i| t.is_ambiguous(i)).count();
    println!(
        "{} (image id {}{}), {} people at {}x{} (scale {:.3}); strategy {}: positives per person {counts:?}, {amb} ambiguous locations; wrote {}",
        fr.file_name,
        fr.image_id,
        fr.frame.map(|f| format!(", frame {f}")).unwrap_or_default(),
        r.masks.len(),
        r.w,
        r.h,
        r.scale,
        strategy.name(),
        a.out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_box_is_continuous_and_empty_safe() {
        let mut px = vec![0u8; 6 * 4];
        px[6 + 2] = 1;
        px[2 * 6 + 4] = 9;
        assert_eq!(mask_box(&px, 6), [2.0, 1.0, 5.0, 3.0]);
        assert_eq!(mask_box(&[0; 4], 2), [0.0; 4]);
    }

    /// On the real OCHuman sample: one record per person, inner centres always on the mask, JSON fields present.
    #[test]
    fn centers_on_real_ochuman_sample() {
        let Some(dir) = testkit::realdata("ochuman_mmpose") else { return };
        let tmp = testkit::temp_dir("centers");
        let mut share = Vec::new();
        for strategy in [StrategyArg::Bbox, StrategyArg::Inner] {
            let out = tmp.join("c.json");
            run_centers(CentersArgs {
                format: CentersFormat::Ochuman,
                path: dir.join("test_ochuman.json"),
                strategy,
                size: 256,
                max_size: 900,
                inner_metric: MetricArg::SumOfDistances,
                out: out.clone(),
            })
            .unwrap();
            let v: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
            assert_eq!(v.len(), 5);
            for r in &v {
                for key in ["image_id", "annotation_id", "center", "inside_mask", "positives", "ambiguous"] {
                    assert!(r.get(key).is_some(), "{key} missing in {r}");
                }
                assert_eq!(r["positives"].as_array().unwrap().len(), 3);
            }
            share.push(v.iter().filter(|r| r["inside_mask"] == true).count());
        }
        assert_eq!(share[1], 5, "inner centres lie on the mask by construction");
        assert!(share[0] < share[1], "box centres miss occluded people: {share:?}");
    }
}
