//! The parent side of isolation: each run of a test is a child process,
//! watched by the grader, which alone decides its verdict.
//!
//! The child's stdout and stderr become the run's log (up to a limit). The
//! watchdog kills it when it runs past its wall-clock timeout, uses more
//! memory than its limit, or writes more than the output limit. Anything
//! but a clean exit with a result sealed with the run's key is a failure
//! with a plain reason.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use framework::suite::{TestCase, TestLimits};
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::process::{Pid, PidfdFlags, pidfd_open};

use crate::handshake::Handshake;
use crate::output;
use crate::report::TestReport;
use crate::seal::Key;

/// The most a run may write to stdout and stderr together.
pub const OUTPUT_LIMIT: u64 = 64 << 20;

/// The name of a run's log in its artifacts folder.
pub const LOG: &str = "log.txt";
const RESULT: &str = "result.json";
/// The failure of a run whose result does not carry the run's seal.
const FORGED: &str =
    "the test's result was forged or corrupted (it is not sealed with this run's key)";

/// Starts children of this very program for each run.
pub struct Supervisor {
    /// This program (which has the same student bundle compiled in).
    pub program: PathBuf,
    /// The suite file, as the user gave it.
    pub suite: PathBuf,
    /// The `--log` filter for the child.
    pub log_filter: String,
}

/// Why the watchdog stopped a child.
enum Ending {
    Exited(ExitStatus),
    Killed(String),
}

impl Supervisor {
    /// Runs `case` with `seed` in a child process; its log and artifacts go
    /// to `artifacts`.
    pub fn run(&self, case: &TestCase, seed: u64, artifacts: &Path) -> TestReport {
        let started = Instant::now();
        let failed = |reason: String| TestReport {
            extra_credit: case.extra_credit,
            ..TestReport::failed_without_result(
                case.number,
                &case.name,
                case.kind.name,
                case.points,
                seed,
                reason,
                started.elapsed().as_millis() as u64,
            )
        };
        if let Err(e) = std::fs::create_dir_all(artifacts) {
            return failed(format!("cannot create {}: {e}", artifacts.display()));
        }
        let result_path = artifacts.join(RESULT);
        let _ = std::fs::remove_file(&result_path);
        let log = match File::create(artifacts.join(LOG)) {
            Ok(file) => Arc::new(Mutex::new(Log::new(file))),
            Err(e) => {
                return failed(format!(
                    "cannot create the log in {}: {e}",
                    artifacts.display()
                ));
            }
        };

        let child = Command::new(&self.program)
            .arg("__child")
            .arg(&self.suite)
            .arg("--artifacts")
            .arg(artifacts)
            .args(["--log", &self.log_filter])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(e) => return failed(format!("could not start the test process: {e}")),
        };
        let key = Key::fresh();
        if let Some(stdin) = child.stdin.take() {
            Handshake::new(case.number, seed, result_path.clone(), &key).send(stdin);
        }
        let readers = [
            child.stdout.take().map(|out| drain(out, log.clone())),
            child.stderr.take().map(|err| drain(err, log.clone())),
        ];
        let ending = watch(&mut child, &case.limits, &log);
        for reader in readers.into_iter().flatten() {
            let _ = reader.join();
        }

        let mut report = match ending {
            Ending::Killed(reason) => failed(reason),
            Ending::Exited(status) if status.success() => match std::fs::read(&result_path) {
                Ok(sealed) => match key.open(case.number, seed, &sealed) {
                    Some(text) => match serde_json::from_slice::<TestReport>(text) {
                        Ok(report) => report,
                        Err(e) => failed(format!("the test process left a malformed result ({e})")),
                    },
                    None => failed(FORGED.to_string()),
                },
                Err(_) => failed("exited with status 0 before the test finished".to_string()),
            },
            Ending::Exited(status) => failed(describe_exit(status, &artifacts.join(LOG))),
        };
        let _ = std::fs::remove_file(&result_path);
        report.wall_ms = started.elapsed().as_millis() as u64;
        report.artifacts.push(LOG.to_string());
        report.artifacts.sort();
        report.artifacts.dedup();
        report
    }
}

/// How often the watchdog checks a running child's limits (wall time,
/// memory, output). It learns of the child's exit at once, between checks.
const CHECK_EVERY: Duration = Duration::from_millis(10);

/// Waits for the child, killing it when it breaks a limit.
fn watch(child: &mut Child, limits: &TestLimits, log: &Arc<Mutex<Log>>) -> Ending {
    let started = Instant::now();
    let exit = ExitSignal::of(child);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ending::Exited(status),
            Ok(None) => {}
            Err(e) => return kill(child, format!("lost track of the test process: {e}")),
        }
        if started.elapsed() > limits.wall_timeout {
            return kill(
                child,
                format!(
                    "timed out after {} of wall time",
                    human_duration(limits.wall_timeout)
                ),
            );
        }
        if resident_bytes(child.id()).is_some_and(|rss| rss > limits.memory_limit) {
            return kill(
                child,
                format!(
                    "killed: over the {} memory limit",
                    human_bytes(limits.memory_limit)
                ),
            );
        }
        if output::closed() {
            return kill(child, "stopped: the grader's output was closed".to_string());
        }
        if log.lock().unwrap_or_else(|e| e.into_inner()).over_limit() {
            return kill(
                child,
                format!(
                    "killed: wrote more than the {} output limit",
                    human_bytes(OUTPUT_LIMIT)
                ),
            );
        }
        exit.wait(CHECK_EVERY);
    }
}

/// What wakes the watchdog when its child exits: a pidfd (Linux 5.3 on),
/// readable once the process has ended; without one, a short sleep.
struct ExitSignal(Option<OwnedFd>);

impl ExitSignal {
    fn of(child: &Child) -> ExitSignal {
        let pid = Pid::from_raw(child.id() as i32);
        ExitSignal(pid.and_then(|pid| pidfd_open(pid, PidfdFlags::empty()).ok()))
    }

    /// Returns when the child has exited, or after `at_most`.
    fn wait(&self, at_most: Duration) {
        match &self.0 {
            Some(pidfd) => {
                let timeout = Timespec::try_from(at_most).expect("a short timeout");
                // An interrupted or failed poll only means an early check.
                let _ = poll(&mut [PollFd::new(pidfd, PollFlags::IN)], Some(&timeout));
            }
            None => thread::sleep(Duration::from_millis(1)),
        }
    }
}

fn kill(child: &mut Child, reason: String) -> Ending {
    let _ = child.kill();
    let _ = child.wait();
    Ending::Killed(reason)
}

/// A plain reason for an exit without a result.
fn describe_exit(status: ExitStatus, log: &Path) -> String {
    let tail = last_lines(log);
    let panic = tail.iter().rev().find(|l| l.contains("panicked at"));
    match (status.code(), status.signal()) {
        (_, Some(signal)) => {
            let hint = tail
                .last()
                .map(|l| format!("; last output: {l}"))
                .unwrap_or_default();
            format!("killed by signal {signal} ({}){hint}", signal_name(signal))
        }
        (Some(_), None) if panic.is_some() => {
            panic.map(|l| l.trim().to_string()).unwrap_or_default()
        }
        (Some(code), None) => {
            let hint = tail
                .last()
                .map(|l| format!("; last output: {l}"))
                .unwrap_or_default();
            format!("exited with status {code} before the test finished{hint}")
        }
        (None, None) => "ended without a status".to_string(),
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        4 => "SIGILL",
        7 => "SIGBUS",
        8 => "SIGFPE",
        _ => "signal",
    }
}

/// The last few lines of a log, for reasons.
fn last_lines(log: &Path) -> Vec<String> {
    let text = std::fs::read(log).unwrap_or_default();
    let start = text.len().saturating_sub(4096);
    let lines: Vec<String> = String::from_utf8_lossy(&text[start..])
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    lines[lines.len().saturating_sub(20)..].to_vec()
}

/// A process's resident memory, from /proc (Linux).
fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line["VmRSS:".len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// A run's log: everything the child wrote, up to [`OUTPUT_LIMIT`].
struct Log {
    file: File,
    written: u64,
}

impl Log {
    fn new(file: File) -> Log {
        Log { file, written: 0 }
    }

    fn write(&mut self, bytes: &[u8]) {
        let room = OUTPUT_LIMIT.saturating_sub(self.written) as usize;
        let _ = self.file.write_all(&bytes[..bytes.len().min(room)]);
        self.written += bytes.len() as u64;
    }

    fn over_limit(&self) -> bool {
        self.written > OUTPUT_LIMIT
    }
}

/// Copies a child's pipe into the log until the child closes it.
fn drain(mut pipe: impl Read + Send + 'static, log: Arc<Mutex<Log>>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut buffer = vec![0; 64 * 1024];
        // Keep reading past the limit, so the child never blocks on a full
        // pipe before the watchdog kills it.
        while let Ok(n @ 1..) = pipe.read(&mut buffer) {
            log.lock()
                .unwrap_or_else(|e| e.into_inner())
                .write(&buffer[..n]);
        }
    })
}

/// `60 s`, `1.5 s`, `250 ms`.
pub fn human_duration(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        let s = d.as_secs_f64();
        if s.fract() == 0.0 {
            format!("{s:.0} s")
        } else {
            format!("{s:.1} s")
        }
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// `2 GiB`, `64 MiB`, `1.5 GiB`.
pub fn human_bytes(n: u64) -> String {
    let (value, unit) = if n >= 1 << 30 {
        (n as f64 / f64::from(1u32 << 30), "GiB")
    } else if n >= 1 << 20 {
        (n as f64 / f64::from(1u32 << 20), "MiB")
    } else {
        (n as f64 / 1024.0, "KiB")
    };
    if value.fract() == 0.0 {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}
