//! What a run shows while it goes: the labs' `TEST n: name` / `TEST n
//! Passed` lines in suite order (one run per test), or a live table of
//! passes and failures per test (many seeds). Animation only on a terminal.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::write_out;
use crate::plan::Run;
use crate::report::TestReport;

/// The live display of a `grader run`.
pub struct Progress {
    /// One run per test: print each result in order, as the labs do.
    classic: bool,
    multi: MultiProgress,
    overall: ProgressBar,
    /// Table mode: a row per test number.
    rows: BTreeMap<usize, (ProgressBar, usize, usize)>,
    /// Classic mode: finished runs waiting for earlier ones to print.
    waiting: BTreeMap<usize, TestReport>,
    next: usize,
    names: Vec<(usize, String)>,
}

impl Progress {
    /// A display for these runs.
    pub fn new(runs: &[Run<'_>], classic: bool) -> Progress {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let mut rows = BTreeMap::new();
        if !classic {
            let mut counts: BTreeMap<usize, (String, u64)> = BTreeMap::new();
            for run in runs {
                let entry = counts
                    .entry(run.case.number)
                    .or_insert((run.case.name.clone(), 0));
                entry.1 += 1;
            }
            let width = counts
                .values()
                .map(|(n, _)| n.len())
                .max()
                .unwrap_or(0)
                .min(48);
            let style = ProgressStyle::with_template(&format!(
                "{{prefix:>4}} {{msg:<{width}}} [{{bar:20}}] {{pos:>4}}/{{len:<4}}"
            ))
            .expect("the template is valid")
            .progress_chars("=> ");
            for (number, (name, total)) in counts {
                let bar = multi.add(ProgressBar::new(total).with_style(style.clone()));
                bar.set_prefix(number.to_string());
                bar.set_message(format!("{name:.48}"));
                rows.insert(number, (bar, 0, 0));
            }
        }
        let overall = multi.add(
            ProgressBar::new(runs.len() as u64).with_style(
                ProgressStyle::with_template("      {spinner} {pos}/{len} runs, {elapsed} {msg}")
                    .expect("the template is valid"),
            ),
        );
        Progress {
            classic,
            multi,
            overall,
            rows,
            waiting: BTreeMap::new(),
            next: 0,
            names: runs
                .iter()
                .map(|r| (r.case.number, r.case.name.clone()))
                .collect(),
        }
    }

    /// Run `index` (in plan order) finished.
    pub fn finished(&mut self, index: usize, report: &TestReport, suite: &Path) {
        self.overall.inc(1);
        if self.classic {
            self.waiting.insert(index, report.clone());
            while let Some(report) = self.waiting.remove(&self.next) {
                let (number, name) = &self.names[self.next];
                let lines = format!("TEST {number}: {name}\n{}", result_lines(&report, suite));
                self.multi.suspend(|| write_out(&lines));
                self.next += 1;
            }
            return;
        }
        if let Some((bar, passed, failed)) = self.rows.get_mut(&report.number) {
            if report.passed {
                *passed += 1;
            } else {
                *failed += 1;
            }
            bar.inc(1);
            if *failed > 0 {
                bar.set_message(format!("{:.40}  {failed} FAILED", report.name));
            }
        }
        if !report.passed {
            let line = format!(
                "TEST {} Failed with seed {}: {}\n",
                report.number,
                report.seed,
                report.failure.as_deref().unwrap_or("")
            );
            self.multi.suspend(|| write_out(&line));
        }
    }

    /// Clears the animation.
    pub fn finish(self) {
        for (bar, _, _) in self.rows.values() {
            bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
    }
}

/// `TEST n Passed  (...)`, or the failure with its figures and replay.
pub fn result_lines(report: &TestReport, suite: &Path) -> String {
    let mut out = match &report.failure {
        None => format!("TEST {} Passed  {}\n", report.number, figures(report)),
        Some(failure) => format!(
            "TEST {} Failed: {failure}\n  {}\n  replay: {}\n",
            report.number,
            figures(report),
            replay_command(suite, report)
        ),
    };
    for warning in &report.warnings {
        out.push_str(&format!("  warning: {warning}\n"));
    }
    out
}

/// `(virtual 3.1 s, wall 0.02 s, cpu 0.01 s, 3 servers, 58 RPCs, 17 KB)`,
/// and the commands, operations and checker's steps where a test has them.
pub fn figures(report: &TestReport) -> String {
    let mut parts = vec![
        format!("virtual {:.1} s", report.virtual_ms as f64 / 1000.0),
        format!("wall {:.2} s", report.wall_ms as f64 / 1000.0),
        format!("cpu {:.2} s", report.cpu_ms as f64 / 1000.0),
    ];
    if let Some(servers) = report.stats.get("servers") {
        parts.push(format!("{servers} servers"));
    }
    parts.push(format!("{} RPCs", report.rpcs));
    parts.push(bytes(report.bytes));
    if let Some(commands) = report.stats.get("commands") {
        parts.push(format!("{commands} commands"));
    }
    if let Some(ops) = report.stats.get("ops") {
        parts.push(format!("{ops} ops"));
    }
    if let Some(steps) = report.stats.get("check_steps") {
        parts.push(format!("{steps} check steps"));
    }
    format!("({})", parts.join(", "))
}

fn bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{} KB", n / 1_000),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

/// The command that reruns exactly this test with exactly this seed, once
/// (whatever the suite's `repeat:`).
pub fn replay_command(suite: &Path, report: &TestReport) -> String {
    let program = std::env::args()
        .next()
        .unwrap_or_else(|| "grader".to_string());
    format!(
        "{program} run {} --test {} --seed {} --repeat 1",
        suite.display(),
        report.number,
        report.seed
    )
}
