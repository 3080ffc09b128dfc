//! `grader list` and `grader kinds`.

use framework::suite::{Registry, load};

use crate::cli::{KindsArgs, ListArgs};
use crate::output::say;
use crate::{EXIT_BAD_INPUT, EXIT_PASSED};

/// Lists a suite's tests; returns the exit status.
pub fn list(registry: &Registry, args: &ListArgs) -> u8 {
    let suite = match load(&args.file, registry) {
        Ok(suite) => suite,
        Err(errors) => {
            eprintln!("{errors}");
            return EXIT_BAD_INPUT;
        }
    };
    let seeds = match suite.seed {
        Some(seed) => format!("pinned by the suite's seed: {seed}"),
        None => "fresh each run".to_string(),
    };
    say!(
        "{}: lab {}, {} tests, {} points, {} {} per test, {seeds}",
        args.file.display(),
        suite.lab,
        suite.tests.len(),
        suite.max_points(),
        suite.repeat,
        if suite.repeat == 1 { "seed" } else { "seeds" },
    );
    let width = suite.tests.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for test in &suite.tests {
        // Only a pinned seed is worth showing: a fresh one is drawn per run.
        let seed = match suite.seed {
            Some(_) => format!("  seed {}", suite.default_seed(test)),
            None => String::new(),
        };
        let extra = if test.extra_credit { " extra" } else { "" };
        say!(
            "{:>4}  {:<width$}  {:<20} {:>3} pts{extra}{seed}",
            test.number,
            test.name,
            test.kind.name,
            test.points,
        );
    }
    EXIT_PASSED
}

/// Describes the registered kinds; returns the exit status.
pub fn kinds(registry: &Registry, args: &KindsArgs) -> u8 {
    if let Some(lab) = &args.lab {
        if !registry.labs().contains(&lab.as_str()) {
            eprintln!(
                "grader: unknown lab '{lab}'; known labs: {}",
                registry.labs().join(", ")
            );
            return EXIT_BAD_INPUT;
        }
    }
    for kind in registry.kinds() {
        if args.lab.as_deref().is_some_and(|lab| lab != kind.lab) {
            continue;
        }
        say!("{} (lab {}): {}", kind.name, kind.lab, kind.summary);
        for p in kind.params {
            say!(
                "    {:<18} {} (default {}; {})",
                p.name,
                p.doc,
                p.default,
                p.expected()
            );
        }
    }
    EXIT_PASSED
}
