//! COCO instances JSON (images, annotations, categories) and the COCO results list: serde types, a
//! validating loader and writers. Segmentations keep their on-disk form ([`Segmentation`]).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::DataError;
use crate::mask::{Rle, Segmentation};
use crate::paths::{read_json, write_json};

/// A COCO instances file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CocoFile {
    /// Free-form `info` block, kept as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<serde_json::Value>,
    /// Free-form `licenses` block, kept as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licenses: Option<serde_json::Value>,
    /// The images.
    pub images: Vec<CocoImage>,
    /// The object annotations.
    #[serde(default)]
    pub annotations: Vec<CocoAnnotation>,
    /// The categories.
    #[serde(default)]
    pub categories: Vec<CocoCategory>,
}

/// One image entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CocoImage {
    /// Image id, unique in the file.
    pub id: u64,
    /// File name relative to the image folder.
    pub file_name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// One object annotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CocoAnnotation {
    /// Annotation id, unique in the file.
    pub id: u64,
    /// The image it belongs to.
    pub image_id: u64,
    /// Its category.
    pub category_id: u64,
    /// The mask (polygons or RLE), if any.
    #[serde(default)]
    pub segmentation: Option<Segmentation>,
    /// The stored area (COCOeval uses it as is for ground truth; OCHuman stores the box area here).
    #[serde(default)]
    pub area: f64,
    /// Box `[x, y, w, h]`.
    pub bbox: [f64; 4],
    /// 1 for a crowd region (ignored by COCOeval), else 0.
    #[serde(default)]
    pub iscrowd: u8,
    /// Keypoints `[x, y, v] * K`, kept when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keypoints: Option<Vec<f64>>,
    /// Number of labelled keypoints, kept when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_keypoints: Option<u32>,
}

/// One category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CocoCategory {
    /// Category id.
    pub id: u64,
    /// Category name, e.g. "person".
    pub name: String,
    /// Super-category, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supercategory: Option<String>,
}

/// One entry of a COCO results list (detections submitted for evaluation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CocoResult {
    /// The image the detection is on.
    pub image_id: u64,
    /// Predicted category.
    pub category_id: u64,
    /// Confidence.
    pub score: f64,
    /// Predicted mask (compressed RLE for segm results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segmentation: Option<Segmentation>,
    /// Predicted box `[x, y, w, h]` (bbox results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
}

impl CocoFile {
    /// Id of the category named "person", if the file has one.
    pub fn person_category_id(&self) -> Option<u64> {
        self.categories.iter().find(|c| c.name == "person").map(|c| c.id)
    }

    /// Image by id.
    pub fn image_index(&self) -> HashMap<u64, &CocoImage> {
        self.images.iter().map(|i| (i.id, i)).collect()
    }

    /// Annotations grouped by image id, in file order.
    pub fn annotations_by_image(&self) -> HashMap<u64, Vec<&CocoAnnotation>> {
        let mut m: HashMap<u64, Vec<&CocoAnnotation>> = HashMap::new();
        for a in &self.annotations {
            m.entry(a.image_id).or_default().push(a);
        }
        m
    }

    /// Decodes an annotation's mask on its image (polygons rasterised, RLE checked against the image size).
    pub fn annotation_rle(&self, ann: &CocoAnnotation, image: &CocoImage, file: &Path) -> Result<Option<Rle>, DataError> {
        let Some(seg) = &ann.segmentation else { return Ok(None) };
        seg.to_rle(image.height, image.width)
            .map(Some)
            .map_err(|source| DataError::Mask { path: file.into(), what: format!("annotation id {}", ann.id), source })
    }

    /// Every rule the file breaks, each naming the record: duplicate ids, annotations pointing at missing
    /// images or categories, bad boxes, and masks that do not decode. With `decode_masks`, every mask is
    /// decoded (polygons rasterised); otherwise only their shape is checked.
    pub fn problems(&self, file: &Path, decode_masks: bool) -> Vec<DataError> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for img in &self.images {
            if !seen.insert(img.id) {
                out.push(DataError::invalid(file, format!("image id {}", img.id), "unique image ids (this id repeats)"));
            }
            if img.width == 0 || img.height == 0 {
                out.push(DataError::invalid(file, format!("image id {}", img.id), "positive width and height"));
            }
        }
        let images = self.image_index();
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
            if a.bbox.iter().any(|v| !v.is_finite()) || a.bbox[2] < 0.0 || a.bbox[3] < 0.0 {
                out.push(DataError::invalid(file, &what, format!("bbox [x, y, w, h] with finite values and w, h >= 0, got {:?}", a.bbox)));
            }
            if a.iscrowd > 1 {
                out.push(DataError::invalid(file, &what, format!("iscrowd 0 or 1, got {}", a.iscrowd)));
            }
            let Some(img) = images.get(&a.image_id) else {
                out.push(DataError::invalid(file, &what, format!("image_id {} listed in images", a.image_id)));
                continue;
            };
            if let Err(e) = check_segmentation(a.segmentation.as_ref(), img.height, img.width, decode_masks) {
                out.push(DataError::Mask { path: file.into(), what, source: e });
            }
        }
        out
    }
}

/// Checks a segmentation against its image: with `decode`, fully decodes it; otherwise checks polygon
/// shapes, RLE sizes and that compressed strings decode.
pub(crate) fn check_segmentation(seg: Option<&Segmentation>, h: u32, w: u32, decode: bool) -> Result<(), crate::mask::MaskError> {
    use crate::mask::MaskError;
    match seg {
        None => Ok(()),
        Some(s) if decode => s.to_rle(h, w).map(|_| ()),
        Some(Segmentation::Polygons(p)) => {
            if p.is_empty() {
                return Err(MaskError::NoPolygons);
            }
            for (i, poly) in p.iter().enumerate() {
                if poly.len() < 6 || poly.len() % 2 != 0 {
                    return Err(MaskError::BadPolygon { index: i, len: poly.len() });
                }
                if poly.iter().any(|v| !v.is_finite()) {
                    return Err(MaskError::NonFinitePolygon { index: i });
                }
            }
            Ok(())
        }
        Some(s) => s.to_rle(h, w).map(|_| ()),
    }
}

/// Reads a COCO instances file and rejects it on the first structural problem (see [`CocoFile::problems`];
/// masks are shape-checked, not rasterised).
pub fn load_coco(path: impl AsRef<Path>) -> Result<CocoFile, DataError> {
    let path = path.as_ref();
    let file: CocoFile = read_json(path)?;
    if let Some(e) = file.problems(path, false).into_iter().next() {
        return Err(e);
    }
    Ok(file)
}

/// Writes a COCO instances file.
pub fn write_coco(path: impl AsRef<Path>, file: &CocoFile) -> Result<(), DataError> {
    write_json(path.as_ref(), file)
}

/// Reads a COCO results list (each entry needs a segmentation or a bbox).
pub fn load_results(path: impl AsRef<Path>) -> Result<Vec<CocoResult>, DataError> {
    let path = path.as_ref();
    let res: Vec<CocoResult> = read_json(path)?;
    for (i, r) in res.iter().enumerate() {
        if r.segmentation.is_none() && r.bbox.is_none() {
            return Err(DataError::invalid(path, format!("result {i} (image_id {})", r.image_id), "a segmentation or a bbox"));
        }
        if !r.score.is_finite() {
            return Err(DataError::invalid(path, format!("result {i} (image_id {})", r.image_id), "a finite score"));
        }
    }
    Ok(res)
}

/// Writes a COCO results list.
pub fn write_results(path: impl AsRef<Path>, results: &[CocoResult]) -> Result<(), DataError> {
    write_json(path.as_ref(), &results)
}
