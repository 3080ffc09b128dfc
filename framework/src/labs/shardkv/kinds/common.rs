//! What every sharded-store kind shares: parameters, setup, the tracked
//! keys, appenders, and the checks every test ends with.

use std::cell::Cell;
use std::time::Duration;

use rand::Rng;
use rand::distr::Alphanumeric;
use tokio::time::sleep;

use crate::ensure;
use crate::labs::check::{CheckPolicy, check_history};
pub use crate::labs::params::{
    CHECK_STEPS, CLIENTS, FAIL_ON_UNKNOWN, LOG_FACTOR, MAX_RAFT_STATE, OP_TIMEOUT, ROUNDS,
};
use crate::labs::shardkv::{Client, Layout, ShardKvClerk, ShardKvCluster, ShardKvServer};
use crate::labs::shardmaster::{Gid, ShardMaster, ShardMasterClerk};
pub use crate::labs::wait::within;
use crate::linearizability::models::kv::KvModel;
use crate::sim::{Failure, World};
use crate::suite::{Param, ParamSpec, TestEnv};

/// The submission's four types for the sharded store, `(shard master
/// server, its clerk, sharded-store server, its clerk)`, as the one type
/// parameter every kind takes.
pub trait Lab: 'static {
    type M: ShardMaster;
    type MC: ShardMasterClerk;
    type S: ShardKvServer;
    type C: ShardKvClerk;
}

impl<M, MC, S, C> Lab for (M, MC, S, C)
where
    M: ShardMaster,
    MC: ShardMasterClerk,
    S: ShardKvServer,
    C: ShardKvClerk,
{
    type M = M;
    type MC = MC;
    type S = S;
    type C = C;
}

/// The cluster of a submission's types.
pub type Cluster<L> = ShardKvCluster<<L as Lab>::M, <L as Lab>::MC, <L as Lab>::S, <L as Lab>::C>;

/// The groups of every test: the classic 100, 101 and 102.
pub const G0: Gid = 100;
pub const G1: Gid = 101;
pub const G2: Gid = 102;

/// How many keys the test writes.
pub const KEYS: Param<usize> = Param::count(
    "keys",
    10,
    1,
    1000,
    "how many keys the test writes (\"0\", \"1\", ...; the first ten are in ten different shards)",
);

/// How long a scripted test's clients keep running.
pub const LENGTH: Param<Duration> = Param::millis(
    "length",
    12_000,
    "how long the test's loop of reconfigurations runs",
);

/// The most all group servers may have saved at the end, Raft state and
/// snapshots together.
pub const MAX_TOTAL: Param<usize> = Param::count(
    "max_total",
    117_000,
    1,
    1 << 30,
    "the most all group servers may have saved together at the end, in bytes (Raft state and snapshots)",
);

pub const fn max_raft_state(bytes: i64) -> ParamSpec {
    MAX_RAFT_STATE.with_default(bytes).spec()
}

/// The cluster of every test: a shard master of 3 servers and groups 100,
/// 101 and 102 of 3 servers each, none joined yet.
pub fn cluster<L: Lab>(env: &TestEnv, unreliable: bool) -> Cluster<L> {
    env.world.net().set_unreliable(unreliable);
    env.world.set_stat("servers", 12);
    let layout = Layout {
        gids: vec![G0, G1, G2],
        servers: 3,
        masters: 3,
        max_raft_state: env.params.get(&MAX_RAFT_STATE),
        op_timeout: env.params.get(&OP_TIMEOUT),
    };
    ShardKvCluster::new(&env.world, &layout)
}

/// What every test with clients ends with: the saved state within bounds,
/// the shard master's configs and one group at a time per shard, and the
/// linearizability of everything clients saw.
pub async fn finish<L: Lab>(env: &TestEnv, c: &Cluster<L>) -> Result<(), Failure> {
    check_logs::<L>(env, c)?;
    check_serving::<L>(env, c).await
}

/// [`finish`] but for the bound on each server's saved Raft state: the
/// configs, one group at a time per shard, and linearizability. For a test
/// that bounds what the servers saved in its own way.
pub async fn check_serving<L: Lab>(env: &TestEnv, c: &Cluster<L>) -> Result<(), Failure> {
    c.check_ownership().await?;
    let policy = CheckPolicy {
        steps: env.params.get(&CHECK_STEPS) as u64,
        fail_on_unknown: env.params.get(&FAIL_ON_UNKNOWN),
    };
    check_history(&KvModel, &env.world, &c.history, &env.artifacts, policy)
}

/// Every group server's saved Raft state within `log_factor ×
/// max_raft_state`, and with no `max_raft_state` no snapshot at all.
pub fn check_logs<L: Lab>(env: &TestEnv, c: &Cluster<L>) -> Result<(), Failure> {
    match env.params.get(&MAX_RAFT_STATE) {
        Some(max) => {
            let factor = env.params.get(&LOG_FACTOR);
            let size = c.max_raft_state_size();
            ensure!(
                size <= max * factor,
                "logs were not trimmed: a group server saved {size} bytes of Raft state, more than {} ({factor} × max_raft_state {max})",
                max * factor
            );
        }
        None => {
            let size = c.max_snapshot_size();
            ensure!(
                size == 0,
                "a group server saved a {size}-byte snapshot, but max_raft_state is -1 (no snapshots)"
            );
        }
    }
    Ok(())
}

/// A value nobody wrote before: `len` random characters after a tag that
/// names the key and the write.
pub fn fresh_value(world: &World, key: &str, n: usize, len: usize) -> String {
    let tag = format!("{key}.{n}:");
    let random: String = (0..len.saturating_sub(tag.len()))
        .map(|_| world.rng().sample(Alphanumeric) as char)
        .collect();
    tag + &random
}

/// The keys a test wrote, and the value each must have.
pub struct Keys {
    /// `(key, expected value)`, in key order.
    pub values: Vec<(String, String)>,
    /// How many writes made so far (each value is unique).
    writes: usize,
}

impl Keys {
    /// Puts keys "0" … "n-1", each with a fresh value of about `len`
    /// characters.
    pub async fn put_all<C: ShardKvClerk>(
        world: &World,
        client: &Client<C>,
        n: usize,
        len: usize,
        limit: Duration,
    ) -> Result<Keys, Failure> {
        let mut keys = Keys {
            values: Vec::new(),
            writes: 0,
        };
        for i in 0..n {
            let key = i.to_string();
            let value = fresh_value(world, &key, keys.writes, len);
            keys.writes += 1;
            let what = format!("put({key:?})");
            within(limit, &what, client.put(&key, &value)).await?;
            keys.values.push((key, value));
        }
        Ok(keys)
    }

    /// Every key must have its value.
    pub async fn check<C: ShardKvClerk>(
        &self,
        client: &Client<C>,
        limit: Duration,
    ) -> Result<(), Failure> {
        for (key, expected) in &self.values {
            expect(client, key, expected, limit).await?;
        }
        Ok(())
    }

    /// Appends a fresh value to every key.
    pub async fn append_all<C: ShardKvClerk>(
        &mut self,
        world: &World,
        client: &Client<C>,
        limit: Duration,
    ) -> Result<(), Failure> {
        for (key, expected) in &mut self.values {
            let value = fresh_value(world, key, self.writes, 5);
            self.writes += 1;
            let what = format!("append({key:?})");
            within(limit, &what, client.append(key, &value)).await?;
            expected.push_str(&value);
        }
        Ok(())
    }

    /// [`Keys::check`], then [`Keys::append_all`].
    pub async fn check_and_append<C: ShardKvClerk>(
        &mut self,
        world: &World,
        client: &Client<C>,
        limit: Duration,
    ) -> Result<(), Failure> {
        self.check(client, limit).await?;
        self.append_all(world, client, limit).await
    }
}

/// `Get(key)` must return `expected`, within `limit`.
pub async fn expect<C: ShardKvClerk>(
    client: &Client<C>,
    key: &str,
    expected: &str,
    limit: Duration,
) -> Result<(), Failure> {
    let got = within(limit, &format!("get({key:?})"), client.get(key)).await?;
    ensure!(
        got == expected,
        "get({key:?}) returned {}, expected {}",
        abbreviated(&got),
        abbreviated(expected)
    );
    Ok(())
}

/// A value as a message shows it: whole if short, else its ends.
fn abbreviated(value: &str) -> String {
    if value.len() <= 80 {
        return format!("{value:?}");
    }
    let (head, tail) = (&value[..40], &value[value.len() - 30..]);
    format!("{head:?}…{tail:?} ({} bytes)", value.len())
}

/// Appends fresh values to `key` through `client`, pausing `pause` after
/// each, until `stop`; returns what the key must then hold (`initial` and
/// every append, in order).
pub async fn appender<C: ShardKvClerk>(
    client: &Client<C>,
    key: &str,
    initial: String,
    pause: Duration,
    stop: &Cell<bool>,
    limit: Duration,
) -> Result<String, Failure> {
    let mut expected = initial;
    let mut n = 0;
    while !stop.get() {
        let value = format!("x{}.{n}y", client.id());
        n += 1;
        let what = format!("append({key:?}, {value:?})");
        within(limit, &what, client.append(key, &value)).await?;
        expected.push_str(&value);
        if !pause.is_zero() {
            sleep(pause).await;
        }
    }
    Ok(expected)
}
