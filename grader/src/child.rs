//! The child side of isolation: `grader __child` runs one test with one
//! seed and writes its result where the parent said, and nowhere else.
//!
//! The result goes to a file named in the `LABKIT_RESULT` environment
//! variable, written only once the test has ended, so nothing the student's
//! code prints, and no early exit, can pass for a result.

use std::path::Path;

use framework::suite::{Registry, load};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

use crate::cli::ChildArgs;
use crate::execute::run_case;
use crate::{EXIT_BAD_INPUT, EXIT_PASSED};

/// The environment variable that names the result file.
pub const RESULT_ENV: &str = "LABKIT_RESULT";

/// Runs the child; returns the exit status.
pub fn child(registry: &Registry, args: &ChildArgs) -> u8 {
    let Some(result_path) = std::env::var_os(RESULT_ENV) else {
        eprintln!("grader __child is internal to `grader run`");
        return EXIT_BAD_INPUT;
    };
    let suite = match load(&args.file, registry) {
        Ok(suite) => suite,
        Err(errors) => {
            eprintln!("{errors}");
            return EXIT_BAD_INPUT;
        }
    };
    let Some(case) = args.test.checked_sub(1).and_then(|i| suite.tests.get(i)) else {
        eprintln!("grader __child: the suite has no test {}", args.test);
        return EXIT_BAD_INPUT;
    };
    init_logging(&args.log);
    let report = run_case(case, args.seed, &args.artifacts);
    // The log says how the run ended, next to what led there.
    match &report.failure {
        None => eprintln!("TEST {} passed with seed {}", case.number, args.seed),
        Some(failure) => eprintln!(
            "TEST {} failed with seed {}: {failure}",
            case.number, args.seed
        ),
    }
    let text = serde_json::to_string(&report).expect("reports always serialize");
    if let Err(e) = write_atomically(Path::new(&result_path), &text) {
        eprintln!("grader __child: cannot write the result: {e}");
        return EXIT_BAD_INPUT;
    }
    EXIT_PASSED
}

/// Writes to a temporary name, then renames: the parent sees a whole
/// result or none.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text)?;
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
