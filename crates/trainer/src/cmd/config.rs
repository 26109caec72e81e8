//! `trainer config ...`: inspect experiment configs.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::config;

/// Config subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print the fully resolved config (bases merged, overrides applied, defaults filled in).
    Print(PrintArgs),
}

/// Arguments of `trainer config print`.
#[derive(Debug, Args)]
pub struct PrintArgs {
    /// The experiment config (TOML).
    pub config: PathBuf,
    /// Override a key: `--set solver.base_lr=0.005` (value parsed as TOML; repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Runs a config subcommand.
pub fn run(cmd: ConfigCmd) -> anyhow::Result<()> {
    match cmd {
        ConfigCmd::Print(args) => {
            let resolved = config::load(&args.config, &args.set)?;
            print!("{}", resolved.to_toml_string());
            Ok(())
        }
    }
}
