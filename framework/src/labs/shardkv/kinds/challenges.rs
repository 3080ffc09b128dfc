//! The classic challenges: shards a group gave away must be deleted
//! (Delete), and a group serves the shards it has while others are stuck
//! (Unaffected, Partial).

use std::time::Duration;

use tokio::time::sleep;

use super::common::*;
use crate::ensure;
use crate::labs::shardkv::key2shard;
use crate::sim::Failure;
use crate::suite::TestEnv;

/// The classic Challenge1Delete: large values move back and forth between
/// the groups; at the end, all they have saved together must fit what the
/// data needs (three copies of it, plus room), so every group must have
/// deleted the shards it gave away.
pub async fn delete<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let (world, limit) = (&env.world, env.params.get(&OP_TIMEOUT));
    c.join(&[G0]).await?;
    let client = c.make_client(0);
    let keys = Keys::put_all(world, &client, env.params.get(&KEYS), 1000, limit).await?;
    let spot_check = async |n: usize| -> Result<(), Failure> {
        for (key, value) in keys.values.iter().take(n) {
            expect(&client, key, value, limit).await?;
        }
        Ok(())
    };
    for _ in 0..2 {
        c.join(&[G1]).await?;
        c.leave(&[G0]).await?;
        c.join(&[G2]).await?;
        sleep(Duration::from_secs(3)).await;
        spot_check(3).await?;
        c.leave(&[G1]).await?;
        c.join(&[G0]).await?;
        c.leave(&[G2]).await?;
        sleep(Duration::from_secs(3)).await;
        spot_check(3).await?;
    }
    c.join(&[G1]).await?;
    c.join(&[G2]).await?;
    for _ in 0..3 {
        sleep(Duration::from_secs(1)).await;
        spot_check(3).await?;
    }
    let (total, max) = (c.total_saved(), env.params.get(&MAX_TOTAL));
    let data: usize = keys.values.iter().map(|(k, v)| k.len() + v.len()).sum();
    ensure!(
        total <= max,
        "the group servers saved {total} bytes in all (Raft state and snapshots), more than {max}: the {data} bytes of data, kept by the 3 servers of the group that owns each shard, need about {}; a group must delete the shards it gave away",
        3 * data
    );
    keys.check(&client, limit).await?;
    // With max_raft_state 1 every server snapshots after every entry; the
    // bound on all they saved is this test's bound on the logs.
    check_serving::<L>(&env, &c).await
}

/// The classic Challenge2Unaffected: group 100 is shut down and leaves, so
/// its shards can never move; the shards group 101 already had must still
/// be served, for reads and writes.
pub async fn unaffected<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, true);
    let limit = env.params.get(&OP_TIMEOUT);
    c.join(&[G0]).await?;
    let client = c.make_client(0);
    let nkeys = env.params.get(&KEYS);
    for i in 0..nkeys {
        let key = i.to_string();
        within(limit, "put", client.put(&key, "100")).await?;
    }
    c.join(&[G1]).await?;
    sleep(Duration::from_secs(1)).await;
    let owners = c.owners().await?;
    let theirs: Vec<String> = (0..nkeys)
        .map(|i| i.to_string())
        .filter(|k| owners[key2shard(k)] == G1)
        .collect();
    for key in &theirs {
        within(limit, "put", client.put(key, "101")).await?;
    }
    c.shutdown_group(G0);
    c.leave(&[G0]).await?;
    sleep(Duration::from_secs(1)).await;
    for key in &theirs {
        expect(&client, key, "101", limit).await?;
        within(limit, "put", client.put(key, "-1")).await?;
        expect(&client, key, "-1", limit).await?;
    }
    finish::<L>(&env, &c).await
}

/// The classic Challenge2Partial: group 100 is shut down, then 100 and 102
/// leave together; 101 must serve 102's former shards as soon as it has
/// them, though 100's never arrive.
pub async fn partial<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, true);
    let limit = env.params.get(&OP_TIMEOUT);
    c.join(&[G0, G1, G2]).await?;
    sleep(Duration::from_secs(1)).await;
    let client = c.make_client(0);
    let nkeys = env.params.get(&KEYS);
    for i in 0..nkeys {
        within(limit, "put", client.put(&i.to_string(), "100")).await?;
    }
    let owners = c.owners().await?;
    let from_102: Vec<String> = (0..nkeys)
        .map(|i| i.to_string())
        .filter(|k| owners[key2shard(k)] == G2)
        .collect();
    c.shutdown_group(G0);
    c.leave(&[G0, G2]).await?;
    sleep(Duration::from_secs(1)).await;
    for key in &from_102 {
        expect(&client, key, "100", limit).await?;
        within(limit, "put", client.put(key, "-2")).await?;
        expect(&client, key, "-2", limit).await?;
    }
    finish::<L>(&env, &c).await
}
