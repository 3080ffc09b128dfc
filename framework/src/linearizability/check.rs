//! The entry point: split a history into partitions, search them
//! interleaved, stop at the first violation, the step budget, a deadline or
//! the memory budget.
//!
//! Partitions are searched in rounds. In round `r` every open partition may
//! run until it has taken `FIRST_ROUND_STEPS << r` steps in total, in
//! partition order, spread over the worker threads. So a hard partition
//! gets at most as many steps as the easy ones before a violation elsewhere
//! is found, on one thread as on many. A round that refutes a partition
//! ends the check, and the violation reported is the lowest-numbered
//! partition refuted within that round's budget: the same on every run
//! whatever the thread timing, because steps (not time) decide it.
//!
//! The step budget is spent between rounds, never inside one, so that
//! thread timing cannot move the point where it runs out. After a round
//! that decides nothing, every open partition stands at exactly the round's
//! limit (it paused there; a partition that finished is closed), so the
//! next round costs at most `open × (limit' - limit)` steps, known before
//! it starts. The next round's limit is lowered until that fits in what is
//! left of the budget; when not even one more step per open partition
//! fits, the check ends Unknown. The steps charged for a refuting round
//! count what a single thread would have done: partitions after the
//! refuted one keep their count from the round's start, though other
//! threads may have searched them further before they heard of the
//! refutation.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use super::history::Operation;
use super::model::{Model, Partition};
use super::search::{Progress, Search};
use super::verdict::{CheckResult, GaveUp, StopReason, Verdict, Violation};

/// The step budget of [`CheckOptions::default`]: search steps over all
/// partitions before a check gives up with [`StopReason::StepBudget`].
///
/// About 7 times what the hardest of porcupine's public histories needs
/// (etcd_002: 1,356,360 steps; c50-ok: 918,097), and a few seconds of one
/// core: 30 concurrent appends that no order explains (the search never
/// ends) spent it in 2.6 s of CPU, the process at 1.1 GiB resident.
pub const DEFAULT_STEP_BUDGET: u64 = 10_000_000;

/// Limits and resources of a check.
///
/// A check gives up (verdict Unknown) at the first limit it hits: the step
/// budget (deterministic: the same history stops at the same point on any
/// machine and any number of threads), the wall-clock timeout (for people
/// at a terminal; it depends on the machine and its load) or the memory
/// budget.
///
/// ```
/// use std::time::Duration;
/// use framework::linearizability::CheckOptions;
/// // What a test inside a simulated world uses: steps, never the clock.
/// let in_a_test = CheckOptions::default()
///     .step_budget(1_000_000)
///     .no_timeout()
///     .memory_budget(512 << 20);
/// // What a person checking a file may prefer.
/// let at_a_terminal = CheckOptions::default()
///     .no_step_budget()
///     .timeout(Duration::from_secs(10))
///     .threads(1);
/// # let _ = (in_a_test, at_a_terminal);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    step_budget: Option<u64>,
    timeout: Option<Duration>,
    memory_budget: usize,
    threads: usize,
}

impl Default for CheckOptions {
    /// A budget of [`DEFAULT_STEP_BUDGET`] steps, a 60 s deadline, a 2 GiB
    /// memory budget, one thread per core.
    fn default() -> Self {
        CheckOptions {
            step_budget: Some(DEFAULT_STEP_BUDGET),
            timeout: Some(Duration::from_secs(60)),
            memory_budget: 2 << 30,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl CheckOptions {
    /// Gives up with [`StopReason::StepBudget`] once the search has taken
    /// this many steps over all partitions (it never takes more). Where it
    /// stops, and the verdict, depend only on the history and the budget.
    pub fn step_budget(mut self, steps: u64) -> Self {
        self.step_budget = Some(steps);
        self
    }

    /// No step budget: search until decided, out of time or out of memory.
    pub fn no_step_budget(mut self) -> Self {
        self.step_budget = None;
        self
    }

    /// Gives up with [`StopReason::Deadline`] after this much wall-clock time.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No deadline: search until decided, out of steps or out of memory.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Gives up with [`StopReason::MemoryBudget`] when the search's tables
    /// (over all partitions) hold more than this many bytes.
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.memory_budget = bytes;
        self
    }

    /// Searches partitions on this many threads (at least one; never more
    /// than there are partitions).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }
}

/// The first round's step budget per partition; it doubles every round.
const FIRST_ROUND_STEPS: u64 = 1 << 10;
/// Steps between looks at the clock, the memory total and other threads.
const SLICE_STEPS: u64 = 1 << 12;

/// Checks whether `history` is linearizable under `model`.
///
/// # Panics
/// If an operation returns before it is called (`ret < call`): recorders and
/// parsers never produce that.
pub fn check<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    options: &CheckOptions,
) -> CheckResult {
    let start = Instant::now();
    let partitions = model.partition(history);
    let count = partitions.len();
    let scheduler = Scheduler::new(model, history, &partitions, options, start);
    let Ended { verdict, steps } = scheduler.run(options.threads);
    CheckResult {
        verdict,
        partitions: count,
        steps,
        elapsed: start.elapsed(),
    }
}

/// How the rounds ended, and the steps charged for them.
struct Ended {
    verdict: Verdict,
    steps: u64,
}

/// A partition's search and what is known of it.
struct Part<'h, M: Model> {
    search: Search<'h, M>,
    /// `None` while open.
    outcome: Option<Progress>,
    /// Bytes last added to the shared total.
    bytes: usize,
}

/// The partitions' searches and the state of the rounds, shared by the
/// worker threads.
struct Scheduler<'h, M: Model> {
    parts: Vec<Mutex<Part<'h, M>>>,
    partitions: &'h [Partition],
    deadline: Option<Instant>,
    options: &'h CheckOptions,
    /// Open partitions this round, in partition order.
    open: Mutex<Vec<usize>>,
    /// The round's per-partition step limit.
    limit: AtomicU64,
    /// Each partition's steps when the round started.
    round_start: Mutex<Vec<u64>>,
    /// The next position in `open` to hand out.
    next: AtomicUsize,
    /// The lowest partition refuted this round (`usize::MAX`: none).
    lowest_illegal: AtomicUsize,
    /// Bytes held by all searches.
    bytes: AtomicUsize,
    /// 0: go on, 1: deadline, 2: memory budget.
    stop: AtomicUsize,
    finished: AtomicBool,
}

const GO_ON: usize = 0;
const DEADLINE: usize = 1;
const MEMORY: usize = 2;

impl<'h, M: Model> Scheduler<'h, M> {
    fn new(
        model: &'h M,
        history: &'h [Operation<M::Input, M::Output>],
        partitions: &'h [Partition],
        options: &'h CheckOptions,
        start: Instant,
    ) -> Self {
        let parts = partitions
            .iter()
            .map(|p| {
                Mutex::new(Part {
                    search: Search::new(model, history, &p.ops),
                    outcome: None,
                    bytes: 0,
                })
            })
            .collect();
        Scheduler {
            parts,
            partitions,
            deadline: options.timeout.map(|t| start + t),
            options,
            open: Mutex::new((0..partitions.len()).collect()),
            limit: AtomicU64::new(0),
            round_start: Mutex::new(vec![0; partitions.len()]),
            next: AtomicUsize::new(0),
            lowest_illegal: AtomicUsize::new(usize::MAX),
            bytes: AtomicUsize::new(0),
            stop: AtomicUsize::new(GO_ON),
            finished: AtomicBool::new(false),
        }
    }

    fn run(&self, threads: usize) -> Ended {
        let workers = threads.min(self.parts.len()).max(1);
        if workers == 1 {
            for round in 0.. {
                if let Some(ended) = self.start_round(round) {
                    return ended;
                }
                self.work();
                if let Some(ended) = self.end_round() {
                    return ended;
                }
            }
            unreachable!("rounds go on until a verdict");
        }
        // Workers meet at the barrier before and after each round; this
        // thread is one of them and decides between rounds.
        let barrier = Barrier::new(workers);
        std::thread::scope(|scope| {
            for _ in 1..workers {
                scope.spawn(|| {
                    loop {
                        barrier.wait();
                        if self.finished.load(Ordering::Acquire) {
                            break;
                        }
                        self.work();
                        barrier.wait();
                    }
                });
            }
            for round in 0.. {
                let mut ended = self.start_round(round);
                if ended.is_none() {
                    barrier.wait();
                    self.work();
                    barrier.wait();
                    ended = self.end_round();
                }
                if let Some(ended) = ended {
                    self.finished.store(true, Ordering::Release);
                    barrier.wait();
                    return ended;
                }
            }
            unreachable!("rounds go on until a verdict");
        })
    }

    /// Sets the round's limit: doubling, lowered to what the step budget
    /// has left. Ends the check when the budget has no step left for every
    /// open partition.
    fn start_round(&self, round: u32) -> Option<Ended> {
        let open = lock(&self.open);
        let mut start = lock(&self.round_start);
        for (p, part) in self.parts.iter().enumerate() {
            start[p] = lock(part).search.steps();
        }
        let mut limit = FIRST_ROUND_STEPS.saturating_mul(1u64 << round.min(40));
        if let Some(budget) = self.options.step_budget.filter(|_| !open.is_empty()) {
            // Every open partition paused at the last round's limit, so
            // `catch_up` is 0; counting it anyway keeps the budget a bound
            // even if that ever changes.
            let base = open.iter().map(|&p| start[p]).max().unwrap_or(0);
            let catch_up: u64 = open.iter().map(|&p| base - start[p]).sum();
            let used: u64 = start.iter().sum();
            let share = budget.saturating_sub(used).saturating_sub(catch_up) / open.len() as u64;
            if share == 0 {
                return Some(Ended {
                    verdict: self.gave_up(&open, StopReason::StepBudget { budget, used }),
                    steps: used,
                });
            }
            limit = limit.min(base.saturating_add(share));
        }
        self.limit.store(limit, Ordering::Relaxed);
        self.next.store(0, Ordering::Relaxed);
        None
    }

    /// Runs open partitions, as handed out, up to the round's limit.
    fn work(&self) {
        let open = lock(&self.open).clone();
        let limit = self.limit.load(Ordering::Relaxed);
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(&p) = open.get(i) else { break };
            // A lower partition is already refuted: this one cannot be the
            // one reported.
            if p > self.lowest_illegal.load(Ordering::Relaxed) || self.stopped() {
                continue;
            }
            let mut part = lock(&self.parts[p]);
            while part.search.steps() < limit {
                let slice = SLICE_STEPS.min(limit - part.search.steps());
                let progress = part.search.run(slice);
                self.account(&mut part);
                if progress != Progress::Paused {
                    part.outcome = Some(progress);
                    if progress == Progress::Linearizable {
                        // Decided for good: give the memory back now, so a
                        // long check holds only its open partitions' tables.
                        part.search.free_tables();
                        self.account(&mut part);
                    }
                    if progress == Progress::Illegal {
                        self.lowest_illegal.fetch_min(p, Ordering::Relaxed);
                    }
                    break;
                }
                if self.check_limits() || p > self.lowest_illegal.load(Ordering::Relaxed) {
                    break;
                }
            }
        }
    }

    /// Updates the shared byte total with this part's growth.
    fn account(&self, part: &mut Part<'h, M>) {
        let bytes = part.search.bytes();
        if bytes >= part.bytes {
            self.bytes.fetch_add(bytes - part.bytes, Ordering::Relaxed);
        } else {
            self.bytes.fetch_sub(part.bytes - bytes, Ordering::Relaxed);
        }
        part.bytes = bytes;
    }

    /// Sets the stop flag if the deadline passed or memory ran out; returns
    /// whether the check must stop.
    fn check_limits(&self) -> bool {
        if self.bytes.load(Ordering::Relaxed) > self.options.memory_budget {
            let _ = self
                .stop
                .compare_exchange(GO_ON, MEMORY, Ordering::Relaxed, Ordering::Relaxed);
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            let _ =
                self.stop
                    .compare_exchange(GO_ON, DEADLINE, Ordering::Relaxed, Ordering::Relaxed);
        }
        self.stopped()
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed) != GO_ON
    }

    /// Decides after a round, or prepares the next one's open list.
    fn end_round(&self) -> Option<Ended> {
        let lowest = self.lowest_illegal.load(Ordering::Relaxed);
        if lowest != usize::MAX {
            let partition = &self.partitions[lowest];
            // Its own statement: a guard taken inside the struct literal
            // would live to the end of the `return`, and `steps_charged`
            // locks the same part.
            let refuted_steps = lock(&self.parts[lowest]).search.steps();
            return Some(Ended {
                verdict: Verdict::Illegal(Violation {
                    partition: lowest,
                    label: partition.label.clone(),
                    ops: partition.ops.clone(),
                    steps: refuted_steps,
                }),
                steps: self.steps_charged(lowest),
            });
        }
        let mut open = lock(&self.open);
        open.retain(|&p| lock(&self.parts[p]).outcome.is_none());
        let verdict = match self.stop.load(Ordering::Relaxed) {
            GO_ON if open.is_empty() => Verdict::Ok,
            GO_ON => return None,
            DEADLINE => self.gave_up(
                &open,
                StopReason::Deadline {
                    timeout: self.options.timeout.unwrap_or_default(),
                },
            ),
            _ => self.gave_up(
                &open,
                StopReason::MemoryBudget {
                    budget: self.options.memory_budget,
                },
            ),
        };
        Some(Ended {
            verdict,
            steps: self.steps_charged(usize::MAX),
        })
    }

    /// Unknown, with the partitions still `open`.
    fn gave_up(&self, open: &[usize], reason: StopReason) -> Verdict {
        Verdict::Unknown(GaveUp {
            reason,
            decided: self.parts.len() - open.len(),
            partitions: self.parts.len(),
            undecided: open
                .iter()
                .map(|&p| self.partitions[p].label.clone())
                .collect(),
        })
    }

    /// Steps over all partitions, except that those after `refuted` count
    /// only their steps from before this round: what one thread, which
    /// skips them once `refuted` is refuted, would have taken. So the
    /// figure is the same on any number of threads.
    fn steps_charged(&self, refuted: usize) -> u64 {
        let start = lock(&self.round_start);
        self.parts
            .iter()
            .enumerate()
            .map(|(p, part)| {
                if p > refuted {
                    start[p]
                } else {
                    lock(part).search.steps()
                }
            })
            .sum()
    }
}

/// Locks a mutex, going on if another worker panicked (its panic is
/// re-raised by the thread scope anyway).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linearizability::models::kv::{KvInput, KvModel, KvOutput};

    type KvOp = Operation<KvInput, KvOutput>;

    /// `n` concurrent appends to `key`, then a get that reads `seen`: the
    /// search tries orders of the appends until one gives `seen`, or all
    /// of them when none does. The first client is `client0`.
    fn appends_then_get(key: &str, n: usize, client0: usize, seen: &str) -> Vec<KvOp> {
        let mut h: Vec<KvOp> = (0..n)
            .map(|i| Operation {
                client: client0 + i,
                input: KvInput::append(key, format!("v{i} ")),
                call: 0,
                output: KvOutput::done(),
                ret: 100,
            })
            .collect();
        h.push(Operation {
            client: client0 + n,
            input: KvInput::get(key),
            call: 200,
            output: KvOutput::Value(seen.into()),
            ret: 300,
        });
        h
    }

    /// Appends in reverse order: legal, but found late in the search.
    fn reversed(n: usize) -> String {
        (0..n).rev().map(|i| format!("v{i} ")).collect()
    }

    /// No order of 7 appends reads "never": Illegal, after about 32,000
    /// steps.
    fn illegal_key() -> Vec<KvOp> {
        appends_then_get("k", 7, 0, "never")
    }

    /// Several keys of unequal difficulty: an illegal key between two that
    /// take far longer than it, and easy legal ones.
    fn mixed_keys() -> Vec<KvOp> {
        let mut h = appends_then_get("a", 30, 0, "never");
        h.extend(appends_then_get("b", 6, 100, &reversed(6)));
        h.extend(appends_then_get("m", 7, 200, "never"));
        h.extend(appends_then_get("z", 30, 300, "never"));
        h
    }

    /// Legal keys only, some quick and some slow.
    fn legal_keys() -> Vec<KvOp> {
        let mut h = Vec::new();
        for (k, n) in [("a", 2), ("b", 7), ("c", 5), ("d", 8), ("e", 1)] {
            h.extend(appends_then_get(k, n, h.len(), &reversed(n)));
        }
        h
    }

    fn options(threads: usize) -> CheckOptions {
        CheckOptions::default().no_timeout().threads(threads)
    }

    #[test]
    fn no_step_budget_decides_what_a_small_one_does_not() {
        let history = illegal_key();
        let full = check(&KvModel, &history, &options(1).no_step_budget());
        assert!(full.verdict.is_illegal(), "{}", full.verdict);
        assert!(
            full.steps > 10_000,
            "a search of some length: {}",
            full.steps
        );
        let cut = check(&KvModel, &history, &options(1).step_budget(10_000));
        assert!(cut.verdict.is_unknown(), "{}", cut.verdict);
    }

    #[test]
    fn the_step_budget_gives_unknown_with_its_reason() {
        let history = illegal_key();
        let result = check(&KvModel, &history, &options(1).step_budget(5_000));
        let Verdict::Unknown(why) = &result.verdict else {
            panic!("5,000 steps cannot refute it: {}", result.verdict)
        };
        assert_eq!(
            why.reason,
            StopReason::StepBudget {
                budget: 5_000,
                used: 5_000
            }
        );
        assert_eq!(result.steps, 5_000, "the budget is spent to the step");
        assert!(!result.is_linearizable(), "Unknown is not a pass");
        assert_eq!(
            result.verdict.to_string(),
            "Unknown (step budget of 5000 search steps used up; 0 of 1 partitions decided, open: key \"k\")"
        );
    }

    #[test]
    fn a_budget_of_exactly_the_steps_needed_decides() {
        // One partition: the last round's limit is the budget itself.
        let history = illegal_key();
        let needed = check(&KvModel, &history, &options(1).no_step_budget()).steps;
        let enough = check(&KvModel, &history, &options(1).step_budget(needed));
        assert!(enough.verdict.is_illegal(), "{}", enough.verdict);
        assert_eq!(enough.steps, needed);
        let short = check(&KvModel, &history, &options(1).step_budget(needed - 1));
        assert!(short.verdict.is_unknown(), "{}", short.verdict);
        assert_eq!(short.steps, needed - 1);
    }

    #[test]
    fn a_budget_short_of_a_step_per_open_partition_is_not_spent() {
        // Three open partitions and 7 steps left after round 0 cannot share
        // them evenly: the check stops with 2 of them untaken.
        let mut history = appends_then_get("a", 30, 0, "never");
        history.extend(appends_then_get("b", 30, 100, "never"));
        history.extend(appends_then_get("c", 30, 200, "never"));
        let budget = 3 * FIRST_ROUND_STEPS + 2;
        let result = check(&KvModel, &history, &options(1).step_budget(budget));
        let Verdict::Unknown(why) = &result.verdict else {
            panic!("{}", result.verdict)
        };
        assert_eq!(
            why.reason,
            StopReason::StepBudget {
                budget,
                used: 3 * FIRST_ROUND_STEPS
            }
        );
        assert!(
            why.to_string().starts_with(&format!(
                "step budget of {budget} search steps used up (3072 taken)"
            )),
            "{why}"
        );
    }

    #[test]
    fn steps_and_verdict_are_the_same_on_one_thread_and_on_four() {
        // (case, history, step budget, expected verdict)
        let cases: [(&str, Vec<KvOp>, Option<u64>, &str); 7] = [
            ("illegal, no budget", illegal_key(), None, "illegal"),
            ("illegal, cut short", illegal_key(), Some(20_000), "unknown"),
            ("mixed, no budget", mixed_keys(), None, "illegal"),
            // "m" needs 32,439 steps: the budget lowers the limit of the
            // round that refutes it from 32,768 to 32,624.
            ("mixed, budget", mixed_keys(), Some(102_500), "illegal"),
            ("mixed, cut short", mixed_keys(), Some(10_000), "unknown"),
            ("legal, no budget", legal_keys(), None, "ok"),
            ("legal, cut short", legal_keys(), Some(50_000), "unknown"),
        ];
        for (name, history, budget, want) in cases {
            let with = |threads| {
                let o = options(threads);
                let o = match budget {
                    Some(b) => o.step_budget(b),
                    None => o.no_step_budget(),
                };
                check(&KvModel, &history, &o)
            };
            let one = with(1);
            let got = match &one.verdict {
                Verdict::Ok => "ok",
                Verdict::Illegal(v) => {
                    assert_eq!(
                        v.label,
                        if name.starts_with("mixed") {
                            "key \"m\""
                        } else {
                            "key \"k\""
                        }
                    );
                    "illegal"
                }
                Verdict::Unknown(_) => "unknown",
            };
            assert_eq!(got, want, "{name}: {}", one.verdict);
            if let Some(b) = budget {
                assert!(one.steps <= b, "{name}: {} steps > budget {b}", one.steps);
            }
            // Thread timing varies between runs: try a few.
            for _ in 0..5 {
                let four = with(4);
                assert_eq!(four.verdict, one.verdict, "{name}");
                assert_eq!(four.steps, one.steps, "{name}: steps");
            }
        }
    }
}
