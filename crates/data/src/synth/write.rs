//! Writes the dataset-level files of a synthetic set: YouTube-VIS and COCO JSON per split, MOTS seqmaps and
//! the `synth.json` manifest.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::SynthError;
use super::config::SynthConfig;
use super::instances::CentreStats;
use super::video::{VideoOut, frame_file};
use crate::coco::{CocoAnnotation, CocoCategory, CocoImage};
use crate::mask::Segmentation;
use crate::paths::write_json;
use crate::ytvis::{YtvisAnnotation, YtvisFile, YtvisVideo, write_ytvis};

/// Category id of "person" in every file the generator writes.
pub const PERSON_CATEGORY: u64 = 1;

/// A COCO image entry with the video it comes from (extra keys that COCO readers ignore).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VideoCocoImage {
    /// The standard fields.
    #[serde(flatten)]
    pub image: CocoImage,
    /// YouTube-VIS video id.
    pub video_id: u64,
    /// 0-based frame index in the video.
    pub frame_index: u32,
}

/// A COCO annotation with the identity it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrackedCocoAnnotation {
    /// The standard fields.
    #[serde(flatten)]
    pub ann: CocoAnnotation,
    /// Global identity: the YouTube-VIS annotation (track) id.
    pub track_id: u64,
}

/// A COCO instances file whose entries carry video and identity keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VideoCocoFile {
    /// Free-form description.
    pub info: serde_json::Value,
    /// One entry per frame.
    pub images: Vec<VideoCocoImage>,
    /// One entry per visible person per frame.
    pub annotations: Vec<TrackedCocoAnnotation>,
    /// Just "person".
    pub categories: Vec<CocoCategory>,
}

/// Counts describing a generated set (also stored in `synth.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SynthSummary {
    /// Videos in total.
    pub videos: usize,
    /// Names of the train videos.
    pub train: Vec<String>,
    /// Names of the val videos.
    pub val: Vec<String>,
    /// Frames in total.
    pub frames: usize,
    /// Identities annotated in at least one frame.
    pub identities: usize,
    /// Annotated person masks (person × frame).
    pub instances: u64,
    /// Masks smaller than 32×32 pixels of area.
    pub small_instances: u64,
    /// Identities that left the frame and came back (counted per return).
    pub reentries: u64,
    /// Returns after at least one unannotated frame, for any reason (left the frame or fully hidden).
    pub reappearances: u64,
    /// Where box centres fall.
    pub box_centre: CentreStats,
    /// Identities per pose.
    pub poses: BTreeMap<String, usize>,
}

/// The `synth.json` manifest: what produced the set and what it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SynthManifest {
    /// Always "hvisnet synthetic people".
    pub generator: String,
    /// Bumped whenever the same config would give different files.
    pub generator_version: u32,
    /// The config used.
    pub config: SynthConfig,
    /// How the split was made.
    pub split_rule: String,
    /// Counts.
    pub summary: SynthSummary,
    /// `outside_own / instances` of `summary.box_centre`.
    pub box_centre_outside_own_rate: f64,
    /// `inside_other / instances` of `summary.box_centre`.
    pub box_centre_inside_other_rate: f64,
    /// The files, relative to the set's folder.
    pub files: BTreeMap<String, String>,
}

/// Version written into `synth.json`.
pub const GENERATOR_VERSION: u32 = 1;

/// Writes the split files and the manifest for rendered `videos` (sorted by index), returning the summary.
pub fn write_dataset(cfg: &SynthConfig, out: &Path, videos: &[VideoOut]) -> Result<SynthSummary, SynthError> {
    let n_val = cfg.val_videos();
    let n_train = cfg.videos - n_val;
    let mut s = SynthSummary { videos: cfg.videos, frames: cfg.videos * cfg.frames, ..Default::default() };
    let category = CocoCategory { id: PERSON_CATEGORY, name: "person".into(), supercategory: Some("person".into()) };
    let (mut track_id, mut ann_id) = (0u64, 0u64);
    for (split, range) in [("train", 0..n_train), ("val", n_train..cfg.videos)] {
        let mut yt = YtvisFile {
            info: Some(serde_json::json!({ "description": format!("hvisnet synthetic people, {split} split"), "seed": cfg.seed })),
            categories: vec![category.clone()],
            ..Default::default()
        };
        let mut coco = VideoCocoFile {
            info: serde_json::json!({ "description": format!("hvisnet synthetic people, {split} split, one image per frame") }),
            images: Vec::new(),
            annotations: Vec::new(),
            categories: vec![category.clone()],
        };
        let mut seqmap = String::new();
        for v in &videos[range] {
            let name = SynthConfig::video_name(v.index);
            let video_id = v.index as u64 + 1;
            let file_names: Vec<String> = (0..cfg.frames).map(|f| frame_file(&name, f)).collect();
            seqmap.push_str(&format!("{name} empty 0 {}\n", cfg.frames - 1));
            for (f, file_name) in file_names.iter().enumerate() {
                coco.images.push(VideoCocoImage {
                    image: CocoImage { id: image_id(cfg, v.index, f), file_name: file_name.clone(), width: cfg.width, height: cfg.height },
                    video_id,
                    frame_index: f as u32,
                });
            }
            yt.videos.push(YtvisVideo { id: video_id, width: cfg.width, height: cfg.height, length: cfg.frames as u32, file_names });
            for t in v.tracks.iter().filter(|t| t.masks.iter().any(Option::is_some)) {
                track_id += 1;
                s.identities += 1;
                *s.poses.entry(pose_name(t.kind)).or_default() += 1;
                let mut ann = YtvisAnnotation {
                    id: track_id,
                    video_id,
                    category_id: PERSON_CATEGORY,
                    segmentations: Vec::with_capacity(cfg.frames),
                    bboxes: Vec::with_capacity(cfg.frames),
                    areas: Vec::with_capacity(cfg.frames),
                    iscrowd: 0,
                };
                for (f, m) in t.masks.iter().enumerate() {
                    let Some(rle) = m else {
                        ann.segmentations.push(None);
                        ann.bboxes.push(None);
                        ann.areas.push(None);
                        continue;
                    };
                    let (seg, bbox, area) = (Segmentation::from_rle(rle), rle.bbox(), rle.area() as f64);
                    s.instances += 1;
                    s.small_instances += u64::from(area < 1024.0);
                    ann_id += 1;
                    coco.annotations.push(TrackedCocoAnnotation {
                        ann: CocoAnnotation {
                            id: ann_id,
                            image_id: image_id(cfg, v.index, f),
                            category_id: PERSON_CATEGORY,
                            segmentation: Some(seg.clone()),
                            area,
                            bbox,
                            iscrowd: 0,
                            keypoints: None,
                            num_keypoints: None,
                        },
                        track_id,
                    });
                    ann.segmentations.push(Some(seg));
                    ann.bboxes.push(Some(bbox));
                    ann.areas.push(Some(area));
                }
                yt.annotations.push(ann);
            }
            s.box_centre.add(&v.centre);
            s.reentries += v.reentries;
            s.reappearances += v.reappearances;
            if split == "train" { &mut s.train } else { &mut s.val }.push(name);
        }
        write_ytvis(out.join(format!("{split}.json")), &yt)?;
        write_json(&out.join(format!("instances_{split}.json")), &coco)?;
        let path = out.join("mots").join(format!("{split}.seqmap"));
        std::fs::create_dir_all(out.join("mots")).map_err(|e| SynthError::io(out.join("mots"), e))?;
        std::fs::write(&path, seqmap).map_err(|e| SynthError::io(&path, e))?;
    }
    let files = [
        ("frames", "{train,val}/JPEGImages/<video>/<frame:05>.jpg"),
        ("ytvis_train", "train.json"),
        ("ytvis_val", "val.json"),
        ("coco_train", "instances_train.json"),
        ("coco_val", "instances_val.json"),
        ("mots", "mots/<video>.txt"),
        ("mots_seqmaps", "mots/train.seqmap, mots/val.seqmap"),
    ];
    let mut files: BTreeMap<String, String> = files.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    if cfg.id_pngs {
        files.insert("mots_png".into(), "mots_png/<video>/<frame:06>.png".into());
    }
    let manifest = SynthManifest {
        generator: "hvisnet synthetic people".into(),
        generator_version: GENERATOR_VERSION,
        config: cfg.clone(),
        split_rule: format!("videos 0..{n_train} are train, the last {n_val} (round(videos * val_fraction)) are val"),
        box_centre_outside_own_rate: s.box_centre.outside_own_rate(),
        box_centre_inside_other_rate: s.box_centre.inside_other_rate(),
        summary: s.clone(),
        files,
    };
    let path = out.join("synth.json");
    let bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| SynthError::Data(crate::DataError::json(&path, e)))?;
    std::fs::write(&path, bytes).map_err(|e| SynthError::io(&path, e))?;
    Ok(s)
}

/// COCO image id of frame `f` of video `index` (unique across splits).
pub fn image_id(cfg: &SynthConfig, index: usize, f: usize) -> u64 {
    (index * cfg.frames + f) as u64 + 1
}

fn pose_name(kind: super::figure::PoseKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}
