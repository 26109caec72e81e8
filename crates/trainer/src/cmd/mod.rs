//! Command-line layout: one module per subcommand, each with its own clap `Args` and a `run` function.

use std::ffi::OsString;

use clap::{Parser, Subcommand};

pub mod bench;
pub mod config;
pub mod data;
pub mod data_centers;
pub mod data_synth;
pub mod eval;
pub mod eval_run;
pub mod report;
pub mod sweep;
pub mod train;
pub mod track;
pub mod track_draw;
pub mod track_input;
pub mod track_output;
pub mod weights;

/// HVISNet: real-time segmentation and tracking of every person in a video.
#[derive(Debug, Parser)]
#[command(name = "trainer", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands. `trainer CONFIG.toml` is shorthand for `trainer train CONFIG.toml`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model from an experiment config.
    Train(train::TrainArgs),
    /// Inspect experiment configs (`config print CONFIG [--set k=v]...`).
    #[command(subcommand)]
    Config(config::ConfigCmd),
    /// Dataset tools: `data check` validates a file and prints counts, `data stats` prints Table II statistics.
    #[command(subcommand)]
    Data(data::DataCmd),
    /// Track people over a video: link per-frame detections into identities, write MOTS, YouTube-VIS, id PNGs and overlays.
    Track(track::TrackArgs),
    /// Evaluate a run's checkpoint on any split (`eval --run DIR --dataset NAME --root R --split S`), or score
    /// result files (`eval mots|coco|ochuman|ytvis`, exact against TrackEval / pycocotools).
    Eval(eval::EvalArgs),
    /// Weight conversion: `weights import --from FILE.pth --format ucbdrive|timm --out FILE.bpk`.
    #[command(subcommand)]
    Weights(weights::WeightsCmd),
    /// Parameters, forward and training-step time of the configured network (`bench --config C --size 512 [--json]`).
    Bench(bench::BenchArgs),
    /// Train every run of an experiment file in turn (`sweep experiments/NAME.toml [--dry-run]`).
    Sweep(sweep::SweepArgs),
    /// The paper's table (Markdown, CSV) and plot (PNG) from an experiment's runs (`report experiments/NAME.toml`).
    Report(report::ReportArgs),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Train(args) => train::run(args),
        Command::Config(cmd) => config::run(cmd),
        Command::Data(cmd) => data::run(cmd),
        Command::Track(args) => track::run(args),
        Command::Eval(cmd) => eval::run(cmd),
        Command::Weights(cmd) => weights::run(cmd),
        Command::Bench(args) => bench::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Report(args) => report::run(args),
    }
}

/// Rewrites `trainer X.toml ...` into `trainer train X.toml ...`, leaving every other command line alone.
pub fn expand_shorthand(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    if args.get(1).is_some_and(|a| a.to_string_lossy().ends_with(".toml")) {
        args.insert(1, OsString::from("train"));
    }
    args
}
