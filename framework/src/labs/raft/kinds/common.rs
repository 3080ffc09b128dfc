//! What every Raft kind shares: parameters, cluster setup, commands.

use rand::Rng;

use crate::labs::raft::{ApplyMode, Cluster, Limits, Raft};
use crate::sim::WorldRng;
use crate::suite::{ParamSpec, Params, TestEnv};

const ELECTION: ParamSpec = ParamSpec::millis(
    "election_timeout",
    1000,
    "what the tests allow for an election (the classic RaftElectionTimeout)",
);
const AGREEMENT: ParamSpec = ParamSpec::millis(
    "agreement_timeout",
    10_000,
    "how long one() tries to commit a command",
);
const AGREEMENT_TRY: ParamSpec = ParamSpec::millis(
    "agreement_try",
    2000,
    "how long one() waits for one attempt to commit",
);

const fn servers(default: i64) -> ParamSpec {
    ParamSpec::int("servers", default, 3, 9, "the number of Raft peers")
}
const fn rounds(default: i64) -> ParamSpec {
    ParamSpec::int(
        "rounds",
        default,
        1,
        100_000,
        "how many rounds of faults the test runs",
    )
}
const UNRELIABLE: ParamSpec = ParamSpec::bool("unreliable", false, "delay and drop RPCs");
const DISCONNECT: ParamSpec =
    ParamSpec::bool("disconnect", false, "cut the victim off in each round");
const CRASH: ParamSpec =
    ParamSpec::bool("crash", false, "crash and restart the victim in each round");

pub const P3: &[ParamSpec] = &[servers(3), ELECTION, AGREEMENT, AGREEMENT_TRY];
pub const P5: &[ParamSpec] = &[servers(5), ELECTION, AGREEMENT, AGREEMENT_TRY];
pub const P7_ROUNDS: &[ParamSpec] = &[servers(7), rounds(9), ELECTION, AGREEMENT, AGREEMENT_TRY];
pub const P3_ROUNDS: &[ParamSpec] = &[servers(3), rounds(5), ELECTION, AGREEMENT, AGREEMENT_TRY];
pub const P5_ROUNDS: &[ParamSpec] = &[servers(5), rounds(1000), ELECTION, AGREEMENT, AGREEMENT_TRY];
pub const P5_CHURN: &[ParamSpec] = &[
    servers(5),
    rounds(20),
    UNRELIABLE,
    ELECTION,
    AGREEMENT,
    AGREEMENT_TRY,
];
pub const P3_SNAPSHOT: &[ParamSpec] = &[
    servers(3),
    rounds(30),
    UNRELIABLE,
    DISCONNECT,
    CRASH,
    ELECTION,
    AGREEMENT,
    AGREEMENT_TRY,
];
pub const P3_UNRELIABLE: &[ParamSpec] =
    &[servers(3), UNRELIABLE, ELECTION, AGREEMENT, AGREEMENT_TRY];
pub const P3_UNRELIABLE_ROUNDS: &[ParamSpec] = &[
    servers(3),
    rounds(5),
    UNRELIABLE,
    ELECTION,
    AGREEMENT,
    AGREEMENT_TRY,
];

/// The most a peer's saved Raft state may hold in the snapshot tests.
pub const MAX_LOG_SIZE: usize = 2000;

/// The harness limits a test's parameters set.
pub fn limits(params: &Params) -> Limits {
    Limits {
        election: params.duration("election_timeout"),
        agreement: params.duration("agreement_timeout"),
        agreement_try: params.duration("agreement_try"),
    }
}

/// A cluster of `params.servers` peers.
pub fn cluster<R: Raft>(env: &TestEnv, unreliable: bool, mode: ApplyMode) -> Cluster<R> {
    Cluster::new(
        &env.world,
        env.params.usize("servers"),
        unreliable,
        mode,
        limits(&env.params),
    )
}

/// A command the tests can show in messages: the number's decimal digits.
pub fn cmd(x: u64) -> Vec<u8> {
    x.to_string().into_bytes()
}

/// A random command (a number below a billion).
pub fn random_cmd(rng: &mut WorldRng) -> Vec<u8> {
    cmd(rng.random_range(0..1_000_000_000))
}
