//! `grader run`: run a suite's tests, each in its own watched process, in
//! parallel and on as many seeds as asked; score them and report.

use std::path::{Path, PathBuf};

use framework::suite::{Registry, Scoring, TestCase, load, select};

use crate::cli::RunArgs;
use crate::execute::run_case;
use crate::formats::write_all;
use crate::isolate::Supervisor;
use crate::output::{self, say};
use crate::plan::{Run, artifacts, plan};
use crate::pool::run_all;
use crate::progress::Progress;
use crate::report::{SuiteReport, TestReport};
use crate::seeds::Seeds;
use crate::summary::print_summary;
use crate::{EXIT_BAD_INPUT, EXIT_FAILED, EXIT_PASSED};

/// Runs the suite; returns the exit status.
pub fn run(registry: &Registry, args: &RunArgs) -> u8 {
    let options = &args.options;
    let suite = match load(&args.file, registry) {
        Ok(suite) => suite,
        Err(errors) => {
            eprintln!("{errors}");
            return EXIT_BAD_INPUT;
        }
    };
    let selected: Vec<&TestCase> = match &options.test {
        None => suite.tests.iter().collect(),
        Some(selector) => match select(&suite.tests, selector) {
            Ok(tests) => tests,
            Err(e) => {
                eprintln!("grader: --test {selector}: {e}");
                return EXIT_BAD_INPUT;
            }
        },
    };
    let seeds = Seeds::choose(options.seed, &suite);
    let repeat = options.repeat.unwrap_or(suite.repeat);
    let runs = plan(
        &suite,
        &selected,
        seeds,
        repeat,
        options.partition,
        options.check_determinism,
    );
    let report_dir = ReportDir::new(options.report_dir.clone());
    let supervisor = match std::env::current_exe() {
        Ok(program) => Supervisor {
            program,
            suite: args.file.clone(),
            log_filter: options.log.clone(),
        },
        Err(e) => {
            eprintln!("grader: cannot find its own program to run tests in: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let workers = match (options.in_process, options.jobs) {
        (true, _) => 1,
        (false, Some(jobs)) => jobs as usize,
        (false, None) => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let classic = repeat == 1 && !options.check_determinism;

    say!(
        "{}: {} of {} tests, {repeat} {} each, {}",
        args.file.display(),
        selected.len(),
        suite.tests.len(),
        if repeat == 1 { "seed" } else { "seeds" },
        seeds.describe()
    );
    let mut progress = Progress::new(&runs, classic);
    let mut results: Vec<Option<TestReport>> = vec![None; runs.len()];
    run_all(
        &runs,
        workers,
        |run: &Run<'_>| {
            // Nobody reads the results any more: start no more runs.
            if output::closed() {
                return None;
            }
            let dir = artifacts(report_dir.path(), run);
            Some(if options.in_process {
                run_case(run.case, run.seed, &dir)
            } else {
                supervisor.run(run.case, run.seed, &dir)
            })
        },
        |i, report| {
            if let Some(report) = report {
                progress.finished(i, &report, &args.file);
                results[i] = Some(report);
            }
        },
    );
    progress.finish();
    if output::closed() {
        // A run cut short is no result: no summary, no reports, and not a
        // pass.
        report_dir.finish(true);
        return EXIT_FAILED;
    }
    let mut reports: Vec<TestReport> = results.into_iter().flatten().collect();
    if options.check_determinism {
        reports = compare_pairs(reports);
    }

    let scoring = match options.scoring.unwrap_or(suite.scoring) {
        Scoring::AllOrNothing => "all_or_nothing",
        Scoring::PerRun => "per_run",
    };
    let report = SuiteReport::new(
        args.file.display().to_string(),
        suite.lab.clone(),
        scoring,
        reports,
    );
    print_summary(&report, &args.file, !classic);
    if let Err(e) = write_all(&report, options.json.as_deref(), &options.formats) {
        eprintln!("grader: {e}");
        return EXIT_BAD_INPUT;
    }
    report_dir.finish(report.all_passed());
    // The reader may go while the summary is printed (the header reached
    // it, nothing else did before): results nobody read are no pass.
    if report.all_passed() && !output::closed() {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    }
}

/// Under --check-determinism runs come in pairs (same test, same seed):
/// keep the first of each, failed if the second saw a different run.
fn compare_pairs(reports: Vec<TestReport>) -> Vec<TestReport> {
    reports
        .chunks(2)
        .map(|pair| {
            let mut first = pair[0].clone();
            if let [_, second] = pair {
                if first.passed && second.passed && first.trace_hash != second.trace_hash {
                    first.passed = false;
                    first.points = 0;
                    first.failure = Some(format!(
                        "not deterministic: seed {} gave trace hash {} and then {}",
                        first.seed, first.trace_hash, second.trace_hash
                    ));
                } else if first.passed && !second.passed {
                    first = second.clone();
                }
            }
            first
        })
        .collect()
}

/// Where runs leave their logs and reports: the `--report-dir`, or a
/// temporary folder that is kept only when something failed.
struct ReportDir {
    path: PathBuf,
    temporary: bool,
}

impl ReportDir {
    fn new(given: Option<PathBuf>) -> ReportDir {
        match given {
            Some(path) => ReportDir {
                path,
                temporary: false,
            },
            None => ReportDir {
                path: std::env::temp_dir().join(format!("labkit-{}", std::process::id())),
                temporary: true,
            },
        }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn finish(self, all_passed: bool) {
        if self.temporary && all_passed {
            let _ = std::fs::remove_dir_all(&self.path);
        } else if self.path.exists() {
            say!("Logs and reports: {}", self.path.display());
        }
    }
}
