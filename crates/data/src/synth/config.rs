//! The generator's knobs and their checks.

use serde::{Deserialize, Serialize};

/// Everything that decides a synthetic dataset: the same config (and generator version) gives the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SynthConfig {
    /// Number of videos.
    pub videos: usize,
    /// Frames per video.
    pub frames: usize,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Seed of every random choice.
    pub seed: u64,
    /// Fewest people per video (at least 1).
    pub min_people: usize,
    /// Most people per video (at most 999: MOTS ids are `2000 + k`).
    pub max_people: usize,
    /// Share of videos put in the val split (the last `round(videos * val_fraction)` videos, at least one when
    /// there are two or more videos).
    pub val_fraction: f32,
    /// Height of the smallest (farthest) person as a fraction of the frame height.
    pub min_person_frac: f32,
    /// Height of the largest (nearest) person as a fraction of the frame height.
    pub max_person_frac: f32,
    /// Visible masks smaller than this many pixels are not annotated (the person counts as absent in that frame).
    pub min_visible_pixels: u32,
    /// Most non-person foreground objects (poles, crates, bushes, balls) per video, which also occlude people.
    pub max_distractors: usize,
    /// JPEG quality of the frames (1–100).
    pub jpeg_quality: u8,
    /// Also write MOTS id PNGs (16-bit, pixel = object id) under `mots_png/<video>/<frame:06>.png`.
    pub id_pngs: bool,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            videos: 20,
            frames: 16,
            width: 256,
            height: 256,
            seed: 0,
            min_people: 3,
            max_people: 8,
            val_fraction: 0.2,
            min_person_frac: 0.18,
            max_person_frac: 0.95,
            min_visible_pixels: 16,
            max_distractors: 3,
            jpeg_quality: 90,
            id_pngs: false,
        }
    }
}

/// A config value out of its valid range.
#[derive(Debug, thiserror::Error)]
#[error("synth config: {field} = {value}: expected {expected}")]
pub struct ConfigError {
    /// The field.
    pub field: &'static str,
    /// Its value as given.
    pub value: String,
    /// The valid range.
    pub expected: &'static str,
}

impl SynthConfig {
    /// Checks every field's range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |field, value: String, expected| Err(ConfigError { field, value, expected });
        if self.videos == 0 || self.videos > 100_000 {
            return bad("videos", self.videos.to_string(), "1..=100000");
        }
        if self.frames == 0 || self.frames > 100_000 {
            return bad("frames", self.frames.to_string(), "1..=100000");
        }
        if !(16..=4096).contains(&self.width) {
            return bad("width", self.width.to_string(), "16..=4096");
        }
        if !(16..=4096).contains(&self.height) {
            return bad("height", self.height.to_string(), "16..=4096");
        }
        if self.min_people == 0 || self.min_people > self.max_people {
            return bad("min_people", self.min_people.to_string(), "1..=max_people");
        }
        if self.max_people > 999 {
            return bad("max_people", self.max_people.to_string(), "min_people..=999");
        }
        if !(0.0..=1.0).contains(&self.val_fraction) {
            return bad("val_fraction", self.val_fraction.to_string(), "0..=1");
        }
        if self.min_person_frac.is_nan() || self.min_person_frac <= 0.01 || self.min_person_frac > self.max_person_frac {
            return bad("min_person_frac", self.min_person_frac.to_string(), "0.01 < min_person_frac <= max_person_frac");
        }
        if self.max_person_frac.is_nan() || self.max_person_frac > 2.0 {
            return bad("max_person_frac", self.max_person_frac.to_string(), "min_person_frac..=2");
        }
        if !(1..=100).contains(&self.jpeg_quality) {
            return bad("jpeg_quality", self.jpeg_quality.to_string(), "1..=100");
        }
        if self.max_distractors > 100 {
            return bad("max_distractors", self.max_distractors.to_string(), "0..=100");
        }
        Ok(())
    }

    /// Number of videos in the val split (the last ones).
    pub fn val_videos(&self) -> usize {
        if self.videos < 2 {
            return 0;
        }
        ((self.videos as f32 * self.val_fraction).round() as usize).clamp(usize::from(self.val_fraction > 0.0), self.videos - 1)
    }

    /// The split of video `i`: "train", or "val" for the last [`SynthConfig::val_videos`] videos.
    pub fn split_of(&self, i: usize) -> &'static str {
        if i >= self.videos - self.val_videos() { "val" } else { "train" }
    }

    /// Name of video `i`: four digits (`0007`), as KITTI-MOTS sequence names, so mots_tools can read the seqmap.
    pub fn video_name(i: usize) -> String {
        format!("{i:04}")
    }
}
