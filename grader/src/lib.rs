//! The command-line grader: runs YAML suites against a student's code,
//! scores them and reports.
//!
//! It is generic over the [`Submission`] bundle, so the same program grades the
//! reference solution (the `grader` binary) or any other implementation of
//! the lab traits. Each test run happens in a child process of the grader
//! (the same program, `grader __child`), watched for time, memory and
//! output, so a faulty submission fails only its own test.

mod check_history;
mod child;
mod cli;
mod execute;
mod formats;
mod handout;
mod handshake;
mod isolate;
mod list;
mod merge;
mod output;
mod plan;
mod pool;
mod progress;
mod report;
mod run;
mod seal;
mod seeds;
mod summary;

use std::process::ExitCode;

use clap::Parser;
use framework::labs::Submission;

pub use report::{SuiteReport, TestReport, TestScore};

/// Exit status when every selected test passed.
pub const EXIT_PASSED: u8 = 0;
/// Exit status when some test failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for bad input: a bad suite file, flag or history, or a
/// handout that cannot be written.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Parses the command line and runs the grader for student bundle `S`.
pub fn main<S: Submission>() -> ExitCode {
    let cli = cli::Cli::parse();
    let registry = framework::labs::registry::<S>;
    ExitCode::from(match cli.command() {
        Ok(cli::Command::Run(args)) => run::run(&registry(), &args),
        Ok(cli::Command::List(args)) => list::list(&registry(), &args),
        Ok(cli::Command::Kinds(args)) => list::kinds(&registry(), &args),
        Ok(cli::Command::Merge(args)) => merge::merge(&args),
        Ok(cli::Command::CheckHistory(args)) => check_history::run(args),
        Ok(cli::Command::Handout(args)) => handout::handout(&args),
        // The child reads its instructions before it builds anything.
        Ok(cli::Command::Child(args)) => child::child::<S>(&args),
        Err(message) => {
            eprintln!("{message}");
            EXIT_BAD_INPUT
        }
    })
}
