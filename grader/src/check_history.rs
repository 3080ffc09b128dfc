//! `grader check-history FILE...`: checks recorded histories for
//! linearizability and prints one verdict line per file.
//!
//! Exit status: 0 if every file is Ok, 1 if some file is Illegal, 3 if some
//! file is Unknown (step budget, deadline or memory budget) and none
//! Illegal, 2 if some
//! input is bad (unreadable, or not in its format: the message says
//! `FILE:LINE:COLUMN: expected ..., found ...` on stderr) — bad input wins
//! over the others, the other files are still checked.
//!
//! `--html OUT` writes the report of each Illegal file: with one input, OUT
//! is the page's path; with several, OUT is a directory (created if needed)
//! that gets `<file name>.html` per Illegal input (`c50-bad.txt.html`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::output::say;
use clap::{Args, ValueEnum};
use framework::linearizability::formats::{
    AnyHistory, ParseError, jepsen_etcd, json, porcupine_kv,
};
use framework::linearizability::models::kv::KvModel;
use framework::linearizability::models::register::RegisterModel;
use framework::linearizability::report::Report;
use framework::linearizability::{
    CheckOptions, CheckResult, DEFAULT_STEP_BUDGET, Model, Operation, Verdict, check,
};

/// Arguments of `grader check-history`.
#[derive(Args, Debug)]
pub struct CheckHistoryArgs {
    /// History files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// The model to check against [default: the format's (porcupine-kv: kv,
    /// jepsen-etcd: register, json: the file's "model")].
    #[arg(long, value_enum)]
    pub model: Option<ModelArg>,

    /// The files' format [default: guessed from each file's first line].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,

    /// Gives up (verdict Unknown) after this long per file, e.g. 10s, 500ms.
    /// Wall-clock time: where it stops depends on the machine.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    /// Gives up (verdict Unknown) after this many search steps per file,
    /// over all its partitions. Unlike --timeout, the same on any machine.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_STEP_BUDGET)]
    pub steps: u64,

    /// Gives up (verdict Unknown) when the search's tables pass this many
    /// MiB.
    #[arg(long, default_value_t = 2048, value_name = "MIB")]
    pub memory: usize,

    /// Threads searching partitions [default: one per core].
    #[arg(long)]
    pub threads: Option<usize>,

    /// Writes the HTML report of each Illegal file: a file for one input, a
    /// directory of `<file name>.html` for several.
    #[arg(long, value_name = "OUT")]
    pub html: Option<PathBuf>,
}

/// `--model`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// get/put/append on string keys, checked key by key.
    Kv,
    /// One integer register with read/write/cas (the etcd histories).
    Register,
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Porcupine's key/value EDN lines: `{:process 0, :type :invoke, ...}`.
    PorcupineKv,
    /// Jepsen etcd log lines: `INFO  jepsen.util - 3 :invoke :cas [1 2]`.
    JepsenEtcd,
    /// The kit's own JSON history (what the KV harness writes).
    Json,
}

/// What one file came to.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Ok,
    Unknown,
    Illegal,
    BadInput,
}

/// Checks every file and returns the exit status.
pub fn run(args: CheckHistoryArgs) -> u8 {
    let mut options = CheckOptions::default()
        .step_budget(args.steps)
        .timeout(args.timeout)
        .memory_budget(args.memory.saturating_mul(1 << 20));
    if let Some(threads) = args.threads {
        options = options.threads(threads);
    }
    let several = args.files.len() > 1;
    if let (true, Some(dir)) = (several, &args.html) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("{}: cannot create the report directory: {e}", dir.display());
            return crate::EXIT_BAD_INPUT;
        }
    }
    let mut worst = Outcome::Ok;
    for file in &args.files {
        let html = args.html.as_ref().map(|out| {
            if several {
                let name = file
                    .file_name()
                    .map_or_else(|| "history".into(), |n| n.to_string_lossy().into_owned());
                out.join(format!("{name}.html"))
            } else {
                out.clone()
            }
        });
        let outcome = check_file(file, &args, &options, html.as_deref());
        worst = worst.max(outcome);
    }
    match worst {
        Outcome::Ok => 0,
        Outcome::Illegal => 1,
        Outcome::BadInput => crate::EXIT_BAD_INPUT,
        Outcome::Unknown => 3,
    }
}

fn check_file(
    file: &Path,
    args: &CheckHistoryArgs,
    options: &CheckOptions,
    html: Option<&Path>,
) -> Outcome {
    let name = file.display().to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{name}: cannot read: {e}");
            return Outcome::BadInput;
        }
    };
    let history = match parse(&text, args.format, args.model) {
        Ok(history) => history,
        Err(e) => {
            eprintln!("{name}:{e}");
            return Outcome::BadInput;
        }
    };
    match history {
        AnyHistory::Kv(ops) => verdict(&KvModel, &ops, &name, options, html),
        AnyHistory::Register(ops) => verdict(&RegisterModel, &ops, &name, options, html),
    }
}

/// Checks, prints the verdict line, writes the report if asked.
fn verdict<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    name: &str,
    options: &CheckOptions,
    html: Option<&Path>,
) -> Outcome {
    let result: CheckResult = check(model, history, options);
    let ms = result.elapsed.as_secs_f64() * 1e3;
    match &result.verdict {
        Verdict::Ok => {
            say!(
                "{name}: Ok ({}, {}, {}, {ms:.1} ms)",
                count(history.len(), "operation"),
                count(result.partitions, "partition"),
                count_u64(result.steps, "step")
            );
            Outcome::Ok
        }
        Verdict::Unknown(gave_up) => {
            say!("{name}: Unknown ({gave_up})");
            Outcome::Unknown
        }
        Verdict::Illegal(violation) => {
            say!(
                "{name}: Illegal ({violation}; {}, {ms:.1} ms)",
                count_u64(result.steps, "step")
            );
            if let Some(path) = html {
                match Report::new(model, history, violation).write_html(name, path) {
                    Ok(()) => eprintln!("{name}: report written to {}", path.display()),
                    Err(e) => {
                        eprintln!("{name}: cannot write the report to {}: {e}", path.display())
                    }
                }
            }
            Outcome::Illegal
        }
    }
}

/// `1 operation`, `2 operations`.
fn count(n: usize, noun: &str) -> String {
    count_u64(n as u64, noun)
}

/// [`count`] of a `u64`, such as steps.
fn count_u64(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Parses in the given or guessed format, and checks the model fits.
fn parse(
    text: &str,
    format: Option<FormatArg>,
    model: Option<ModelArg>,
) -> Result<AnyHistory, ParseError> {
    let format = match format {
        Some(format) => format,
        None => guess_format(text)?,
    };
    let history = match format {
        FormatArg::PorcupineKv => AnyHistory::Kv(porcupine_kv::parse(text)?),
        FormatArg::JepsenEtcd => AnyHistory::Register(jepsen_etcd::parse(text)?),
        FormatArg::Json => json::parse(text)?,
    };
    let (found, found_name) = match history {
        AnyHistory::Kv(_) => (ModelArg::Kv, "kv"),
        AnyHistory::Register(_) => (ModelArg::Register, "register"),
    };
    match model {
        Some(wanted) if wanted != found => Err(ParseError {
            line: 1,
            column: 1,
            expected: format!(
                "a history of the {} model (--model)",
                if wanted == ModelArg::Kv {
                    "kv"
                } else {
                    "register"
                }
            ),
            found: format!("a {found_name} history"),
        }),
        _ => Ok(history),
    }
}

/// The format of a file by its first non-blank line.
fn guess_format(text: &str) -> Result<FormatArg, ParseError> {
    let Some((index, line)) = text.lines().enumerate().find(|(_, l)| !l.trim().is_empty()) else {
        return Err(ParseError {
            line: 1,
            column: 1,
            expected: String::from(
                "a history (or --format, to read an empty file as an empty history)",
            ),
            found: String::from("an empty file"),
        });
    };
    let trimmed = line.trim_start();
    if trimmed.starts_with("{:") {
        Ok(FormatArg::PorcupineKv)
    } else if trimmed.starts_with("INFO") && line.contains("jepsen.util") {
        Ok(FormatArg::JepsenEtcd)
    } else if trimmed.starts_with('{') {
        Ok(FormatArg::Json)
    } else {
        let token: String = trimmed
            .chars()
            .take_while(|c| !c.is_whitespace())
            .take(20)
            .collect();
        Err(ParseError {
            line: index + 1,
            column: line.len() - trimmed.len() + 1,
            expected: String::from(
                "a history in a known format (porcupine-kv, jepsen-etcd or json; or pass --format)",
            ),
            found: format!("`{token}`"),
        })
    }
}
