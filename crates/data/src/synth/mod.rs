//! A synthetic video dataset of people, the project's embedded default (no public dataset can be downloaded
//! here). It writes the same files a real dataset has (JPEG frames, YouTube-VIS JSON, COCO JSON with one
//! image per frame, KITTI-style MOTS txt), read back by the same loaders.
//!
//! The people are articulated figures (head, torso, two-segment arms and legs) that walk, stand, sit, bend,
//! reach and hold their arms out, in many sizes, each with its own clothing across the video; they cross and
//! hide each other (masks are the visible parts only), leave the frame and come back with the same identity,
//! over cluttered backgrounds with person-coloured props. Their non-convex poses and overlaps put many box
//! centres outside the person or on another one: the problem HVISNet's inner centre addresses. Everything is
//! decided by [`SynthConfig::seed`]: the same config gives the same bytes.
//!
//! For training, [`SynthStream`] renders the same kind of videos in memory instead, new ones every epoch, from
//! `(seed, epoch, index)`; [`video_frames`] renders any frames of a written set's video as the files hold them.

mod background;
mod config;
mod figure;
mod instances;
mod raster;
mod scene;
mod stream;
mod video;
mod write;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use config::{ConfigError, SynthConfig};
pub use figure::PoseKind;
pub use instances::{CentreStats, box_centre_outside_rate, box_centre_pixel, rle_contains};
pub use stream::{StreamFrame, SynthFrame, SynthStream, video_frames};
pub use video::MOTS_PERSON_CLASS;
pub use write::{
    GENERATOR_VERSION, PERSON_CATEGORY, SynthManifest, SynthSummary, TrackedCocoAnnotation, VideoCocoFile, VideoCocoImage,
};

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A config value out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Writing an annotation file failed.
    #[error(transparent)]
    Data(#[from] crate::DataError),
    /// A mask that could not be built.
    #[error("building a mask: {0}")]
    Mask(#[from] crate::mask::MaskError),
    /// A file or folder that cannot be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A frame that could not be encoded.
    #[error("{}: cannot encode JPEG: {msg}", path.display())]
    Encode {
        /// The frame file.
        path: PathBuf,
        /// The encoder's message.
        msg: String,
    },
}

impl SynthError {
    fn io(path: impl Into<PathBuf>, source: std::io::Error) -> SynthError {
        SynthError::Io { path: path.into(), source }
    }
}

/// Generates the set described by `cfg` into `out` (videos in parallel) and returns its counts; see the module
/// docs for the layout. Existing files with the same names are overwritten; nothing else is removed.
pub fn generate(cfg: &SynthConfig, out: &Path) -> Result<SynthSummary, SynthError> {
    cfg.validate()?;
    std::fs::create_dir_all(out).map_err(|e| SynthError::io(out, e))?;
    let videos = (0..cfg.videos)
        .into_par_iter()
        .map(|i| video::render_video(cfg, out, i))
        .collect::<Result<Vec<_>, _>>()?;
    write::write_dataset(cfg, out, &videos)
}
