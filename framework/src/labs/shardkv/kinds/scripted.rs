//! The scripted tests: the dslabs shard list's tests 5 and 6, and the
//! classic StaticShards, Rejection, JoinLeave, Snapshot and MissChange,
//! each a fixed schedule of joins, leaves, crashes and checks.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use futures::future::join_all;
use tokio::time::sleep;

use super::common::*;
use crate::labs::shardkv::{Client, ShardKvClerk, key2shard};
use crate::labs::shardmaster::{Gid, ShardMasterCluster};
use crate::net::{Hold, Latency};
use crate::sim::Failure;
use crate::suite::TestEnv;
use crate::{ensure, fail};

/// dslabs test 5: two groups; a client Puts two keys and reads them back.
pub async fn static_put<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let limit = env.params.get(&OP_TIMEOUT);
    c.join(&[G0, G1]).await?;
    let client = c.make_client(0);
    let (a, b) = (
        fresh_value(&env.world, "1", 0, 8),
        fresh_value(&env.world, "2", 1, 8),
    );
    within(limit, "put(\"1\")", client.put("1", &a)).await?;
    within(limit, "put(\"2\")", client.put("2", &b)).await?;
    expect(&client, "1", &a, limit).await?;
    expect(&client, "2", &b, limit).await?;
    finish::<L>(&env, &c).await
}

/// dslabs test 6: a Put and an Append to a key, then the group serving it
/// leaves; an Append after the move must find the key's value there.
pub async fn join_leave_append<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let limit = env.params.get(&OP_TIMEOUT);
    c.join(&[G0, G1]).await?;
    let client = c.make_client(0);
    let values: Vec<String> = (0..3).map(|n| fresh_value(&env.world, "3", n, 8)).collect();
    within(limit, "put(\"3\")", client.put("3", &values[0])).await?;
    within(limit, "append(\"3\")", client.append("3", &values[1])).await?;
    let owner = c.owners().await?[key2shard("3")];
    c.leave(&[owner]).await?;
    within(limit, "append(\"3\")", client.append("3", &values[2])).await?;
    expect(&client, "3", &values.concat(), limit).await?;
    finish::<L>(&env, &c).await
}

/// Gets of every key, one client each, running at once: after `quiet`,
/// exactly the keys in `served` shards must have completed, each with its
/// value; then `after` runs, and every Get must complete.
async fn gets_while_down<L: Lab>(
    c: &Cluster<L>,
    master: &ShardMasterCluster<L::M, L::MC>,
    keys: &Keys,
    served: &[Gid],
    owners: &[Gid],
    after: impl AsyncFnOnce() -> Result<(), Failure>,
    limit: Duration,
) -> Result<(), Failure> {
    const QUIET: Duration = Duration::from_secs(2);
    let done = RefCell::new(Vec::new());
    let clients: Vec<_> = (0..keys.values.len())
        .map(|i| c.make_client_of(master, 100 + i))
        .collect();
    let gets = keys.values.iter().zip(&clients).map(|((key, expected), client)| {
        let done = &done;
        async move {
            let got = client.get(key).await;
            ensure!(
                got == *expected,
                "get({key:?}) returned {got:?}, expected {expected:?} (a group served a shard it does not own?)"
            );
            done.borrow_mut().push(key.clone());
            Ok(())
        }
    });
    let gets = join_all(gets);
    let script = async {
        sleep(QUIET).await;
        let mut finished = done.borrow().clone();
        finished.sort();
        let mut want: Vec<String> = keys
            .values
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| served.contains(&owners[key2shard(k)]))
            .collect();
        want.sort();
        ensure!(
            finished == want,
            "with only groups {served:?} up, the Gets of keys {finished:?} completed within {QUIET:?}; exactly those of the shards they serve, {want:?}, must (no group may answer for a shard it does not serve)"
        );
        after().await
    };
    let all_gets = async {
        for result in within(limit + QUIET, "the Gets", gets).await? {
            result?;
        }
        Ok(())
    };
    // A wrong count fails at once, while Gets may still be pending.
    tokio::try_join!(all_gets, script).map(|_| ())
}

/// The classic StaticShards: two groups, one shut down; Gets of its keys
/// must not complete, those of the other group's keys must. Then it comes
/// back, and every Get completes.
pub async fn static_shards<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let limit = env.params.get(&OP_TIMEOUT);
    c.join(&[G0, G1]).await?;
    let client = c.make_client(0);
    let keys = Keys::put_all(&env.world, &client, env.params.get(&KEYS), 20, limit).await?;
    keys.check(&client, limit).await?;
    c.shutdown_group(G1);
    check_logs::<L>(&env, &c)?;
    let owners = c.owners().await?;
    let restart = async || {
        c.start_group(G1);
        Ok(())
    };
    gets_while_down::<L>(&c, c.master(), &keys, &[G0], &owners, restart, limit).await?;
    finish::<L>(&env, &c).await
}

/// The classic Rejection: a second shard master, on which only group 100
/// joined, sends every key to 100; 100 must answer only for the shards the
/// real configs give it.
pub async fn rejection<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let limit = env.params.get(&OP_TIMEOUT);
    c.join(&[G0, G1]).await?;
    let client = c.make_client(0);
    let keys = Keys::put_all(&env.world, &client, env.params.get(&KEYS), 20, limit).await?;
    keys.check(&client, limit).await?;
    let owners = c.owners().await?;
    let (links, timeout) = (c.group(G0).links(), env.params.get(&OP_TIMEOUT));
    let other = ShardMasterCluster::<L::M, L::MC>::named(links, "shardmaster2", 3, timeout);
    other.admin().join(&[(G0, c.group(G0).names())]).await?;
    let nothing = async || Ok(());
    let gets = gets_while_down::<L>(&c, &other, &keys, &[G0], &owners, nothing, limit);
    match tokio::time::timeout(Duration::from_secs(3), gets).await {
        // The Gets of group 101's keys never complete: they go to 100.
        Err(_) => {}
        Ok(Err(e)) => return Err(e),
        Ok(Ok(())) if owners.contains(&G1) => {
            fail!(
                "every Get completed, though group 101 serves some keys and the clerks only ask 100"
            )
        }
        Ok(Ok(())) => {}
    }
    finish::<L>(&env, &c).await
}

/// The classic JoinLeave: the first group's data must survive its leaving
/// and its shutdown.
pub async fn join_leave<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let (world, limit) = (&env.world, env.params.get(&OP_TIMEOUT));
    c.join(&[G0]).await?;
    let client = c.make_client(0);
    let mut keys = Keys::put_all(world, &client, env.params.get(&KEYS), 5, limit).await?;
    c.join(&[G1]).await?;
    keys.check_and_append(world, &client, limit).await?;
    c.leave(&[G0]).await?;
    keys.check_and_append(world, &client, limit).await?;
    sleep(Duration::from_secs(1)).await;
    check_logs::<L>(&env, &c)?;
    c.shutdown_group(G0);
    keys.check(&client, limit).await?;
    finish::<L>(&env, &c).await
}

/// The classic Snapshot: shards move between all three groups with small
/// logs, then every group restarts from its snapshots.
pub async fn snapshot<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let (world, limit) = (&env.world, env.params.get(&OP_TIMEOUT));
    c.join(&[G0]).await?;
    let client = c.make_client(0);
    let mut keys = Keys::put_all(world, &client, env.params.get(&KEYS), 20, limit).await?;
    keys.check(&client, limit).await?;
    c.join(&[G1]).await?;
    c.join(&[G2]).await?;
    c.leave(&[G0]).await?;
    keys.check_and_append(world, &client, limit).await?;
    c.leave(&[G1]).await?;
    c.join(&[G0]).await?;
    keys.check_and_append(world, &client, limit).await?;
    keys.check(&client, limit).await?;
    sleep(Duration::from_secs(1)).await;
    check_logs::<L>(&env, &c)?;
    c.restart_all();
    keys.check(&client, limit).await?;
    finish::<L>(&env, &c).await
}

/// The classic MissChange: one server of every group is down while
/// configs change, and must catch up on the configs it missed once back.
pub async fn miss_change<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let (world, limit) = (&env.world, env.params.get(&OP_TIMEOUT));
    let every_group = |i: usize, up: bool| {
        for gid in c.gids() {
            if up {
                c.start(gid, i);
            } else {
                c.crash(gid, i);
            }
        }
    };
    c.join(&[G0]).await?;
    let client = c.make_client(0);
    let mut keys = Keys::put_all(world, &client, env.params.get(&KEYS), 20, limit).await?;
    c.join(&[G1]).await?;
    keys.check_and_append(world, &client, limit).await?;
    every_group(0, false);
    c.join(&[G2]).await?;
    c.leave(&[G1]).await?;
    c.leave(&[G0]).await?;
    keys.check_and_append(world, &client, limit).await?;
    c.join(&[G1]).await?;
    keys.check_and_append(world, &client, limit).await?;
    every_group(0, true);
    keys.check_and_append(world, &client, limit).await?;
    sleep(Duration::from_secs(2)).await;
    every_group(1, false);
    c.join(&[G0]).await?;
    c.leave(&[G2]).await?;
    keys.check_and_append(world, &client, limit).await?;
    every_group(1, true);
    keys.check(&client, limit).await?;
    finish::<L>(&env, &c).await
}

/// Loses every reply that `servers` send to `host`'s calls (as an
/// unreliable network would: the handler ran, the caller hears nothing)
/// until `stop`. Replies from anyone else (the shard master's) go through.
async fn lose_replies(
    world: &crate::sim::World,
    host: &str,
    servers: &[String],
    stop: &Cell<bool>,
) {
    const LOOK_EVERY: Duration = Duration::from_millis(10);
    let each = servers.iter().map(|server| async move {
        while !stop.get() {
            let held = world.net().hold(Hold::replies().from(host).to(server));
            held.caught_within(1, LOOK_EVERY).await;
            held.discard();
        }
    });
    join_all(each).await;
}

/// Waits until `get(key)` returns `value`, looking every 50 ms for up to
/// `limit`.
async fn wait_for_value<C: ShardKvClerk>(
    client: &Client<C>,
    key: &str,
    value: &str,
    limit: Duration,
) -> Result<(), Failure> {
    let look = async {
        while client.get(key).await != value {
            sleep(Duration::from_millis(50)).await;
        }
    };
    within(limit, &format!("get({key:?}) returning {value:?}"), look).await
}

/// A write retried after its shard moved: an Append is applied by the
/// group that serves its key, but every reply of that group to its clerk
/// is lost; the
/// group leaves, the shard moves, and only then do the replies get
/// through, so the clerk sends the Append again to the new group. It must
/// take effect once: the duplicate-detection state has to move with the
/// shard.
pub async fn retry_after_move<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let limit = env.params.get(&OP_TIMEOUT);
    c.join(&[G0, G1]).await?;
    let owners = c.owners().await?;
    let key = (0..10)
        .map(|i| i.to_string())
        .find(|k| owners[key2shard(k)] == G0)
        .expect("group 100 serves some shard after a balanced join");
    let (writer, reader) = (c.make_client(0), c.make_client(1));
    let (first, again) = (
        fresh_value(&env.world, &key, 0, 8),
        fresh_value(&env.world, &key, 1, 8),
    );
    within(limit, "put", writer.put(&key, &first)).await?;
    let stop = Cell::new(false);
    let group_100 = c.group(G0).names();
    let lose = lose_replies(&env.world, writer.host(), &group_100, &stop);
    let both = format!("{first}{again}");
    // What the reader must see once the shard has moved.
    let moved_intact = async || {
        let got = within(limit, &format!("get({key:?})"), reader.get(&key)).await?;
        ensure!(
            got == both,
            "get({key:?}) returned {got:?} after one Put of {first:?} and one Append of {again:?}: the Append was applied by group 100, its replies were lost, and its shard moved to group 101 before the clerk sent it again; {}",
            if got == format!("{both}{again}") {
                "101 applied it a second time (the duplicate-detection state must move with the shard)"
            } else {
                "the shard's data did not move intact"
            }
        );
        Ok(())
    };
    let script = async {
        let moved = async {
            wait_for_value(&reader, &key, &both, limit).await?;
            c.leave(&[G0]).await?;
            // The new group serves the key (the reader follows the
            // configs); the writer may have sent the Append again by now.
            moved_intact().await
        };
        let outcome = moved.await;
        stop.set(true);
        outcome
    };
    let append = within(limit * 2, "append", writer.append(&key, &again));
    let (appended, moved, ()) = tokio::join!(append, script, lose);
    moved?;
    appended?;
    moved_intact().await?;
    finish::<L>(&env, &c).await
}

/// How long messages between the two groups take in [`stale_config`].
const SLOW_LINK: Duration = Duration::from_millis(500);

/// A clerk with an old config: it last reached a key's group before the
/// group left. Once the new group has served the key, the old group must
/// refuse the clerk's Get and Append (wrong group), not answer from the
/// copy it gave away. The links between the two groups are slow, so that
/// the old group still holds its copy for a while after the new group
/// serves the shard (a group that deletes what it gave away must hear
/// from the new owner first).
pub async fn stale_config<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let limit = env.params.get(&OP_TIMEOUT);
    c.join(&[G0, G1]).await?;
    let owners = c.owners().await?;
    let keys: Vec<String> = (0..10)
        .map(|i| i.to_string())
        .filter(|k| owners[key2shard(k)] == G0)
        .collect();
    let (stale, fresh) = (c.make_client(0), c.make_client(1));
    let mut values = Vec::new();
    for key in &keys {
        let value = fresh_value(&env.world, key, 0, 8);
        within(limit, "put", stale.put(key, &value)).await?;
        values.push(value);
    }
    let slow = Latency::between(SLOW_LINK, SLOW_LINK);
    let net = env.world.net();
    for a in c.group(G0).names() {
        for b in c.group(G1).names() {
            net.set_link_latency(&a, &b, Some(slow));
            net.set_link_latency(&b, &a, Some(slow));
        }
    }
    c.leave(&[G0]).await?;
    // Each key: once the new group serves it, the stale clerk's next
    // operations on it go to group 100 first.
    for (key, value) in keys.iter().zip(&mut values) {
        expect(&fresh, key, value, limit).await?;
        expect(&stale, key, value, limit).await?;
        // Checked here, where an old group that answered is the cause of
        // whatever goes wrong after.
        c.check_ownership().await?;
        let more = fresh_value(&env.world, key, 1, 8);
        within(limit, "append", stale.append(key, &more)).await?;
        value.push_str(&more);
        expect(&fresh, key, value, limit).await?;
    }
    finish::<L>(&env, &c).await
}
