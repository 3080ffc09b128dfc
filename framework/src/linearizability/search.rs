//! One partition's search, after Wing & Gong with Lowe's memoisation: try
//! the operations that may go next, one at a time, depth first, and never
//! try the same (linearized set, state) configuration twice.
//!
//! The call and return entries, in time order, form a doubly linked list
//! behind a head sentinel. A call entry seen before any return entry belongs
//! to an operation that may be linearized next. Linearizing it unlinks its
//! two entries ("lifts" it); backtracking puts them back, in LIFO order, in
//! O(1) (dancing links). Reaching a return entry means that operation must
//! have been linearized already: every candidate at this depth failed, so
//! the search backtracks.
//!
//! Everything lives in flat arrays indexed by dense numbers: entries of the
//! list, operations (their position in the partition), states (interned, so
//! the hot loop moves `u32`s, and a memo of transitions spares most calls
//! of the model's `step`). The search runs in slices of steps and can be
//! paused and resumed, which lets the scheduler interleave partitions.

use std::borrow::Cow;
use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::cache::Cache;
use super::hash::{FxBuild, mix64};
use super::history::Operation;
use super::model::Model;

/// Where a slice of search left off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Every operation was linearized.
    Linearizable,
    /// No order works.
    Illegal,
    /// The slice's steps ran out first; call `run` again to go on.
    Paused,
}

/// An entry of the list: its neighbours and which operation's call
/// (`op << 1`) or return (`op << 1 | 1`) it is. Entry 0 is the head.
#[derive(Clone, Copy)]
struct Node {
    prev: u32,
    next: u32,
    code: u32,
}

/// Marks an illegal step in the transition memo.
const ILLEGAL: u32 = u32::MAX;
/// Marks an empty memo slot (no real key has op bits all ones).
const NO_KEY: u64 = u64::MAX;

/// The resumable search over one partition.
pub(crate) struct Search<'h, M: Model> {
    model: &'h M,
    ops: Vec<&'h Operation<M::Input, M::Output>>,
    nodes: Vec<Node>,
    call_node: Vec<u32>,
    ret_node: Vec<u32>,
    cursor: u32,
    /// Linearized operations, oldest first, with the state before each.
    stack: Vec<(u32, u32)>,
    state: u32,
    bits: Vec<u64>,
    /// XOR of `keys[op]` over the linearized operations (Zobrist hashing:
    /// updated in O(1) per step instead of rehashing the bitset).
    bits_hash: u64,
    keys: Vec<u64>,
    /// Interned states: an id is a position here; `state_ids` finds the id
    /// of a state by its hash, without storing the state twice, and keeps
    /// the hash so that growing the table never rehashes a state.
    states: Vec<M::State>,
    state_ids: HashTable<(u64, u32)>,
    /// Heap bytes owned by the interned states.
    state_heap: usize,
    /// A lossy memo of transitions: slot `hash(state, op)` holds the last
    /// `(state << 32 | op, state after or ILLEGAL)` computed there. Fixed
    /// size, so it never rehashes; a miss just steps the model again.
    memo: Vec<(u64, u32)>,
    memo_shift: u32,
    cache: Cache,
    steps: u64,
    recorder: Option<Recorder>,
}

impl<'h, M: Model> Search<'h, M> {
    /// A search over the operations `members` (indices into `history`).
    pub(crate) fn new(
        model: &'h M,
        history: &'h [Operation<M::Input, M::Output>],
        members: &[usize],
    ) -> Self {
        Self::build(model, history, members, true)
    }

    /// Whether every operation's answer is possible in some state the
    /// search reached (after a finished search: in some state that a legal
    /// order of a prefix leads to).
    pub(crate) fn explains_every_op(&self) -> bool {
        self.ops.iter().all(|op| {
            self.states
                .iter()
                .any(|s| self.model.step(s, &op.input, &op.output).is_some())
        })
    }

    /// A search over `members` as if they were all concurrent: is there any
    /// order at all in which the model accepts them?
    pub(crate) fn untimed(
        model: &'h M,
        history: &'h [Operation<M::Input, M::Output>],
        members: &[usize],
    ) -> Self {
        Self::build(model, history, members, false)
    }

    fn build(
        model: &'h M,
        history: &'h [Operation<M::Input, M::Output>],
        members: &[usize],
        timed: bool,
    ) -> Self {
        let ops: Vec<_> = members.iter().map(|&i| &history[i]).collect();
        let n = ops.len();
        assert!(
            n < (u32::MAX >> 2) as usize,
            "too many operations in one partition"
        );
        for op in &ops {
            assert!(
                op.call <= op.ret,
                "an operation returns before it is called: {} > {}",
                op.call,
                op.ret
            );
        }
        // Time order; at equal times calls before returns (closed intervals),
        // then by operation, so the order never depends on sort stability.
        let mut entries: Vec<(i64, bool, u32)> = Vec::with_capacity(2 * n);
        for (i, op) in ops.iter().enumerate() {
            let (call, ret) = if timed { (op.call, op.ret) } else { (0, 1) };
            entries.push((call, false, i as u32));
            entries.push((ret, true, i as u32));
        }
        entries.sort_unstable();
        let len = entries.len() as u32 + 1;
        let mut nodes = Vec::with_capacity(len as usize);
        nodes.push(Node {
            prev: len - 1,
            next: if len > 1 { 1 } else { 0 },
            code: u32::MAX,
        });
        let mut call_node = vec![0; n];
        let mut ret_node = vec![0; n];
        for (k, &(_, is_ret, op)) in entries.iter().enumerate() {
            let id = k as u32 + 1;
            if is_ret {
                ret_node[op as usize] = id;
            } else {
                call_node[op as usize] = id;
            }
            nodes.push(Node {
                prev: id - 1,
                next: (id + 1) % len,
                code: op << 1 | u32::from(is_ret),
            });
        }
        let words = n.div_ceil(64).max(1);
        // Room for about 16 states per operation, within 2^8..2^16 slots.
        let memo_bits = (n * 16).next_power_of_two().trailing_zeros().clamp(8, 16);
        let init = model.init();
        let mut state_ids = HashTable::new();
        let hash = FxBuild::default().hash_one(&init);
        state_ids.insert_unique(hash, (hash, 0), |&(h, _)| h);
        Search {
            model,
            ops,
            cursor: nodes[0].next,
            nodes,
            call_node,
            ret_node,
            stack: Vec::with_capacity(n),
            state: 0,
            bits: vec![0; words],
            bits_hash: 0,
            keys: (0..n as u64).map(mix64).collect(),
            state_heap: model.state_heap_bytes(&init),
            states: vec![init],
            state_ids,
            memo: vec![(NO_KEY, 0); 1 << memo_bits],
            memo_shift: 64 - memo_bits,
            cache: Cache::new(words),
            steps: 0,
            recorder: None,
        }
    }

    /// Also remember the longest partial linearizations (for the report).
    pub(crate) fn record(mut self) -> Self {
        self.recorder = Some(Recorder::new(self.ops.len()));
        self
    }

    /// Steps taken so far.
    pub(crate) fn steps(&self) -> u64 {
        self.steps
    }

    /// The heap bytes held by the search's tables, approximately (states
    /// count their inline size and what [`Model::state_heap_bytes`] says).
    pub(crate) fn bytes(&self) -> usize {
        let state = size_of::<M::State>();
        self.cache.bytes()
            + self.memo.capacity() * size_of::<(u64, u32)>()
            + self.state_ids.capacity() * (size_of::<(u64, u32)>() + 1)
            + self.states.capacity() * state
            + self.state_heap
            + self.nodes.capacity() * size_of::<Node>()
    }

    /// Searches for at most `max_steps` more steps.
    pub(crate) fn run(&mut self, max_steps: u64) -> Progress {
        let mut left = max_steps;
        let progress = loop {
            if self.nodes[0].next == 0 {
                break Progress::Linearizable;
            }
            if left == 0 {
                break Progress::Paused;
            }
            left -= 1;
            let cur = self.cursor as usize;
            let code = self.nodes[cur].code;
            let op = code >> 1;
            if code & 1 == 0 {
                if let Some(after) = self.transition(self.state, op) {
                    let word = (op / 64) as usize;
                    let bit = 1u64 << (op % 64);
                    self.bits[word] |= bit;
                    let bits_hash = self.bits_hash ^ self.keys[op as usize];
                    if self
                        .cache
                        .insert(bits_hash ^ mix64(u64::from(after)), after, &self.bits)
                    {
                        self.stack.push((op, self.state));
                        self.state = after;
                        self.bits_hash = bits_hash;
                        self.lift(op);
                        self.cursor = self.nodes[0].next;
                        continue;
                    }
                    self.bits[word] &= !bit;
                }
                self.cursor = self.nodes[cur].next;
            } else {
                if let Some(recorder) = &mut self.recorder {
                    recorder.dead_end(&self.stack);
                }
                let Some((op, before)) = self.stack.pop() else {
                    break Progress::Illegal;
                };
                self.state = before;
                self.bits[(op / 64) as usize] &= !(1u64 << (op % 64));
                self.bits_hash ^= self.keys[op as usize];
                self.unlift(op);
                self.cursor = self.nodes[self.call_node[op as usize] as usize].next;
            }
        };
        self.steps += max_steps - left;
        progress
    }

    /// The longest partial linearizations found (positions in the partition),
    /// longest first; empty unless [`Search::record`] was called.
    pub(crate) fn partial_linearizations(&self) -> Vec<Vec<u32>> {
        self.recorder
            .as_ref()
            .map(Recorder::longest)
            .unwrap_or_default()
    }

    /// The state after `op` from interned state `state`, stepping the model
    /// only the first time this pair is seen.
    #[inline]
    fn transition(&mut self, state: u32, op: u32) -> Option<u32> {
        let key = u64::from(state) << 32 | u64::from(op);
        let slot = (mix64(key) >> self.memo_shift) as usize;
        let (seen, after) = self.memo[slot];
        if seen == key {
            return (after != ILLEGAL).then_some(after);
        }
        let operation = self.ops[op as usize];
        let after = match self.model.step(
            &self.states[state as usize],
            &operation.input,
            &operation.output,
        ) {
            None => ILLEGAL,
            Some(Cow::Borrowed(_)) => state,
            Some(Cow::Owned(next)) => self.intern(next),
        };
        self.memo[slot] = (key, after);
        (after != ILLEGAL).then_some(after)
    }

    /// The id of `state`, new or not.
    fn intern(&mut self, state: M::State) -> u32 {
        let hash = FxBuild::default().hash_one(&state);
        let states = &self.states;
        if let Some(&(_, id)) = self
            .state_ids
            .find(hash, |&(h, id)| h == hash && states[id as usize] == state)
        {
            return id;
        }
        let id = u32::try_from(states.len()).expect("fewer than 2^32 states");
        assert!(id != ILLEGAL, "too many distinct states");
        self.state_ids.insert_unique(hash, (hash, id), |&(h, _)| h);
        self.state_heap += self.model.state_heap_bytes(&state);
        self.states.push(state);
        id
    }

    /// Drops the tables of a decided search, keeping its step count.
    pub(crate) fn free_tables(&mut self) {
        self.cache = Cache::new(1);
        self.states = Vec::new();
        self.state_ids = HashTable::new();
        self.state_heap = 0;
        self.memo = Vec::new();
        self.recorder = None;
    }

    #[inline]
    fn unlink(&mut self, id: u32) {
        let Node { prev, next, .. } = self.nodes[id as usize];
        self.nodes[prev as usize].next = next;
        self.nodes[next as usize].prev = prev;
    }

    #[inline]
    fn relink(&mut self, id: u32) {
        let Node { prev, next, .. } = self.nodes[id as usize];
        self.nodes[prev as usize].next = id;
        self.nodes[next as usize].prev = id;
    }

    #[inline]
    fn lift(&mut self, op: u32) {
        self.unlink(self.call_node[op as usize]);
        self.unlink(self.ret_node[op as usize]);
    }

    #[inline]
    fn unlift(&mut self, op: u32) {
        self.relink(self.ret_node[op as usize]);
        self.relink(self.call_node[op as usize]);
    }
}

/// Remembers, for each operation, the longest dead-end prefix containing it:
/// the partial linearizations a student reads in the report.
struct Recorder {
    best_len: Vec<u32>,
    prefixes: Vec<Vec<u32>>,
}

impl Recorder {
    fn new(n: usize) -> Self {
        Recorder {
            best_len: vec![0; n],
            prefixes: Vec::new(),
        }
    }

    /// Called at every backtrack: the stack is a prefix none of whose
    /// extensions worked.
    fn dead_end(&mut self, stack: &[(u32, u32)]) {
        let len = stack.len() as u32;
        let mut saved = false;
        for &(op, _) in stack {
            let best = &mut self.best_len[op as usize];
            if *best < len {
                *best = len;
                if !saved {
                    self.prefixes
                        .push(stack.iter().map(|&(op, _)| op).collect());
                    saved = true;
                }
            }
        }
    }

    /// The prefixes that are still some operation's longest and not the
    /// start of a longer one kept, longest first (ties: latest found first).
    fn longest(&self) -> Vec<Vec<u32>> {
        let mut kept: Vec<&Vec<u32>> = Vec::new();
        for prefix in self.prefixes.iter().rev() {
            let len = prefix.len() as u32;
            let someones_best = prefix.iter().any(|&op| self.best_len[op as usize] == len);
            if someones_best
                && !kept
                    .iter()
                    .any(|k| k.len() >= prefix.len() && k[..prefix.len()] == prefix[..])
            {
                kept.push(prefix);
            }
        }
        kept.sort_by_key(|p| std::cmp::Reverse(p.len()));
        kept.into_iter().cloned().collect()
    }
}
