//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use framework::suite::Scoring;

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
            (None, None) => Err(
                "grader: give a suite to run (grader run FILE, or grader -f FILE); see grader --help".to_string(),
            ),
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
    /// Combine the JSON reports of partitioned runs into one result.
    Merge(MergeArgs),
    /// Check history files for linearizability: one verdict line per file.
    CheckHistory(crate::check_history::CheckHistoryArgs),
    /// Write a kit for students: the labs' suites and guides, with skeletons
    /// to fill in for the reference solution.
    ///
    /// DIR gets the framework, the grader, the workspace's files, README.md,
    /// the suites (config/) and guides (docs/labs/) of the labs listed, and
    /// a `student` crate with one module per lab: a skeleton whose every
    /// method fails its tests with "not implemented: Raft::make" (and so
    /// on) until the student writes it. Nothing of the reference solution
    /// goes into it; the labs not listed are left out. Run it from the
    /// kit's root (or give --from). Exit status 2, with nothing written,
    /// for an unknown lab or a DIR that is not new or empty.
    Handout(HandoutArgs),
    /// Run one test with one seed and write its result (used by `run`,
    /// which starts one such process per test run).
    #[command(name = "__child", hide = true)]
    Child(ChildArgs),
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
    /// Run every selected test with this seed (with --repeat, the first of
    /// N consecutive seeds). By default the suite's `seed:` pins the seeds,
    /// or, without one, every run draws a fresh seed and prints it.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Which tests: numbers, ranges and name pieces, comma-separated
    /// (e.g. `3`, `3-7`, `persist`, `1,4-6`).
    #[arg(long = "test", short = 't', value_name = "SEL")]
    pub test: Option<String>,
    /// Run each test on N seeds (default: the suite's `repeat:`, or 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: Option<u32>,
    /// How a test run on several seeds scores: `per_run` (in proportion to
    /// the runs that passed) or `all_or_nothing` (default: the suite's
    /// `scoring:`).
    #[arg(long, value_name = "HOW", value_parser = parse_scoring)]
    pub scoring: Option<Scoring>,
    /// Run N tests at once (default: the machine's cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// Run every seed twice and fail it if the two runs differ.
    #[arg(long)]
    pub check_determinism: bool,
    /// Run only share K of N of the (test, seed) runs, for spreading a run
    /// over CI jobs (combine their --json reports with `grader merge`).
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    pub partition: Option<(u32, u32)>,
    /// Write a JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub formats: Formats,
    /// Keep each run's log and, for failures, its timeline and checker
    /// report under DIR.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// What the logs record: a level (`info`, `debug`, ...) or a filter such
    /// as `info,[node{name=raft-1}]=debug`.
    #[arg(long, value_name = "FILTER", default_value = "info")]
    pub log: String,
    /// Run tests in this process, one after another, without watchdogs (for
    /// debugging the grader or a test with a debugger).
    #[arg(long)]
    pub in_process: bool,
}

/// Reports for CI and course platforms.
#[derive(Args, Debug, Default)]
pub struct Formats {
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Gradescope results.json to FILE.
    #[arg(long, value_name = "FILE")]
    pub gradescope: Option<PathBuf>,
    /// Write a Markdown summary table to FILE (for a CI job summary).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

fn parse_scoring(text: &str) -> Result<Scoring, String> {
    match text {
        "per_run" => Ok(Scoring::PerRun),
        "all_or_nothing" => Ok(Scoring::AllOrNothing),
        _ => Err(format!(
            "expected per_run or all_or_nothing, found '{text}'"
        )),
    }
}

fn parse_partition(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("expected K/N with 1 <= K <= N, such as 2/4, found '{text}'");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n) = (
        k.trim().parse::<u32>().map_err(|_| bad())?,
        n.trim().parse::<u32>().map_err(|_| bad())?,
    );
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
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

/// `grader merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The JSON reports of the parts (`grader run --partition K/N --json`).
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Write the combined JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub formats: Formats,
}

/// `grader handout`.
#[derive(Args, Debug)]
pub struct HandoutArgs {
    /// Where to write the kit: a folder that does not exist yet, or is
    /// empty.
    pub dir: PathBuf,
    /// The labs to hand out, comma-separated, from raft, kv, shardmaster
    /// and shardkv (the shard lab's two parts; shardkv needs shardmaster,
    /// which it registers with).
    #[arg(long, value_name = "LABS", required = true)]
    pub labs: String,
    /// The kit to write it from: the root of the kit's source tree, with
    /// the reference solution.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub from: PathBuf,
}

/// `grader __child` (the test, the seed and the result's key come on
/// stdin, see `handshake`).
#[derive(Args, Debug)]
pub struct ChildArgs {
    /// The suite file.
    pub file: PathBuf,
    /// Where the run's artifacts go.
    #[arg(long)]
    pub artifacts: PathBuf,
    /// The log filter.
    #[arg(long, default_value = "info")]
    pub log: String,
}
