//! Scripted scenarios: basic operations with and without a majority,
//! re-election, many clients on one key, snapshots and InstallSnapshot
//! (the dslabs kv list), and the classic one-partition, one-key and speed
//! tests.

use std::time::Duration;

use futures::future::join_all;
use tokio::time::{Instant, sleep, timeout};

use super::common::*;
use super::generic::check_appends;
use crate::labs::kv::{KvClerk, KvCluster, KvServer};
use crate::net::Hold;
use crate::sim::{self, Failure};
use crate::suite::TestEnv;
use crate::{ensure, fail};

/// Cuts `count` servers other than the leader off from everyone; returns
/// them.
async fn disconnect_followers<S: KvServer, C: KvClerk>(
    c: &KvCluster<S, C>,
    count: usize,
) -> Result<Vec<usize>, Failure> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let leader = c.wait_for_leader(LEADER_WAIT).await?;
    let cut: Vec<usize> = (1..=count).map(|k| (leader + k) % c.n()).collect();
    for &i in &cut {
        c.disconnect(i);
    }
    Ok(cut)
}

/// Put, Append, Get on one key per client (clients at once), with some
/// followers cut off; then the saved state must be within bounds.
pub async fn basic_ops<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, false);
    let limit = env.params.get(&OP_TIMEOUT);
    disconnect_followers(&c, env.params.get(&DISCONNECTED)).await?;
    let clients: Vec<_> = (0..env.params.get(&CLIENTS))
        .map(|id| c.make_client(id, &c.all()))
        .collect();
    let runs = clients.iter().map(|client| async {
        let key = client.id().to_string();
        let (v1, v2) = (format!("v1-{key}"), format!("v2-{key}"));
        within(limit, &format!("put({key:?})"), client.put(&key, &v1)).await?;
        within(limit, &format!("append({key:?})"), client.append(&key, &v2)).await?;
        expect(client, &key, &format!("{v1}{v2}"), limit).await
    });
    for done in join_all(runs).await {
        done?;
    }
    check_sizes(&env, &c)?;
    check(&env, &c)
}

/// With a majority cut off, a Put and a Get must not complete; once the
/// network heals, the service works again.
pub async fn no_progress_minority<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, false);
    let wait = env.params.get(&OP_TIMEOUT);
    let n = c.n();
    let setup = c.make_client(0, &c.all());
    within(wait, "the first put", setup.put("k", "before")).await?;
    let cut: Vec<usize> = (0..n / 2 + 1).collect();
    let minority: Vec<usize> = (n / 2 + 1..n).collect();
    for &i in &cut {
        c.disconnect(i);
    }
    let writer = c.make_client(1, &minority);
    if timeout(wait, writer.put("k", "during")).await.is_ok() {
        fail!("a put completed while only a minority ({minority:?}) was reachable");
    }
    let reader = c.make_client(2, &minority);
    if let Ok(value) = timeout(wait, reader.get("k")).await {
        fail!(
            "a get completed (returning {value:?}) while only a minority ({minority:?}) was reachable"
        );
    }
    c.heal();
    let after = c.make_client(3, &c.all());
    within(
        wait,
        "a put after the network healed",
        after.put("k", "after"),
    )
    .await?;
    expect(&after, "k", "after", wait).await?;
    check(&env, &c)
}

/// A leader cut off must be replaced, and the service go on; when it
/// returns there is still one leader, and the service still works.
pub async fn re_election<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, false);
    let (limit, et) = (
        env.params.get(&OP_TIMEOUT),
        env.params.get(&ELECTION_TIMEOUT),
    );
    let client = c.make_client(0, &c.all());
    within(limit, "put", client.put("k", "1")).await?;
    let old = c.wait_for_leader(LEADER_WAIT).await?;
    c.disconnect(old);
    sleep(5 * et).await;
    let others: Vec<usize> = (0..c.n()).filter(|&i| i != old).collect();
    ensure!(
        others.iter().any(|&i| c.is_leader(i)),
        "no new leader among servers {others:?} {:?} after leader {old} was cut off",
        5 * et
    );
    within(limit, "append", client.append("k", "2")).await?;
    expect(&client, "k", "12", limit).await?;
    c.heal();
    sleep(et).await;
    let leaders = c.leaders_of_latest_term();
    ensure!(
        leaders.len() == 1,
        "after the old leader {old} rejoined, servers {leaders:?} all lead the latest term"
    );
    within(limit, "append", client.append("k", "4")).await?;
    expect(&client, "k", "124", limit).await?;
    check(&env, &c)
}

/// Clients append to one key at once, with followers cut off: each append
/// exactly once.
pub async fn same_key<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, false);
    let limit = env.params.get(&OP_TIMEOUT);
    disconnect_followers(&c, env.params.get(&DISCONNECTED)).await?;
    let n = env.params.get(&CLIENTS);
    let clients: Vec<_> = (0..n).map(|id| c.make_client(id, &c.all())).collect();
    within(limit, "put", clients[0].put("k", "")).await?;
    let appends = join_all(clients.iter().map(|client| client.append("k", "1")));
    within(limit, "the concurrent appends", appends).await?;
    expect(&clients[0], "k", &"1".repeat(n), limit).await?;
    check(&env, &c)
}

/// Clerks append one after another to one key: the value shows their
/// order.
pub async fn sequential_appends<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, false);
    let limit = env.params.get(&OP_TIMEOUT);
    disconnect_followers(&c, env.params.get(&DISCONNECTED)).await?;
    let n = env.params.get(&CLIENTS);
    let mut expected = String::new();
    for id in 0..n {
        let client = c.make_client(id, &c.all());
        within(limit, "append", client.append("k", &id.to_string())).await?;
        expected.push_str(&id.to_string());
    }
    let reader = c.make_client(n, &c.all());
    expect(&reader, "k", &expected, limit).await?;
    check(&env, &c)
}

/// Two followers miss many operations while the others snapshot; when the
/// network changes they must catch up (by InstallSnapshot) and serve.
pub async fn install_snapshot<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, false);
    let n = c.n();
    let limit = env.params.get(&OP_TIMEOUT);
    let client = c.make_client(0, &c.all());
    within(limit, "put", client.put("a", "A")).await?;
    expect(&client, "a", "A", limit).await?;
    // A majority without two followers (the leader among it).
    let leader = c.wait_for_leader(LEADER_WAIT).await?;
    let behind: Vec<usize> = (1..=n - (n / 2 + 1)).map(|k| (leader + k) % n).collect();
    let majority: Vec<usize> = (0..n).filter(|i| !behind.contains(i)).collect();
    c.partition(&[&majority, &behind]);
    c.connect_client(&client, &majority);
    let ops = env.params.get(&OPS);
    for i in 0..ops {
        within(limit, "put", client.put(&i.to_string(), &i.to_string())).await?;
    }
    // The classic reads: the second key and the last one written while two
    // servers lagged, which only a snapshot (or the whole log) brings them.
    let (second, last) = (1.min(ops - 1).to_string(), (ops - 1).to_string());
    sleep(env.params.get(&ELECTION_TIMEOUT)).await;
    within(limit, "put", client.put("b", "B")).await?;
    check_sizes(&env, &c)?;
    // Now the lagging servers and enough of the rest form the majority.
    let keep = n / 2 + 1 - behind.len();
    let mut next: Vec<usize> = majority
        .iter()
        .copied()
        .filter(|&i| i != leader)
        .take(keep)
        .collect();
    next.extend(&behind);
    let left: Vec<usize> = (0..n).filter(|i| !next.contains(i)).collect();
    c.partition(&[&next, &left]);
    c.connect_client(&client, &next);
    within(limit, "put after the repartition", client.put("c", "C")).await?;
    within(limit, "put", client.put("d", "D")).await?;
    expect(&client, "a", "A", limit).await?;
    expect(&client, "b", "B", limit).await?;
    expect(&client, &second, &second, limit).await?;
    expect(&client, &last, &last, limit).await?;
    c.heal();
    c.connect_client(&client, &c.all());
    within(limit, "put after healing", client.put("e", "E")).await?;
    expect(&client, "c", "C", limit).await?;
    expect(&client, "e", "E", limit).await?;
    expect(&client, &second, &second, limit).await?;
    check_sizes(&env, &c)?;
    check(&env, &c)
}

/// Many put-and-check rounds on one key: the saved state and the snapshot
/// must stay small.
pub async fn snapshot_size<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, false);
    let limit = env.params.get(&OP_TIMEOUT);
    let client = c.make_client(0, &c.all());
    for _ in 0..env.params.get(&OPS) {
        for value in ["0", "1"] {
            within(limit, "put", client.put("x", value)).await?;
            expect(&client, "x", value, limit).await?;
        }
    }
    check_sizes(&env, &c)?;
    let (size, max) = (c.snapshot_size(), env.params.get(&MAX_SNAPSHOT));
    ensure!(
        size <= max,
        "snapshot too large: a server saved {size} bytes, at most {max} allowed"
    );
    check(&env, &c)
}

/// One client makes steady progress on an unreliable network, its
/// operations retried through lost requests and replies.
pub async fn unreliable_progress<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, true);
    let client = c.make_client(0, &c.all());
    let limit = env.params.get(&OP_TIMEOUT);
    let mut expected = String::new();
    client.put("k", "").await;
    for i in 0..env.params.get(&OPS) {
        let value = format!("x 0 {i} y");
        within(limit, "append", client.append("k", &value)).await?;
        expected.push_str(&value);
        expect(&client, "k", &expected, limit).await?;
    }
    check(&env, &c)
}

/// Clients append to one key at once on an unreliable network: every
/// append once, each client's in order, and any two appends in the order
/// of time when one returned before the other was called.
///
/// That is the whole of linearizability for this history (a Put before
/// every append, a Get after them all, so only the Get's value shows an
/// order), checked directly. The general checker cannot decide it: with no
/// reads between the appends, any interleaving of them might turn out to
/// explain the final value, and it must try them all.
pub async fn unreliable_one_key<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, true);
    let (n, appends) = (env.params.get(&CLIENTS), env.params.get(&OPS));
    let setup = c.make_client(n, &c.all());
    setup.put("k", "").await;
    let clients: Vec<_> = (0..n).map(|id| c.make_client(id, &c.all())).collect();
    let spans = join_all(clients.iter().map(|client| async move {
        let mut spans = Vec::new();
        for j in 0..appends {
            let value = format!("x {} {j} y", client.id());
            let call = Instant::now();
            client.append("k", &value).await;
            spans.push(Span {
                value,
                call,
                ret: Instant::now(),
            });
        }
        spans
    }))
    .await;
    let spans: Vec<Span> = spans.into_iter().flatten().collect();
    let value = setup.get("k").await;
    for id in 0..n {
        check_appends(id, &value, appends)?;
    }
    let total = value.matches(" y").count();
    ensure!(
        total == n * appends,
        "the value has {total} appends, expected {}",
        n * appends
    );
    let length: usize = spans.iter().map(|span| span.value.len()).sum();
    ensure!(
        value.len() == length,
        "the value {value:?} holds more than the appends"
    );
    check_real_time_order(&value, &spans)
}

/// An append, with its virtual call and return times.
struct Span {
    value: String,
    call: Instant,
    ret: Instant,
}

/// Every append (each in `value` once) that returned before another was
/// called must come before it in `value`.
fn check_real_time_order(value: &str, spans: &[Span]) -> Result<(), Failure> {
    for first in spans {
        for second in spans.iter().filter(|s| first.ret < s.call) {
            ensure!(
                value.find(&first.value) < value.find(&second.value),
                "append {:?} returned before append {:?} was called, but comes after it in {value:?}",
                first.value,
                second.value
            );
        }
    }
    Ok(())
}

/// With the leader in a minority partition: the majority makes progress,
/// the minority must not, and its stalled operations complete after the
/// partition heals.
pub async fn one_partition<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, false);
    let et = env.params.get(&ELECTION_TIMEOUT);
    let all = c.make_client(0, &c.all());
    all.put("1", "13").await;
    c.wait_for_leader(LEADER_WAIT).await?;
    let (majority, minority) = c.make_partition();
    c.partition(&[&majority, &minority]);
    let in_majority = c.make_client(1, &majority);
    let writer = c.make_client(2, &minority);
    let reader = c.make_client(3, &minority);

    // Progress in the majority.
    in_majority.put("1", "14").await;
    expect(&in_majority, "1", "14", env.params.get(&OP_TIMEOUT)).await?;

    // No progress in the minority, while the majority goes on.
    let put = writer.put("1", "15");
    let get = reader.get("1");
    tokio::pin!(put, get);
    let majority_work = async {
        expect(&in_majority, "1", "14", env.params.get(&OP_TIMEOUT)).await?;
        in_majority.put("1", "16").await;
        expect(&in_majority, "1", "16", env.params.get(&OP_TIMEOUT)).await?;
        sleep(et).await;
        Ok::<_, Failure>(())
    };
    tokio::select! {
        biased;
        () = &mut put => fail!("a put completed in the minority {minority:?}"),
        value = &mut get => fail!("a get completed (returning {value:?}) in the minority {minority:?}"),
        done = majority_work => done?,
    }

    // Completion after healing.
    c.heal();
    c.connect_client(&writer, &c.all());
    c.connect_client(&reader, &c.all());
    sleep(et).await;
    within(3 * et, "the minority's put after healing", &mut put).await?;
    within(3 * et, "the minority's get after healing", &mut get).await?;
    expect(&all, "1", "15", env.params.get(&OP_TIMEOUT)).await?;
    check(&env, &c)
}

/// Sequential appends must commit faster than one per heartbeat, and
/// without burning CPU time that the paused clock would not show.
pub async fn speed<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, false);
    let client = c.make_client(0, &c.all());
    let ops = env.params.get(&OPS);
    client.get("x").await;
    let started = Instant::now();
    let cpu_started = sim::cpu_time();
    for i in 0..ops {
        client.append("x", &format!("x 0 {i} y")).await;
    }
    let took = started.elapsed();
    let cpu_per_op = (sim::cpu_time() - cpu_started) / ops as u32;
    let value = client.get("x").await;
    check_appends(0, &value, ops)?;
    let per_op = took / ops as u32;
    let max = Duration::from_millis(env.params.get(&MAX_OP_MS) as u64);
    ensure!(
        per_op <= max,
        "operations too slow: {ops} appends took {took:?} of virtual time, {per_op:?} each; at most {max:?} each allowed (replication must start at once, not at the next heartbeat)"
    );
    let max_cpu = env.params.get(&MAX_OP_CPU);
    ensure!(
        cpu_per_op <= max_cpu,
        "operations use too much CPU: {ops} appends took {cpu_per_op:?} of CPU time each; at most {max_cpu:?} each allowed (virtual time does not show computation: look for busy work per operation)"
    );
    check_sizes(&env, &c)?;
    check(&env, &c)
}

/// A handler waiting at an index that an installed snapshot covers must
/// not report success: another leader's entry may hold that index. Three
/// servers; the leader `old` is cut off with client A, whose append it
/// starts but cannot commit; the other two elect a leader, commit `ops`
/// puts and snapshot past that index. Then `old`'s own requests are held
/// (it learns of the new term only from the new leader), A's append is
/// started afresh at `old`, and the network heals: the new leader's first
/// message to `old` is, in most Rafts, the snapshot. A server that answers
/// the waiting handler with success acknowledges an append that never took
/// effect, which the final read shows.
pub async fn snapshot_under_waiters<S: KvServer, C: KvClerk>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<S, C>(&env, false);
    let n = c.n();
    ensure!(n == 3, "this scenario needs 3 servers, not {n}");
    ensure!(
        env.params.get(&MAX_RAFT_STATE).is_some(),
        "this scenario needs snapshots: set max_raft_state"
    );
    let limit = env.params.get(&OP_TIMEOUT);
    let et = env.params.get(&ELECTION_TIMEOUT);
    let b = c.make_client(0, &c.all());
    within(limit, "put", b.put("warm-up", "1")).await?;
    let old = c.wait_for_leader(LEADER_WAIT).await?;
    let rest: Vec<usize> = (0..n).filter(|&i| i != old).collect();
    c.partition(&[&[old], &rest]);
    c.connect_client(&b, &rest);
    let a = c.make_client(1, &[old]);
    let net = c.world().net();
    // A's first request to `old` waits on the wire until the end of the
    // setup, so that its handler is fresh when the snapshot comes.
    let a_request = net.hold(Hold::requests().from(a.host()).to(&c.name(old)).first(1));
    let acknowledged = std::cell::Cell::new(None);
    let append = async {
        a.append("a", "x").await;
        acknowledged.set(Some(c.world().now()));
    };
    let script = async {
        let caught = a_request.caught_within(1, limit).await;
        ensure!(
            caught,
            "client 1's clerk sent nothing to server {old}, the only server it can reach, within {limit:?}"
        );
        for i in 0..env.params.get(&OPS) {
            within(limit, "put in the majority", b.put(&i.to_string(), "v")).await?;
        }
        let from_old = net.hold(Hold::requests().from(&c.name(old)));
        a_request.release();
        // Let the handler start A's append before `old` hears of the new
        // term (a released request is delivered at once).
        sleep(Duration::from_millis(1)).await;
        c.heal();
        sleep(et).await;
        let cut_off_ack = acknowledged.get();
        from_old.discard();
        c.connect_client(&a, &c.all());
        Ok(cut_off_ack)
    };
    let (appended, cut_off_ack) =
        tokio::join!(within(limit * 2, "client 1's append", append), script);
    let cut_off_ack = cut_off_ack?;
    appended?;
    let got = within(limit, "get(\"a\")", b.get("a")).await?;
    if got.is_empty() {
        if let Some(at) = cut_off_ack {
            fail!(
                "client 1's append to key \"a\" was acknowledged (at {at:?}) but never took effect: server {old} acknowledged it after losing leadership, uncommitted. Most likely it answered a handler waiting at an index that the snapshot it installed covers (another leader's entry stood there), or answered by index without checking that the entry was the handler's: a waiting handler whose index a snapshot covers must not report success"
            );
        }
    }
    ensure!(
        got == "x",
        "get(\"a\") returned {got:?}, expected \"x\" (client 1 appended \"x\" once)"
    );
    check(&env, &c)
}
