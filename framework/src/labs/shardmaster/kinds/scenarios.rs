//! The shard master scenarios. Each sets up its own groups (rather than
//! inheriting another test's, as the classic testers do) and ends with
//! `ShardMasterCluster::check_configs`, so that every Join and Leave of
//! every test is checked for balance and the fewest moves, every Move for
//! one shard, and every config for never changing once made.

use std::future::Future;
use std::time::Duration;

use futures::future::join_all;

use super::common::*;
use crate::labs::shardmaster::{
    Admin, Config, Gid, NSHARDS, ShardMaster, ShardMasterClerk, ShardMasterCluster,
};
use crate::net::Hold;
use crate::sim::Failure;
use crate::suite::TestEnv;
use crate::{ensure, fail};

/// Joins `gids`, in one call with `multi`, else one at a time.
async fn join_all_of<C: ShardMasterClerk>(
    admin: &Admin<C>,
    gids: &[Gid],
    multi: bool,
) -> Result<(), Failure> {
    if multi {
        return admin.join(&groups(gids)).await;
    }
    for &g in gids {
        admin.join(&groups(&[g])).await?;
    }
    Ok(())
}

/// Leaves `gids`, in one call with `multi`, else one at a time.
async fn leave_all_of<C: ShardMasterClerk>(
    admin: &Admin<C>,
    gids: &[Gid],
    multi: bool,
) -> Result<(), Failure> {
    if multi {
        return admin.leave(gids).await;
    }
    for &g in gids {
        admin.leave(&[g]).await?;
    }
    Ok(())
}

/// A fresh shard master answers config 0; then joins and leaves, each
/// reflected by the latest config as soon as it completes; a gid that left
/// joins again with other servers; a query past the latest answers the
/// latest (Basic and Multi "leave/join"; the dslabs "Basic shard
/// operations").
pub async fn join_leave<M: ShardMaster, C: ShardMasterClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<M, C>(&env, false);
    let admin = c.admin();
    let first = admin.query(-1).await?;
    ensure!(
        first == Config::default(),
        "a fresh shard master's latest config must be config 0 (no groups, every shard on gid 0); got {first:?}"
    );
    if env.params.get(&MULTI) {
        admin.join(&groups(&[1, 2])).await?;
        expect_groups(&admin, &[1, 2]).await?;
        admin.join(&groups(&[3])).await?;
        expect_groups(&admin, &[1, 2, 3]).await?;
        admin.leave(&[1, 3]).await?;
        expect_groups(&admin, &[2]).await?;
        admin.leave(&[2]).await?;
    } else {
        admin.join(&groups(&[1])).await?;
        expect_groups(&admin, &[1]).await?;
        admin.join(&groups(&[2])).await?;
        expect_groups(&admin, &[1, 2]).await?;
        admin.leave(&[1]).await?;
        expect_groups(&admin, &[2]).await?;
        admin.leave(&[2]).await?;
    }
    expect_groups(&admin, &[]).await?;
    // A gid joins again, with other servers: the config lists the new ones.
    let moved_to: Vec<String> = (0..3).map(|i| format!("server-1-again-{i}")).collect();
    admin.join(&[(1, moved_to.clone())]).await?;
    let last = admin.query(-1).await?;
    ensure!(
        last.groups.get(&1) == Some(&moved_to),
        "gid 1 joined again with servers {moved_to:?}, but config {} lists {:?}",
        last.num,
        last.groups.get(&1)
    );
    ensure!(
        last.shards.iter().all(|&g| g == 1),
        "config {} has gid 1 alone, yet assigns {:?}",
        last.num,
        last.shards
    );
    let past = admin.query(last.num as i64 + 10).await?;
    ensure!(
        past == last,
        "query({}) past the latest config {} returned config {}: it must return the latest",
        last.num + 10,
        last.num,
        past.num
    );
    c.check_configs().await
}

/// Many configs (joins, a move, leaves, a group joining again); then each
/// server in turn is crashed while every config is queried from the
/// others, and restarted. Replicas that rebalanced differently, or lost a
/// config across a restart, answer a config differently than before
/// (Basic "historical queries", with more groups to rebalance).
pub async fn historical<M: ShardMaster, C: ShardMasterClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<M, C>(&env, false);
    let admin = c.admin();
    let multi = env.params.get(&MULTI);
    join_all_of(&admin, &[1, 2], multi).await?;
    join_all_of(&admin, &[3, 4, 5, 6, 7], multi).await?;
    admin.move_shard(0, 7).await?;
    leave_all_of(&admin, &[2, 5], multi).await?;
    admin.join(&groups(&[2])).await?;
    leave_all_of(&admin, &[1, 3, 6], multi).await?;
    let latest = expect_groups(&admin, &[2, 4, 7]).await?;
    for i in 0..c.n() {
        c.crash(i);
        for num in 0..=latest.num {
            // The cluster compares every answer with the first one.
            admin.query(num as i64).await?;
        }
        c.start(i);
        c.connect(i);
    }
    c.check_configs().await
}

/// Two groups, then every shard moved by hand to the other group: each
/// Move makes the next config and places exactly its shard (Basic "Move").
pub async fn move_shards<M: ShardMaster, C: ShardMasterClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<M, C>(&env, false);
    let admin = c.admin();
    join_all_of(&admin, &[503, 504], env.params.get(&MULTI)).await?;
    let joined = expect_groups(&admin, &[503, 504]).await?;
    // Each shard to the group that does not have it, so that every Move
    // changes something (the classic's fixed targets may all be no-ops).
    let target = |s: usize| if joined.shards[s] == 503 { 504 } else { 503 };
    for s in 0..NSHARDS {
        let before = admin.query(-1).await?;
        admin.move_shard(s, target(s)).await?;
        let after = admin.query(-1).await?;
        ensure!(
            after.num == before.num + 1,
            "Move({s}, {}) completed, but the latest config went from number {} to {}: a Move makes the next config",
            target(s),
            before.num,
            after.num
        );
        ensure!(
            after.shards[s] == target(s),
            "after Move({s}, {}) completed, config {} puts shard {s} on gid {}",
            target(s),
            after.num,
            after.shards[s]
        );
    }
    let last = admin.query(-1).await?;
    let want: Vec<Gid> = (0..NSHARDS).map(target).collect();
    ensure!(
        last.shards.to_vec() == want,
        "after the Moves, config {} assigns {:?}; the Moves asked for {want:?}",
        last.num,
        last.shards
    );
    c.check_configs().await
}

/// `clients` admins at once, each joining a group and a short-lived one
/// and leaving the short-lived one (with `multi`, two short-lived ones in
/// one call): the end config has exactly the groups that stayed (Basic and
/// Multi "concurrent"; the dslabs "Concurrent shard operations"). On an
/// unreliable network, retries arrive late: a Join applied twice brings
/// back a group that had left.
pub async fn concurrent<M: ShardMaster, C: ShardMasterClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<M, C>(&env, env.params.get(&UNRELIABLE));
    let multi = env.params.get(&MULTI);
    let stays: Vec<Gid> = (0..env.params.get(&CLIENTS) as Gid)
        .map(|i| 100 + 10 * i)
        .collect();
    let runs = stays.iter().map(|&g| {
        let admin = c.admin();
        async move {
            if multi {
                admin.join(&groups(&[g, g + 1000, g + 2000])).await?;
                admin.leave(&[g + 1000, g + 2000]).await
            } else {
                admin.join(&groups(&[g + 1000])).await?;
                admin.join(&groups(&[g])).await?;
                admin.leave(&[g + 1000]).await
            }
        }
    });
    for done in join_all(runs).await {
        done?;
    }
    expect_groups(&c.admin(), &stays).await?;
    c.check_configs().await
}

/// The shards of `after` that are on a group `before` had: each must have
/// been on that group in `before` already.
fn kept_by_old_groups(before: &Config, after: &Config, what: &str) -> Result<(), Failure> {
    for s in 0..NSHARDS {
        let (was, now) = (before.shards[s], after.shards[s]);
        if before.groups.contains_key(&now) && was != now {
            fail!(
                "{what}: shard {s} moved from gid {was} to gid {now}, which was there before (config {} to {}); only the new groups should take shards",
                before.num,
                after.num
            );
        }
    }
    Ok(())
}

/// The shards of `before` whose group is still in `after`: each must have
/// stayed on it.
fn kept_by_survivors(before: &Config, after: &Config, what: &str) -> Result<(), Failure> {
    for s in 0..NSHARDS {
        let (was, now) = (before.shards[s], after.shards[s]);
        if after.groups.contains_key(&was) && was != now {
            fail!(
                "{what}: shard {s} moved from gid {was}, which stayed, to gid {now} (config {} to {}); only the leaving groups' shards should move",
                before.num,
                after.num
            );
        }
    }
    Ok(())
}

/// One group, then three more: the old group's shards go only to the new
/// ones (the dslabs "Minimal transfers after joins"; Basic and Multi
/// "minimal transfers after joins").
pub async fn minimal_joins<M: ShardMaster, C: ShardMasterClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let c = cluster::<M, C>(&env, false);
    let admin = c.admin();
    admin.join(&groups(&[1])).await?;
    let c1 = expect_groups(&admin, &[1]).await?;
    join_all_of(&admin, &[3, 4, 5], env.params.get(&MULTI)).await?;
    let c2 = expect_groups(&admin, &[1, 3, 4, 5]).await?;
    kept_by_old_groups(&c1, &c2, "joining gids 3, 4 and 5")?;
    c.check_configs().await
}

/// Five groups, then four leave: the shards of the groups that stay stay
/// with them (the dslabs "Minimal transfers after leaves"; Basic and Multi
/// "minimal transfers after leaves").
pub async fn minimal_leaves<M: ShardMaster, C: ShardMasterClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let c = cluster::<M, C>(&env, false);
    let admin = c.admin();
    let multi = env.params.get(&MULTI);
    join_all_of(&admin, &[1, 2, 3, 4, 5], multi).await?;
    let c0 = expect_groups(&admin, &[1, 2, 3, 4, 5]).await?;
    admin.leave(&[2]).await?;
    let c1 = expect_groups(&admin, &[1, 3, 4, 5]).await?;
    kept_by_survivors(&c0, &c1, "gid 2 leaving")?;
    leave_all_of(&admin, &[3, 4, 5], multi).await?;
    let c2 = expect_groups(&admin, &[1]).await?;
    kept_by_survivors(&c1, &c2, "gids 3, 4 and 5 leaving")?;
    c.check_configs().await
}

/// The classic MinimalAgain: after groups 1 and 2, group 3 joins, and only
/// the shards it takes move (at most `NSHARDS / 3 + 1`); then group 1
/// leaves, and only its shards move.
pub async fn minimal_again<M: ShardMaster, C: ShardMasterClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let c = cluster::<M, C>(&env, false);
    let admin = c.admin();
    join_all_of(&admin, &[1, 2], env.params.get(&MULTI)).await?;
    let c1 = expect_groups(&admin, &[1, 2]).await?;
    admin.join(&groups(&[3])).await?;
    let c2 = expect_groups(&admin, &[1, 2, 3]).await?;
    kept_by_old_groups(&c1, &c2, "joining gid 3")?;
    at_most_moved(&c1, &c2, NSHARDS / 3 + 1, "joining gid 3")?;
    admin.leave(&[1]).await?;
    let c3 = expect_groups(&admin, &[2, 3]).await?;
    kept_by_survivors(&c2, &c3, "gid 1 leaving")?;
    at_most_moved(&c2, &c3, NSHARDS / 3 + 1, "gid 1 leaving")?;
    c.check_configs().await
}

/// At most `most` shards changed group from `before` to `after`.
fn at_most_moved(before: &Config, after: &Config, most: usize, what: &str) -> Result<(), Failure> {
    let moved = (0..NSHARDS)
        .filter(|&s| before.shards[s] != after.shards[s])
        .count();
    ensure!(
        moved <= most,
        "{what} moved {moved} shards (config {} to {}); at most {most} may move",
        before.num,
        after.num
    );
    Ok(())
}

/// The leader is crashed; once another server leads (the test waits for
/// one, up to several election timeouts), the latest config it answers is
/// the one the old leader answered (Multi "AgreeConfig", with a wait that
/// really waits for the new leader).
pub async fn agree_config<M: ShardMaster, C: ShardMasterClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let c = cluster::<M, C>(&env, false);
    let admin = c.admin();
    join_all_of(&admin, &[1, 2, 3], env.params.get(&MULTI)).await?;
    let before = expect_groups(&admin, &[1, 2, 3]).await?;
    let wait = env.params.get(&ELECTION_TIMEOUT) * 5;
    let old = c.wait_for_leader(wait).await?;
    c.crash(old);
    let new = c.wait_for_leader(wait).await?;
    ensure!(new != old, "the crashed server {old} still leads");
    let after = admin.query(-1).await?;
    ensure!(
        after == before,
        "the new leader (server {new}) answers the latest config as {after:?}; before the old leader (server {old}) crashed it was {before:?}"
    );
    c.start(old);
    c.connect(old);
    c.check_configs().await
}

/// How long [`with_lost_replies`] waits for the clerk's next attempt.
const NEXT_ATTEMPT: Duration = Duration::from_secs(5);

/// Runs `op`, a change by `admin`, losing the replies to its first
/// `losses` attempts: each is caught on its way back, after the server's
/// handler ran, and lost, as an unreliable network would lose it.
async fn with_lost_replies<M: ShardMaster, C: ShardMasterClerk>(
    c: &ShardMasterCluster<M, C>,
    admin: &Admin<C>,
    losses: usize,
    op: impl Future<Output = Result<(), Failure>>,
) -> Result<(), Failure> {
    let lose = async {
        for _ in 0..losses {
            let held = c
                .world()
                .net()
                .hold(Hold::replies().from(admin.host()).first(1));
            let caught = held.caught_within(1, NEXT_ATTEMPT).await;
            held.discard();
            if !caught {
                break;
            }
        }
    };
    let (done, ()) = futures::join!(op, lose);
    done
}

/// Every change is made while the replies to its first attempts are lost,
/// one more attempt than there are servers: the clerk tries every server,
/// so the leader applies one attempt whose reply is lost, and a later one
/// reaches it again. Each must still make exactly one config.
pub async fn lost_replies<M: ShardMaster, C: ShardMasterClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let c = cluster::<M, C>(&env, false);
    let admin = c.admin();
    let losses = c.n() + 1;
    with_lost_replies(&c, &admin, losses, admin.join(&groups(&[1, 2]))).await?;
    with_lost_replies(&c, &admin, losses, admin.move_shard(0, 2)).await?;
    with_lost_replies(&c, &admin, losses, admin.leave(&[1])).await?;
    with_lost_replies(&c, &admin, losses, admin.join(&groups(&[1]))).await?;
    expect_groups(&admin, &[1, 2]).await?;
    c.check_configs().await
}

/// How long a query through a leader cut off in a minority must stay
/// unanswered.
const MINORITY_WAIT: Duration = Duration::from_secs(2);

/// The leader is cut off alone, and a Join completes through the others;
/// a query sent only to the old leader must not complete while it is cut
/// off (a leader that answers from its own memory answers a config without
/// the new group), and completes with the group once the network heals
/// and the query's clerk reaches every server again.
pub async fn minority_query<M: ShardMaster, C: ShardMasterClerk>(
    env: TestEnv,
) -> Result<(), Failure> {
    let c = cluster::<M, C>(&env, false);
    let admin = c.admin();
    admin.join(&groups(&[1])).await?;
    let old = c
        .wait_for_leader(env.params.get(&ELECTION_TIMEOUT) * 5)
        .await?;
    let others: Vec<usize> = (0..c.n()).filter(|&i| i != old).collect();
    c.partition(&[&[old], &others]);
    admin.join(&groups(&[2])).await?;
    let cut_off = c.admin();
    c.connect_client(cut_off.host(), &[old]);
    let query = cut_off.query(-1);
    tokio::pin!(query);
    tokio::select! {
        biased;
        answer = &mut query => {
            let answer = answer?;
            fail!(
                "a query sent only to server {old}, a leader cut off from the majority, completed with config {} (groups {:?}) while a Join of gid 2 had completed through the others: queries must go through the log",
                answer.num,
                answer.groups.keys().collect::<Vec<_>>()
            );
        }
        () = tokio::time::sleep(MINORITY_WAIT) => {}
    }
    c.heal();
    c.connect_client(cut_off.host(), &c.all());
    let healed = query.await?;
    ensure!(
        healed.groups.contains_key(&2),
        "after the network healed, the query answered config {} without gid 2, whose Join completed before the query began",
        healed.num
    );
    c.check_configs().await
}
