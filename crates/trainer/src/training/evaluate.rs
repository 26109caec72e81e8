//! The evaluation hook: runs the model over the validation split at the test transform, writes the
//! predictions as COCO results and scores them:
//! - mask and box AP with `eval::coco` (pycocotools-exact) against the split's ground truth;
//! - AP / AP_M / AP_H by occlusion (`eval::occlusion`: OCHuman's ranges of each person's max IoU with the other
//!   persons of its image; OCHuman's stored `max_iou`, else the box IoU computed from the ground truth);
//! - on video splits (`hvis`, `ytvis-person`, `synth`), MOTS after tracking: each video's per-frame instances
//!   above `eval.score_thresh` go through the `[tracker]` match module (masks made disjoint as `trainer track`
//!   writes them) and are scored with `eval::mots` (sMOTSA, MOTSA, MOTSP, IDS, IDF1, HOTA) against the split's
//!   identities, with the model's and the end-to-end frame rate;
//! - at the final evaluation, Table V (`eval::inside`: the share of positives scoring > 0.5 whose location lies on
//!   the mask of the person they detect) and every `eval.tests` set the same way.
//!
//! Files: `eval/<iter>.json`, `eval/<iter:08>_results.json`, `eval/<iter:08>_mots.json` (per video),
//! `eval/summary.md`, and `eval/test_<name>_<split>_*` for the test sets. The ground truth is built from each
//! split's own annotations (image id = frame position + 1) and written to `eval/gt_<split>.json`.
//!
//! `trainer eval --run` ([`CocoEvaluator::standalone`]) runs the same hook on a checkpoint, over any split, into
//! a folder of its choice: the same files and numbers, every evaluation a complete one (Table V included).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use burn::prelude::*;
use data::coco::{CocoAnnotation, CocoCategory, CocoFile, CocoImage, CocoResult};
use data::datasets::FrameDataset;
use data::mask::{Rle, Segmentation};
use data::mots::MotsRow;
use eval::mots::MotsVariant;
use eval::mots::io::{Located, SeqFiles};
use serde_json::{Value, json};
use tracker::{Tracker, TrackerConfig};

use super::engine::{EvalHook, EvalReport};
use super::model::{InferModel, Instance};
use crate::cmd::track_output::{PERSON_CLASS, disjoint_masks};
use crate::config::{DatasetRef, ExperimentConfig};

/// Table V counts positives scoring above this (the paper's 0.5).
pub const INSIDE_SCORE: f32 = 0.5;
/// A Table V positive counts for the ground-truth person it overlaps most, from this mask IoU.
pub const INSIDE_IOU: f64 = 0.5;

/// Datasets whose splits are videos with identities (scored with MOTS after tracking).
pub fn is_video_dataset(name: &str) -> bool {
    matches!(name, "hvis" | "ytvis-person" | "synth")
}

/// Ground truth of a frame list in COCO form: one image per frame (id = position + 1), category 1 "person".
pub fn ground_truth(val: &FrameDataset) -> anyhow::Result<CocoFile> {
    let mut images = Vec::new();
    let mut annotations = Vec::new();
    for (k, f) in val.frames.iter().enumerate() {
        let id = k as u64 + 1;
        images.push(CocoImage { id, file_name: f.sample_id.clone(), width: f.width, height: f.height });
        for m in f.masks().with_context(|| format!("ground truth of {}", f.sample_id))? {
            annotations.push(CocoAnnotation {
                id: annotations.len() as u64 + 1,
                image_id: id,
                category_id: 1,
                area: m.area() as f64,
                bbox: m.bbox(),
                segmentation: Some(Segmentation::Compressed { size: [m.h, m.w], counts: m.to_compressed() }),
                iscrowd: 0,
                keypoints: None,
                num_keypoints: None,
            });
        }
    }
    let categories = vec![CocoCategory { id: 1, name: "person".into(), supercategory: None }];
    Ok(CocoFile { info: None, licenses: None, images, annotations, categories })
}

/// OCHuman's official ground truth of a split (the `toCocoFormart` conversion: box area as `area`) and each
/// person's stored `max_iou`, checked to list the dataset's frames in order.
fn ochuman_ground_truth(root: &Path, split: &str, ds: &FrameDataset) -> anyhow::Result<(CocoFile, Vec<f64>)> {
    let raw_path = root.join("ochuman.json");
    let sp = match split {
        "val" => data::ochuman::OchumanSplit::Val,
        "test" => data::ochuman::OchumanSplit::Test,
        other => bail!("ochuman split {other:?}: expected \"val\" or \"test\""),
    };
    let raw = data::ochuman::load_ochuman(&raw_path)?;
    let gt = raw.to_coco(sp, (0.0, 1.0), &raw_path)?;
    if gt.images.len() != ds.len() || gt.images.iter().zip(&ds.frames).any(|(i, f)| !f.image.ends_with(&i.file_name)) {
        bail!("{}: the converted {split} split does not list the dataset's {} frames in order", raw_path.display(), ds.len());
    }
    let gt = CocoFile { images: gt.images.iter().enumerate().map(|(k, i)| CocoImage { id: k as u64 + 1, ..i.clone() }).collect(), ..gt };
    Ok((gt, eval::ochuman::split_max_iou(&raw, sp)))
}

/// One split to score: its frames, ground truth, occlusion levels and file names.
pub struct EvalSet {
    /// `<name>/<split>` as configured (the key under `tests` in results.json).
    pub key: String,
    data: Arc<FrameDataset>,
    video: bool,
    gt: CocoFile,
    gt_path: PathBuf,
    max_iou: Vec<f64>,
    max_iou_from: &'static str,
    /// File-name prefix in `eval/` ("" for the validation split, `test_<name>_<split>_` for test sets).
    prefix: String,
}

impl EvalSet {
    /// Prepares a split: builds (and writes to `dir`) its ground truth and each person's occlusion level.
    /// `dataset` names the configured dataset (`name`, `root`, `split`); `None` takes the name from the frames.
    pub fn new(data: Arc<FrameDataset>, dataset: Option<&DatasetRef>, dir: &Path, prefix: &str) -> anyhow::Result<Self> {
        let (name, split) = match dataset {
            Some(d) => (d.name.clone(), d.split.clone()),
            None => {
                let (n, s) = data.name.split_once('/').unwrap_or((data.name.as_str(), ""));
                (n.to_string(), s.to_string())
            }
        };
        let (gt, max_iou, from) = match dataset.filter(|d| d.name == "ochuman") {
            Some(d) => {
                let (gt, m) = ochuman_ground_truth(Path::new(&d.root), &d.split, &data)?;
                (gt, m, "ochuman max_iou field")
            }
            None => {
                let gt = ground_truth(&data)?;
                let m = eval::occlusion::box_max_iou(&gt);
                (gt, m, "box IoU with the other persons of the image")
            }
        };
        let gt_path = dir.join(format!("{prefix}gt_{}.json", data.name.replace('/', "_")));
        std::fs::write(&gt_path, serde_json::to_vec(&gt)?).with_context(|| format!("writing {}", gt_path.display()))?;
        Ok(Self { key: format!("{name}/{split}"), video: is_video_dataset(&name), data, gt, gt_path, max_iou, max_iou_from: from, prefix: prefix.into() })
    }
}

/// Tracking and MOTS settings of the hook (the experiment's `[eval]` and `[tracker]`).
#[derive(Debug, Clone)]
pub struct TrackingSettings {
    /// The match module's config.
    pub tracker: TrackerConfig,
    /// MOTS matching rule.
    pub variant: MotsVariant,
    /// Detections below this score are not tracked.
    pub score_thresh: f32,
}

impl Default for TrackingSettings {
    fn default() -> Self {
        Self { tracker: TrackerConfig::default(), variant: MotsVariant::MotsTools, score_thresh: 0.5 }
    }
}

impl TrackingSettings {
    /// The experiment's `[tracker]`, `eval.mots_variant` and `eval.score_thresh`.
    pub fn from_config(cfg: &ExperimentConfig) -> anyhow::Result<Self> {
        Ok(Self {
            tracker: cfg.tracker.clone(),
            variant: cfg.eval.mots_variant.parse().map_err(|e: String| anyhow::anyhow!("eval.mots_variant: {e}"))?,
            score_thresh: cfg.eval.score_thresh,
        })
    }
}

/// Which evaluations are complete ones (Table V, the test sets, the numbers results.json holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Complete {
    /// None (the tests' evaluator).
    Never,
    /// The one after this epoch (training: after `solver.epochs`), never the untrained baseline.
    AfterEpoch(u32),
    /// Every one (`trainer eval --run`: a checkpoint is scored once).
    Always,
}

/// The final evaluation, as results.json holds it.
#[derive(Debug, Clone)]
pub struct FinalResults {
    /// Iterations done.
    pub iteration: u64,
    /// Epochs done.
    pub epoch: u32,
    /// The validation split's `eval/<iter>.json` object.
    pub val: Value,
    /// `<name>/<split>` → the same object for each test set.
    pub tests: serde_json::Map<String, Value>,
}

/// The evaluation hook (mask AP, occlusion AP, MOTS, FPS; Table V and test sets at the end).
pub struct CocoEvaluator {
    val: EvalSet,
    tests: Vec<EvalSet>,
    augment: data::augment::AugmentConfig,
    dir: PathBuf,
    settings: TrackingSettings,
    /// Which evaluations are final (test sets and Table V run there).
    complete: Complete,
    last: Option<FinalResults>,
    /// Keys added to every `<iter>.json` (`trainer eval --run`: the checkpoint it scored); empty in training.
    provenance: serde_json::Map<String, Value>,
    /// Print a progress line every 10 s while a split is predicted (off in training, whose progress bar owns
    /// the terminal).
    progress: bool,
    /// Score above which predictions are drawn in the preview image.
    pub draw_thresh: f32,
}

/// What one pass over a split produced.
struct Pass {
    segm: Vec<CocoResult>,
    bbox: Vec<CocoResult>,
    first: Vec<Instance>,
    /// Per video: MOTS rows of the ground truth and of the tracker, and the video's name and length.
    videos: Vec<SeqFiles>,
    positives: Vec<eval::inside::PositivePrediction>,
    timer: eval::fps::FpsTimer,
    seconds: f64,
    /// Why MOTS could not be computed (a model without appearance embeddings cannot be tracked).
    untracked: Option<String>,
}

impl CocoEvaluator {
    /// An evaluator over `val` writing into `<run>/eval/`, with default tracking settings and no final
    /// evaluation (tests use it; training uses [`CocoEvaluator::from_config`]).
    pub fn new(val: Arc<FrameDataset>, augment: data::augment::AugmentConfig, run_dir: &Path, draw_thresh: f32) -> anyhow::Result<Self> {
        Self::build(val, None, augment, &run_dir.join("eval"), draw_thresh)
    }

    /// An evaluator of `val` writing into `dir` (created).
    fn build(val: Arc<FrameDataset>, dataset: Option<&DatasetRef>, augment: data::augment::AugmentConfig, dir: &Path, draw_thresh: f32) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let val = EvalSet::new(val, dataset, dir, "")?;
        Ok(Self {
            val,
            tests: Vec::new(),
            augment,
            dir: dir.to_path_buf(),
            settings: TrackingSettings::default(),
            complete: Complete::Never,
            last: None,
            provenance: serde_json::Map::new(),
            progress: false,
            draw_thresh,
        })
    }

    /// `trainer eval --run`'s evaluator: the split `dataset` (any dataset, opened as `data`) scored as the
    /// training hook scores `data.val`, with the experiment's test transform, `[tracker]` and `[eval]`, writing
    /// the hook's files into `dir` itself. Every evaluation is complete (Table V included; no test sets),
    /// `provenance` is added to each `<iter>.json`, and a progress line is printed every 10 s.
    pub fn standalone(cfg: &ExperimentConfig, dataset: &DatasetRef, data: Arc<FrameDataset>, dir: &Path, provenance: serde_json::Map<String, Value>) -> anyhow::Result<Self> {
        let mut ev = Self::build(data, Some(dataset), super::batch::augment_config(cfg), dir, cfg.eval.score_thresh)?;
        ev.settings = TrackingSettings::from_config(cfg)?;
        ev.complete = Complete::Always;
        ev.provenance = provenance;
        ev.progress = true;
        Ok(ev)
    }

    /// The training run's evaluator: validation split `val` (configured as `data.val`), the opened `eval.tests`
    /// sets in config order, tracking from `[tracker]` and `[eval]`, final evaluation after `solver.epochs`.
    pub fn from_config(cfg: &ExperimentConfig, val: Arc<FrameDataset>, tests: Vec<FrameDataset>, run_dir: &Path) -> anyhow::Result<Self> {
        if tests.len() != cfg.eval.tests.len() {
            bail!("eval.tests lists {} sets, {} were opened", cfg.eval.tests.len(), tests.len());
        }
        let mut ev = Self::build(val, Some(&cfg.data.val), super::batch::augment_config(cfg), &run_dir.join("eval"), cfg.eval.score_thresh)?;
        for (d, ds) in cfg.eval.tests.iter().zip(tests) {
            let prefix = format!("test_{}_{}_", d.name, d.split).replace('/', "_");
            ev.tests.push(EvalSet::new(Arc::new(ds), Some(d), &ev.dir, &prefix).with_context(|| format!("eval.tests {}/{}", d.name, d.split))?);
        }
        ev.settings = TrackingSettings::from_config(cfg)?;
        ev.complete = Complete::AfterEpoch(cfg.solver.epochs);
        Ok(ev)
    }

    /// The final evaluation's numbers, once it has run.
    pub fn final_results(&self) -> Option<&FinalResults> {
        self.last.as_ref()
    }

    /// Runs the model over every frame of `set` (videos frame by frame, tracked online), timing each frame.
    fn predict<B: Backend, I: InferModel<B>>(&self, set: &EvalSet, model: &I, device: &B::Device, positives: bool) -> anyhow::Result<Pass> {
        let ds = &set.data;
        let mut order: Vec<usize> = (0..ds.len()).collect();
        if set.video {
            order.sort_by_key(|&k| (ds.frames[k].video_id, ds.frames[k].frame_index, k));
        }
        let mut pass = Pass {
            segm: Vec::new(),
            bbox: Vec::new(),
            first: Vec::new(),
            videos: Vec::new(),
            positives: Vec::new(),
            timer: eval::fps::FpsTimer::new((ds.len() / 4).min(3)),
            seconds: 0.0,
            untracked: None,
        };
        let t_all = Instant::now();
        let mut last_line = t_all;
        let mut tracker: Option<Tracker> = None;
        let mut current_video = None;
        for (done, &k) in order.iter().enumerate() {
            if self.progress && last_line.elapsed().as_secs() >= 10 {
                last_line = Instant::now();
                let rate = done as f64 / t_all.elapsed().as_secs_f64();
                let eta = super::progress::fmt_secs((ds.len() - done) as f64 / rate);
                eprintln!("eval {}: {done}/{} frames, {rate:.2} frames/s, ETA {eta}", set.key, ds.len());
            }
            let f = &ds.frames[k];
            let t0 = Instant::now();
            let s = ds.get(k).with_context(|| format!("loading frame {k} of {}", ds.name))?;
            let mut rng = data::augment::sample_rng(self.augment.seed, 0, k as u64);
            let a = data::augment::augment(&s, &self.augment, false, &mut rng);
            let t_model = Instant::now();
            let insts = model.infer(&a, (s.image.height(), s.image.width()), device).with_context(|| format!("inference on {}", s.sample_id))?;
            let model_time = t_model.elapsed();
            let tracked: Vec<&Instance> = insts.iter().filter(|i| i.score >= self.settings.score_thresh).collect();
            if set.video && pass.untracked.is_none() && tracked.iter().any(|i| i.embedding.is_empty()) {
                pass.untracked = Some(format!("the model gives no appearance embedding (frame {})", s.sample_id));
            }
            if set.video && pass.untracked.is_none() {
                if current_video != Some(f.video_id) {
                    current_video = Some(f.video_id);
                    tracker = Some(Tracker::new(self.settings.tracker.clone()).context("the [tracker] config")?);
                    let dir = f.image.parent().unwrap_or(Path::new(""));
                    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| format!("video{}", f.video_id));
                    pass.videos.push(SeqFiles { name, len: 0, gt: Vec::new(), pred: Vec::new() });
                }
                let dets = tracked.iter().map(|i| i.to_detection()).collect();
                let tracks = tracker.as_mut().expect("set with the video").update(dets).map_err(|e| anyhow::anyhow!("tracking {}: {e}", s.sample_id))?;
                let masks = disjoint_masks(f.height, f.width, &tracks)?;
                let seq = pass.videos.last_mut().expect("pushed with the video");
                let frame = seq.len as u32;
                let here = |what: String| (f.annotation_file.clone(), what);
                for (t, m) in tracks.iter().zip(masks) {
                    let row = MotsRow { frame, track_id: PERSON_CLASS * 1000 + t.id as u32, class_id: PERSON_CLASS, rle: m };
                    let (path, what) = here(format!("{} track {}", f.record, t.id));
                    seq.pred.push(Located { row, path, what });
                }
                seq.len += 1;
            }
            pass.timer.record(model_time, t0.elapsed());
            // Ground truth of the video (outside the timing): the annotated identities, empty masks left out.
            if let Some(seq) = pass.videos.last_mut().filter(|_| set.video && pass.untracked.is_none()) {
                for (o, m) in f.objects.iter().zip(f.masks().with_context(|| format!("ground truth of {}", f.sample_id))?) {
                    if m.area() > 0 {
                        let row = MotsRow { frame: seq.len as u32 - 1, track_id: o.identity, class_id: PERSON_CLASS, rle: m };
                        seq.gt.push(Located { row, path: f.annotation_file.clone(), what: format!("{}, {}", f.record, o.source) });
                    }
                }
            }
            let image_id = k as u64 + 1;
            for i in &insts {
                pass.segm.push(CocoResult {
                    image_id,
                    category_id: 1,
                    score: i.score as f64,
                    segmentation: Some(Segmentation::Compressed { size: [i.mask.h, i.mask.w], counts: i.mask.to_compressed() }),
                    bbox: None,
                });
                let [x1, y1, x2, y2] = i.bbox.map(|v| v as f64);
                pass.bbox.push(CocoResult { image_id, category_id: 1, score: i.score as f64, segmentation: None, bbox: Some([x1, y1, x2 - x1, y2 - y1]) });
                if let Some(location) = i.location.filter(|_| positives && i.score > INSIDE_SCORE) {
                    pass.positives.push(eval::inside::PositivePrediction { image: k, location, score: i.score, mask: i.mask.clone() });
                }
            }
            if k == 0 {
                pass.first = insts;
            }
        }
        pass.seconds = t_all.elapsed().as_secs_f64();
        Ok(pass)
    }

    /// Scores one split; returns its JSON object, the scalars to log (unprefixed names) and the first frame's
    /// instances. `last`: also Table V.
    fn score<B: Backend, I: InferModel<B>>(&self, set: &EvalSet, model: &I, device: &B::Device, iteration: u64, epoch: u32, last: bool) -> anyhow::Result<(Value, Vec<(String, f64)>, Vec<Instance>)> {
        let pass = self.predict(set, model, device, last)?;
        let res_path = self.dir.join(format!("{}{iteration:08}_results.json", set.prefix));
        std::fs::write(&res_path, serde_json::to_vec(&pass.segm)?).with_context(|| format!("writing {}", res_path.display()))?;
        let m = eval::coco::evaluate(&set.gt, &set.gt_path, &pass.segm, &res_path, eval::coco::IouType::Segm)?;
        let b = eval::coco::evaluate(&set.gt, &set.gt_path, &pass.bbox, &res_path, eval::coco::IouType::Bbox)?;
        let occ = eval::occlusion::evaluate_occlusion(&set.gt, &set.gt_path, &set.max_iou, &pass.segm, &res_path)?;
        let names = eval::coco::STAT_NAMES;
        let stats = |s: [f64; 12]| names.iter().zip(s).map(|(n, v)| (n.to_string(), json!(v))).collect::<serde_json::Map<_, _>>();
        let fps = pass.timer.report();
        let mut occlusion = occ.summary_json();
        occlusion["max_iou"] = json!(set.max_iou_from);
        let mut report = json!({
            "iteration": iteration,
            "epoch": epoch,
            "dataset": set.key,
            "split": set.data.name,
            "frames": set.data.len(),
            "detections": pass.segm.len(),
            "inference_seconds": pass.seconds,
            "segm": stats(m.stats),
            "bbox": stats(b.stats),
            "occlusion": occlusion,
            "fps": {
                "model_fps": fps.model_fps, "model_ms": fps.model_ms,
                "end_to_end_fps": fps.end_to_end_fps, "end_to_end_ms": fps.end_to_end_ms,
                "timed_frames": fps.frames, "warmup_frames": set.data.len() - fps.frames, "tracking": set.video,
            },
            "ground_truth": set.gt_path.file_name().map(|f| f.to_string_lossy().to_string()),
            "results": res_path.file_name().map(|f| f.to_string_lossy().to_string()),
        });
        report.as_object_mut().expect("a JSON object").extend(self.provenance.clone());
        let mut scalars: Vec<(String, f64)> = vec![
            ("mask_AP".into(), m.stats[0]),
            ("mask_AP50".into(), m.stats[1]),
            ("mask_AP75".into(), m.stats[2]),
            ("box_AP".into(), b.stats[0]),
            ("box_AP50".into(), b.stats[1]),
            ("mask_AP_M".into(), occ.ap("AP_M").unwrap_or(-1.0)),
            ("mask_AP_H".into(), occ.ap("AP_H").unwrap_or(-1.0)),
        ];
        if fps.frames > 0 {
            scalars.push(("model_fps".into(), fps.model_fps));
            scalars.push(("end_to_end_fps".into(), fps.end_to_end_fps));
        }
        if let Some(why) = pass.untracked.as_ref().filter(|_| set.video) {
            report["mots"] = json!({ "skipped": why });
        } else if set.video {
            let seqs: Vec<eval::mots::SequenceOverlaps> = pass.videos.iter().map(|v| eval::mots::io::overlaps(v, PERSON_CLASS)).collect();
            let mots = eval::mots::evaluate(&seqs, self.settings.variant);
            let path = self.dir.join(format!("{}{iteration:08}_mots.json", set.prefix));
            std::fs::write(&path, serde_json::to_string_pretty(&mots.to_json())?).with_context(|| format!("writing {}", path.display()))?;
            let c = &mots.combined;
            let full = c.to_json();
            let mut v = json!({
                "variant": self.settings.variant.name(),
                "score_thresh": decimal(self.settings.score_thresh),
                "sequences": mots.per_seq.len(),
                "model_fps": fps.model_fps,
                "end_to_end_fps": fps.end_to_end_fps,
                "per_sequence": path.file_name().map(|f| f.to_string_lossy().to_string()),
            });
            for key in ["sMOTSA", "MOTSA", "MOTSP", "IDS", "IDF1", "HOTA", "DetA", "AssA", "TP", "FP", "FN", "Frag", "Recall", "Precision", "GT_dets", "TR_dets", "GT_ids", "TR_ids"] {
                v[key] = full[key].clone();
                if ["sMOTSA", "MOTSA", "MOTSP", "IDS", "IDF1", "HOTA"].contains(&key) {
                    scalars.push((key.to_string(), full[key].as_f64().unwrap_or(f64::NAN)));
                }
            }
            report["mots"] = v;
        }
        if last {
            let gt: Vec<Vec<Rle>> = set.data.frames.iter().map(|f| f.masks().with_context(|| format!("ground truth of {}", f.sample_id))).collect::<anyhow::Result<_>>()?;
            let r = eval::inside::positives_inside_mask(&pass.positives, &gt, INSIDE_SCORE, INSIDE_IOU)?;
            report["inside"] = json!({"share": r.share, "inside": r.inside, "matched": r.matched, "unmatched": r.unmatched, "score_thresh": INSIDE_SCORE, "iou_thresh": INSIDE_IOU});
            if let Some(s) = r.share {
                scalars.push(("inside_share".into(), s));
            }
        }
        let json_path = self.dir.join(format!("{}{iteration}.json", set.prefix));
        std::fs::write(&json_path, serde_json::to_string_pretty(&report)?).with_context(|| format!("writing {}", json_path.display()))?;
        Ok((report, scalars, pass.first))
    }

    /// Draws instances over frame 0 of the split.
    fn preview(&self, insts: &[Instance]) -> anyhow::Result<image::RgbImage> {
        let mut img = self.val.data.get(0)?.image;
        const COLORS: [[u8; 3]; 6] = [[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180]];
        let shown: Vec<&Instance> = insts.iter().filter(|i| i.score >= self.draw_thresh).collect();
        for (n, inst) in shown.iter().enumerate() {
            let c = COLORS[n % COLORS.len()];
            let px = inst.mask.to_row_major();
            let w = img.width();
            for (p, v) in px.iter().enumerate() {
                if *v != 0 {
                    let q = img.get_pixel_mut(p as u32 % w, p as u32 / w);
                    for ch in 0..3 {
                        q[ch] = ((q[ch] as u16 + c[ch] as u16) / 2) as u8;
                    }
                }
            }
            let [x1, y1, x2, y2] = inst.bbox.map(|v| v.max(0.0) as u32);
            let (x2, y2) = (x2.min(img.width() - 1), y2.min(img.height() - 1));
            for x in x1..=x2 {
                img.put_pixel(x, y1.min(y2), image::Rgb(c));
                img.put_pixel(x, y2, image::Rgb(c));
            }
            for y in y1.min(y2)..=y2 {
                img.put_pixel(x1.min(x2), y, image::Rgb(c));
                img.put_pixel(x2, y, image::Rgb(c));
            }
        }
        Ok(img)
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() { format!("{:.1}", 100.0 * v) } else { "–".into() }
}

/// An AP in percent; COCOeval's −1 (nothing to score in that range) prints as "–".
fn ap_pct(v: f64) -> String {
    if v < 0.0 { "–".into() } else { pct(v) }
}

/// An `f32` config value as the decimal it was written as (0.05, not 0.0500000007).
fn decimal(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(v as f64)
}

/// A number of a report by path (`["mots", "sMOTSA"]`), NaN when absent.
fn num(v: &Value, path: &[&str]) -> f64 {
    path.iter().fold(Some(v), |v, k| v.and_then(|v| v.get(k))).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// How a summary column prints its number.
#[derive(Clone, Copy)]
enum Col {
    /// A fraction in percent; −1 (undefined) as "–".
    Ap,
    /// A fraction in percent that may be negative (sMOTSA, MOTSA).
    Signed,
    /// A count or a rate as is.
    Plain,
}

/// The columns of `eval/summary.md`: header, path in the report, format.
const COLUMNS: [(&str, &[&str], Col); 15] = [
    ("mask AP", &["segm", "AP"], Col::Ap),
    ("mask AP50", &["segm", "AP50"], Col::Ap),
    ("mask AP75", &["segm", "AP75"], Col::Ap),
    ("box AP", &["bbox", "AP"], Col::Ap),
    ("box AP50", &["bbox", "AP50"], Col::Ap),
    ("AP_M", &["occlusion", "AP_M"], Col::Ap),
    ("AP_H", &["occlusion", "AP_H"], Col::Ap),
    ("sMOTSA", &["mots", "sMOTSA"], Col::Signed),
    ("MOTSA", &["mots", "MOTSA"], Col::Signed),
    ("MOTSP", &["mots", "MOTSP"], Col::Signed),
    ("IDF1", &["mots", "IDF1"], Col::Signed),
    ("HOTA", &["mots", "HOTA"], Col::Signed),
    ("IDS", &["mots", "IDS"], Col::Plain),
    ("model FPS", &["fps", "model_fps"], Col::Plain),
    ("detections", &["detections"], Col::Plain),
];

/// The header and separator lines of a summary table (after `prefix`, e.g. "| iteration | epoch ").
fn summary_head(prefix: &str, prefix_cols: usize) -> String {
    let names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    format!("{prefix}| {} |\n|{}", names.join(" | "), "---:|".repeat(prefix_cols + COLUMNS.len()))
}

/// One Markdown row of [`COLUMNS`] (after the caller's leading cells); "–" where a number is absent.
fn summary_row(r: &Value) -> String {
    let cells: Vec<String> = COLUMNS
        .iter()
        .map(|(_, path, col)| {
            let v = num(r, path);
            match col {
                Col::Ap => ap_pct(v),
                Col::Signed => pct(v),
                Col::Plain if v.is_finite() && v.fract() == 0.0 => format!("{v}"),
                Col::Plain if v.is_finite() => format!("{v:.1}"),
                Col::Plain => "–".into(),
            }
        })
        .collect();
    format!("{} |", cells.join(" | "))
}

impl<B: Backend, I: InferModel<B>> EvalHook<B, I> for CocoEvaluator {
    fn evaluate(&mut self, model: &I, device: &B::Device, iteration: u64, epoch: u32) -> anyhow::Result<EvalReport> {
        let last = match self.complete {
            Complete::Never => false,
            Complete::AfterEpoch(e) => e == epoch && iteration > 0,
            Complete::Always => true,
        };
        let (report, scalars, first) = self.score(&self.val, model, device, iteration, epoch, last)?;
        let md = self.dir.join("summary.md");
        let new = !md.exists();
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&md).with_context(|| format!("writing {}", md.display()))?;
        if new {
            writeln!(f, "# Evaluation on {} ({} frames)\n", self.val.key, self.val.data.len())?;
            writeln!(f, "Percentages; AP_M / AP_H: mask AP on persons whose max IoU with another person ({}) is in [0.5, 0.75) / [0.75, 1); MOTS after tracking (video splits).\n", self.val.max_iou_from)?;
            writeln!(f, "{}", summary_head("| iteration | epoch ", 2))?;
        }
        writeln!(f, "| {iteration} | {epoch} | {}", summary_row(&report))?;
        let mut all_scalars: Vec<(String, f64)> = scalars.iter().map(|(n, v)| (format!("eval/{n}"), *v)).collect();
        let mut tests = serde_json::Map::new();
        if last {
            if let Some(s) = report["inside"]["share"].as_f64() {
                writeln!(f, "\nTable V at iteration {iteration}: {:.3} of the positives scoring > {INSIDE_SCORE} lie on their person's mask ({} of {}).", s, report["inside"]["inside"], report["inside"]["matched"])?;
            }
            for set in &self.tests {
                let (r, sc, _) = self.score(set, model, device, iteration, epoch, true).with_context(|| format!("evaluating the test set {}", set.key))?;
                writeln!(f, "\nTest set {} ({} frames) at iteration {iteration}:\n\n{}\n| {}", set.key, set.data.len(), summary_head("", 0), summary_row(&r))?;
                all_scalars.extend(sc.into_iter().map(|(n, v)| (format!("test/{}/{n}", set.key), v)));
                tests.insert(set.key.clone(), r);
            }
        }
        let image = self.preview(&first)?;
        image.save(self.dir.join(format!("{iteration:08}_preview.png"))).context("writing the preview image")?;
        let mots = match report.get("mots") {
            Some(m) if m.get("skipped").is_some() => format!(", no MOTS: {}", m["skipped"].as_str().unwrap_or("")),
            Some(m) => format!(", sMOTSA {} MOTSA {} IDS {}", pct(num(m, &["sMOTSA"])), pct(num(m, &["MOTSA"])), m["IDS"]),
            None => String::new(),
        };
        let line = format!(
            "eval after iteration {iteration} (epoch {epoch}) on {}: mask AP {} (AP50 {}, AP_M {}, AP_H {}), box AP {}{mots}, {} detections, {:.1}s; {}",
            self.val.key,
            ap_pct(num(&report, &["segm", "AP"])),
            ap_pct(num(&report, &["segm", "AP50"])),
            ap_pct(num(&report, &["occlusion", "AP_M"])),
            ap_pct(num(&report, &["occlusion", "AP_H"])),
            ap_pct(num(&report, &["bbox", "AP"])),
            report["detections"],
            num(&report, &["inference_seconds"]),
            self.dir.join(format!("{iteration}.json")).display()
        );
        if last {
            self.last = Some(FinalResults { iteration, epoch, val: report, tests });
        }
        Ok(EvalReport { scalars: all_scalars, image: Some(image), line })
    }
}

/// Writes `<run>/results.json` atomically (temporary file + rename): the finished run's final evaluation.
/// `seconds` is the wall time of the training command that finished the run.
pub fn write_results(run_dir: &Path, r: &FinalResults, seconds: f64) -> anyhow::Result<PathBuf> {
    let v = json!({
        "complete": true,
        "iteration": r.iteration,
        "epoch": r.epoch,
        "seconds": seconds,
        "val": r.val,
        "tests": r.tests,
    });
    let path = run_dir.join("results.json");
    super::checkpoint::write_atomic(&path, serde_json::to_string_pretty(&v)?.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Removes a stale `results.json` (a run being started or resumed is not finished).
pub fn clear_results(run_dir: &Path) -> anyhow::Result<()> {
    let path = run_dir.join("results.json");
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).with_context(|| format!("removing the stale {}", path.display())),
        _ => Ok(()),
    }
}
