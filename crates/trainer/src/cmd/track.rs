//! `trainer track`: links per-frame person detections into identities and writes what a person (and an
//! evaluator) can look at. Detections come from a JSON-lines file (`--detections`) or from a [`FrameDetector`]
//! running on each frame (`--weights`: HVISNet from a training checkpoint, see `track_live`). Streams frame by frame.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use data::mask::Rle;
use tracker::{Detection, Tracker, TrackerConfig, TrackerError};

pub use crate::cmd::track_input::FrameDetector;
use crate::cmd::track_input::{DetectionsFile, FrameFolder};
use crate::cmd::track_output::TrackWriter;

#[path = "track_live.rs"]
pub mod live;

/// Arguments of `trainer track`.
#[derive(Debug, Args)]
pub struct TrackArgs {
    /// Precomputed detections, one JSON object per line:
    /// {"frame": 0, "box": [x1, y1, x2, y2], "score": 0.9, "embedding": [...], "mask": {"size": [h, w], "counts": "RLE"}}.
    #[arg(long)]
    pub detections: Option<PathBuf>,
    /// HVISNet weights to run on every frame (needs --frames): a checkpoint folder (holding model.bin) or a
    /// training run folder (its newest checkpoint).
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Track every video of a dataset split with --weights (`hvis`, `ytvis-person`, `synth`): outputs go to
    /// OUT/<video>/, and OUT/ytvis_results.json gathers every video's results.
    #[arg(long, requires = "weights", conflicts_with_all = ["frames", "detections"])]
    pub dataset: Option<String>,
    /// Split of --dataset.
    #[arg(long, default_value = "val", requires = "dataset")]
    pub split: String,
    /// Folder of --dataset; default: the root of the experiment config's data.val (or data.train) of that name.
    #[arg(long, requires = "dataset")]
    pub dataset_root: Option<PathBuf>,
    /// Experiment config of the weights (model, test resize, score threshold, tracker); default: the
    /// checkpoint's config.resolved.toml.
    #[arg(long, requires = "weights")]
    pub config: Option<PathBuf>,
    /// Folder of the video's frames (JPEG/PNG, sorted by name); enables overlay images and the GIF.
    #[arg(long)]
    pub frames: Option<PathBuf>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// TOML file with tracker settings (the fields of the `[tracker]` config section); overrides the experiment
    /// config's `[tracker]` with --weights; defaults are HVISNet's.
    #[arg(long)]
    pub tracker_config: Option<PathBuf>,
    /// Sequence name: the MOTS file is OUT/NAME.txt. Default: the frame folder's or detections file's name.
    #[arg(long)]
    pub name: Option<String>,
    /// video_id written in the YouTube-VIS results.
    #[arg(long, default_value_t = 1)]
    pub video_id: u64,
    /// Skip frames that cannot be decoded (reported at the end) instead of stopping.
    #[arg(long)]
    pub skip_bad_frames: bool,
    /// Width of the animated GIF preview in pixels.
    #[arg(long, default_value_t = 480)]
    pub gif_width: u32,
}

/// The tracker settings: `--tracker-config`, else `fallback` (the experiment's `[tracker]`), else HVISNet's defaults.
fn load_config(args: &TrackArgs, fallback: Option<&TrackerConfig>) -> Result<TrackerConfig> {
    match &args.tracker_config {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read tracker config {}", p.display()))?;
            Ok(toml::from_str::<TrackerConfig>(&text).with_context(|| format!("tracker config {}", p.display()))?)
        }
        None => Ok(fallback.cloned().unwrap_or_default()),
    }
}

/// Runs the command.
pub fn run(args: TrackArgs) -> Result<()> {
    match (&args.detections, &args.weights) {
        (Some(path), None) => {
            let mut tracker = Tracker::new(load_config(&args, None)?)?;
            let source = DetectionsFile::open(path)?;
            track_video(&args, &mut tracker, Source::File(source))
        }
        (None, Some(w)) => run_live(&args, w),
        (Some(_), Some(_)) => bail!("give either --detections or --weights, not both"),
        (None, None) => bail!("nothing to track: give --detections FILE (or --weights W --frames DIR)"),
    }
}

/// Where a frame's detections come from.
pub enum Source<'a> {
    /// A detections file, streamed.
    File(DetectionsFile),
    /// A detector run on each decoded frame.
    Live(&'a mut dyn FrameDetector),
}

/// Timing and bookkeeping printed at the end.
#[derive(Debug, Default)]
pub struct TrackSummary {
    /// Frames processed.
    pub frames: usize,
    /// Distinct track ids reported.
    pub tracks: usize,
    /// Time inside `Tracker::update`.
    pub tracker_time: Duration,
    /// Time inside the detector (live mode).
    pub model_time: Duration,
    /// Wall time of the whole loop, reading and writing included.
    pub total_time: Duration,
    /// Frames skipped with --skip-bad-frames, with the reason.
    pub skipped: Vec<String>,
    /// Per-frame model and end-to-end (decode + model + tracking, no output writing) times; medians after warm-up.
    pub timer: eval::fps::FpsTimer,
}

/// The frame loop shared by the file and live paths: read frame, get detections, track, write outputs.
pub fn track_video(args: &TrackArgs, tracker: &mut Tracker, source: Source<'_>) -> Result<()> {
    let folder = args.frames.as_deref().map(FrameFolder::open).transpose()?;
    track_frames(args, tracker, source, folder)
}

/// [`track_video`] on an already listed frame folder (`None`: no frames, detections only).
pub fn track_frames(args: &TrackArgs, tracker: &mut Tracker, mut source: Source<'_>, mut folder: Option<FrameFolder>) -> Result<()> {
    let start = Instant::now();
    if matches!(source, Source::Live(_)) && folder.is_none() {
        bail!("live tracking needs --frames DIR");
    }
    let name = args.name.clone().unwrap_or_else(|| {
        let from = args.frames.as_ref().or(args.detections.as_ref());
        from.and_then(|p| p.file_stem()).map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "video".into())
    });
    let mut writer = TrackWriter::create(&args.out, &name, folder.is_some(), args.gif_width)?;
    let mut summary = TrackSummary::default();
    // Warm-up: the first frames (allocations, kernel caches) are left out of the medians, if there are enough.
    let warmup = folder.as_ref().map_or(3, |f| (f.files.len() / 4).min(3));
    summary.timer = eval::fps::FpsTimer::new(warmup);
    let mut ids = std::collections::BTreeSet::new();
    let mut size: Option<(u32, u32)> = None;
    let mut index = 0usize;
    loop {
        // Stop at the end of the frames (or of the detections when there are no frames).
        let more = match (&folder, &mut source) {
            (Some(f), _) => index < f.files.len(),
            (None, Source::File(d)) => !d.exhausted()?,
            (None, Source::Live(_)) => false,
        };
        if !more {
            if let (Some(f), Source::File(d)) = (&folder, &mut source)
                && !d.exhausted()?
            {
                bail!("{}: has detections for frames beyond the {} images in {}", d.path().display(), f.files.len(), f.dir.display());
            }
            break;
        }
        let frame_start = Instant::now();
        let mut model_time = Duration::ZERO;
        let (stem, image) = match folder.as_mut() {
            Some(f) => {
                let stem = f.stem(index);
                match f.load(index) {
                    Ok(img) => (stem, Some(img)),
                    Err(e) if args.skip_bad_frames && !e.to_string().contains("all frames of a video must have one size") => {
                        summary.skipped.push(format!("{e:#}"));
                        (stem, None)
                    }
                    Err(e) => return Err(e),
                }
            }
            None => (format!("{index:06}"), None),
        };
        if let Some(img) = &image {
            let s = (img.height(), img.width());
            if let Source::File(d) = &mut source {
                d.expect_size(s.0, s.1)?;
            }
            size = Some(s);
        }
        let (dets, lines): (Vec<Detection<Rle>>, Vec<usize>) = match &mut source {
            Source::File(d) => {
                let f = d.frame(index)?;
                if size.is_none() {
                    size = d.mask_size();
                }
                (f.detections, f.lines)
            }
            Source::Live(det) => match &image {
                Some(img) => {
                    let t = Instant::now();
                    let d = det.detect(img).with_context(|| format!("detector failed on frame {stem}"))?;
                    model_time = t.elapsed();
                    summary.model_time += model_time;
                    let n = d.len();
                    (d, vec![0; n])
                }
                None => (Vec::new(), Vec::new()),
            },
        };
        let t = Instant::now();
        let tracks = tracker.update(dets).map_err(|e| with_line(e, &lines, &args.detections, &stem))?;
        summary.tracker_time += t.elapsed();
        summary.timer.record(model_time, frame_start.elapsed());
        ids.extend(tracks.iter().map(|t| t.id));
        if let Some(s) = size {
            writer.write_frame(index, &stem, s, &tracks, image.as_ref())?;
        } else if !tracks.is_empty() {
            bail!("frame {stem}: tracks but no frame size known");
        }
        index += 1;
        summary.frames = index;
    }
    if summary.frames == 0 {
        bail!("no frames to track");
    }
    let ytvis = writer.finish(args.video_id)?;
    summary.total_time = start.elapsed();
    summary.tracks = ids.len();
    report(&summary, args, &name, &ytvis)
}

/// Names the detections-file line of the detection a tracker error points at.
fn with_line(e: TrackerError, lines: &[usize], file: &Option<PathBuf>, stem: &str) -> anyhow::Error {
    let index = match &e {
        TrackerError::InvalidBox { index, .. }
        | TrackerError::InvalidScore { index, .. }
        | TrackerError::InvalidEmbedding { index, .. }
        | TrackerError::EmbeddingDim { index, .. } => Some(*index),
        _ => None,
    };
    match (index.and_then(|i| lines.get(i)).filter(|&&l| l > 0), file) {
        (Some(line), Some(path)) => anyhow::anyhow!("{}:{line}: {e}", path.display()),
        _ => anyhow::anyhow!("frame {stem}: {e}"),
    }
}

fn fps(frames: usize, d: Duration) -> f64 {
    frames as f64 / d.as_secs_f64().max(1e-9)
}

fn report(s: &TrackSummary, args: &TrackArgs, name: &str, ytvis: &std::path::Path) -> Result<()> {
    println!("tracked {} frames, {} identities", s.frames, s.tracks);
    println!("tracker: {:.1} frames/s ({:.3} ms/frame)", fps(s.frames, s.tracker_time), s.tracker_time.as_secs_f64() * 1e3 / s.frames as f64);
    let med = s.timer.report();
    let live = s.model_time > Duration::ZERO;
    if live {
        println!(
            "model: {:.2} frames/s ({:.1} ms/frame, median of {} frames after warm-up; mean over all frames {:.2} frames/s)",
            med.model_fps,
            med.model_ms,
            med.frames,
            fps(s.frames, s.model_time)
        );
    }
    println!(
        "end to end (decode, {}tracking): {:.2} frames/s ({:.1} ms/frame, median after warm-up)",
        if live { "model, " } else { "" },
        med.end_to_end_fps,
        med.end_to_end_ms
    );
    println!("whole run (reading, tracking, writing every output): {:.2} frames/s", fps(s.frames, s.total_time));
    println!("wrote {}/{name}.txt (MOTS), {}, {}/ids/", args.out.display(), ytvis.display(), args.out.display());
    if args.frames.is_some() {
        println!("wrote {0}/overlay/ and {0}/overlay.gif", args.out.display());
    }
    let summary = serde_json::json!({
        "frames": s.frames,
        "identities": s.tracks,
        "tracker_fps": fps(s.frames, s.tracker_time),
        "model_fps": if live && med.frames > 0 { Some(med.model_fps) } else { None },
        "model_ms_median": if live && med.frames > 0 { Some(med.model_ms) } else { None },
        "end_to_end_fps": if med.frames > 0 { Some(med.end_to_end_fps) } else { None },
        "end_to_end_ms_median": if med.frames > 0 { Some(med.end_to_end_ms) } else { None },
        "timed_frames": med.frames,
        "whole_run_fps": fps(s.frames, s.total_time),
        "skipped_frames": s.skipped,
    });
    let path = args.out.join("summary.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)?).with_context(|| format!("cannot write {}", path.display()))?;
    if !s.skipped.is_empty() {
        eprintln!("skipped {} unreadable frame(s):", s.skipped.len());
        for m in &s.skipped {
            eprintln!("  {m}");
        }
    }
    Ok(())
}

/// Tracks a video with any detector (the live path) and the tracker settings of `--tracker-config` or `tracker`.
pub fn track_live(args: &TrackArgs, detector: &mut dyn FrameDetector, tracker: Option<&TrackerConfig>) -> Result<()> {
    let mut tracker = Tracker::new(load_config(args, tracker)?)?;
    track_video(args, &mut tracker, Source::Live(detector))
}

/// `--weights W`: loads HVISNet from the checkpoint on the experiment config's device and tracks with the
/// experiment's `[tracker]` section.
fn run_live(args: &TrackArgs, weights: &std::path::Path) -> Result<()> {
    let videos = match (&args.frames, &args.dataset) {
        (Some(frames), _) => {
            FrameFolder::open(frames)?; // a missing or empty folder is reported before the model is loaded
            None
        }
        (None, Some(_)) => Some(()),
        (None, None) => bail!("live tracking needs --frames DIR (or --dataset NAME --split SPLIT)"),
    };
    let checkpoint = live::resolve_checkpoint(weights)?;
    let (cfg, cfg_path) = live::checkpoint_config(&checkpoint, args.config.as_deref())?;
    let device = crate::training::device::resolve(&cfg.device, &cfg.devices)?;
    eprintln!(
        "live tracking: weights {}, config {}, device {device}, test size {} (max {}), score >= {}",
        checkpoint.display(),
        cfg_path.display(),
        cfg.data.augment.min_size_test,
        cfg.data.augment.max_size_test,
        cfg.eval.score_thresh
    );
    let videos = match videos {
        None => None,
        Some(()) => Some(dataset_videos(args, &cfg)?),
    };
    let go = |det: &mut dyn FrameDetector| match &videos {
        None => track_live(args, det, Some(&cfg.tracker)),
        Some(v) => track_dataset(args, det, &cfg.tracker, v),
    };
    crate::training::device::dispatch(device, LiveJob { cfg: &cfg, cfg_path: &cfg_path, checkpoint: &checkpoint, go })
}

/// Loads the detector on the job's backend (inference: `B::InnerBackend`) and runs `go` with it.
struct LiveJob<'a, F> {
    cfg: &'a crate::config::ExperimentConfig,
    cfg_path: &'a std::path::Path,
    checkpoint: &'a std::path::Path,
    go: F,
}

impl<F: FnOnce(&mut dyn FrameDetector) -> Result<()>> crate::training::device::OnBackend for LiveJob<'_, F> {
    type Output = Result<()>;
    fn run<B: burn::tensor::backend::AutodiffBackend>(self, device: &B::Device) -> Self::Output {
        let mut det = live::HvisnetDetector::<B::InnerBackend>::load(self.cfg, self.cfg_path, self.checkpoint, device)?;
        (self.go)(&mut det)
    }
}

/// One video of a dataset split: its name (the frame folder's), id and frame files in order.
pub struct DatasetVideo {
    /// The frame folder's name.
    pub name: String,
    /// The dataset's video id.
    pub video_id: u64,
    /// The frame folder.
    pub dir: PathBuf,
    /// Frame files, by frame index.
    pub files: Vec<PathBuf>,
}

/// The videos of `--dataset NAME --split S`, the root from `--dataset-root` or the experiment config.
fn dataset_videos(args: &TrackArgs, cfg: &crate::config::ExperimentConfig) -> Result<Vec<DatasetVideo>> {
    let name = args.dataset.as_deref().context("--dataset")?;
    if !matches!(name, "hvis" | "ytvis-person" | "synth") {
        bail!("--dataset {name}: only video datasets can be tracked (hvis, ytvis-person, synth)");
    }
    let root = match &args.dataset_root {
        Some(r) => r.clone(),
        None => [&cfg.data.val, &cfg.data.train]
            .into_iter()
            .find(|d| d.name == name)
            .map(|d| PathBuf::from(&d.root))
            .with_context(|| format!("--dataset {name}: the experiment config's data.val and data.train are not {name:?}; give --dataset-root DIR"))?,
    };
    let ds = data::datasets::open(name, &root, &args.split).with_context(|| format!("--dataset {name} --split {} (root {})", args.split, root.display()))?;
    let mut videos: Vec<DatasetVideo> = Vec::new();
    let mut frames: Vec<&data::frames::FrameRecord> = ds.frames.iter().collect();
    frames.sort_by_key(|f| (f.video_id, f.frame_index));
    for f in frames {
        if videos.last().is_none_or(|v| v.video_id != f.video_id) {
            let dir = f.image.parent().map(PathBuf::from).unwrap_or_default();
            let vname = dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| format!("video{}", f.video_id));
            videos.push(DatasetVideo { name: vname, video_id: f.video_id, dir, files: Vec::new() });
        }
        videos.last_mut().expect("pushed above").files.push(f.image.clone());
    }
    if videos.is_empty() {
        bail!("--dataset {name} --split {}: no videos in {}", args.split, root.display());
    }
    Ok(videos)
}

/// Tracks every video of a split with one detector: OUT/<video>/ per video, OUT/ytvis_results.json for all.
fn track_dataset(args: &TrackArgs, det: &mut dyn FrameDetector, tracker: &TrackerConfig, videos: &[DatasetVideo]) -> Result<()> {
    let mut all = Vec::new();
    for (k, v) in videos.iter().enumerate() {
        println!("video {}/{}: {} ({} frames)", k + 1, videos.len(), v.name, v.files.len());
        let a = TrackArgs {
            detections: None,
            weights: args.weights.clone(),
            config: args.config.clone(),
            dataset: None,
            split: args.split.clone(),
            dataset_root: None,
            frames: Some(v.dir.clone()),
            out: args.out.join(&v.name),
            tracker_config: args.tracker_config.clone(),
            name: Some(v.name.clone()),
            video_id: v.video_id,
            skip_bad_frames: args.skip_bad_frames,
            gif_width: args.gif_width,
        };
        let mut t = Tracker::new(load_config(&a, Some(tracker))?)?;
        track_frames(&a, &mut t, Source::Live(&mut *det), Some(FrameFolder::from_files(&v.dir, v.files.clone())?))?;
        let path = a.out.join("ytvis_results.json");
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let results: Vec<serde_json::Value> = serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
        all.extend(results);
    }
    let path = args.out.join("ytvis_results.json");
    std::fs::write(&path, serde_json::to_string(&all)?).with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {} ({} tracks over {} videos)", path.display(), all.len(), videos.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;

    use data::mots::read_mots_txt;
    use image::RgbImage;
    use tracker::scenario::{DetectionNoise, Scenario, detections};

    use super::*;

    fn args(detections: &Path, frames: Option<&Path>, out: &Path) -> TrackArgs {
        TrackArgs {
            detections: Some(detections.to_path_buf()),
            weights: None,
            config: None,
            dataset: None,
            split: "val".into(),
            dataset_root: None,
            frames: frames.map(Path::to_path_buf),
            out: out.to_path_buf(),
            tracker_config: None,
            name: Some("seq".into()),
            video_id: 1,
            skip_bad_frames: false,
            gif_width: 160,
        }
    }

    /// A detections line with a box-shaped mask of an `h × w` frame.
    fn line(frame: usize, b: [f64; 4], score: f64, emb: &[f32], h: u32, w: u32) -> String {
        let mut px = vec![0u8; (h * w) as usize];
        let clamp = |v: f64, hi: u32| (v.max(0.0) as u32).min(hi);
        for y in clamp(b[1], h)..clamp(b[3], h) {
            for x in clamp(b[0], w)..clamp(b[2], w) {
                px[(y * w + x) as usize] = 1;
            }
        }
        let rle = Rle::from_row_major(h, w, &px);
        serde_json::json!({"frame": frame, "box": b, "score": score, "embedding": emb, "mask": {"size": [h, w], "counts": rle.to_compressed()}}).to_string()
    }

    fn scenario_file(dir: &Path) -> (PathBuf, Scenario) {
        let s = Scenario::crossing(6);
        let path = dir.join("dets.jsonl");
        let mut f = std::fs::File::create(&path).unwrap();
        let noise = DetectionNoise { dim: 16, ..Default::default() };
        for (frame, dets) in detections(&s, &noise, 5).into_iter().enumerate() {
            for d in dets {
                writeln!(f, "{}", line(frame, d.bbox.corners(), d.score, &d.embedding, 480, 640)).unwrap();
            }
        }
        (path, s)
    }

    #[test]
    fn detections_file_gives_mots_ytvis_and_id_pngs() {
        let dir = testkit::temp_dir("track-cli");
        let (dets, scenario) = scenario_file(&dir);
        let out = dir.join("out");
        run(args(&dets, None, &out)).unwrap();
        let rows = read_mots_txt(out.join("seq.txt")).unwrap();
        let ids: std::collections::BTreeSet<u32> = rows.iter().map(|r| r.track_id).collect();
        assert_eq!(ids.len(), 4, "one id per person: {ids:?}");
        assert!(rows.iter().all(|r| r.class_id == 2 && r.track_id / 1000 == 2));
        let visible: usize = (0..scenario.frames).map(|f| scenario.visible(f).len()).sum();
        assert!(rows.len() as f64 >= 0.95 * visible as f64, "{} rows for {visible} visible people", rows.len());
        let ytvis = data::ytvis::load_ytvis_results(out.join("ytvis_results.json")).unwrap();
        assert_eq!(ytvis.len(), 4);
        assert!(ytvis.iter().all(|r| r.segmentations.len() == scenario.frames));
        let png = data::mots::read_id_png(out.join("ids/000040.png")).unwrap();
        let in_txt: Vec<u32> = rows.iter().filter(|r| r.frame == 40).map(|r| r.track_id).collect();
        assert_eq!(png.iter().map(|(id, _)| *id).collect::<Vec<_>>(), in_txt);
        assert!(out.join("summary.json").exists());
    }

    #[test]
    fn frames_give_overlays_and_a_gif() {
        let dir = testkit::temp_dir("track-cli-frames");
        let frames = dir.join("frames");
        std::fs::create_dir_all(&frames).unwrap();
        let (h, w) = (60u32, 80u32);
        let dets = dir.join("dets.jsonl");
        let mut f = std::fs::File::create(&dets).unwrap();
        for i in 0..4 {
            RgbImage::from_pixel(w, h, image::Rgb([90, 90, 90])).save(frames.join(format!("{i:05}.jpg"))).unwrap();
            let x = 10.0 + 3.0 * i as f64;
            writeln!(f, "{}", line(i, [x, 10.0, x + 15.0, 40.0], 0.9, &[1.0, 0.0], h, w)).unwrap();
        }
        drop(f);
        let out = dir.join("out");
        run(args(&dets, Some(&frames), &out)).unwrap();
        for i in 0..4 {
            assert!(out.join(format!("overlay/{i:05}.jpg")).exists());
            assert!(out.join(format!("ids/{i:05}.png")).exists());
        }
        let gif = std::fs::read(out.join("overlay.gif")).unwrap();
        assert_eq!(&gif[..6], b"GIF89a");

        // A corrupt frame stops the run with its name, unless --skip-bad-frames.
        std::fs::write(frames.join("00002.jpg"), b"not a jpeg").unwrap();
        let e = format!("{:#}", run(args(&dets, Some(&frames), &dir.join("out2"))).unwrap_err());
        assert!(e.contains("00002.jpg"), "{e}");
        let mut a = args(&dets, Some(&frames), &dir.join("out3"));
        a.skip_bad_frames = true;
        run(a).unwrap();
        let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("out3/summary.json")).unwrap()).unwrap();
        assert_eq!(summary["skipped_frames"].as_array().unwrap().len(), 1);

        // Frames of different sizes.
        RgbImage::from_pixel(w + 2, h, image::Rgb([0, 0, 0])).save(frames.join("00002.jpg")).unwrap();
        let e = format!("{:#}", run(args(&dets, Some(&frames), &dir.join("out4"))).unwrap_err());
        assert!(e.contains("00002.jpg") && e.contains("one size"), "{e}");
    }

    #[test]
    fn bad_inputs_name_the_file_and_line() {
        let dir = testkit::temp_dir("track-cli-bad");
        let dets = dir.join("dets.jsonl");
        let good = line(0, [10.0, 10.0, 30.0, 60.0], 0.9, &[1.0, 0.0], 80, 80);
        let cases = [
            (format!("{good}\n{{\"frame\": 1, \"box\": [1, 2, 3]}}\n"), "dets.jsonl:2"),
            (format!("{good}\nnot json\n"), "dets.jsonl:2"),
            (format!("{}\n{good}\n", line(3, [10.0, 10.0, 30.0, 60.0], 0.9, &[1.0, 0.0], 80, 80)), "comes after frame 3"),
            (format!("{good}\n{}\n", line(1, [30.0, 10.0, 10.0, 60.0], 0.9, &[1.0, 0.0], 80, 80)), "dets.jsonl:2"),
            (format!("{good}\n{}\n", line(1, [10.0, 10.0, 30.0, 60.0], 0.9, &[1.0, 0.0, 0.0], 80, 80)), "dets.jsonl:2"),
            (format!("{good}\n{}\n", line(1, [10.0, 10.0, 30.0, 60.0], 0.9, &[1.0, 0.0], 80, 90)), "dets.jsonl:2"),
            ("{\"frame\": 0, \"box\": [0, 0, 5, 5], \"score\": 0.9, \"embedding\": [1], \"mask\": {\"size\": [8, 8], \"counts\": \"!!\"}}\n".to_string(), "dets.jsonl:1"),
        ];
        for (i, (text, want)) in cases.iter().enumerate() {
            std::fs::write(&dets, text).unwrap();
            let e = format!("{:#}", run(args(&dets, None, &dir.join(format!("out{i}")))).unwrap_err());
            assert!(e.contains(want), "case {i}: {e}");
        }
        let e = format!("{:#}", run(args(&dir.join("missing.jsonl"), None, &dir.join("o"))).unwrap_err());
        assert!(e.contains("missing.jsonl"), "{e}");
        std::fs::write(&dets, format!("{good}\n")).unwrap();
        let empty = dir.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let e = format!("{:#}", run(args(&dets, Some(&empty), &dir.join("o2"))).unwrap_err());
        assert!(e.contains("no .jpg"), "{e}");
        let e = format!("{:#}", run(args(&dets, Some(&dir.join("nowhere")), &dir.join("o3"))).unwrap_err());
        assert!(e.contains("nowhere") && e.contains("does not exist"), "{e}");
    }

    #[test]
    fn davis_judo_with_masks_as_detections() {
        let Some(root) = testkit::realdata("davis_judo_2persons") else { return };
        let dir = testkit::temp_dir("track-davis");
        let dets = dir.join("judo.jsonl");
        write_davis_detections(&root.join("pred_osvos/judo"), &dets).unwrap();
        let out = dir.join("out");
        run(args(&dets, Some(&root.join("JPEGImages/judo")), &out)).unwrap();
        let rows = read_mots_txt(out.join("seq.txt")).unwrap();
        let ids: std::collections::BTreeSet<u32> = rows.iter().map(|r| r.track_id).collect();
        assert_eq!(ids.len(), 2, "the two judoka keep one id each: {ids:?}");
        assert!(out.join("overlay/00015.jpg").exists() && out.join("overlay.gif").exists());
    }

    /// Detections from DAVIS per-object PNGs: box and mask from each object, an embedding that encodes the
    /// object id (one-hot plus a little noise), score 0.9.
    fn write_davis_detections(masks: &Path, out: &Path) -> Result<()> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(masks)?.map(|e| e.unwrap().path()).collect();
        files.sort();
        let mut f = std::fs::File::create(out)?;
        for (frame, path) in files.iter().enumerate() {
            let img = image::open(path)?;
            let (w, h) = (img.width(), img.height());
            // Palette PNGs decode to RGB; DAVIS's palette gives object 1 (128, 0, 0) and object 2 (0, 128, 0).
            let ids: Vec<u8> = img
                .to_rgb8()
                .pixels()
                .map(|p| match p.0 {
                    [128, 0, 0] => 1,
                    [0, 128, 0] => 2,
                    _ => 0,
                })
                .collect();
            for id in 1..=2u8 {
                let px: Vec<u8> = ids.iter().map(|&v| u8::from(v == id)).collect();
                let rle = Rle::from_row_major(h, w, &px);
                if rle.area() < 400 {
                    continue;
                }
                let [x, y, bw, bh] = rle.bbox();
                let mut emb = vec![0.05f32; 8];
                emb[id as usize] = 1.0;
                emb[(frame + id as usize) % 8] += 0.1;
                let v = serde_json::json!({"frame": frame, "box": [x, y, x + bw, y + bh], "score": 0.9, "embedding": emb,
                    "mask": {"size": [h, w], "counts": rle.to_compressed()}});
                writeln!(f, "{v}")?;
            }
        }
        Ok(())
    }
}
