//! The parameters many labs' kinds share, declared once. A kind lists their
//! [`Param::spec`]s (with its own defaults where it needs them) and reads
//! them with [`crate::suite::Params::get`].

use std::time::Duration;

use crate::suite::Param;

/// How many servers (peers) the test's group has.
pub const SERVERS: Param<usize> = Param::count("servers", 3, 3, 9, "the number of servers");

/// How many clients run at once.
pub const CLIENTS: Param<usize> =
    Param::count("clients", 1, 1, 100, "the number of concurrent clients");

/// How long a single client operation may take where a test bounds it.
pub const OP_TIMEOUT: Param<Duration> = Param::millis(
    "op_timeout",
    10_000,
    "how long a single client operation may take where a test bounds it",
)
.a_wait();

/// Whether the network delays and drops RPCs.
pub const UNRELIABLE: Param<bool> = Param::flag("unreliable", false, "delay and drop RPCs");

/// Whether the test crashes and restarts servers.
pub const CRASH: Param<bool> = Param::flag("crash", false, "crash and restart servers");

/// Whether the test repartitions the network at random.
pub const PARTITIONS: Param<bool> = Param::flag(
    "partitions",
    false,
    "repartition the servers at random while clients run",
);

/// How many rounds (of faults, or of client traffic) the test runs.
pub const ROUNDS: Param<usize> =
    Param::count("rounds", 3, 1, 100_000, "how many rounds the test runs");

/// What the tests allow for an election (the classic 1 s).
pub const ELECTION_TIMEOUT: Param<Duration> = Param::millis(
    "election_timeout",
    1000,
    "what the tests allow for an election (the classic RaftElectionTimeout)",
)
.a_wait();

/// Search steps the linearizability checker may take on a test's history.
/// A count, not a time, so that whether a history is decided is the same
/// on every machine and a run replays from its seed. The default is over 50
/// times the most any check of the KV suite took on the reference solution
/// over seeds 1-21 (18,116 steps, "3B: restarts, snapshots, many clients",
/// seed 4); a run's figures give its `check_steps`.
pub const CHECK_STEPS: Param<usize> = Param::count(
    "check_steps",
    1_000_000,
    1,
    1_000_000_000,
    "search steps the linearizability checker may take on the history (the same verdict on any machine)",
);

/// Whether a history the checker cannot decide fails the test.
pub const FAIL_ON_UNKNOWN: Param<bool> = Param::flag(
    "fail_on_unknown",
    false,
    "fail (rather than warn) when the checker cannot decide within check_steps",
);

/// When servers snapshot (none: never).
pub const MAX_RAFT_STATE: Param<Option<usize>> = Param::optional(
    "max_raft_state",
    -1,
    1 << 30,
    "snapshot when the Raft state nears this many bytes (-1: never snapshot)",
);

/// How far the saved Raft state may exceed `max_raft_state`.
pub const LOG_FACTOR: Param<usize> = Param::count(
    "log_factor",
    8,
    1,
    1000,
    "the saved Raft state may reach this many times max_raft_state",
);
