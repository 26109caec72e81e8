//! `eval`: scores HVISNet's outputs exactly as the community's reference tools do — MOTS (CLEAR, IDF1, HOTA as
//! mots_tools / TrackEval), COCO box and mask AP (pycocotools COCOeval), OCHuman AP/AP_M/AP_H (and the same occlusion ranges for any ground truth), YouTube-VIS video
//! AP — plus FPS timing and the paper's Markdown tables. Plain Rust: no tensor backend.

pub mod coco;
pub mod error;
pub mod fps;
pub mod inside;
pub mod lsap;
pub mod mots;
pub mod occlusion;
pub mod ochuman;
pub mod tables;
pub mod ytvis;

pub use error::{EvalError, Result};
