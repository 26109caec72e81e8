//! `trainer`: the one binary of the HVISNet framework. `trainer CONFIG.toml` is shorthand for
//! `trainer train CONFIG.toml`; see `trainer --help` for the subcommands.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = trainer::cmd::Cli::parse_from(trainer::cmd::expand_shorthand(std::env::args_os()));
    match trainer::cmd::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
