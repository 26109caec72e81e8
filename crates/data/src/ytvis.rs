//! YouTube-VIS JSON (also HVIS's format): videos with per-frame file names, annotations with per-frame
//! segmentations, boxes and areas that may be null; plus the results list. Serde types, loader, writers.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::DataError;
use crate::coco::CocoCategory;
use crate::mask::Segmentation;
use crate::paths::{read_json, write_json};

/// A YouTube-VIS annotation file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct YtvisFile {
    /// Free-form `info` block, kept as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<serde_json::Value>,
    /// The videos.
    pub videos: Vec<YtvisVideo>,
    /// One entry per object track.
    #[serde(default)]
    pub annotations: Vec<YtvisAnnotation>,
    /// The categories.
    #[serde(default)]
    pub categories: Vec<CocoCategory>,
}

/// One video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YtvisVideo {
    /// Video id, unique in the file.
    pub id: u64,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Number of frames (must equal `file_names.len()`).
    pub length: u32,
    /// Frame files relative to the frame folder, in time order.
    pub file_names: Vec<String>,
}

/// One object track: per-frame masks, boxes and areas (null where the object is absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YtvisAnnotation {
    /// Track id, unique in the file.
    pub id: u64,
    /// The video.
    pub video_id: u64,
    /// Its category.
    pub category_id: u64,
    /// One entry per frame of the video.
    pub segmentations: Vec<Option<Segmentation>>,
    /// One `[x, y, w, h]` per frame, null where absent.
    #[serde(default)]
    pub bboxes: Vec<Option<[f64; 4]>>,
    /// One area per frame, null where absent.
    #[serde(default)]
    pub areas: Vec<Option<f64>>,
    /// 1 for a crowd track.
    #[serde(default)]
    pub iscrowd: u8,
}

/// One entry of a YouTube-VIS results list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YtvisResult {
    /// The video.
    pub video_id: u64,
    /// Predicted category.
    pub category_id: u64,
    /// Confidence of the whole track.
    pub score: f64,
    /// One compressed RLE (or null) per frame.
    pub segmentations: Vec<Option<Segmentation>>,
}

impl YtvisFile {
    /// Id of the category named "person" (case-insensitive), if any.
    pub fn person_category_id(&self) -> Option<u64> {
        self.categories.iter().find(|c| c.name.eq_ignore_ascii_case("person")).map(|c| c.id)
    }

    /// Video by id.
    pub fn video_index(&self) -> HashMap<u64, &YtvisVideo> {
        self.videos.iter().map(|v| (v.id, v)).collect()
    }

    /// Every rule the file breaks, each naming the video or annotation id. With `decode_masks`, every
    /// per-frame mask is decoded; otherwise only shapes are checked.
    pub fn problems(&self, file: &Path, decode_masks: bool) -> Vec<DataError> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for v in &self.videos {
            let what = format!("video id {}", v.id);
            if !seen.insert(v.id) {
                out.push(DataError::invalid(file, &what, "unique video ids (this id repeats)"));
            }
            if v.length as usize != v.file_names.len() {
                out.push(DataError::invalid(file, &what, format!("length {} equal to the number of file_names {}", v.length, v.file_names.len())));
            }
            if v.width == 0 || v.height == 0 {
                out.push(DataError::invalid(file, &what, "positive width and height"));
            }
        }
        let videos = self.video_index();
        let cats: HashSet<u64> = self.categories.iter().map(|c| c.id).collect();
        let mut seen = HashSet::new();
        for a in &self.annotations {
            let what = format!("annotation id {}", a.id);
            if !seen.insert(a.id) {
                out.push(DataError::invalid(file, &what, "unique annotation ids (this id repeats)"));
            }
            if !cats.contains(&a.category_id) {
                out.push(DataError::invalid(file, &what, format!("category_id {} listed in categories", a.category_id)));
            }
            let Some(v) = videos.get(&a.video_id) else {
                out.push(DataError::invalid(file, &what, format!("video_id {} listed in videos", a.video_id)));
                continue;
            };
            let n = v.file_names.len();
            if a.segmentations.len() != n {
                out.push(DataError::invalid(file, &what, format!("{n} segmentations (one per frame of video {}), got {}", v.id, a.segmentations.len())));
            }
            if !a.bboxes.is_empty() && a.bboxes.len() != n {
                out.push(DataError::invalid(file, &what, format!("{n} bboxes (one per frame), got {}", a.bboxes.len())));
            }
            if !a.areas.is_empty() && a.areas.len() != n {
                out.push(DataError::invalid(file, &what, format!("{n} areas (one per frame), got {}", a.areas.len())));
            }
            for (f, s) in a.segmentations.iter().enumerate() {
                if let Err(e) = crate::coco::check_segmentation(s.as_ref(), v.height, v.width, decode_masks) {
                    out.push(DataError::Mask { path: file.into(), what: format!("{what}, frame {f}"), source: e });
                }
            }
        }
        out
    }
}

/// Reads a YouTube-VIS file and rejects it on the first structural problem (see [`YtvisFile::problems`]).
pub fn load_ytvis(path: impl AsRef<Path>) -> Result<YtvisFile, DataError> {
    let path = path.as_ref();
    let file: YtvisFile = read_json(path)?;
    if let Some(e) = file.problems(path, false).into_iter().next() {
        return Err(e);
    }
    Ok(file)
}

/// Writes a YouTube-VIS file.
pub fn write_ytvis(path: impl AsRef<Path>, file: &YtvisFile) -> Result<(), DataError> {
    write_json(path.as_ref(), file)
}

/// Reads a YouTube-VIS results list.
pub fn load_ytvis_results(path: impl AsRef<Path>) -> Result<Vec<YtvisResult>, DataError> {
    let path = path.as_ref();
    let res: Vec<YtvisResult> = read_json(path)?;
    for (i, r) in res.iter().enumerate() {
        if !r.score.is_finite() {
            return Err(DataError::invalid(path, format!("result {i} (video_id {})", r.video_id), "a finite score"));
        }
    }
    Ok(res)
}

/// Writes a YouTube-VIS results list.
pub fn write_ytvis_results(path: impl AsRef<Path>, results: &[YtvisResult]) -> Result<(), DataError> {
    write_json(path.as_ref(), &results)
}
