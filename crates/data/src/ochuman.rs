//! OCHuman: the raw annotation JSON (`ochuman.json`) with its quirks, the official val/test split and the
//! conversion to COCO-style ground truth exactly as OCHumanApi's `toCocoFormart` does (eval-spec §3.1):
//! keep persons with keypoints and masks, sort image ids, val = first 2500 images, mask = outer polygons
//! minus inner polygons, `area` = box area, ids renumbered from 1, images left empty dropped.
//! The COCO-style files OCHuman also ships (`ochuman_coco_format_*.json`, RLE `size` as a string) load
//! through [`crate::coco::load_coco`].

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::DataError;
use crate::coco::{CocoAnnotation, CocoCategory, CocoFile, CocoImage};
use crate::mask::{Rle, Segmentation};
use crate::paths::read_json;

/// Number of images in the official validation split (the rest is test).
pub const VAL_IMAGES: usize = 2500;

/// COCO's keypoint order, which converted annotations use.
pub const COCO_KEYPOINTS: [&str; 17] = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle",
];

/// The raw OCHuman file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OchumanFile {
    /// Keypoint names in the order of each annotation's `keypoints`.
    pub keypoint_names: Vec<String>,
    /// Visibility codes (`missing 0, vis 1, self_occluded 2, others_occluded 3`), kept as is.
    #[serde(default)]
    pub keypoint_visible: serde_json::Value,
    /// The images, each with its persons.
    pub images: Vec<OchumanImage>,
}

/// An image id: OCHuman writes them as strings ("000001"); numbers are accepted too.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OchumanImageId {
    /// A numeric id.
    Num(u64),
    /// A string id (compared as a string, as Python sorts them).
    Str(String),
}

/// One raw image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OchumanImage {
    /// Image id.
    pub image_id: OchumanImageId,
    /// File name in the images folder.
    pub file_name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The persons.
    pub annotations: Vec<OchumanAnnotation>,
}

/// One raw person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OchumanAnnotation {
    /// Box `[x1, y1, x2, y2]` (corners, not COCO's xywh).
    pub bbox: [f64; 4],
    /// Keypoints `x, y, v` in `keypoint_names` order, or null.
    #[serde(default)]
    pub keypoints: Option<Vec<f64>>,
    /// Outer/inner polygons, or null.
    #[serde(default)]
    pub segms: Option<OchumanSegms>,
    /// Highest IoU with another person in the image (precomputed; defines the moderate/hard subsets).
    pub max_iou: f64,
}

/// A raw OCHuman mask: union of `outer` polygons minus union of `inner` polygons.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OchumanSegms {
    /// Outer outlines.
    pub outer: Vec<Vec<f64>>,
    /// Holes.
    #[serde(default)]
    pub inner: Vec<Vec<f64>>,
    /// Mask height.
    pub height: u32,
    /// Mask width.
    pub width: u32,
}

/// Which images of the keypoint-and-mask subset to convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OchumanSplit {
    /// All 4731 images.
    All,
    /// The first 2500 images by sorted id.
    Val,
    /// The remaining images.
    Test,
}

impl OchumanSegms {
    /// The mask: outer union minus inner union (OCHumanApi `Poly2Mask`); empty when there is no outer polygon.
    pub fn to_rle(&self) -> Result<Rle, crate::mask::MaskError> {
        if self.outer.is_empty() {
            return Ok(Rle::empty(self.height, self.width));
        }
        let outer = Rle::from_polygons(&self.outer, self.height, self.width)?;
        if self.inner.is_empty() {
            return Ok(outer);
        }
        let inner = Rle::from_polygons(&self.inner, self.height, self.width)?;
        let (o, i) = (outer.to_col_major(), inner.to_col_major());
        let diff: Vec<u8> = o.iter().zip(&i).map(|(&a, &b)| u8::from(a != 0 && b == 0)).collect();
        Ok(Rle::from_col_major(self.height, self.width, &diff))
    }
}

impl OchumanFile {
    /// Images with at least one person having both keypoints and a mask, persons filtered the same way,
    /// sorted by image id (OCHumanApi `Filter='kpt&segm'`).
    pub fn kpt_and_segm(&self) -> Vec<OchumanImage> {
        let mut imgs: Vec<OchumanImage> = self
            .images
            .iter()
            .filter_map(|img| {
                let anns: Vec<OchumanAnnotation> = img
                    .annotations
                    .iter()
                    .filter(|a| a.keypoints.as_ref().is_some_and(|k| !k.is_empty()) && a.segms.is_some())
                    .cloned()
                    .collect();
                (!anns.is_empty()).then(|| OchumanImage { annotations: anns, ..img.clone() })
            })
            .collect();
        imgs.sort_by(|a, b| a.image_id.cmp(&b.image_id));
        imgs
    }

    /// COCO-style ground truth for `split`, keeping persons with `lo <= max_iou < hi` (moderate: 0.5–0.75,
    /// hard: 0.75–1.0, all: 0–1), exactly as OCHumanApi `toCocoFormart`.
    pub fn to_coco(&self, split: OchumanSplit, max_iou_range: (f64, f64), file: &Path) -> Result<CocoFile, DataError> {
        let imgs = self.kpt_and_segm();
        let chosen: &[OchumanImage] = match split {
            OchumanSplit::All => &imgs,
            OchumanSplit::Val => &imgs[..imgs.len().min(VAL_IMAGES)],
            OchumanSplit::Test => &imgs[imgs.len().min(VAL_IMAGES)..],
        };
        let kp_index: Vec<Option<usize>> = COCO_KEYPOINTS.iter().map(|n| self.keypoint_names.iter().position(|k| k == n)).collect();
        let mut out = CocoFile {
            categories: vec![CocoCategory { id: 1, name: "person".into(), supercategory: Some("person".into()) }],
            ..Default::default()
        };
        let (mut img_id, mut ann_id) = (1u64, 1u64);
        for img in chosen {
            let mut kept = 0;
            for (k, a) in img.annotations.iter().enumerate() {
                if a.max_iou < max_iou_range.0 || a.max_iou >= max_iou_range.1 {
                    continue;
                }
                let what = format!("image {:?} ({}), person {k}", img.image_id, img.file_name);
                let [x1, y1, x2, y2] = a.bbox;
                let segms = a.segms.as_ref().expect("filtered on segms");
                let rle = segms.to_rle().map_err(|source| DataError::Mask { path: file.into(), what: what.clone(), source })?;
                let kpts = a.keypoints.as_deref().unwrap_or(&[]);
                let mut coco_kpts = Vec::with_capacity(51);
                let mut num = 0;
                for idx in &kp_index {
                    let Some(i) = idx.filter(|&i| 3 * i + 2 < kpts.len()) else {
                        return Err(DataError::invalid(file, what, "keypoints for all 17 COCO keypoint names"));
                    };
                    let (x, y, v) = (kpts[3 * i], kpts[3 * i + 1], kpts[3 * i + 2]);
                    let v = match v as i64 {
                        1 | 2 => {
                            num += 1;
                            2.0
                        }
                        3 => {
                            num += 1;
                            1.0
                        }
                        _ => v,
                    };
                    coco_kpts.extend([x, y, v]);
                }
                out.annotations.push(CocoAnnotation {
                    id: ann_id,
                    image_id: img_id,
                    category_id: 1,
                    segmentation: Some(Segmentation::from_rle(&rle)),
                    area: (x2 - x1) * (y2 - y1),
                    bbox: [x1, y1, x2 - x1, y2 - y1],
                    iscrowd: 0,
                    keypoints: Some(coco_kpts),
                    num_keypoints: Some(num),
                });
                ann_id += 1;
                kept += 1;
            }
            if kept > 0 {
                out.images.push(CocoImage { id: img_id, file_name: img.file_name.clone(), width: img.width, height: img.height });
                img_id += 1;
            }
        }
        Ok(out)
    }
}

/// Reads a raw OCHuman file (`ochuman.json`).
pub fn load_ochuman(path: impl AsRef<Path>) -> Result<OchumanFile, DataError> {
    let path = path.as_ref();
    let f: OchumanFile = read_json(path)?;
    for img in &f.images {
        for (k, a) in img.annotations.iter().enumerate() {
            let what = format!("image {:?} ({}), person {k}", img.image_id, img.file_name);
            if a.bbox.iter().any(|v| !v.is_finite()) || a.bbox[2] < a.bbox[0] || a.bbox[3] < a.bbox[1] {
                return Err(DataError::invalid(path, what, format!("bbox [x1, y1, x2, y2] with x2 >= x1, y2 >= y1, got {:?}", a.bbox)));
            }
            if let Some(s) = &a.segms
                && (s.height != img.height || s.width != img.width)
            {
                return Err(DataError::invalid(path, what, format!("segms size {}x{} equal to the image {}x{}", s.height, s.width, img.height, img.width)));
            }
        }
    }
    Ok(f)
}
