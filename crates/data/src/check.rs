//! Validation of annotation files for `trainer data check`: every problem (with the record it concerns)
//! is collected rather than stopping at the first, and the counts a researcher compares with the
//! dataset's documentation are returned. Unreadable or unparsable files are a hard error.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::coco::CocoFile;
use crate::frames::{FrameRecord, coco_frames, decode_image, mots_frames, ytvis_frames};
use crate::ochuman::{OchumanFile, OchumanSplit, VAL_IMAGES};
use crate::paths::{join_under, read_json};
use crate::{DataError, mots};

/// The annotation formats `check` and `stats` understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// COCO instances JSON.
    Coco,
    /// YouTube-VIS JSON.
    Ytvis,
    /// OCHuman raw JSON (or its COCO-style files).
    Ochuman,
    /// MOTS txt.
    Mots,
}

/// Counts and problems found in one annotation file.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Labelled counts, in display order (e.g. ("images", 4)).
    pub counts: Vec<(String, usize)>,
    /// Every problem found.
    pub problems: Vec<DataError>,
}

impl CheckReport {
    fn count(&mut self, k: &str, v: usize) {
        self.counts.push((k.to_string(), v));
    }
}

/// Loads the person frames of a file in any format (for `stats`); MOTS frames carry no images.
pub fn person_frames(format: Format, path: &Path, images: Option<&Path>) -> Result<Vec<FrameRecord>, DataError> {
    let root = images.map(Path::to_path_buf).unwrap_or_default();
    match format {
        Format::Coco => {
            let f: CocoFile = read_json(path)?;
            let person = person_id(f.person_category_id(), path)?;
            coco_frames(&f, path, &root, person, true, "coco")
        }
        Format::Ytvis => {
            let f: crate::ytvis::YtvisFile = read_json(path)?;
            let person = person_id(f.person_category_id(), path)?;
            Ok(ytvis_frames(&f, path, &root, person, &|_| true, 0, "ytvis")?.0)
        }
        Format::Ochuman => {
            let v: serde_json::Value = read_json(path)?;
            let coco = if v.get("keypoint_names").is_some() {
                let f: OchumanFile = serde_json::from_value(v).map_err(|e| DataError::json(path, e))?;
                f.to_coco(OchumanSplit::All, (0.0, 1.0), path)?
            } else {
                serde_json::from_value(v).map_err(|e| DataError::json(path, e))?
            };
            coco_frames(&coco, path, &root, 1, true, "ochuman")
        }
        Format::Mots => Ok(mots_frames(&mots::read_mots_txt(path)?, path)),
    }
}

fn person_id(id: Option<u64>, path: &Path) -> Result<u64, DataError> {
    id.ok_or_else(|| DataError::invalid(path, "categories", "a category named \"person\""))
}

/// Checks that every frame's image stays under the root, exists, decodes and has the annotated size.
fn check_images(frames: &[FrameRecord]) -> Vec<DataError> {
    frames
        .par_iter()
        .filter_map(|f| match decode_image(&f.image) {
            Err(e) => Some(DataError::invalid(&f.annotation_file, &f.record, format!("a readable image: {e}"))),
            Ok(img) if (img.width(), img.height()) != (f.width, f.height) => Some(DataError::invalid(
                &f.annotation_file,
                format!("{} ({})", f.record, f.image.display()),
                format!("an image of {}x{} (w x h) as annotated, got {}x{}", f.width, f.height, img.width(), img.height()),
            )),
            Ok(_) => None,
        })
        .collect()
}

/// Path problems of the named files (absolute or `..`), each as a problem.
fn path_problems<'a>(names: impl Iterator<Item = (String, &'a str)>, root: &Path, file: &Path) -> Vec<DataError> {
    names.filter_map(|(what, n)| join_under(root, n, file, &what).err()).collect()
}

/// Validates an annotation file (and, with `images`, that every image exists and decodes) and counts
/// images or videos, frames, person instances and identities.
pub fn check(format: Format, path: &Path, images: Option<&Path>) -> Result<CheckReport, DataError> {
    let mut r = CheckReport::default();
    let root: PathBuf = images.map(Path::to_path_buf).unwrap_or_default();
    match format {
        Format::Coco => {
            let f: CocoFile = read_json(path)?;
            r.problems = f.problems(path, true);
            r.problems.extend(path_problems(f.images.iter().map(|i| (format!("image id {}", i.id), i.file_name.as_str())), &root, path));
            let person = f.person_category_id();
            let persons: Vec<_> = f.annotations.iter().filter(|a| Some(a.category_id) == person).collect();
            r.count("images", f.images.len());
            r.count("frames", f.images.len());
            r.count("annotations", f.annotations.len());
            r.count("person instances", persons.iter().filter(|a| a.iscrowd == 0).count());
            r.count("person crowd regions", persons.iter().filter(|a| a.iscrowd != 0).count());
            r.count("identities", 0);
            if person.is_none() {
                r.problems.push(DataError::invalid(path, "categories", "a category named \"person\""));
            }
            if images.is_some() && r.problems.is_empty() {
                let frames = coco_frames(&f, path, &root, person.unwrap_or(0), true, "coco")?;
                r.problems.extend(check_images(&frames));
            }
        }
        Format::Ytvis => {
            let f: crate::ytvis::YtvisFile = read_json(path)?;
            r.problems = f.problems(path, true);
            r.problems.extend(path_problems(
                f.videos.iter().flat_map(|v| v.file_names.iter().enumerate().map(move |(k, n)| (format!("video id {}, frame {k}", v.id), n.as_str()))),
                &root,
                path,
            ));
            let person = f.person_category_id();
            let tracks: Vec<_> = f.annotations.iter().filter(|a| Some(a.category_id) == person && a.iscrowd == 0).collect();
            r.count("videos", f.videos.len());
            r.count("frames", f.videos.iter().map(|v| v.file_names.len()).sum());
            r.count("annotations (tracks)", f.annotations.len());
            r.count("person instances (masks)", tracks.iter().map(|a| a.segmentations.iter().filter(|s| s.is_some()).count()).sum());
            r.count("identities (person tracks)", tracks.len());
            if person.is_none() {
                r.problems.push(DataError::invalid(path, "categories", "a category named \"person\""));
            }
            if images.is_some() && r.problems.is_empty() {
                let (frames, _) = ytvis_frames(&f, path, &root, person.unwrap_or(0), &|_| true, 0, "ytvis")?;
                r.problems.extend(check_images(&frames));
            }
        }
        Format::Ochuman => {
            let v: serde_json::Value = read_json(path)?;
            if v.get("keypoint_names").is_none() {
                // A COCO-style OCHuman file (ochuman_coco_format_*.json).
                return check(Format::Coco, path, images);
            }
            let f: OchumanFile = serde_json::from_value(v).map_err(|e| DataError::json(path, e))?;
            let sub = f.kpt_and_segm();
            r.count("images", f.images.len());
            r.count("persons (boxes)", f.images.iter().map(|i| i.annotations.len()).sum());
            r.count("images with keypoints and masks", sub.len());
            r.count("person instances (keypoints and masks)", sub.iter().map(|i| i.annotations.len()).sum());
            r.count("val images", sub.len().min(VAL_IMAGES));
            r.count("test images", sub.len().saturating_sub(VAL_IMAGES));
            r.count("identities", 0);
            r.problems.extend(path_problems(f.images.iter().map(|i| (format!("image {:?}", i.image_id), i.file_name.as_str())), &root, path));
            match f.to_coco(OchumanSplit::All, (0.0, 1.0), path) {
                Ok(coco) => {
                    if images.is_some() && r.problems.is_empty() {
                        let frames = coco_frames(&coco, path, &root, 1, true, "ochuman")?;
                        r.problems.extend(check_images(&frames));
                    }
                }
                Err(e) => r.problems.push(e),
            }
        }
        Format::Mots => {
            let rows = mots::read_mots_txt(path)?;
            let frames: HashSet<u32> = rows.iter().map(|x| x.frame).collect();
            let ids: HashSet<u32> = rows.iter().filter(|x| !x.is_ignore()).map(|x| x.track_id).collect();
            r.count("frames with objects", frames.len());
            r.count("person instances (masks)", rows.iter().filter(|x| !x.is_ignore()).count());
            r.count("ignore regions", rows.iter().filter(|x| x.is_ignore()).count());
            r.count("identities", ids.len());
            for x in &rows {
                if !x.is_ignore() && x.class_id != x.track_id / 1000 {
                    r.problems.push(DataError::invalid(path, format!("frame {}, id {}", x.frame, x.track_id), format!("class_id = id / 1000 = {}, got {}", x.track_id / 1000, x.class_id)));
                }
            }
            for (f, a, b) in mots::overlaps(&rows) {
                r.problems.push(DataError::invalid(path, format!("frame {f}"), format!("disjoint masks (ids {a} and {b} overlap)")));
            }
        }
    }
    Ok(r)
}
