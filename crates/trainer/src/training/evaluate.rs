//! The evaluation hook: runs the model over the validation split at the test transform, writes the
//! predictions as COCO results, scores mask and box AP with `eval::coco` (pycocotools-exact) against the
//! split's ground truth, and records `eval/<iter>.json`, `eval/<iter>_results.json` and `eval/summary.md`.
//!
//! The ground truth is built from the split's own annotations (image id = frame position + 1), so every
//! dataset format is scored the same way; it is written to `eval/gt_<split>.json` for pycocotools users.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use burn::prelude::*;
use data::coco::{CocoAnnotation, CocoCategory, CocoFile, CocoImage, CocoResult};
use data::datasets::FrameDataset;
use data::mask::Segmentation;
use serde_json::json;

use super::engine::{EvalHook, EvalReport};
use super::model::{InferModel, Instance};

/// Mask AP on a validation split.
pub struct CocoEvaluator {
    val: Arc<FrameDataset>,
    gt: CocoFile,
    gt_path: PathBuf,
    augment: data::augment::AugmentConfig,
    dir: PathBuf,
    /// Score above which predictions are drawn in the preview image.
    pub draw_thresh: f32,
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

impl CocoEvaluator {
    /// An evaluator over `val` writing into `<run>/eval/`.
    pub fn new(val: Arc<FrameDataset>, augment: data::augment::AugmentConfig, run_dir: &std::path::Path, draw_thresh: f32) -> anyhow::Result<Self> {
        let dir = run_dir.join("eval");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let gt = ground_truth(&val)?;
        let gt_path = dir.join(format!("gt_{}.json", val.name.replace('/', "_")));
        std::fs::write(&gt_path, serde_json::to_vec(&gt)?).with_context(|| format!("writing {}", gt_path.display()))?;
        Ok(Self { val, gt, gt_path, augment, dir, draw_thresh })
    }

    /// Predictions for every validation frame, as COCO results (segm and bbox), plus the first frame's.
    fn predict<B: Backend, I: InferModel<B>>(&self, model: &I, device: &B::Device) -> anyhow::Result<(Vec<CocoResult>, Vec<CocoResult>, Vec<Instance>)> {
        let (mut segm, mut bbox, mut first) = (Vec::new(), Vec::new(), Vec::new());
        for k in 0..self.val.len() {
            let s = self.val.get(k).with_context(|| format!("loading validation frame {k} of {}", self.val.name))?;
            let mut rng = data::augment::sample_rng(self.augment.seed, 0, k as u64);
            let a = data::augment::augment(&s, &self.augment, false, &mut rng);
            let insts = model.infer(&a, (s.image.height(), s.image.width()), device).with_context(|| format!("inference on {}", s.sample_id))?;
            for i in &insts {
                let image_id = k as u64 + 1;
                segm.push(CocoResult {
                    image_id,
                    category_id: 1,
                    score: i.score as f64,
                    segmentation: Some(Segmentation::Compressed { size: [i.mask.h, i.mask.w], counts: i.mask.to_compressed() }),
                    bbox: None,
                });
                let [x1, y1, x2, y2] = i.bbox.map(|v| v as f64);
                bbox.push(CocoResult { image_id, category_id: 1, score: i.score as f64, segmentation: None, bbox: Some([x1, y1, x2 - x1, y2 - y1]) });
            }
            if k == 0 {
                first = insts;
            }
        }
        Ok((segm, bbox, first))
    }

    /// Draws instances over frame 0 of the split.
    fn preview(&self, insts: &[Instance]) -> anyhow::Result<image::RgbImage> {
        let mut img = self.val.get(0)?.image;
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

impl<B: Backend, I: InferModel<B>> EvalHook<B, I> for CocoEvaluator {
    fn evaluate(&mut self, model: &I, device: &B::Device, iteration: u64, epoch: u32) -> anyhow::Result<EvalReport> {
        let t0 = std::time::Instant::now();
        let (segm, bbox, first) = self.predict(model, device)?;
        let seconds = t0.elapsed().as_secs_f64();
        let res_path = self.dir.join(format!("{iteration:08}_results.json"));
        std::fs::write(&res_path, serde_json::to_vec(&segm)?).with_context(|| format!("writing {}", res_path.display()))?;
        let m = eval::coco::evaluate(&self.gt, &self.gt_path, &segm, &res_path, eval::coco::IouType::Segm)?;
        let b = eval::coco::evaluate(&self.gt, &self.gt_path, &bbox, &res_path, eval::coco::IouType::Bbox)?;
        let names = eval::coco::STAT_NAMES;
        let report = json!({
            "iteration": iteration,
            "epoch": epoch,
            "split": self.val.name,
            "frames": self.val.len(),
            "detections": segm.len(),
            "inference_seconds": seconds,
            "segm": names.iter().zip(m.stats).map(|(n, v)| (n.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "bbox": names.iter().zip(b.stats).map(|(n, v)| (n.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "ground_truth": self.gt_path.file_name().map(|f| f.to_string_lossy().to_string()),
            "results": res_path.file_name().map(|f| f.to_string_lossy().to_string()),
        });
        let json_path = self.dir.join(format!("{iteration}.json"));
        std::fs::write(&json_path, serde_json::to_string_pretty(&report)?).with_context(|| format!("writing {}", json_path.display()))?;
        let md = self.dir.join("summary.md");
        let new = !md.exists();
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&md).with_context(|| format!("writing {}", md.display()))?;
        if new {
            writeln!(f, "# Evaluation on {} ({} frames)\n", self.val.name, self.val.len())?;
            writeln!(f, "| iteration | epoch | mask AP | mask AP50 | mask AP75 | box AP | box AP50 | detections |")?;
            writeln!(f, "|---:|---:|---:|---:|---:|---:|---:|---:|")?;
        }
        let pct = |v: f64| format!("{:.1}", 100.0 * v);
        writeln!(f, "| {iteration} | {epoch} | {} | {} | {} | {} | {} | {} |", pct(m.stats[0]), pct(m.stats[1]), pct(m.stats[2]), pct(b.stats[0]), pct(b.stats[1]), segm.len())?;
        let image = self.preview(&first)?;
        image.save(self.dir.join(format!("{iteration:08}_preview.png"))).context("writing the preview image")?;
        Ok(EvalReport {
            scalars: vec![
                ("eval/mask_AP".into(), m.stats[0]),
                ("eval/mask_AP50".into(), m.stats[1]),
                ("eval/mask_AP75".into(), m.stats[2]),
                ("eval/box_AP".into(), b.stats[0]),
                ("eval/box_AP50".into(), b.stats[1]),
            ],
            image: Some(image),
            line: format!(
                "eval after iteration {iteration} (epoch {epoch}) on {}: mask AP {} (AP50 {}), box AP {}, {} detections, {seconds:.1}s; {}",
                self.val.name,
                pct(m.stats[0]),
                pct(m.stats[1]),
                pct(b.stats[0]),
                segm.len(),
                json_path.display()
            ),
        })
    }
}
