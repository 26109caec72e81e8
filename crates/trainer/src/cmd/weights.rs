//! `trainer weights import`: converts a PyTorch DLA-34 checkpoint into our burnpack format.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::backend::Flex;
use clap::{Args, Subcommand, ValueEnum};
use dla34::Dla34Config;
use dla34::weights::{CheckpointLayout, import_dla34, save_checkpoint};

/// Weight conversion commands.
#[derive(Debug, Subcommand)]
pub enum WeightsCmd {
    /// Import an ImageNet DLA-34 (`.pth`, `.pt` or timm `.safetensors`) into a `.bpk` for `model.backbone`.
    Import(ImportArgs),
}

/// Which PyTorch implementation wrote the checkpoint.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// ucbdrive/dla `dla34-ba72cf86.pth` (also FairMOT, AdelaiDet).
    Ucbdrive,
    /// timm `dla34` state dict.
    Timm,
}

/// Arguments of `trainer weights import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The PyTorch checkpoint.
    #[arg(long)]
    pub from: PathBuf,
    /// Key layout of the checkpoint.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Output burnpack file.
    #[arg(long)]
    pub out: PathBuf,
    /// Read the state dict from this top-level key (e.g. `state_dict`).
    #[arg(long)]
    pub key: Option<String>,
    /// Write the output even when keys are unexpectedly missing or unused.
    #[arg(long)]
    pub allow_partial: bool,
}

/// Runs a weights command.
pub fn run(cmd: WeightsCmd) -> anyhow::Result<()> {
    match cmd {
        WeightsCmd::Import(args) => import(args),
    }
}

fn import(args: ImportArgs) -> anyhow::Result<()> {
    let layout = match args.format {
        Format::Ucbdrive => CheckpointLayout::Ucbdrive,
        Format::Timm => CheckpointLayout::Timm,
    };
    let device = Default::default();
    let mut model = Dla34Config::default().init::<Flex>(&device);
    let report = import_dla34(&mut model, &args.from, layout, args.key.as_deref())?;
    print!("{report}");
    if !report.is_clean() && !args.allow_partial {
        bail!("{}: keys did not line up with the {:?} layout (see above); pass --allow-partial to write anyway", args.from.display(), args.format);
    }
    save_checkpoint(&model, &args.out).with_context(|| format!("writing {}", args.out.display()))?;
    println!("wrote {} ({} parameters)", args.out.display(), dla34::num_parameters(&model));
    Ok(())
}
