//! What every Raft kind shares: parameters, cluster setup, commands.

use std::time::Duration;

use rand::Rng;

pub use crate::labs::params::{CRASH, ELECTION_TIMEOUT, ROUNDS, SERVERS, UNRELIABLE};
use crate::labs::raft::{ApplyMode, Cluster, Limits, Raft};
use crate::sim::WorldRng;
use crate::suite::{Param, ParamSpec, Params, TestEnv};

/// How long `one()` tries to commit a command.
pub const AGREEMENT: Param<Duration> = Param::millis(
    "agreement_timeout",
    10_000,
    "how long one() tries to commit a command",
)
.a_wait();
/// How long `one()` waits for one attempt to commit.
pub const AGREEMENT_TRY: Param<Duration> = Param::millis(
    "agreement_try",
    2000,
    "how long one() waits for one attempt to commit",
)
.a_wait();
/// Whether the snapshot tests cut the victim off in each round.
pub const DISCONNECT: Param<bool> =
    Param::flag("disconnect", false, "cut the victim off in each round");

const fn servers(n: i64) -> ParamSpec {
    SERVERS.with_default(n).spec()
}
const fn rounds(n: i64) -> ParamSpec {
    ROUNDS.with_default(n).spec()
}
const ELECTION: ParamSpec = ELECTION_TIMEOUT.spec();

pub const P3: &[ParamSpec] = &[servers(3), ELECTION, AGREEMENT.spec(), AGREEMENT_TRY.spec()];
pub const P5: &[ParamSpec] = &[servers(5), ELECTION, AGREEMENT.spec(), AGREEMENT_TRY.spec()];
pub const FIGURE8_SCRIPTED: &[ParamSpec] = &[
    servers(5),
    ELECTION,
    AGREEMENT.spec(),
    AGREEMENT_TRY.spec(),
    OWN_ENTRY.spec(),
];

/// Whether the step-(c) leader of the scripted Figure 8 also holds an
/// entry of its own term.
pub const OWN_ENTRY: Param<bool> = Param::flag(
    "own_entry",
    false,
    "the step-(c) leader also appends an entry of its own term, which reaches one follower only (the paper's figure 8(c))",
);

pub const P7_ROUNDS: &[ParamSpec] = &[
    servers(7),
    rounds(9),
    ELECTION,
    AGREEMENT.spec(),
    AGREEMENT_TRY.spec(),
];
pub const P3_ROUNDS: &[ParamSpec] = &[
    servers(3),
    rounds(5),
    ELECTION,
    AGREEMENT.spec(),
    AGREEMENT_TRY.spec(),
];
pub const P5_ROUNDS: &[ParamSpec] = &[
    servers(5),
    rounds(1000),
    ELECTION,
    AGREEMENT.spec(),
    AGREEMENT_TRY.spec(),
];
/// The classic unreliable agreement's 49 rounds of five commands.
pub const P5_AGREE_ROUNDS: &[ParamSpec] = &[
    servers(5),
    rounds(49),
    ELECTION,
    AGREEMENT.spec(),
    AGREEMENT_TRY.spec(),
];
pub const P5_CHURN: &[ParamSpec] = &[
    servers(5),
    rounds(20),
    UNRELIABLE.spec(),
    ELECTION,
    AGREEMENT.spec(),
    AGREEMENT_TRY.spec(),
];
pub const P3_SNAPSHOT: &[ParamSpec] = &[
    servers(3),
    rounds(30),
    UNRELIABLE.spec(),
    DISCONNECT.spec(),
    CRASH.spec(),
    ELECTION,
    AGREEMENT.spec(),
    AGREEMENT_TRY.spec(),
];
pub const P3_UNRELIABLE: &[ParamSpec] = &[
    servers(3),
    UNRELIABLE.spec(),
    ELECTION,
    AGREEMENT.spec(),
    AGREEMENT_TRY.spec(),
];
pub const P3_UNRELIABLE_ROUNDS: &[ParamSpec] = &[
    servers(3),
    rounds(5),
    UNRELIABLE.spec(),
    ELECTION,
    AGREEMENT.spec(),
    AGREEMENT_TRY.spec(),
];

/// The most a peer's saved Raft state may hold in the snapshot tests.
pub const MAX_LOG_SIZE: usize = 2000;

/// The harness limits a test's parameters set.
pub fn limits(params: &Params) -> Limits {
    Limits {
        election: params.get(&ELECTION_TIMEOUT),
        agreement: params.get(&AGREEMENT),
        agreement_try: params.get(&AGREEMENT_TRY),
    }
}

/// A cluster of `params.servers` peers.
pub fn cluster<R: Raft>(env: &TestEnv, unreliable: bool, mode: ApplyMode) -> Cluster<R> {
    Cluster::new(
        &env.world,
        env.params.get(&SERVERS),
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
