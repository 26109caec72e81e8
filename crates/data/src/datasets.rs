//! The four datasets of the paper, each from its standard on-disk layout (documented in
//! `datasets/<name>/README.md`): `hvis` and `ytvis-person` (YouTube-VIS format videos), `coco-persons`
//! (COCO person category) and `ochuman` (val/test). All yield the one [`Sample`] type.

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::coco::load_coco;
use crate::frames::{FrameRecord, coco_frames, ytvis_frames};
use crate::ochuman::{OchumanSplit, load_ochuman};
use crate::paths::{read_json, write_json};
use crate::ytvis::load_ytvis;
use crate::{DataError, Sample};

/// A list of annotated frames that decode into [`Sample`]s on demand.
#[derive(Debug, Clone)]
pub struct FrameDataset {
    /// Dataset name and split, e.g. "hvis/train".
    pub name: String,
    /// The frames, in a fixed order.
    pub frames: Vec<FrameRecord>,
    /// Number of distinct identities (identities are 1..=num_identities; 0 = unknown).
    pub num_identities: u32,
}

impl FrameDataset {
    /// Number of frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// True when there are no frames.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Decodes frame `i` (image and masks).
    pub fn get(&self, i: usize) -> Result<Sample, DataError> {
        self.frames[i].load()
    }

    /// Appends `other`, shifting its identities so that they stay distinct (global across the set).
    pub fn concat(mut self, mut other: FrameDataset) -> FrameDataset {
        let off = self.num_identities;
        for f in &mut other.frames {
            for o in &mut f.objects {
                if o.identity != 0 {
                    o.identity += off;
                }
            }
        }
        self.name = format!("{}+{}", self.name, other.name);
        self.frames.append(&mut other.frames);
        self.num_identities += other.num_identities;
        self
    }
}

fn readme(name: &str) -> String {
    format!("datasets/{name}/README.md")
}

/// `path` if it exists, else the missing-dataset error naming it and the dataset's README.
pub fn require(name: &str, path: PathBuf) -> Result<PathBuf, DataError> {
    if path.exists() {
        Ok(path)
    } else {
        Err(DataError::MissingDataset { name: name.into(), expected: path, readme: readme(name) })
    }
}

/// Loads a YouTube-VIS-format split laid out as `<root>/<split>.json` + `<root>/<split>/JPEGImages/`.
fn ytvis_split(name: &str, root: &Path, split: &str, keep: &dyn Fn(u64) -> bool) -> Result<FrameDataset, DataError> {
    let json = require(name, root.join(format!("{split}.json")))?;
    let frames_dir = require(name, root.join(split).join("JPEGImages"))?;
    let file = load_ytvis(&json)?;
    let person = file.person_category_id().ok_or_else(|| DataError::invalid(&json, "categories", "a category named \"person\""))?;
    let (frames, n) = ytvis_frames(&file, &json, &frames_dir, person, keep, 0, &format!("{name}/{split}"))?;
    Ok(FrameDataset { name: format!("{name}/{split}"), frames, num_identities: n })
}

/// HVIS (`train` or `val`): `<root>/{train,val}.json` (YouTube-VIS format) and `<root>/{train,val}/JPEGImages/`.
pub fn hvis(root: &Path, split: &str) -> Result<FrameDataset, DataError> {
    ytvis_split("hvis", root, split, &|_| true)
}

/// The seed of the 588/59 YouTube-VIS person split.
pub const YTVIS_PERSON_SEED: u64 = 2108_07199;
/// Videos in the validation part of the YouTube-VIS person split.
pub const YTVIS_PERSON_VAL: usize = 59;

/// The YouTube-VIS person split as written to `split.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoSplit {
    /// Seed used to shuffle the person videos.
    pub seed: u64,
    /// Training video ids (sorted).
    pub train: Vec<u64>,
    /// Validation video ids (sorted).
    pub val: Vec<u64>,
}

/// Splits the person videos (sorted ids) into train and `n_val` validation videos by a seeded shuffle.
pub fn split_videos(mut ids: Vec<u64>, seed: u64, n_val: usize) -> VideoSplit {
    ids.sort_unstable();
    ids.dedup();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    ids.shuffle(&mut rng);
    let n_val = n_val.min(ids.len());
    let mut val = ids[..n_val].to_vec();
    let mut train = ids[n_val..].to_vec();
    val.sort_unstable();
    train.sort_unstable();
    VideoSplit { seed, train, val }
}

/// YouTube-VIS 2019 person videos (`train` or `val` of our split): `<root>/train.json` and
/// `<root>/train/JPEGImages/` of the official YouTube-VIS 2019 training set. Videos with any person
/// track are split 588/59 by a seeded shuffle; the split is written to `<root>/split.json` on first use
/// and read from there afterwards, so it stays fixed.
pub fn ytvis_person(root: &Path, split: &str) -> Result<FrameDataset, DataError> {
    let name = "ytvis-person";
    let json = require(name, root.join("train.json"))?;
    let split_file = root.join("split.json");
    let s: VideoSplit = if split_file.exists() {
        read_json(&split_file)?
    } else {
        let file = load_ytvis(&json)?;
        let person = file.person_category_id().ok_or_else(|| DataError::invalid(&json, "categories", "a category named \"person\""))?;
        let ids = file.annotations.iter().filter(|a| a.category_id == person).map(|a| a.video_id).collect();
        let s = split_videos(ids, YTVIS_PERSON_SEED, YTVIS_PERSON_VAL);
        write_json(&split_file, &s)?;
        s
    };
    let ids: std::collections::HashSet<u64> = match split {
        "train" => s.train.iter().copied().collect(),
        "val" => s.val.iter().copied().collect(),
        other => return Err(DataError::invalid(&split_file, format!("split {other:?}"), "\"train\" or \"val\"")),
    };
    let mut ds = ytvis_split(name, root, "train", &|v| ids.contains(&v))?;
    ds.name = format!("{name}/{split}");
    Ok(ds)
}

/// COCO persons (`train2017` or `val2017`): `<root>/annotations/instances_<split>.json` (or Pose2Seg's
/// `person_keypoints_<split>_pose2seg.json` when present) and `<root>/<split>/`. Non-crowd persons only;
/// identities are 0 (unknown).
pub fn coco_persons(root: &Path, split: &str) -> Result<FrameDataset, DataError> {
    let name = "coco-persons";
    let pose2seg = root.join("annotations").join(format!("person_keypoints_{split}_pose2seg.json"));
    let json = if pose2seg.exists() { pose2seg } else { require(name, root.join("annotations").join(format!("instances_{split}.json")))? };
    let images = require(name, root.join(split))?;
    let file = load_coco(&json)?;
    let person = file.person_category_id().ok_or_else(|| DataError::invalid(&json, "categories", "a category named \"person\""))?;
    let frames = coco_frames(&file, &json, &images, person, false, &format!("{name}/{split}"))?;
    Ok(FrameDataset { name: format!("{name}/{split}"), frames, num_identities: 0 })
}

/// OCHuman (`val` or `test`): the raw `<root>/ochuman.json` and `<root>/images/`, converted with the
/// official split (first 2500 images of the keypoint-and-mask subset are val).
pub fn ochuman(root: &Path, split: &str) -> Result<FrameDataset, DataError> {
    let name = "ochuman";
    let json = require(name, root.join("ochuman.json"))?;
    let images = require(name, root.join("images"))?;
    let sp = match split {
        "val" => OchumanSplit::Val,
        "test" => OchumanSplit::Test,
        other => return Err(DataError::invalid(&json, format!("split {other:?}"), "\"val\" or \"test\"")),
    };
    let coco = load_ochuman(&json)?.to_coco(sp, (0.0, 1.0), &json)?;
    let frames = coco_frames(&coco, &json, &images, 1, false, &format!("{name}/{split}"))?;
    Ok(FrameDataset { name: format!("{name}/{split}"), frames, num_identities: 0 })
}

/// Opens a dataset by name (`hvis`, `ytvis-person`, `coco-persons`, `ochuman`, or `synth`: the synthetic
/// set, which has the HVIS layout) under `root`.
pub fn open(name: &str, root: &Path, split: &str) -> Result<FrameDataset, DataError> {
    match name {
        "hvis" | "synth" => hvis(root, split),
        "ytvis-person" => ytvis_person(root, split),
        "coco-persons" => coco_persons(root, split),
        "ochuman" => ochuman(root, split),
        other => Err(DataError::MissingDataset { name: other.into(), expected: root.into(), readme: "docs/datasets.md".into() }),
    }
}
