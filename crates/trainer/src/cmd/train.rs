//! `trainer train CONFIG.toml`: the training job.

use std::path::PathBuf;

use clap::Args;

use crate::config;

/// Arguments of `trainer train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The experiment config (TOML).
    pub config: PathBuf,
    /// Override a key: `--set solver.base_lr=0.005` (value parsed as TOML; repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Continue from the newest checkpoint in the run's output folder.
    #[arg(long)]
    pub resume: bool,
}

/// Resolves the config, then reports that the training loop is not part of this build yet.
pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let resolved = config::load(&args.config, &args.set)?;
    let c = &resolved.config;
    eprintln!(
        "config {} resolved: {} on {} ({} epochs, base LR {}, sampling {:?}), output to {}",
        args.config.display(),
        c.model.backbone.name,
        c.data.train.name,
        c.solver.epochs,
        c.solver.base_lr,
        c.model.sampling.center,
        c.output_dir
    );
    anyhow::bail!(
        "the training loop is not built yet (issue 6); `trainer config print {}` shows the resolved config",
        args.config.display()
    )
}
