//! What every shard master kind shares: parameters, setup, checks.

use crate::ensure;
use crate::labs::links::Links;
pub use crate::labs::params::{CLIENTS, ELECTION_TIMEOUT, OP_TIMEOUT, SERVERS, UNRELIABLE};
use crate::labs::shardmaster::{
    Admin, Config, Gid, ShardMaster, ShardMasterClerk, ShardMasterCluster,
};
use crate::sim::Failure;
use crate::suite::{Param, TestEnv};

/// Whether Joins and Leaves name several groups at once.
pub const MULTI: Param<bool> = Param::flag(
    "multi",
    false,
    "join and leave several groups in one call (the classic Multi tests)",
);

/// A cluster of `params.servers` servers, on a reliable network unless
/// `unreliable`.
pub fn cluster<M: ShardMaster, C: ShardMasterClerk>(
    env: &TestEnv,
    unreliable: bool,
) -> ShardMasterCluster<M, C> {
    let n = env.params.get(&SERVERS);
    env.world.set_stat("servers", n as u64);
    env.world.net().set_unreliable(unreliable);
    ShardMasterCluster::new(&Links::new(&env.world), n, env.params.get(&OP_TIMEOUT))
}

/// The servers group `gid` joins with: `server-<gid>-0` … `server-<gid>-2`,
/// the names the sharded store's groups have.
pub fn servers_of(gid: Gid) -> Vec<String> {
    (0..3).map(|i| format!("server-{gid}-{i}")).collect()
}

/// `(gid, its servers)` for each of `gids`, as a Join takes them.
pub fn groups(gids: &[Gid]) -> Vec<(Gid, Vec<String>)> {
    gids.iter().map(|&g| (g, servers_of(g))).collect()
}

/// The latest config, which must have exactly the groups `gids`, each with
/// the servers it joined with, and (with at least one group) be balanced.
pub async fn expect_groups<C: ShardMasterClerk>(
    admin: &Admin<C>,
    gids: &[Gid],
) -> Result<Config, Failure> {
    let config = admin.query(-1).await?;
    let have: Vec<Gid> = config.groups.keys().copied().collect();
    let mut want = gids.to_vec();
    want.sort_unstable();
    want.dedup();
    ensure!(
        have == want,
        "the latest config (number {}) has groups {have:?}; after the changes that completed, it must have exactly {want:?}",
        config.num
    );
    for (gid, servers) in &config.groups {
        ensure!(
            *servers == servers_of(*gid),
            "config {} lists the servers of gid {gid} as {servers:?}; they joined as {:?}",
            config.num,
            servers_of(*gid)
        );
    }
    if let Err(e) = crate::labs::shardmaster::balance::check_balanced(&config) {
        crate::fail!("{e}");
    }
    Ok(config)
}
