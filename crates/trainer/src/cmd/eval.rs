//! `trainer eval`: score result files with the `eval` crate (`eval mots|coco|ochuman|ytvis`: MOTS, COCO,
//! OCHuman, YouTube-VIS), print a table and optionally write JSON with every number; or, without a subcommand,
//! score a training run's checkpoint on any dataset split (`eval --run DIR ...`, see [`super::eval_run`]).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::eval_run::RunArgs;

/// `trainer eval`: a subcommand scoring result files, or `--run DIR` scoring a checkpoint.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    override_usage = "trainer eval --run DIR [--iter N] --dataset NAME --root R --split S [--out OUT] [--device D]\n       \
                      trainer eval <mots|coco|ochuman|ytvis> [OPTIONS]",
    after_help = "Without a subcommand: evaluate a training run's checkpoint (the newest, or --iter N) on a dataset split, \
                  as the training's evaluation hook does (mask/box AP, AP_M/AP_H, MOTS on video splits, FPS, Table V), \
                  writing <iter>.json, <iter:08>_results.json, summary.md, ... into --out (default DIR/eval_<NAME>_<SPLIT>/).\n\
                  With a subcommand: score result files already written (exact against TrackEval / pycocotools)."
)]
pub struct EvalArgs {
    /// Score result files instead of a checkpoint.
    #[command(subcommand)]
    pub cmd: Option<EvalCmd>,
    /// Evaluate a run's checkpoint (when no subcommand is given).
    #[command(flatten)]
    pub run: RunArgs,
}

/// Evaluation subcommands (result files).
#[derive(Debug, Subcommand)]
pub enum EvalCmd {
    /// MOTS metrics (sMOTSA, MOTSA, MOTSP, IDS, IDF1, HOTA) from MOTS txt files or id-PNG folders.
    Mots(MotsArgs),
    /// COCO box or mask AP (pycocotools COCOeval).
    Coco(CocoArgs),
    /// OCHuman AP, AP_M, AP_H from the raw OCHuman JSON.
    Ochuman(OchumanArgs),
    /// YouTube-VIS video AP.
    Ytvis(YtvisArgs),
}

/// `trainer eval mots`.
#[derive(Debug, Args)]
pub struct MotsArgs {
    /// Ground truth: MOTSChallenge (SEQ/gt/gt.txt), KITTI MOTS (label_02/SEQ.txt) or id-PNG folders (SEQ/*.png).
    #[arg(long)]
    pub gt: PathBuf,
    /// Predictions: SEQ.txt, data/SEQ.txt or SEQ/*.png.
    #[arg(long)]
    pub pred: PathBuf,
    /// Seqmap (KITTI `SEQ empty START END` lines or one name per line); default: every sequence in --gt.
    #[arg(long)]
    pub seqmap: Option<PathBuf>,
    /// Matching rule: mots_tools (IoU > 0.5, default), trackeval (>= 0.5, Hungarian) or hvisnet (GT frames only).
    #[arg(long, default_value = "mots_tools")]
    pub variant: ::eval::mots::MotsVariant,
    /// Class id evaluated (MOTS: 1 car, 2 pedestrian); 10 marks ignore regions.
    #[arg(long, default_value_t = 2)]
    pub class: u32,
    /// Write every number as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `trainer eval coco`.
#[derive(Debug, Args)]
pub struct CocoArgs {
    /// COCO ground-truth JSON.
    #[arg(long)]
    pub gt: PathBuf,
    /// COCO results JSON (a list).
    #[arg(long)]
    pub dt: PathBuf,
    /// segm or bbox.
    #[arg(long, default_value = "segm")]
    pub iou_type: ::eval::coco::IouType,
    /// Write stats, precision and recall as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `trainer eval ochuman`.
#[derive(Debug, Args)]
pub struct OchumanArgs {
    /// Raw OCHuman JSON (ochuman.json).
    #[arg(long)]
    pub gt: PathBuf,
    /// COCO results JSON with image ids of the split's converted ground truth (numbered from 1).
    #[arg(long)]
    pub dt: PathBuf,
    /// val (first 2500 images) or test (the rest).
    #[arg(long, default_value = "val")]
    pub split: String,
    /// Write AP, AP_M, AP_H and each range's COCO numbers as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `trainer eval ytvis`.
#[derive(Debug, Args)]
pub struct YtvisArgs {
    /// YouTube-VIS ground-truth JSON.
    #[arg(long)]
    pub gt: PathBuf,
    /// YouTube-VIS results JSON.
    #[arg(long)]
    pub res: PathBuf,
    /// Write stats, precision and recall as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn write_out(out: &Option<PathBuf>, v: &serde_json::Value) -> anyhow::Result<()> {
    if let Some(p) = out {
        ::eval::coco::write_json(p, v)?;
        println!("wrote {}", p.display());
    }
    Ok(())
}

/// Runs `trainer eval`: the subcommand when one is given, else the checkpoint evaluation.
pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    match args.cmd {
        Some(cmd) => run_files(cmd),
        None => super::eval_run::run(args.run),
    }
}

/// Runs an evaluation subcommand.
pub fn run_files(cmd: EvalCmd) -> anyhow::Result<()> {
    match cmd {
        EvalCmd::Mots(a) => {
            let seqs = ::eval::mots::io::load(&a.gt, &a.pred, a.seqmap.as_deref(), a.class)?;
            let rep = ::eval::mots::evaluate(&seqs, a.variant);
            print!("{}", rep.table());
            write_out(&a.out, &rep.to_json())
        }
        EvalCmd::Coco(a) => {
            let e = ::eval::coco::evaluate_files(&a.gt, &a.dt, a.iou_type)?;
            print!("{}", e.table());
            write_out(&a.out, &e.to_json())
        }
        EvalCmd::Ochuman(a) => {
            let split = match a.split.as_str() {
                "val" => ::data::ochuman::OchumanSplit::Val,
                "test" => ::data::ochuman::OchumanSplit::Test,
                "all" => ::data::ochuman::OchumanSplit::All,
                s => anyhow::bail!("--split {s:?}: expected val, test or all"),
            };
            let e = ::eval::ochuman::evaluate_ochuman_files(&a.gt, &a.dt, split).context("OCHuman evaluation")?;
            print!("{}", e.table());
            write_out(&a.out, &e.to_json())
        }
        EvalCmd::Ytvis(a) => {
            let e = ::eval::ytvis::evaluate_ytvis_files(&a.gt, &a.res)?;
            print!("{}", e.table());
            write_out(&a.out, &e.to_json())
        }
    }
}
