//! The child side of isolation: `grader __child` runs one test with one
//! seed and writes its sealed result where the parent said, and nowhere
//! else.
//!
//! Its instructions (test, seed, result path and key) come on stdin, read
//! before the suite is even loaded, so before any student code runs (see
//! [`crate::handshake`]). The result is written only once the test has
//! ended, and sealed with the key ([`crate::seal`]), so nothing the student's
//! code prints or writes, and no early exit, can pass for a result.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use framework::labs::Submission;
use framework::suite::load;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

use crate::cli::ChildArgs;
use crate::execute::run_case;
use crate::handshake::Handshake;
use crate::report::TestReport;
use crate::seal::Key;
use crate::{EXIT_BAD_INPUT, EXIT_PASSED};

/// Runs the child for student bundle `S`; returns the exit status.
pub fn child<S: Submission>(args: &ChildArgs) -> u8 {
    // First of all, before the student's code can run.
    let (handshake, key) = match Handshake::receive() {
        Ok(received) => received,
        Err(message) => {
            eprintln!("{message}");
            return EXIT_BAD_INPUT;
        }
    };
    let suite = match load(&args.file, &framework::labs::registry::<S>()) {
        Ok(suite) => suite,
        Err(errors) => {
            eprintln!("{errors}");
            return EXIT_BAD_INPUT;
        }
    };
    let (number, seed) = (handshake.test, handshake.seed);
    let Some(case) = number.checked_sub(1).and_then(|i| suite.tests.get(i)) else {
        eprintln!("grader __child: the suite has no test {number}");
        return EXIT_BAD_INPUT;
    };
    init_logging(&args.log);
    let key = Arc::new(key);
    // A task that never awaits holds the test's thread for good: the
    // watchdog's thread reports it, sealed like any result, and ends the
    // process (see `framework::sim::on_stuck`).
    let (started, result) = (Instant::now(), handshake.result.clone());
    let (name, kind, points, extra_credit) = (
        case.name.clone(),
        case.kind.name,
        case.points,
        case.extra_credit,
    );
    let sealer = key.clone();
    framework::sim::on_stuck(move |failure| {
        let report = TestReport {
            extra_credit,
            ..TestReport::failed_without_result(
                number,
                &name,
                kind,
                points,
                seed,
                failure.message().to_string(),
                started.elapsed().as_millis() as u64,
            )
        };
        let code = finish(&report, &sealer, &result);
        std::process::exit(i32::from(code));
    });
    let report = run_case(case, seed, &args.artifacts);
    finish(&report, &key, &handshake.result)
}

/// Logs how the run ended (next to what led there), writes the sealed
/// result, and says the exit status.
fn finish(report: &TestReport, key: &Key, path: &Path) -> u8 {
    let (number, seed) = (report.number, report.seed);
    match &report.failure {
        None => eprintln!("TEST {number} passed with seed {seed}"),
        Some(failure) => eprintln!("TEST {number} failed with seed {seed}: {failure}"),
    }
    let text = serde_json::to_string(report).expect("reports always serialize");
    let sealed = key.seal(number, seed, text.as_bytes());
    if let Err(e) = write_atomically(path, &sealed) {
        eprintln!("grader __child: cannot write the result: {e}");
        return EXIT_BAD_INPUT;
    }
    EXIT_PASSED
}

/// Writes to a temporary name, then renames: the parent sees a whole
/// result or none.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes)?;
    std::fs::rename(partial, path)
}

/// Logs go to stderr (the parent keeps them as the run's log), stamped with
/// virtual time and filtered by `filter`.
fn init_logging(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|e| {
        eprintln!("grader: bad --log filter '{filter}' ({e}); using info");
        EnvFilter::new("info")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_timer(VirtualTime)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// Log timestamps in the world's virtual time: `12.345678s`.
struct VirtualTime;

impl FormatTime for VirtualTime {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        match framework::sim::virtual_now() {
            Some(t) => write!(w, "{:>11.6}s", t.as_secs_f64()),
            None => write!(w, "{:>12}", "-"),
        }
    }
}
