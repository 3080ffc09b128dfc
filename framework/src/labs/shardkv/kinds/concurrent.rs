//! The classic concurrent and unreliable tests: clients keep writing while
//! groups join, leave, crash and restart, then every key must hold exactly
//! what its client wrote (and the whole history must be linearizable).

use std::cell::Cell;
use std::time::Duration;

use futures::future::join_all;
use rand::Rng;
use tokio::time::sleep;

use super::common::*;
use crate::sim::Failure;
use crate::suite::TestEnv;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Puts every key, runs one appender per key (pausing `pause` after each
/// append) while `script` runs, stops them, and checks that every key holds
/// exactly what its appender wrote.
async fn with_appenders<L: Lab>(
    env: &TestEnv,
    c: &Cluster<L>,
    pause: Duration,
    script: impl AsyncFnOnce() -> Result<(), Failure>,
) -> Result<(), Failure> {
    let (world, limit) = (&env.world, env.params.get(&OP_TIMEOUT));
    let client = c.make_client(0);
    let keys = Keys::put_all(world, &client, env.params.get(&KEYS), 5, limit).await?;
    let stop = Cell::new(false);
    let clients: Vec<_> = (0..keys.values.len())
        .map(|i| c.make_client(1 + i))
        .collect();
    let appenders = keys
        .values
        .iter()
        .zip(&clients)
        .map(|((key, value), client)| appender(client, key, value.clone(), pause, &stop, limit));
    let script = async {
        let outcome = script().await;
        stop.set(true);
        outcome
    };
    let (values, scripted) = tokio::join!(join_all(appenders), script);
    scripted?;
    for ((key, _), value) in keys.values.iter().zip(values) {
        expect(&client, key, &value?, limit).await?;
    }
    Ok(())
}

/// The classic Concurrent1: appenders while groups join and leave, then
/// every group shuts down and restarts, with more changes after.
pub async fn concurrent1<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    c.join(&[G0]).await?;
    with_appenders::<L>(&env, &c, ms(10), async || {
        sleep(ms(150)).await;
        c.join(&[G1]).await?;
        sleep(ms(500)).await;
        c.join(&[G2]).await?;
        sleep(ms(500)).await;
        c.leave(&[G0]).await?;
        for gid in c.gids() {
            c.shutdown_group(gid);
            sleep(ms(100)).await;
        }
        c.leave(&[G2]).await?;
        sleep(ms(100)).await;
        for gid in c.gids() {
            c.start_group(gid);
        }
        sleep(ms(100)).await;
        c.join(&[G0]).await?;
        c.leave(&[G1]).await?;
        sleep(ms(500)).await;
        c.join(&[G1]).await?;
        sleep(ms(1000)).await;
        Ok(())
    })
    .await?;
    finish::<L>(&env, &c).await
}

/// The classic Concurrent2: slower appenders through three rounds of
/// leaves and joins a few seconds apart, then two groups restart.
pub async fn concurrent2<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    c.join(&[G1]).await?;
    c.join(&[G0]).await?;
    c.join(&[G2]).await?;
    with_appenders::<L>(&env, &c, ms(50), async || {
        c.leave(&[G0]).await?;
        c.leave(&[G2]).await?;
        sleep(ms(3000)).await;
        c.join(&[G0]).await?;
        c.join(&[G2]).await?;
        c.leave(&[G1]).await?;
        sleep(ms(3000)).await;
        c.join(&[G1]).await?;
        c.leave(&[G0]).await?;
        c.leave(&[G2]).await?;
        sleep(ms(3000)).await;
        c.shutdown_group(G1);
        c.shutdown_group(G2);
        sleep(ms(1000)).await;
        c.start_group(G1);
        c.start_group(G2);
        sleep(ms(2000)).await;
        Ok(())
    })
    .await?;
    finish::<L>(&env, &c).await
}

/// The classic Concurrent3: appenders that never pause, while for `length`
/// two groups join, every group restarts, and the two leave again, at
/// random intervals.
pub async fn concurrent3<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, false);
    let length = env.params.get(&LENGTH);
    c.join(&[G0]).await?;
    with_appenders::<L>(&env, &c, Duration::ZERO, async || {
        let start = c.world().now();
        let pause = || ms(c.world().rng().random_range(0..900));
        while c.world().now() - start < length {
            c.join(&[G2]).await?;
            c.join(&[G1]).await?;
            sleep(pause()).await;
            c.restart_all();
            sleep(pause()).await;
            c.leave(&[G1]).await?;
            c.leave(&[G2]).await?;
            sleep(pause()).await;
        }
        sleep(ms(2000)).await;
        Ok(())
    })
    .await?;
    finish::<L>(&env, &c).await
}

/// The classic Unreliable1: on an unreliable network, every key checked
/// and appended to many times while shards move.
pub async fn unreliable1<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, true);
    let (world, limit) = (&env.world, env.params.get(&OP_TIMEOUT));
    c.join(&[G0]).await?;
    let client = c.make_client(0);
    let mut keys = Keys::put_all(world, &client, env.params.get(&KEYS), 5, limit).await?;
    c.join(&[G1]).await?;
    c.join(&[G2]).await?;
    c.leave(&[G0]).await?;
    for _ in 0..env.params.get(&ROUNDS) {
        keys.check_and_append(world, &client, limit).await?;
    }
    c.join(&[G0]).await?;
    c.leave(&[G1]).await?;
    for _ in 0..env.params.get(&ROUNDS) {
        keys.check(&client, limit).await?;
    }
    finish::<L>(&env, &c).await
}

/// The schedule of the classic Unreliable2 and Unreliable3: joins and
/// leaves half a second apart, then two more seconds of traffic.
async fn unreliable_schedule<L: Lab>(c: &Cluster<L>) -> Result<(), Failure> {
    sleep(ms(150)).await;
    c.join(&[G1]).await?;
    sleep(ms(500)).await;
    c.join(&[G2]).await?;
    sleep(ms(500)).await;
    c.leave(&[G0]).await?;
    sleep(ms(500)).await;
    c.leave(&[G1]).await?;
    sleep(ms(500)).await;
    c.join(&[G1]).await?;
    c.join(&[G0]).await?;
    sleep(ms(2000)).await;
    Ok(())
}

/// The classic Unreliable2: appenders on an unreliable network while
/// groups join and leave; the network then becomes reliable for the final
/// check.
pub async fn unreliable2<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, true);
    c.join(&[G0]).await?;
    with_appenders::<L>(&env, &c, ms(10), async || {
        unreliable_schedule::<L>(&c).await?;
        env.world.net().set_unreliable(false);
        Ok(())
    })
    .await?;
    finish::<L>(&env, &c).await
}

/// The classic Unreliable3: clients make random operations on random keys
/// (half Appends, then a tenth of the rest Puts, the rest Gets) on an
/// unreliable network while groups join and leave; the history must be
/// linearizable.
pub async fn unreliable3<L: Lab>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<L>(&env, true);
    let (world, limit) = (&env.world, env.params.get(&OP_TIMEOUT));
    let nkeys = env.params.get(&KEYS);
    c.join(&[G0]).await?;
    let client = c.make_client(0);
    Keys::put_all(world, &client, nkeys, 5, limit).await?;
    let stop = Cell::new(false);
    let clients: Vec<_> = (0..env.params.get(&CLIENTS))
        .map(|i| c.make_client(1 + i))
        .collect();
    let runs = clients.iter().map(|client| async {
        let mut rng = world.rng();
        let mut n = 0;
        while !stop.get() {
            let key = rng.random_range(0..nkeys).to_string();
            let value = format!("x{}.{n}y", client.id());
            n += 1;
            if rng.random_bool(0.5) {
                within(limit, "append", client.append(&key, &value)).await?;
            } else if rng.random_bool(0.1) {
                within(limit, "put", client.put(&key, &value)).await?;
            } else {
                within(limit, "get", client.get(&key)).await?;
            }
        }
        Ok::<(), Failure>(())
    });
    let script = async {
        let outcome = unreliable_schedule::<L>(&c).await;
        stop.set(true);
        outcome
    };
    let (runs, scripted) = tokio::join!(join_all(runs), script);
    scripted?;
    for run in runs {
        run?;
    }
    finish::<L>(&env, &c).await
}
