//! A format-independent index of annotated frames: every loader (COCO images, YouTube-VIS videos, OCHuman,
//! MOTS) is turned into a list of [`FrameRecord`]s, which datasets decode into [`Sample`]s and `stats`
//! summarises.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::coco::CocoFile;
use crate::mask::{Rle, Segmentation};
use crate::mots::MotsRow;
use crate::paths::join_under;
use crate::sample::{Sample, mask_box_xyxy};
use crate::ytvis::YtvisFile;
use crate::DataError;

/// One person in one frame, mask not yet decoded.
#[derive(Debug, Clone)]
pub struct ObjectRecord {
    /// The mask as stored.
    pub segmentation: Segmentation,
    /// Global identity (1-based; 0 = unknown, e.g. COCO persons, which have no identity across images).
    pub identity: u32,
    /// Where it came from, for error messages (e.g. "annotation id 17").
    pub source: String,
}

/// One annotated frame (or image).
#[derive(Debug, Clone)]
pub struct FrameRecord {
    /// The image file (already checked to stay under the dataset root).
    pub image: PathBuf,
    /// Height in pixels, as annotated.
    pub height: u32,
    /// Width in pixels, as annotated.
    pub width: u32,
    /// Video id (image id for image datasets).
    pub video_id: u64,
    /// Frame index in the video (0 for images).
    pub frame_index: u32,
    /// Readable unique id.
    pub sample_id: String,
    /// The people in the frame (crowd regions excluded).
    pub objects: Vec<ObjectRecord>,
    /// The annotation file, for error messages.
    pub annotation_file: PathBuf,
    /// Which record of the annotation file this frame is (e.g. "image id 785", "video id 3, frame 2").
    pub record: String,
}

impl FrameRecord {
    /// Decodes every person mask (errors name the annotation).
    pub fn masks(&self) -> Result<Vec<Rle>, DataError> {
        self.objects
            .iter()
            .map(|o| {
                o.segmentation.to_rle(self.height, self.width).map_err(|source| DataError::Mask {
                    path: self.annotation_file.clone(),
                    what: o.source.clone(),
                    source,
                })
            })
            .collect()
    }

    /// Decodes the image and masks into a [`Sample`]. People whose mask is empty are dropped. The image must
    /// have the annotated size.
    pub fn load(&self) -> Result<Sample, DataError> {
        let image = decode_image(&self.image)?;
        if image.width() != self.width || image.height() != self.height {
            return Err(DataError::invalid(
                &self.annotation_file,
                format!("{} ({})", self.record, self.image.display()),
                format!("an image of {}x{} (w x h) as annotated, got {}x{}", self.width, self.height, image.width(), image.height()),
            ));
        }
        let mut sample = Sample {
            image,
            masks: Vec::new(),
            boxes: Vec::new(),
            identities: Vec::new(),
            video_id: self.video_id,
            frame_index: self.frame_index,
            sample_id: self.sample_id.clone(),
        };
        for (o, m) in self.objects.iter().zip(self.masks()?) {
            if m.area() == 0 {
                continue;
            }
            sample.boxes.push(mask_box_xyxy(&m));
            sample.masks.push(m);
            sample.identities.push(o.identity);
        }
        Ok(sample)
    }
}

/// Decodes an image file to RGB; a missing file is an I/O error, a corrupt one an image error.
pub fn decode_image(path: &Path) -> Result<image::RgbImage, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    let img = image::load_from_memory(&bytes).map_err(|e| DataError::Image { path: path.into(), msg: e.to_string() })?;
    Ok(img.into_rgb8())
}

/// Frames of a COCO file: one per image that has at least one non-crowd annotation of `category`
/// (all images when `keep_empty`). Identities are 0 (unknown): COCO persons have no identity across images.
pub fn coco_frames(file: &CocoFile, json: &Path, image_root: &Path, category: u64, keep_empty: bool, tag: &str) -> Result<Vec<FrameRecord>, DataError> {
    let by_image = file.annotations_by_image();
    let mut out = Vec::new();
    for img in &file.images {
        let objects: Vec<ObjectRecord> = by_image
            .get(&img.id)
            .into_iter()
            .flatten()
            .filter(|a| a.category_id == category && a.iscrowd == 0)
            .filter_map(|a| {
                a.segmentation.clone().map(|s| ObjectRecord { segmentation: s, identity: 0, source: format!("annotation id {}", a.id) })
            })
            .collect();
        if objects.is_empty() && !keep_empty {
            continue;
        }
        out.push(FrameRecord {
            image: join_under(image_root, &img.file_name, json, &format!("image id {}", img.id))?,
            height: img.height,
            width: img.width,
            video_id: img.id,
            frame_index: 0,
            sample_id: format!("{tag}/{}", img.file_name),
            objects,
            annotation_file: json.to_path_buf(),
            record: format!("image id {}", img.id),
        });
    }
    Ok(out)
}

/// Frames of a YouTube-VIS file restricted to `category` and to the videos `keep` accepts. Identities are
/// numbered 1.. over the kept tracks in annotation-id order, starting after `identity_offset`, so they are
/// global across the set. Returns the frames and the number of identities used.
pub fn ytvis_frames(
    file: &YtvisFile,
    json: &Path,
    frame_root: &Path,
    category: u64,
    keep: &dyn Fn(u64) -> bool,
    identity_offset: u32,
    tag: &str,
) -> Result<(Vec<FrameRecord>, u32), DataError> {
    let mut tracks: Vec<_> = file.annotations.iter().filter(|a| a.category_id == category && a.iscrowd == 0 && keep(a.video_id)).collect();
    tracks.sort_by_key(|a| a.id);
    let identity: BTreeMap<u64, u32> = tracks.iter().enumerate().map(|(i, a)| (a.id, identity_offset + i as u32 + 1)).collect();
    let mut out = Vec::new();
    for v in file.videos.iter().filter(|v| keep(v.id)) {
        let vt: Vec<_> = tracks.iter().filter(|a| a.video_id == v.id).collect();
        for (f, name) in v.file_names.iter().enumerate() {
            let objects: Vec<ObjectRecord> = vt
                .iter()
                .filter_map(|a| {
                    a.segmentations.get(f).cloned().flatten().map(|s| ObjectRecord {
                        segmentation: s,
                        identity: identity[&a.id],
                        source: format!("annotation id {}, frame {f}", a.id),
                    })
                })
                .collect();
            out.push(FrameRecord {
                image: join_under(frame_root, name, json, &format!("video id {}, frame {f}", v.id))?,
                height: v.height,
                width: v.width,
                video_id: v.id,
                frame_index: f as u32,
                sample_id: format!("{tag}/{name}"),
                objects,
                annotation_file: json.to_path_buf(),
                record: format!("video id {}, frame {f}", v.id),
            });
        }
    }
    Ok((out, tracks.len() as u32))
}

/// Frames of a MOTS txt file (no images: `image` is empty). Ignore regions (class 10) are left out; the
/// identity is the object id.
pub fn mots_frames(rows: &[MotsRow], txt: &Path) -> Vec<FrameRecord> {
    let mut by_frame: BTreeMap<u32, Vec<&MotsRow>> = BTreeMap::new();
    for r in rows {
        by_frame.entry(r.frame).or_default().push(r);
    }
    by_frame
        .into_iter()
        .map(|(f, rs)| {
            let (h, w) = rs.first().map(|r| (r.rle.h, r.rle.w)).unwrap_or((0, 0));
            FrameRecord {
                image: PathBuf::new(),
                height: h,
                width: w,
                video_id: 0,
                frame_index: f,
                sample_id: format!("{}#{f}", txt.display()),
                objects: rs
                    .iter()
                    .filter(|r| !r.is_ignore())
                    .map(|r| ObjectRecord { segmentation: Segmentation::from_rle(&r.rle), identity: r.track_id, source: format!("frame {f}, id {}", r.track_id) })
                    .collect(),
                annotation_file: txt.to_path_buf(),
                record: format!("frame {f}"),
            }
        })
        .collect()
}
