//! `--test SEL`: which tests of a suite to run.

use super::TestCase;

/// Picks tests by a selector: comma-separated items, each a test number
/// (`3`), a range of numbers (`3-7`), or a piece of a test's name
/// (`persist`, case-insensitive). Returns the selected tests in suite order,
/// or what was wrong with the selector.
pub fn select<'a>(tests: &'a [TestCase], selector: &str) -> Result<Vec<&'a TestCase>, String> {
    let mut chosen = vec![false; tests.len()];
    for item in selector.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(format!("empty item in test selector '{selector}'"));
        }
        let matched: Vec<usize> = if let Some(range) = parse_range(item) {
            let (lo, hi) = range?;
            tests
                .iter()
                .enumerate()
                .filter(|(_, t)| (lo..=hi).contains(&t.number))
                .map(|(i, _)| i)
                .collect()
        } else {
            let needle = item.to_lowercase();
            tests
                .iter()
                .enumerate()
                .filter(|(_, t)| t.name.to_lowercase().contains(&needle))
                .map(|(i, _)| i)
                .collect()
        };
        if matched.is_empty() {
            return Err(format!(
                "no test matches '{item}' (tests are numbered 1 to {})",
                tests.len()
            ));
        }
        matched.into_iter().for_each(|i| chosen[i] = true);
    }
    Ok(tests
        .iter()
        .zip(chosen)
        .filter(|(_, c)| *c)
        .map(|(t, _)| t)
        .collect())
}

/// `N` or `N-M` as an inclusive range; `None` if the item is not numeric.
fn parse_range(item: &str) -> Option<Result<(usize, usize), String>> {
    let (lo, hi) = item.split_once('-').unwrap_or((item, item));
    let (lo, hi) = (
        lo.trim().parse::<usize>().ok()?,
        hi.trim().parse::<usize>().ok()?,
    );
    Some(if lo <= hi {
        Ok((lo, hi))
    } else {
        Err(format!("empty range '{item}'"))
    })
}
