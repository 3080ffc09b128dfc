//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Runs distributed-systems lab suites against a student's code.
#[derive(Parser, Debug)]
#[command(name = "grader", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Run the suite in FILE (the same as `grader run FILE`).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(flatten)]
    options: RunOptions,
}

impl Cli {
    /// The command to run: a subcommand, or `run` when `-f FILE` is given.
    pub fn command(self) -> Result<Command, String> {
        match (self.command, self.file) {
            (Some(command), _) => Ok(command),
            (None, Some(file)) => Ok(Command::Run(RunArgs {
                file,
                options: self.options,
            })),
            (None, None) => Err("grader: give a suite to run (grader run FILE, or grader -f FILE); see grader --help".to_string()),
        }
    }
}

/// What the grader can do.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a suite's tests and score them.
    Run(RunArgs),
    /// List a suite's tests, their kinds and points.
    List(ListArgs),
    /// Describe the test kinds a suite can use, with their parameters.
    Kinds(KindsArgs),
}

/// `grader run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The suite file (YAML).
    pub file: PathBuf,
    #[command(flatten)]
    pub options: RunOptions,
}

/// How to run a suite.
#[derive(Args, Debug, Default)]
pub struct RunOptions {
    /// Run every selected test with this seed (by default each test's seed
    /// is derived from the suite and its name).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Which tests: numbers, ranges and name pieces, comma-separated
    /// (e.g. `3`, `3-7`, `persist`, `1,4-6`).
    #[arg(long = "test", short = 't', value_name = "SEL")]
    pub test: Option<String>,
    /// Write a JSON report of the run to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// `grader list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// The suite file (YAML).
    pub file: PathBuf,
}

/// `grader kinds`.
#[derive(Args, Debug)]
pub struct KindsArgs {
    /// Only the kinds of this lab.
    pub lab: Option<String>,
}
