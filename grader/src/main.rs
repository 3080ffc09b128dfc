//! The grader: the kit's command-line program.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check_history;

/// Runs lab suites, and checks recorded histories for linearizability.
#[derive(Parser)]
#[command(name = "grader", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Checks history files for linearizability: one verdict line per file.
    CheckHistory(check_history::CheckHistoryArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::CheckHistory(args) => check_history::run(args),
    }
}
