//! Shrinking a failing partition to a small set of operations that still
//! has no legal order: what a student should look at first.
//!
//! Dropping operations can make a set illegal for a meaningless reason: a
//! get alone, without the appends that built the value it read, has no
//! legal order either. So a kept set must explain its answers:
//! - if every answer in the partition is possible in some state that a
//!   legal (real-time respecting) order of some of its operations reaches
//!   (a stale read: the old value was there once), each answer of the kept
//!   set must be too;
//! - otherwise (a read of appends in an order real time forbids), the kept
//!   set must have an order that the model accepts once real time is
//!   ignored: it fails only because of timing. That question is a search
//!   over all orders, so it has a budget: a large set that exhausts it
//!   counts as explained (large sets are the first to go, and would
//!   otherwise never be cut), a small one as not (its answer is what the
//!   student reads).
//!
//! So the set that remains fails because of how its operations interact in
//! time, which is the bug a student has to find.
//!
//! The real-time precedence of operations (`a` returned before `b` was
//! called) is a DAG, built with petgraph once per report, outside the
//! search. It serves twice: the first cut drops every operation that starts
//! after the operation the search got stuck on had returned (its
//! descendants in the DAG); then operations are dropped in runs, then one at
//! a time, latest first in topological order, keeping each drop that leaves
//! a set with the property above, until no single drop does (1-minimal).
//!
//! Every question is a search with a step budget, and the whole shrink has
//! a total budget, both in steps: the result is the same on every run, and
//! an undecided question keeps the operations.

use std::cell::Cell;
use std::collections::BTreeSet;

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;

use super::history::Operation;
use super::model::Model;
use super::search::{Progress, Search};

/// Steps allowed for one "some order ignoring time" search.
const UNTIMED_STEPS: u64 = 1 << 14;
/// Sets up to this size get a larger budget for that search, and are not
/// counted as explained when they exhaust it.
const SMALL_SET: usize = 16;
const SMALL_UNTIMED_STEPS: u64 = 1 << 15;

/// Step budgets of a shrink.
pub(crate) struct Budget {
    /// Steps allowed for one search.
    pub(crate) per_check: u64,
    /// Steps allowed over the whole shrink.
    pub(crate) total: u64,
}

/// A smallest-found subset of `ops` (history indices) with no legal order,
/// in history order. `stuck_on` is the operation whose return the search
/// could not get past, if known: everything after it is tried away first.
pub(crate) fn minimal_failing_set<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    ops: &[usize],
    stuck_on: Option<usize>,
    budget: &Budget,
) -> Vec<usize> {
    let mut graph = DiGraph::<usize, ()>::with_capacity(ops.len(), 0);
    let nodes: Vec<NodeIndex> = ops.iter().map(|&i| graph.add_node(i)).collect();
    for (a, &i) in ops.iter().enumerate() {
        for (b, &j) in ops.iter().enumerate() {
            if history[i].ret < history[j].call {
                graph.add_edge(nodes[a], nodes[b], ());
            }
        }
    }
    let spent = Cell::new(0u64);
    // Whether a set fails, and whether all its answers are explained.
    let fails = |set: &[usize]| {
        let mut search = Search::new(model, history, set);
        let left = budget.total.saturating_sub(spent.get());
        let progress = search.run(budget.per_check.min(left));
        spent.set(spent.get() + search.steps());
        (
            progress == Progress::Illegal,
            progress == Progress::Illegal && search.explains_every_op(),
        )
    };
    // Whether some order ignoring real time works (or it is too big to say).
    let untimed = |set: &[usize]| {
        let small = set.len() <= SMALL_SET;
        let mut search = Search::untimed(model, history, set);
        let progress = search.run(if small {
            SMALL_UNTIMED_STEPS
        } else {
            UNTIMED_STEPS
        });
        spent.set(spent.get() + search.steps());
        progress == Progress::Linearizable || (progress == Progress::Paused && !small)
    };
    let (_, in_reach) = fails(ops);
    let acceptable = |set: &BTreeSet<usize>| {
        let members: Vec<usize> = set.iter().copied().collect();
        let (illegal, explained) = fails(&members);
        illegal
            && if in_reach {
                explained
            } else {
                untimed(&members)
            }
    };

    let mut kept: BTreeSet<usize> = ops.iter().copied().collect();
    if let Some(node) = stuck_on
        .and_then(|s| ops.iter().position(|&i| i == s))
        .map(|p| nodes[p])
    {
        let mut later = BTreeSet::new();
        let mut dfs = Dfs::new(&graph, node);
        while let Some(n) = dfs.next(&graph) {
            if n != node {
                later.insert(graph[n]);
            }
        }
        let cut: BTreeSet<usize> = kept.difference(&later).copied().collect();
        if !later.is_empty() && acceptable(&cut) {
            kept = cut;
        }
    }
    let mut order: Vec<usize> = toposort(&graph, None)
        .expect("real-time precedence has no cycles")
        .into_iter()
        .map(|n| graph[n])
        .collect();
    order.reverse();
    // Runs of `size` operations, halving down to single operations; at
    // size one, repeat until nothing more can go.
    let mut size = (kept.len() / 2).max(1);
    loop {
        let mut dropped = false;
        let current: Vec<usize> = order
            .iter()
            .copied()
            .filter(|op| kept.contains(op))
            .collect();
        for run in current.chunks(size) {
            if spent.get() >= budget.total {
                break;
            }
            let fewer: BTreeSet<usize> = kept
                .iter()
                .copied()
                .filter(|op| !run.contains(op))
                .collect();
            if !fewer.is_empty() && acceptable(&fewer) {
                kept = fewer;
                dropped = true;
            }
        }
        if spent.get() >= budget.total || (size == 1 && !dropped) {
            break;
        }
        size = (size / 2).max(1);
    }
    kept.into_iter().collect()
}
