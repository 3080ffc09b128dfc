//! The entry point: split a history into partitions, search them
//! interleaved, stop at the first violation, a deadline or the memory
//! budget.
//!
//! Partitions are searched in rounds. In round `r` every open partition may
//! run until it has taken `FIRST_ROUND_STEPS << r` steps in total, in
//! partition order, spread over the worker threads. So a hard partition
//! gets at most as many steps as the easy ones before a violation elsewhere
//! is found, on one thread as on many. A round that refutes a partition
//! ends the check, and the violation reported is the lowest-numbered
//! partition refuted within that round's budget: the same on every run
//! whatever the thread timing, because steps (not time) decide it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use super::history::Operation;
use super::model::{Model, Partition};
use super::search::{Progress, Search};
use super::verdict::{CheckResult, GaveUp, StopReason, Verdict, Violation};

/// Limits and resources of a check.
///
/// ```
/// use std::time::Duration;
/// use framework::linearizability::CheckOptions;
/// let options = CheckOptions::default()
///     .timeout(Duration::from_secs(10))
///     .memory_budget(512 << 20)
///     .threads(1);
/// # let _ = options;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    timeout: Option<Duration>,
    memory_budget: usize,
    threads: usize,
}

impl Default for CheckOptions {
    /// A 60 s deadline, a 2 GiB memory budget, one thread per core.
    fn default() -> Self {
        CheckOptions {
            timeout: Some(Duration::from_secs(60)),
            memory_budget: 2 << 30,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl CheckOptions {
    /// Gives up with [`StopReason::Deadline`] after this much wall-clock time.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No deadline: search until decided or out of memory budget.
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
    let verdict = scheduler.run(options.threads);
    CheckResult {
        verdict,
        partitions: count,
        steps: scheduler.steps(),
        elapsed: start.elapsed(),
    }
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
    limit: AtomicUsize,
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
            limit: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
            lowest_illegal: AtomicUsize::new(usize::MAX),
            bytes: AtomicUsize::new(0),
            stop: AtomicUsize::new(GO_ON),
            finished: AtomicBool::new(false),
        }
    }

    fn run(&self, threads: usize) -> Verdict {
        let workers = threads.min(self.parts.len()).max(1);
        if workers == 1 {
            for round in 0.. {
                self.start_round(round);
                self.work();
                if let Some(verdict) = self.end_round() {
                    return verdict;
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
                self.start_round(round);
                barrier.wait();
                self.work();
                barrier.wait();
                if let Some(verdict) = self.end_round() {
                    self.finished.store(true, Ordering::Release);
                    barrier.wait();
                    return verdict;
                }
            }
            unreachable!("rounds go on until a verdict");
        })
    }

    fn start_round(&self, round: u32) {
        let limit = FIRST_ROUND_STEPS.saturating_mul(1u64 << round.min(40));
        self.limit.store(limit as usize, Ordering::Relaxed);
        self.next.store(0, Ordering::Relaxed);
    }

    /// Runs open partitions, as handed out, up to the round's limit.
    fn work(&self) {
        let open = lock(&self.open).clone();
        let limit = self.limit.load(Ordering::Relaxed) as u64;
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
    fn end_round(&self) -> Option<Verdict> {
        let lowest = self.lowest_illegal.load(Ordering::Relaxed);
        if lowest != usize::MAX {
            let partition = &self.partitions[lowest];
            return Some(Verdict::Illegal(Violation {
                partition: lowest,
                label: partition.label.clone(),
                ops: partition.ops.clone(),
                steps: lock(&self.parts[lowest]).search.steps(),
            }));
        }
        let mut open = lock(&self.open);
        open.retain(|&p| lock(&self.parts[p]).outcome.is_none());
        let reason = match self.stop.load(Ordering::Relaxed) {
            GO_ON if open.is_empty() => return Some(Verdict::Ok),
            GO_ON => return None,
            DEADLINE => StopReason::Deadline {
                timeout: self.options.timeout.unwrap_or_default(),
            },
            _ => StopReason::MemoryBudget {
                budget: self.options.memory_budget,
            },
        };
        Some(Verdict::Unknown(GaveUp {
            reason,
            decided: self.parts.len() - open.len(),
            partitions: self.parts.len(),
            undecided: open
                .iter()
                .map(|&p| self.partitions[p].label.clone())
                .collect(),
        }))
    }

    fn steps(&self) -> u64 {
        self.parts.iter().map(|p| lock(p).search.steps()).sum()
    }
}

/// Locks a mutex, going on if another worker panicked (its panic is
/// re-raised by the thread scope anyway).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
