//! The checker on histories the project makes itself: hand-written cases
//! (concurrency, zero-length and pending operations, the empty history, an
//! illegal one), histories generated from a simulated register and a
//! simulated key/value store, correct and with injected bugs, and the
//! limits that turn a check into Unknown.

use std::collections::BTreeMap;
use std::time::Duration;

use framework::linearizability::models::kv::{KvInput, KvModel, KvOp, KvOutput};
use framework::linearizability::models::register::{RegisterInput, RegisterModel, RegisterOutput};
use framework::linearizability::{
    CheckOptions, Event, EventKind, HistoryBuilder, Model, Operation, StopReason, Verdict, check,
    operations_from_events,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn op<I, O>(client: usize, input: I, call: i64, output: O, ret: i64) -> Operation<I, O> {
    Operation {
        client,
        input,
        call,
        output,
        ret,
    }
}

fn get(client: usize, key: &str, call: i64, value: &str, ret: i64) -> Operation<KvInput, KvOutput> {
    op(
        client,
        KvInput::get(key),
        call,
        KvOutput::Value(value.into()),
        ret,
    )
}

fn put(client: usize, key: &str, value: &str, call: i64, ret: i64) -> Operation<KvInput, KvOutput> {
    op(
        client,
        KvInput::put(key, value),
        call,
        KvOutput::done(),
        ret,
    )
}

fn verdict<M: Model>(model: &M, history: &[Operation<M::Input, M::Output>]) -> Verdict {
    for threads in [1, 2] {
        let result = check(model, history, &CheckOptions::default().threads(threads));
        if threads == 2 {
            return result.verdict;
        }
        let again = check(model, history, &CheckOptions::default().threads(2));
        assert_eq!(result.verdict, again.verdict, "one thread and two agree");
    }
    unreachable!()
}

fn ok<M: Model>(model: &M, history: &[Operation<M::Input, M::Output>]) -> bool {
    match verdict(model, history) {
        Verdict::Ok => true,
        Verdict::Illegal(_) => false,
        Verdict::Unknown(why) => panic!("small histories are decided: {why}"),
    }
}

#[test]
fn the_empty_history_is_linearizable() {
    let result = check(&KvModel, &[], &CheckOptions::default());
    assert!(result.is_linearizable());
    assert_eq!(result.partitions, 0);
    assert!(check(&RegisterModel, &[], &CheckOptions::default()).is_linearizable());
}

#[test]
fn concurrent_operations_may_take_effect_in_either_order() {
    // put(x) overlaps both gets: one sees the old value, one the new.
    let h = [
        put(0, "k", "x", 0, 100),
        get(1, "k", 10, "x", 20),
        get(2, "k", 30, "", 40),
    ];
    assert!(
        !ok(&KvModel, &h),
        "a get after a get that saw x cannot see the old value"
    );
    let h = [
        put(0, "k", "x", 0, 100),
        get(1, "k", 10, "", 20),
        get(2, "k", 30, "x", 40),
    ];
    assert!(ok(&KvModel, &h));
    let h = [
        put(0, "k", "x", 0, 100),
        get(1, "k", 10, "x", 20),
        get(2, "k", 10, "", 20),
    ];
    assert!(ok(&KvModel, &h), "two concurrent gets may straddle the put");
}

#[test]
fn intervals_are_closed_and_zero_length_operations_count() {
    // [10, 20] and [20, 30] share an instant: concurrent, either order.
    assert!(ok(
        &KvModel,
        &[put(0, "k", "x", 10, 20), get(1, "k", 20, "", 30)]
    ));
    assert!(!ok(
        &KvModel,
        &[put(0, "k", "x", 10, 20), get(1, "k", 21, "", 30)]
    ));
    // Zero-length operations at the same instant are concurrent too...
    assert!(ok(
        &KvModel,
        &[put(0, "k", "x", 10, 10), get(1, "k", 10, "", 10)]
    ));
    assert!(ok(
        &KvModel,
        &[get(1, "k", 10, "x", 10), put(0, "k", "x", 10, 10)]
    ));
    // ...and strictly ordered when their instants differ.
    assert!(!ok(
        &KvModel,
        &[put(0, "k", "x", 10, 10), get(1, "k", 11, "", 11)]
    ));
    assert!(!ok(
        &KvModel,
        &[get(1, "k", 9, "x", 9), put(0, "k", "x", 10, 10)]
    ));
}

#[test]
fn pending_operations_may_or_may_not_take_effect_but_not_both() {
    let mut h = HistoryBuilder::new();
    h.call(0, KvInput::append("k", "x"), 0); // never returns
    let a = h.call(1, KvInput::get("k"), 10);
    h.ret(a, KvOutput::Value(String::new()), 20);
    let b = h.call(1, KvInput::get("k"), 30);
    h.ret(b, KvOutput::Value("x".into()), 40);
    let unknown_get = h.call(2, KvInput::get("k"), 50); // times out
    let _ = unknown_get;
    let history = h.finish(KvOutput::Unknown);
    assert_eq!(history[0].ret, 51, "a pending operation returns at the end");
    assert!(ok(&KvModel, &history), "took effect between the gets");

    let mut h = HistoryBuilder::new();
    h.call(0, KvInput::append("k", "x"), 0);
    let a = h.call(1, KvInput::get("k"), 10);
    h.ret(a, KvOutput::Value("x".into()), 20);
    let b = h.call(1, KvInput::get("k"), 30);
    h.ret(b, KvOutput::Value(String::new()), 40);
    assert!(
        !ok(&KvModel, &h.finish(KvOutput::Unknown)),
        "seen, then gone again"
    );
}

#[test]
fn register_operations_with_unknown_outcomes() {
    use RegisterInput::{Cas, Read, Write};
    use RegisterOutput::{Cas as Swapped, Read as Value, Unknown, Written};
    // A write that timed out may show up later; a cas that timed out may
    // or may not have swapped.
    let h = [
        op(0, Write(1), 0, Written, 10),
        op(1, Write(2), 20, Unknown, 1000),
        op(2, Read, 30, Value(Some(1)), 40),
        op(2, Read, 50, Value(Some(2)), 60),
        op(3, Cas { from: 2, to: 3 }, 70, Unknown, 1000),
        op(2, Read, 80, Value(Some(2)), 90),
    ];
    assert!(ok(&RegisterModel, &h));
    // A definite failed cas in state 1 for from = 1 is impossible.
    let h = [
        op(0, Write(1), 0, Written, 10),
        op(1, Cas { from: 1, to: 5 }, 20, Swapped(false), 30),
    ];
    assert!(!ok(&RegisterModel, &h));
    // Never written reads as nil.
    assert!(ok(&RegisterModel, &[op(0, Read, 0, Value(None), 1)]));
}

#[test]
fn a_simple_illegal_history_names_its_partition() {
    let h = [
        put(0, "a", "1", 0, 10),
        get(1, "b", 0, "", 10),
        get(1, "a", 20, "", 30),
    ];
    let Verdict::Illegal(v) = verdict(&KvModel, &h) else {
        panic!("a stale read is illegal")
    };
    assert_eq!(v.label, "key \"a\"");
    assert_eq!(v.ops, vec![0, 2]);
}

#[test]
fn events_become_operations() {
    let ev = |client, kind, id| Event { client, kind, id };
    let events = vec![
        ev(0, EventKind::Call(KvInput::put("k", "x")), 1),
        ev(1, EventKind::Call(KvInput::get("k")), 2),
        ev(0, EventKind::Return(KvOutput::done()), 1),
        ev(1, EventKind::Return(KvOutput::Value("x".into())), 2),
        ev(2, EventKind::Call(KvInput::get("k")), 3),
    ];
    let ops = operations_from_events(events, KvOutput::Unknown).expect("well paired");
    assert_eq!(ops.len(), 3);
    assert_eq!((ops[0].call, ops[0].ret, ops[2].ret), (0, 2, 5));
    assert!(ok(&KvModel, &ops));
    let bad = vec![ev(0, EventKind::Return(KvOutput::done()), 9)];
    assert!(operations_from_events(bad, KvOutput::Unknown).is_err());
}

/// `n` appends that all return before a get that sees none of them: to
/// refute it the search must try every order of the appends (each gives a
/// different string), which never ends.
fn hard_key(key: &str, n: usize, client0: usize) -> Vec<Operation<KvInput, KvOutput>> {
    let mut h: Vec<_> = (0..n)
        .map(|i| {
            op(
                client0 + i,
                KvInput::append(key, format!("v{i} ")),
                0,
                KvOutput::done(),
                100,
            )
        })
        .collect();
    h.push(get(client0 + n, key, 200, "never", 300));
    h
}

#[test]
fn the_deadline_gives_unknown_with_its_reason() {
    let history = hard_key("k", 40, 0);
    let options = CheckOptions::default()
        .no_step_budget()
        .timeout(Duration::from_millis(200))
        .threads(1);
    let result = check(&KvModel, &history, &options);
    let Verdict::Unknown(why) = &result.verdict else {
        panic!("cannot finish: {}", result.verdict)
    };
    assert_eq!(
        why.reason,
        StopReason::Deadline {
            timeout: Duration::from_millis(200)
        }
    );
    assert_eq!(why.undecided, vec![String::from("key \"k\"")]);
    assert!(!result.is_linearizable(), "Unknown is not a pass");
    assert!(
        result.elapsed < Duration::from_secs(5),
        "the deadline truly stops it: {:?}",
        result.elapsed
    );
    assert_eq!(
        result.verdict.to_string(),
        "Unknown (deadline of 200 ms reached; 0 of 1 partitions decided, open: key \"k\")"
    );
}

#[test]
fn the_memory_budget_gives_unknown_with_its_reason() {
    let history = hard_key("k", 40, 0);
    let options = CheckOptions::default()
        .no_timeout()
        .no_step_budget()
        .memory_budget(8 << 20);
    let result = check(&KvModel, &history, &options);
    let Verdict::Unknown(why) = &result.verdict else {
        panic!("cannot finish: {}", result.verdict)
    };
    assert_eq!(why.reason, StopReason::MemoryBudget { budget: 8 << 20 });
    assert_eq!(
        result.verdict.to_string(),
        "Unknown (memory budget of 8 MiB exhausted; 0 of 1 partitions decided, open: key \"k\")"
    );
}

#[test]
fn a_hard_partition_does_not_hide_an_illegal_one() {
    // Key "a" (first in order) never finishes; key "z" is a plain stale read.
    let mut history = hard_key("a", 40, 0);
    history.extend([put(100, "z", "1", 0, 10), get(101, "z", 20, "", 30)]);
    for threads in [1, 2] {
        let options = CheckOptions::default()
            .timeout(Duration::from_secs(20))
            .threads(threads);
        let result = check(&KvModel, &history, &options);
        let Verdict::Illegal(v) = &result.verdict else {
            panic!("{threads} thread(s): {}", result.verdict)
        };
        assert_eq!(v.label, "key \"z\"");
        assert!(
            result.elapsed < Duration::from_secs(2),
            "{threads} thread(s) took {:?}",
            result.elapsed
        );
    }
}

/// Bugs a generated history can carry.
#[derive(Clone, Copy, Debug)]
enum Bug {
    /// A read returns the value from before a write that had completed
    /// before the read was called.
    StaleRead,
    /// A write that completed is never applied; a later read misses it.
    LostWrite,
}

/// One generated operation: when it is called, takes effect (if ever) and
/// returns (if ever).
struct Planned<I> {
    client: usize,
    input: I,
    call: i64,
    effect: Option<i64>,
    ret: Option<i64>,
}

/// Clients issue operations one after another, with random gaps and
/// durations (some zero); each takes effect at a random instant within its
/// interval. Some calls time out: the client never hears back and retires
/// (as in Jepsen); such an operation takes effect at some instant, or never.
fn plan<I>(
    rng: &mut ChaCha8Rng,
    clients: usize,
    per_client: usize,
    mut input: impl FnMut(&mut ChaCha8Rng, usize) -> I,
) -> Vec<Planned<I>> {
    let mut ops = Vec::new();
    for client in 0..clients {
        let mut t = rng.random_range(0..20);
        for _ in 0..per_client {
            let call = t + rng.random_range(0..10);
            let ret = call + rng.random_range(0..30);
            let effect = rng.random_range(call..=ret);
            if rng.random_ratio(1, 25) {
                let effect = rng.random_bool(0.5).then_some(effect);
                ops.push(Planned {
                    client,
                    input: input(rng, client),
                    call,
                    effect,
                    ret: None,
                });
                break;
            }
            ops.push(Planned {
                client,
                input: input(rng, client),
                call,
                effect: Some(effect),
                ret: Some(ret),
            });
            t = ret;
        }
    }
    ops
}

/// Whether planned operation `a` (`None`: the initial state) returned
/// before `b` was called, so that every order puts it first.
fn precedes<I>(ops: &[Planned<I>], a: Option<usize>, b: usize) -> bool {
    a.is_none_or(|a| ops[a].ret.is_some_and(|r| r < ops[b].call))
}

/// A simulated object's value, the value before the last write, and which
/// operations made them (`None`: the initial state).
struct Cell<V> {
    value: V,
    by: Option<usize>,
    before: V,
    before_by: Option<usize>,
}

impl<V: Clone> Cell<V> {
    fn new(initial: V) -> Self {
        Cell {
            value: initial.clone(),
            by: None,
            before: initial,
            before_by: None,
        }
    }

    fn set(&mut self, value: V, by: usize) {
        self.before = std::mem::replace(&mut self.value, value);
        self.before_by = self.by.replace(by);
    }

    /// Whether reading `before` in operation `read` is surely illegal: the
    /// read returns (its answer is seen), the write that replaced `before`
    /// returned before the read was called, and the one that made it
    /// returned before that write was called, so every order has them in
    /// that order ahead of the read (and values are unique, so it never
    /// comes back).
    fn stale_is_illegal<I>(&self, ops: &[Planned<I>], read: usize) -> bool {
        ops[read].ret.is_some()
            && self
                .by
                .is_some_and(|w| precedes(ops, Some(w), read) && precedes(ops, self.before_by, w))
    }
}

/// Positions of the planned operations in effect order (ties by position).
fn effect_order<I>(ops: &[Planned<I>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ops.len())
        .filter(|&i| ops[i].effect.is_some())
        .collect();
    order.sort_by_key(|&i| (ops[i].effect, i));
    order
}

/// A key/value store's history: gets, puts and appends of unique values on
/// a few keys, with `bug` injected into one read if given.
fn generate_kv(seed: u64, bug: Option<Bug>) -> Vec<Operation<KvInput, KvOutput>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut counter = 0;
    let planned = plan(&mut rng, 6, 25, |rng, client| {
        let key = ["a", "b", "c"][rng.random_range(0..3)];
        counter += 1;
        match rng.random_range(0..10) {
            0..5 => KvInput::get(key),
            5..7 => KvInput::put(key, format!("x {client} {counter} y")),
            _ => KvInput::append(key, format!("x {client} {counter} y")),
        }
    });
    let order = effect_order(&planned);
    let mut outputs: Vec<Option<String>> = vec![None; planned.len()];
    let mut store: BTreeMap<String, Cell<String>> = BTreeMap::new();
    let mut injected = false;
    for (k, &i) in order.iter().enumerate() {
        let p = &planned[i];
        let cell = store
            .entry(p.input.key.clone())
            .or_insert_with(|| Cell::new(String::new()));
        if p.input.op == KvOp::Get {
            outputs[i] = Some(match bug {
                Some(Bug::StaleRead) if !injected && cell.stale_is_illegal(&planned, i) => {
                    injected = true;
                    cell.before.clone()
                }
                _ => cell.value.clone(),
            });
            continue;
        }
        if matches!(bug, Some(Bug::LostWrite)) && !injected {
            // Lost where the next operation on the key is a get that was
            // called after this write returned, and the value it then reads
            // was made before this write was called.
            let next = order[k + 1..]
                .iter()
                .copied()
                .find(|&j| planned[j].input.key == p.input.key);
            let observed = next.is_some_and(|j| {
                planned[j].input.op == KvOp::Get
                    && planned[j].ret.is_some()
                    && precedes(&planned, Some(i), j)
            });
            if observed && precedes(&planned, cell.by, i) {
                injected = true;
                continue;
            }
        }
        let next = match p.input.op {
            KvOp::Put => p.input.value.clone(),
            _ => format!("{}{}", cell.value, p.input.value),
        };
        cell.set(next, i);
    }
    assert!(
        bug.is_none() || injected,
        "seed {seed}: no place to inject {bug:?}"
    );
    let mut h = HistoryBuilder::new();
    let mut returns = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        let handle = h.call(p.client, p.input.clone(), p.call);
        if let Some(ret) = p.ret {
            let output = match p.input.op {
                KvOp::Get => KvOutput::Value(outputs[i].clone().expect("a get that took effect")),
                _ => KvOutput::done(),
            };
            returns.push((ret, handle, output));
        }
    }
    for (ret, handle, output) in returns {
        h.ret(handle, output, ret);
    }
    h.finish(KvOutput::Unknown)
}

/// A register's history: reads, writes and compare-and-sets of unique
/// values, with `bug` injected into one read if given.
fn generate_register(seed: u64, bug: Option<Bug>) -> Vec<Operation<RegisterInput, RegisterOutput>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut counter = 0;
    let planned = plan(&mut rng, 5, 30, |rng, _| {
        counter += 1;
        match rng.random_range(0..10) {
            0..5 => RegisterInput::Read,
            5..8 => RegisterInput::Write(counter),
            // Mostly a recent value, so that some swaps succeed.
            _ => RegisterInput::Cas {
                from: counter - rng.random_range(1..4),
                to: counter,
            },
        }
    });
    let order = effect_order(&planned);
    let mut outputs = vec![None; planned.len()];
    let mut cell = Cell::new(None);
    let mut injected = false;
    for &i in &order {
        outputs[i] = Some(match planned[i].input {
            RegisterInput::Read
                if matches!(bug, Some(Bug::StaleRead))
                    && !injected
                    && cell.stale_is_illegal(&planned, i) =>
            {
                injected = true;
                RegisterOutput::Read(cell.before)
            }
            RegisterInput::Read => RegisterOutput::Read(cell.value),
            RegisterInput::Write(v) => {
                cell.set(Some(v), i);
                RegisterOutput::Written
            }
            RegisterInput::Cas { from, to } => {
                let swapped = cell.value == Some(from);
                if swapped {
                    cell.set(Some(to), i);
                }
                RegisterOutput::Cas(swapped)
            }
        });
    }
    assert!(
        bug.is_none() || injected,
        "seed {seed}: no place to inject {bug:?}"
    );
    let mut h = HistoryBuilder::new();
    let mut returns = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        let handle = h.call(p.client, p.input, p.call);
        if let Some(ret) = p.ret {
            returns.push((
                ret,
                handle,
                outputs[i].expect("a returned operation took effect"),
            ));
        }
    }
    for (ret, handle, output) in returns {
        h.ret(handle, output, ret);
    }
    h.finish(RegisterOutput::Unknown)
}

#[test]
fn generated_kv_histories_are_judged_right() {
    let (mut pending, mut instant) = (0, 0);
    for seed in 0..40 {
        let history = generate_kv(seed, None);
        pending += history
            .iter()
            .filter(|o| o.output == KvOutput::Unknown)
            .count();
        instant += history.iter().filter(|o| o.call == o.ret).count();
        assert!(
            ok(&KvModel, &history),
            "seed {seed}: a correct store's history is linearizable"
        );
        for bug in [Bug::StaleRead, Bug::LostWrite] {
            let history = generate_kv(seed, Some(bug));
            assert!(
                matches!(verdict(&KvModel, &history), Verdict::Illegal(_)),
                "seed {seed}: {bug:?} must be caught"
            );
        }
    }
    assert!(
        pending > 10 && instant > 10,
        "the generator makes pending ({pending}) and zero-length ({instant}) operations"
    );
}

#[test]
fn generated_register_histories_are_judged_right() {
    for seed in 0..40 {
        let history = generate_register(seed, None);
        assert!(
            ok(&RegisterModel, &history),
            "seed {seed}: a correct register's history is linearizable"
        );
        let history = generate_register(seed, Some(Bug::StaleRead));
        assert!(
            matches!(verdict(&RegisterModel, &history), Verdict::Illegal(_)),
            "seed {seed}: a stale read must be caught"
        );
    }
}
