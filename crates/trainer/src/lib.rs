//! The `trainer` binary's library: the experiment-config system, the training machinery, and one module per
//! subcommand. `main.rs` only parses the command line and calls [`cmd::run`].

pub mod cmd;
pub mod config;
pub mod experiment;
pub mod training;
