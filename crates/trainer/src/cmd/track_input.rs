//! Inputs of `trainer track`: the frame folder (listed up front, decoded one frame at a time) and the
//! per-frame detections, either streamed from a JSON-lines file or produced by a [`FrameDetector`].

use std::fs::File;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use data::mask::Rle;
use image::RgbImage;
use serde::Deserialize;
use tracker::{BBox, Detection};

/// A per-frame person detector (the network). `trainer track --weights` plugs the HVISNet model in here;
/// anything that turns an image into boxes, scores, embeddings and masks can be tracked the same way.
pub trait FrameDetector {
    /// Detects every person in one frame; masks must have the frame's size.
    fn detect(&mut self, frame: &RgbImage) -> Result<Vec<Detection<Rle>>>;
}

/// The images of a video: a sorted list of JPEG/PNG files in one folder.
pub struct FrameFolder {
    /// The folder.
    pub dir: PathBuf,
    /// Image files, sorted by name.
    pub files: Vec<PathBuf>,
    size: Option<(u32, u32)>,
}

impl FrameFolder {
    /// Lists the folder; an error if it is missing, not a folder or holds no JPEG/PNG image.
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            bail!("frame folder {} does not exist or is not a folder", dir.display());
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot list frame folder {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            bail!("frame folder {} holds no .jpg/.jpeg/.png images", dir.display());
        }
        Ok(Self { dir: dir.to_path_buf(), files, size: None })
    }

    /// A video given as an explicit, ordered list of frame files (a dataset's video); `dir` names it in messages.
    pub fn from_files(dir: &Path, files: Vec<PathBuf>) -> Result<Self> {
        if files.is_empty() {
            bail!("video {} has no frames", dir.display());
        }
        Ok(Self { dir: dir.to_path_buf(), files, size: None })
    }

    /// File name of frame `i` without its extension (used to name the per-frame outputs).
    pub fn stem(&self, i: usize) -> String {
        self.files[i].file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| format!("{i:06}"))
    }

    /// Decodes frame `i`. Unreadable images are errors naming the file; a frame whose size differs from the
    /// first decoded one is an error too.
    pub fn load(&mut self, i: usize) -> Result<RgbImage> {
        let path = &self.files[i];
        let img = image::open(path).with_context(|| format!("frame {} cannot be read as an image", path.display()))?.to_rgb8();
        let size = (img.width(), img.height());
        match self.size {
            None => self.size = Some(size),
            Some(first) if first != size => bail!(
                "frame {} is {}x{}, but earlier frames are {}x{}; all frames of a video must have one size",
                path.display(),
                size.0,
                size.1,
                first.0,
                first.1
            ),
            Some(_) => {}
        }
        Ok(img)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MaskLine {
    size: [u32; 2],
    counts: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DetectionLine {
    frame: usize,
    #[serde(rename = "box")]
    bbox: [f64; 4],
    score: f64,
    embedding: Vec<f32>,
    mask: MaskLine,
}

/// One frame's detections with the file line each came from.
pub struct FrameDetections {
    /// The detections, in file order.
    pub detections: Vec<Detection<Rle>>,
    /// 1-based line number of each detection.
    pub lines: Vec<usize>,
}

/// Streams a detections file (`{"frame", "box", "score", "embedding", "mask"}` per line, frames 0-based and
/// non-decreasing), one frame at a time, holding at most one frame plus one line in memory.
pub struct DetectionsFile {
    path: PathBuf,
    lines: Lines<BufReader<File>>,
    line_no: usize,
    pending: Option<(usize, usize, Detection<Rle>)>,
    last_frame: Option<usize>,
    mask_size: Option<(u32, u32)>,
    done: bool,
}

impl DetectionsFile {
    /// Opens the file.
    pub fn open(path: &Path) -> Result<Self> {
        let f = File::open(path).with_context(|| format!("cannot open detections file {}", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            lines: BufReader::new(f).lines(),
            line_no: 0,
            pending: None,
            last_frame: None,
            mask_size: None,
            done: false,
        })
    }

    /// Mask size (h, w) of the detections read so far.
    pub fn mask_size(&self) -> Option<(u32, u32)> {
        self.mask_size
    }

    /// Requires every mask to be `h × w` (the frames' size).
    pub fn expect_size(&mut self, h: u32, w: u32) -> Result<()> {
        if let Some((mh, mw)) = self.mask_size.filter(|&s| s != (h, w)) {
            bail!("{}: masks are {mh}x{mw} (h x w) but the frames are {h}x{w}", self.path.display());
        }
        self.mask_size = Some((h, w));
        Ok(())
    }

    /// True once every line has been consumed.
    pub fn exhausted(&mut self) -> Result<bool> {
        if self.pending.is_none() && !self.done {
            self.pending = self.read_one()?;
        }
        Ok(self.pending.is_none())
    }

    fn read_one(&mut self) -> Result<Option<(usize, usize, Detection<Rle>)>> {
        loop {
            let Some(line) = self.lines.next() else {
                self.done = true;
                return Ok(None);
            };
            self.line_no += 1;
            let n = self.line_no;
            let line = line.with_context(|| format!("{}:{n}: cannot read line", self.path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            let d: DetectionLine = serde_json::from_str(&line).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{n}: {e}; expected {{\"frame\": 0, \"box\": [x1, y1, x2, y2], \"score\": s, \"embedding\": [...], \"mask\": {{\"size\": [h, w], \"counts\": \"RLE\"}}}}",
                    self.path.display()
                )
            })?;
            if let Some(last) = self.last_frame.filter(|&l| d.frame < l) {
                bail!("{}:{n}: frame {} comes after frame {last}; expected lines sorted by frame", self.path.display(), d.frame);
            }
            self.last_frame = Some(d.frame);
            let [h, w] = d.mask.size;
            match self.mask_size {
                Some((mh, mw)) if (mh, mw) != (h, w) => {
                    bail!("{}:{n}: mask size [{h}, {w}] differs from earlier masks / frames [{mh}, {mw}]", self.path.display())
                }
                _ => self.mask_size = Some((h, w)),
            }
            let rle = Rle::from_compressed(h, w, &d.mask.counts)
                .map_err(|e| anyhow::anyhow!("{}:{n}: mask counts do not decode as COCO compressed RLE of {h}x{w}: {e}", self.path.display()))?;
            let det = Detection { bbox: BBox::from_corners(d.bbox), score: d.score, embedding: d.embedding, payload: rle };
            return Ok(Some((d.frame, n, det)));
        }
    }

    /// The detections of frame `index` (empty if the file has none for it). Frames must be asked in order.
    pub fn frame(&mut self, index: usize) -> Result<FrameDetections> {
        let mut out = FrameDetections { detections: Vec::new(), lines: Vec::new() };
        loop {
            if self.pending.is_none() && !self.done {
                self.pending = self.read_one()?;
            }
            match self.pending.take() {
                Some((f, n, d)) if f == index => {
                    out.detections.push(d);
                    out.lines.push(n);
                }
                Some(p) => {
                    self.pending = Some(p);
                    return Ok(out);
                }
                None => return Ok(out),
            }
        }
    }

    /// The path, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
