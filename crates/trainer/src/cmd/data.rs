//! `trainer data ...`: dataset tools. `check` validates an annotation file (and its images) and prints
//! counts; `stats` prints the paper's Table II statistics and the box-centre rates.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use data::check::{Format, check, person_frames};
use data::stats::{SMALL_AREA, dataset_stats};

/// Dataset tools.
#[derive(Debug, Subcommand)]
pub enum DataCmd {
    /// Validate an annotation file (and that its images exist and decode); print counts; exit non-zero on any problem.
    Check(CheckArgs),
    /// Print Table II statistics: videos, frames, instances, small targets, overlaps, box-centre rates.
    Stats(StatsArgs),
    /// Write the synthetic people dataset (JPEG frames, YouTube-VIS, COCO and MOTS ground truth).
    Synth(super::data_synth::SynthArgs),
    /// Write each person's sampling centre (original pixels), whether it lies on the mask, and the positive and
    /// ambiguous location counts per level at the input size, as JSON; print the totals.
    Centers(super::data_centers::CentersArgs),
    /// Draw one image at input size with masks, box centres, centroids, inner centres and a strategy's positives.
    ShowSamples(super::data_centers::ShowSamplesArgs),
}

/// Annotation formats on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// COCO instances JSON.
    Coco,
    /// YouTube-VIS JSON (also HVIS).
    Ytvis,
    /// OCHuman raw JSON or its COCO-style files.
    Ochuman,
    /// MOTS txt.
    Mots,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Coco => Format::Coco,
            FormatArg::Ytvis => Format::Ytvis,
            FormatArg::Ochuman => Format::Ochuman,
            FormatArg::Mots => Format::Mots,
        }
    }
}

/// `trainer data check --format F PATH [--images DIR]`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Annotation format.
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// The annotation file.
    pub path: PathBuf,
    /// Image (or frame) folder the file names are relative to; when given, every image must exist and decode.
    #[arg(long)]
    pub images: Option<PathBuf>,
    /// Print at most this many problems (all are counted).
    #[arg(long, default_value_t = 50)]
    pub max_problems: usize,
}

/// `trainer data stats --format F PATH`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Annotation format.
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// The annotation file.
    pub path: PathBuf,
    /// Write the statistics as JSON here too.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Runs a `data` subcommand.
pub fn run(cmd: DataCmd) -> anyhow::Result<()> {
    match cmd {
        DataCmd::Check(a) => run_check(a),
        DataCmd::Stats(a) => run_stats(a),
        DataCmd::Synth(a) => super::data_synth::run(a),
        DataCmd::Centers(a) => super::data_centers::run_centers(a),
        DataCmd::ShowSamples(a) => super::data_centers::run_show_samples(a),
    }
}

fn run_check(a: CheckArgs) -> anyhow::Result<()> {
    let report = check(a.format.into(), &a.path, a.images.as_deref()).with_context(|| format!("checking {}", a.path.display()))?;
    println!("{}", a.path.display());
    let width = report.counts.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &report.counts {
        println!("  {k:<width$}  {v:>10}");
    }
    if report.problems.is_empty() {
        println!("ok: no problems{}", if a.images.is_some() { " (all images exist and decode)" } else { "" });
        return Ok(());
    }
    for p in report.problems.iter().take(a.max_problems) {
        println!("problem: {p}");
    }
    if report.problems.len() > a.max_problems {
        println!("... and {} more", report.problems.len() - a.max_problems);
    }
    bail!("{} problem(s) in {}", report.problems.len(), a.path.display())
}

fn run_stats(a: StatsArgs) -> anyhow::Result<()> {
    let frames = person_frames(a.format.into(), &a.path, None).with_context(|| format!("reading {}", a.path.display()))?;
    let s = dataset_stats(&frames).with_context(|| format!("decoding masks of {}", a.path.display()))?;
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    let rows: Vec<(String, String)> = vec![
        ("videos (images)".into(), s.videos.to_string()),
        ("frames".into(), s.frames.to_string()),
        ("instances".into(), s.instances.to_string()),
        ("person masks".into(), s.masks.to_string()),
        (format!("small masks (area < {SMALL_AREA})"), format!("{} ({})", s.small_masks, pct(s.small_share()))),
        ("overlapping instances (box IoU > 0 in some frame)".into(), format!("{} ({})", s.overlapping_instances, pct(ratio(s.overlapping_instances, s.instances)))),
        ("overlapping person pairs (per frame)".into(), s.overlapping_pairs.to_string()),
        ("box centre outside own mask".into(), format!("{} ({})", s.centre_outside_own, pct(s.centre_outside_share()))),
        ("box centre inside another person".into(), format!("{} ({})", s.centre_in_other, pct(s.centre_in_other_share()))),
        ("empty masks (not counted)".into(), s.empty_masks.to_string()),
    ];
    println!("{}", a.path.display());
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &rows {
        println!("  {k:<width$}  {v:>16}");
    }
    if let Some(p) = &a.json {
        std::fs::write(p, serde_json::to_vec_pretty(&s)?).with_context(|| format!("writing {}", p.display()))?;
        println!("wrote {}", p.display());
    }
    Ok(())
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}
