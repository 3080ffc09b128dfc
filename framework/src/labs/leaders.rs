//! Election safety at every look: who the harness has seen leading which
//! term, for one group of servers.
//!
//! Every look at a server's leadership goes through [`Leaders::saw`], from
//! the checks of a test and from a watcher task beside each server, so a
//! second leader of a term fails the test when it appears, naming both,
//! rather than seconds later as a commit mismatch. Each change of state is
//! recorded in the trace, for the timeline's picture of who led when.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::sleep;

use super::group::Leadership;
use crate::ensure;
use crate::sim::{EventKind, Failure, World};
use crate::sync::lock;

/// How often the watcher beside each server looks at it. A second leader
/// lasts until the first hears of its term, a heartbeat at least (about
/// 100 ms in every correct design), so this sees it.
const WATCH_EVERY: Duration = Duration::from_millis(50);

/// What the harness has seen of one group's leadership. Cloning is cheap;
/// clones share what they saw.
#[derive(Clone)]
pub(crate) struct Leaders {
    world: World,
    names: Arc<[Arc<str>]>,
    seen: Arc<Mutex<Seen>>,
}

struct Seen {
    /// The first server seen leading each term.
    by_term: BTreeMap<u64, usize>,
    /// Each server's last seen (term, leads), while it is up.
    last: Vec<Option<(u64, bool)>>,
    /// What a scripted test is doing, said after a second leader's
    /// failure (see [`Leaders::explain`]).
    context: Option<String>,
}

impl Leaders {
    pub(crate) fn new(world: &World, names: Vec<String>) -> Leaders {
        let n = names.len();
        Leaders {
            world: world.clone(),
            names: names.into_iter().map(Arc::from).collect(),
            seen: Arc::new(Mutex::new(Seen {
                by_term: BTreeMap::new(),
                last: vec![None; n],
                context: None,
            })),
        }
    }

    /// The world the group lives in.
    pub(crate) fn world(&self) -> &World {
        &self.world
    }

    /// Notes that server `i` is in `term` and leads there or not; fails if
    /// another server was ever seen leading that term.
    pub(crate) fn saw(&self, i: usize, (term, leads): (u64, bool)) -> Result<(), Failure> {
        let mut seen = lock(&self.seen);
        if seen.last[i] != Some((term, leads)) {
            seen.last[i] = Some((term, leads));
            self.world.record(EventKind::Observed {
                node: self.names[i].clone(),
                term,
                leads,
            });
        }
        if leads {
            let first = *seen.by_term.entry(term).or_insert(i);
            let context = seen.context.as_deref().unwrap_or("");
            ensure!(
                first == i,
                "term {term} has two leaders: servers {first} and {i} (at most one server may ever lead a term){context}"
            );
        }
        Ok(())
    }

    /// While a scripted test builds a scenario, a second leader fails with
    /// the scenario's words after the facts: `context` (`None` again once
    /// the scenario is over).
    pub(crate) fn explain(&self, context: Option<String>) {
        lock(&self.seen).context = context;
    }

    /// Server `i` went down: its next state is news, whatever it is.
    pub(crate) fn down(&self, i: usize) {
        lock(&self.seen).last[i] = None;
    }

    /// Looks at server `i` every [`WATCH_EVERY`] for as long as it runs
    /// (spawn it on the server's node, so that it dies with it), failing
    /// the test at the first second leader of a term.
    pub(crate) async fn watch<T>(self, i: usize, server: Arc<T>, leadership: Leadership<T>) {
        loop {
            sleep(WATCH_EVERY).await;
            if let Err(failure) = self.saw(i, leadership(&server)) {
                self.world.fail(failure);
                return;
            }
        }
    }
}
