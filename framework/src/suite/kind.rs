//! Test kinds: the registered test functions a suite can name.

use std::collections::BTreeMap;
use std::path::PathBuf;

use futures::future::LocalBoxFuture;

use super::ParamSpec;
use super::params::Params;
use crate::sim::{Failure, World};

/// What a test function gets: its world, its parameters, and where it may
/// leave files for the person reading the result.
pub struct TestEnv {
    /// The world the test runs in.
    pub world: World,
    /// The suite's values for the kind's parameters.
    pub params: Params,
    /// A directory for reports (created on demand by whoever writes there).
    pub artifacts: PathBuf,
}

/// A test function: runs in its world and says whether the checks held.
pub type TestFn = fn(TestEnv) -> LocalBoxFuture<'static, Result<(), Failure>>;

/// A registered test function, the parameters it accepts, and its lab.
#[derive(Clone, Copy)]
pub struct Kind {
    /// The name suites use in `kind:`.
    pub name: &'static str,
    /// The lab it tests (`raft`, `kv`, ...).
    pub lab: &'static str,
    /// One line on what it checks.
    pub summary: &'static str,
    /// The parameters it accepts.
    pub params: &'static [ParamSpec],
    /// The test itself.
    pub run: TestFn,
}

impl Kind {
    /// The declaration of parameter `name`, if the kind accepts it.
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Every kind a grader knows, by lab and name (two labs may both have,
/// say, a `re_election` kind).
#[derive(Clone, Default)]
pub struct Registry {
    kinds: BTreeMap<(&'static str, &'static str), Kind>,
}

impl Registry {
    /// A registry of these kinds. Panics on a duplicate name within a lab
    /// (a bug in the framework, not in a suite).
    pub fn new(kinds: impl IntoIterator<Item = Kind>) -> Registry {
        let mut registry = Registry::default();
        for kind in kinds {
            assert!(
                registry.kinds.insert((kind.lab, kind.name), kind).is_none(),
                "kind {} of lab {} registered twice",
                kind.name,
                kind.lab
            );
        }
        registry
    }

    /// Lab `lab`'s kind called `name`.
    pub fn get(&self, lab: &str, name: &str) -> Option<&Kind> {
        self.kinds.values().find(|k| k.lab == lab && k.name == name)
    }

    /// Every kind, by lab and name.
    pub fn kinds(&self) -> impl Iterator<Item = &Kind> {
        self.kinds.values()
    }

    /// The labs that have kinds, in order.
    pub fn labs(&self) -> Vec<&'static str> {
        let mut labs: Vec<_> = self.kinds.values().map(|k| k.lab).collect();
        labs.sort_unstable();
        labs.dedup();
        labs
    }
}
