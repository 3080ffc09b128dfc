//! What a check concludes: [`Verdict::Ok`], [`Verdict::Illegal`] or
//! [`Verdict::Unknown`], and the facts behind it.

use std::fmt;
use std::time::Duration;

/// The outcome of a check. Only [`Verdict::Ok`] is a pass: there is
/// deliberately no `is_ok`, no conversion to `Result` and no `?`, so that
/// "gave up" cannot slip through as "passed".
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a verdict that is not looked at checks nothing"]
pub enum Verdict {
    /// The history is linearizable.
    Ok,
    /// The history is not linearizable: one partition has no legal order.
    Illegal(Violation),
    /// The checker stopped before deciding; nothing is proven either way.
    Unknown(GaveUp),
}

impl Verdict {
    /// True only for [`Verdict::Ok`]: an Unknown is not a pass.
    pub fn is_linearizable(&self) -> bool {
        matches!(self, Verdict::Ok)
    }

    /// True for [`Verdict::Illegal`].
    pub fn is_illegal(&self) -> bool {
        matches!(self, Verdict::Illegal(_))
    }

    /// True for [`Verdict::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self, Verdict::Unknown(_))
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Ok => f.write_str("Ok"),
            Verdict::Illegal(violation) => write!(f, "Illegal ({violation})"),
            Verdict::Unknown(gave_up) => write!(f, "Unknown ({gave_up})"),
        }
    }
}

/// Which partition has no legal order, and where to find its operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The partition's position in the model's partitioning.
    pub partition: usize,
    /// The partition's label, such as `key "3"`.
    pub label: String,
    /// The partition's operations: indices into the checked history.
    pub ops: Vec<usize>,
    /// Search steps it took to refute the partition (a replay for the
    /// report takes exactly as many).
    pub steps: u64,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: no legal order of its {} operations",
            self.label,
            self.ops.len()
        )
    }
}

/// Why a check stopped without a verdict, and how far it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GaveUp {
    /// What stopped it.
    pub reason: StopReason,
    /// Partitions proven linearizable before it stopped.
    pub decided: usize,
    /// All partitions.
    pub partitions: usize,
    /// Labels of the partitions still open, in partition order.
    pub undecided: Vec<String>,
}

impl fmt::Display for GaveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; {} of {} partitions decided",
            self.reason, self.decided, self.partitions
        )?;
        if !self.undecided.is_empty() {
            let shown: Vec<&str> = self.undecided.iter().take(5).map(String::as_str).collect();
            write!(f, ", open: {}", shown.join(", "))?;
            if self.undecided.len() > shown.len() {
                write!(f, ", ...")?;
            }
        }
        Ok(())
    }
}

/// The limit a check hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The step budget had no step left for each open partition. The only
    /// reason that does not depend on the machine: the same history and
    /// budget stop here on every run.
    StepBudget {
        /// The configured budget, in search steps.
        budget: u64,
        /// Steps taken, over all partitions: at most `budget`, and short of
        /// it by less than the number of partitions left open (the rest
        /// cannot be shared evenly among them).
        used: u64,
    },
    /// The wall-clock deadline passed.
    Deadline {
        /// The configured timeout.
        timeout: Duration,
    },
    /// The search's tables outgrew the memory budget.
    MemoryBudget {
        /// The configured budget, in bytes.
        budget: usize,
    },
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::StepBudget { budget, used } => {
                write!(f, "step budget of {budget} search steps used up")?;
                // Short of the budget when what was left could not give
                // every open partition one more step.
                if used < budget {
                    write!(f, " ({used} taken)")?;
                }
                Ok(())
            }
            StopReason::Deadline { timeout } => {
                write!(f, "deadline of {} reached", DurationText(*timeout))
            }
            StopReason::MemoryBudget { budget } => {
                write!(f, "memory budget of {} MiB exhausted", budget / (1 << 20))
            }
        }
    }
}

/// Prints a duration briefly: `10 s`, `500 ms`, `1.5 s`.
pub(crate) struct DurationText(pub(crate) Duration);

impl fmt::Display for DurationText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() == 0 {
            write!(f, "{} s", d.as_secs())
        } else if d < Duration::from_secs(1) && d.subsec_nanos() % 1_000_000 == 0 {
            write!(f, "{} ms", d.as_millis())
        } else {
            write!(f, "{} s", d.as_secs_f64())
        }
    }
}

/// A verdict and what the check cost.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a check result that is not looked at checks nothing"]
pub struct CheckResult {
    /// Ok, Illegal or Unknown.
    pub verdict: Verdict,
    /// How many partitions the model split the history into.
    pub partitions: usize,
    /// Search steps over all partitions, as the step budget counts them:
    /// for a given history and options (other than the wall-clock timeout)
    /// the same on every run and any number of threads. When a partition is
    /// refuted, partitions after it count only what they had before that
    /// round; other threads may have searched them a little further.
    pub steps: u64,
    /// Wall-clock time of the check.
    pub elapsed: Duration,
}

impl CheckResult {
    /// True only if the verdict is [`Verdict::Ok`].
    pub fn is_linearizable(&self) -> bool {
        self.verdict.is_linearizable()
    }
}
