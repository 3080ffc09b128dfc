//! Scripted schedules of stale AppendEntries messages, which the randomized
//! tests deliver only by luck: a success reply that reaches its leader
//! terms later, after the log it answered for was rewritten, and an older,
//! shorter request that reaches a follower after a longer one it has
//! acknowledged. Each scenario builds its schedule with holds and links,
//! the same on every seed, and picks messages by sender, receiver,
//! direction and size, never by the student's method names.

use std::time::Duration;

use tokio::time::sleep;

use super::common::{cluster, cmd};
use super::scripted::big_cmd;
use crate::ensure;
use crate::labs::raft::{ApplyMode, Cluster, Raft};
use crate::net::{Held, Hold};
use crate::sim::Failure;
use crate::suite::TestEnv;

/// The size from which a request must carry at least one of
/// [`big_cmd`]'s commands: heartbeats and vote requests are a few dozen
/// bytes.
const BIG: usize = 200;

/// How long the test waits for the messages on the wire to arrive, and
/// for their replies to come back: two round trips at the longest time on
/// the wire (20 ms at the default 1–5 ms), far less than a heartbeat
/// interval or an election timeout, so that nobody's beliefs change
/// meanwhile.
fn settle<R: Raft>(c: &Cluster<R>) -> Duration {
    c.world().net().latency().max * 4
}

/// Server `i`'s current term (0 while it is down).
fn term_of<R: Raft>(c: &Cluster<R>, i: usize) -> u64 {
    c.leadership(i).map_or(0, |(term, _)| term)
}

/// Starts `command` on server `i` if it accepts it as leader. Unlike
/// `start_on`, a refusal is not a failure: a correct leader may have
/// stepped down meanwhile, which only means the scenario was not set up.
fn try_start<R: Raft>(c: &Cluster<R>, i: usize, command: Vec<u8>) -> Option<u64> {
    c.raft(i)?.start(command).map(|(index, _)| index)
}

/// Starts `commands` on leader `i` one after another; returns the first
/// and the last index, or `None` if it refuses one. A leader that does not
/// put them at consecutive indices fails the test.
fn start_all<R: Raft>(
    c: &Cluster<R>,
    i: usize,
    commands: impl IntoIterator<Item = Vec<u8>>,
) -> Result<Option<(u64, u64)>, Failure> {
    let mut indices: Option<(u64, u64)> = None;
    for command in commands {
        let Some(index) = try_start(c, i, command) else {
            return Ok(None);
        };
        if let Some((_, last)) = indices {
            ensure!(
                index == last + 1,
                "leader {i} put a command at index {index} right after one at index {last}"
            );
        }
        indices = Some((indices.map_or(index, |(first, _)| first), index));
    }
    Ok(indices)
}

/// Waits up to `limit` for `n` servers to apply `index`; true if they did.
async fn applied_by<R: Raft>(
    c: &Cluster<R>,
    index: u64,
    n: usize,
    limit: Duration,
) -> Result<bool, Failure> {
    const POLL: Duration = Duration::from_millis(20);
    for _ in 0..limit.div_duration_f64(POLL).ceil() as u64 {
        if c.n_committed(index)?.0 >= n {
            return Ok(true);
        }
        sleep(POLL).await;
    }
    Ok(c.n_committed(index)?.0 >= n)
}

/// The start of the three-server scenarios: a first command committed,
/// then the leader `l`, its term, and the other two servers, `f` and `g`.
async fn leader_and_two<R: Raft>(c: &Cluster<R>) -> Result<(usize, u64, usize, usize), Failure> {
    let n = c.n();
    ensure!(n == 3, "this scenario needs 3 servers, not {n}");
    c.one(cmd(1), n, true).await?;
    let l = c.check_one_leader().await?;
    Ok((l, term_of(c, l), (l + 1) % n, (l + 2) % n))
}

/// Cuts leader `l` off and brings `g` back, so that `f`, the only server
/// that holds the committed indices `first..=last`, must win the election
/// (`after` says what happened before, for the failure); then gives `f`
/// the command `cmd(x)`. Returns `f`'s term and the command's index, or
/// `None` if `f` stepped down before it took the command.
async fn hand_over<R: Raft>(
    c: &Cluster<R>,
    [l, f, g]: [usize; 3],
    (first, last): (u64, u64),
    x: u64,
    after: &str,
) -> Result<Option<(u64, u64)>, Failure> {
    c.disconnect(l);
    c.connect(g);
    let leader = c.check_one_leader().await?;
    ensure!(
        leader == f,
        "server {leader} won an election though its log lacks indices {first}..={last}, committed, which server {f} has{after}"
    );
    let term = term_of(c, f);
    Ok(try_start(c, f, cmd(x)).map(|index| (term, index)))
}

/// The end of every path through a scenario, checked or not: what is held
/// is lost, everyone is connected again, and the cluster must still agree
/// on a new command, `cmd(x)`.
async fn finish<R: Raft>(c: &Cluster<R>, holds: &[&Held], x: u64) -> Result<(), Failure> {
    for held in holds {
        held.discard();
    }
    c.heal();
    c.check_one_leader().await?;
    c.one(cmd(x), c.n(), true).await?;
    Ok(())
}

/// A success reply to an AppendEntries must count only in the term of its
/// request: the leader's log may have been rewritten since. Five servers,
/// because with three the entries on the leader and its one follower would
/// be on a majority, which no later leader could overwrite (the indices are
/// those of a run whose commands all commit at the first try):
///
/// 1. Leader `l` (term t1), with only follower `f` reachable, sends `f`
///    entries 2–6; `f` stores them, and its reply is held.
/// 2. `l` and `f` are cut off; the other three commit a command of their
///    own at index 2 (term t2).
/// 3. `l` rejoins two of them (`g`, the leader, and `a`; `b` stays away)
///    and they commit another at index 3: `l`'s entries 2–6 are gone.
/// 4. `g` and `a` go away and `f` and `b` rejoin: `l` is now the only one
///    whose log can win, and leads term t3.
/// 5. `f` is cut off again (its link from `l` stays up, but every request
///    on it is held), and `l` stores entries 4–9 of term t3 on `b` alone.
///    The held reply is released: a leader that takes `f`'s old success
///    as news about its new log counts `f` for entries 4–6, and commits
///    them with two of five servers holding them.
pub async fn stale_append_reply<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let (n, et) = (c.n(), c.limits.election);
    ensure!(n == 5, "this scenario needs 5 servers, not {n}");
    c.one(cmd(1), n, true).await?;
    let l = c.check_one_leader().await?;
    let t1 = term_of(&c, l);
    let [f, p, q, r] = [1, 2, 3, 4].map(|k| (l + k) % n);
    let net = c.world().net();
    let not_set_up = |what: String| {
        env.world.warn(format!(
            "{what}; the late AppendEntries reply was not checked"
        ))
    };

    // 1. The first request to f that carries entries is held, then every
    // later request to f. Once the replies to the earlier ones are back,
    // the first is released and its reply, the only one f can still send
    // l, is held: l never learns that f has the entries, and the one reply
    // held is the one about them (not a heartbeat's, which a leader that
    // lets a reply lower match_index would take last).
    let entries = net.hold(
        Hold::requests()
            .from(&c.name(l))
            .to(&c.name(f))
            .at_least(BIG)
            .first(1),
    );
    c.partition(&[&[l, f], &[p, q, r]]);
    let started = start_all(&c, l, (1..=5).map(big_cmd))?;
    let caught = started.is_some() && entries.caught_within(1, et).await;
    let later = net.hold(Hold::requests().from(&c.name(l)).to(&c.name(f)));
    sleep(settle(&c)).await;
    let replies = net.hold(Hold::replies().from(&c.name(l)).to(&c.name(f)));
    entries.release();
    sleep(settle(&c)).await;
    // The reply held is a success of term t1 only if f never left it.
    let set_up = caught
        && replies.caught() == 1
        && c.leadership(l) == Some((t1, true))
        && term_of(&c, f) == t1;
    c.disconnect(l);
    c.disconnect(f);
    replies.stop();
    later.discard();
    if !set_up {
        not_set_up(format!(
            "leader {l} of term {t1} did not send server {f} the entries it was given within {et:?}, or server {f} did not answer, or one of them left term {t1} meanwhile"
        ));
        return finish(&c, &[&replies], 100).await;
    }

    // 2. The other three commit a command of a later term where l's
    // entries begin.
    c.one(cmd(2), 3, true).await?;
    let g = c.check_one_leader().await?;
    let others: Vec<usize> = [p, q, r].into_iter().filter(|&i| i != g).collect();
    ensure!(
        others.len() == 2,
        "server {g} leads, though only servers {p}, {q} and {r} are connected"
    );
    let (a, b) = (others[0], others[1]);

    // 3. l learns of it from g and replaces its entries; b does not get
    // the next command.
    c.partition(&[&[l, g, a], &[b]]);
    // Give g's heartbeats time to tell l that its term is over, so that
    // l takes no more commands.
    sleep(et / 2).await;
    let y = c.one(cmd(3), 3, true).await?;

    // 4. Among l, b and f only l has index y (b was away, f's last entry
    // is of term t1), so only l can win.
    c.disconnect(g);
    c.disconnect(a);
    c.partition(&[&[l, b, f]]);
    let leader = c.check_one_leader().await?;
    ensure!(
        leader == l,
        "server {leader} won an election though its log lacks index {y}, committed, which server {l} has"
    );
    let t3 = term_of(&c, l);

    // 5. Nothing more reaches f, yet l's link to f stays up so that the
    // held reply can be delivered.
    let to_f = net.hold(Hold::requests().from(&c.name(l)).to(&c.name(f)));
    c.cut(f, b);
    c.cut_one_way(f, l);
    let Some((z, last)) = start_all(&c, l, (10..16).map(cmd))? else {
        not_set_up(format!("leader {l} of term {t3} refused new commands"));
        return finish(&c, &[&replies, &to_f], 100).await;
    };
    // Time for b to store and acknowledge them: still two of five.
    sleep(et / 5).await;
    let (count, _) = c.n_committed(z)?;
    ensure!(
        count == 0,
        "{count} servers applied index {z}, which only servers {l} and {b} have (a majority of five is three)"
    );
    let leading = c.leadership(l) == Some((t3, true));
    replies.release();
    for _ in 0..10 {
        sleep(et / 20).await;
        let (count, _) = c.n_committed(z)?;
        ensure!(
            count == 0,
            "server {l}, leader of term {t3}, committed index {z}, which only servers {l} and {b} have (servers {f}, {g} and {a} were cut off before it was started), once a reply of server {f}'s held since term {t1} reached it: it counted server {f} on the word of an AppendEntries reply from term {t1}, which answered for what its log held then. A leader must use a reply only in the term of its request"
        );
    }
    if !leading {
        not_set_up(format!(
            "server {l} no longer led term {t3} when the held reply was released"
        ));
    }
    finish(&c, &[&to_f], last + 100).await
}

/// A follower must never drop entries it has acknowledged because an
/// older AppendEntries arrives late: it truncates its log only at a
/// conflict. Three servers (the indices are those of a run whose commands
/// all commit at the first try); `g` is cut off, so that leader `l` commits
/// with follower `f` alone. The first request to `f` carrying an entry
/// (index 2 only) is held; four more commands follow, and a later request
/// carrying all of them reaches `f`, which acknowledges it: `l` commits
/// indices 2–6. The short request is released, then `l` is cut off and
/// `g` rejoins: `f`, the only server whose log can win, must still hold
/// indices 2–6, and put its first command at index 7.
pub async fn stale_append_request<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Plain);
    let et = c.limits.election;
    let (l, t, f, g) = leader_and_two(&c).await?;
    let net = c.world().net();
    let not_set_up = |what: String| {
        env.world.warn(format!(
            "{what}; the late AppendEntries request was not checked"
        ))
    };

    c.disconnect(g);
    let short = net.hold(
        Hold::requests()
            .from(&c.name(l))
            .to(&c.name(f))
            .at_least(BIG)
            .first(1),
    );
    // The first entry alone, so that the held request carries only it.
    let started = start_all(&c, l, [big_cmd(1)])?;
    let caught = started.is_some() && short.caught_within(1, et).await;
    let rest = match started {
        Some((first, _)) if caught => {
            start_all(&c, l, (2..=5).map(big_cmd))?.map(|(next, last)| (first, next, last))
        }
        _ => None,
    };
    let Some((first, next, last)) = rest else {
        not_set_up(format!(
            "leader {l} of term {t} did not take and send server {f} the entries it was given within {et:?}"
        ));
        return finish(&c, &[&short], 100).await;
    };
    ensure!(
        next == first + 1,
        "leader {l} put a command at index {next} right after one at index {first}"
    );
    // With g cut off, l can commit index `last` only once f has
    // acknowledged a request carrying it.
    let wait = c.limits.agreement;
    if !applied_by(&c, last, 1, wait).await? {
        not_set_up(format!(
            "leader {l} did not commit index {last} within {wait:?} while its first AppendEntries carrying entries to server {f} was held (does it wait for each reply before sending the next?)"
        ));
        return finish(&c, &[&short], 100).await;
    }
    // Let f apply them too: after a wrong truncation, its applier would
    // look for entries that are gone, and the bug would show as that.
    applied_by(&c, last, 2, et).await?;
    if c.leadership(l) != Some((t, true)) || term_of(&c, f) != t {
        not_set_up(format!(
            "leader {l} or server {f} left term {t} while the request was held"
        ));
        return finish(&c, &[&short], 100).await;
    }
    short.release();
    // The request was already across the wire: it reaches f's handler at
    // once. Cut l off before it can repair what f may have lost.
    sleep(settle(&c)).await;
    let Some((term, index)) = hand_over(&c, [l, f, g], (first, last), 2, "").await? else {
        not_set_up(format!(
            "server {f} stepped down before it was given a command"
        ));
        return finish(&c, &[], 100).await;
    };
    ensure!(
        index > last,
        "server {f} lost entries it had acknowledged: leader {l} committed indices {first}..={last} in term {t} on server {f}'s acknowledgement (server {g} was cut off), yet as leader of term {term} server {f} put a new command at index {index}. A follower must not truncate its log on an AppendEntries whose entries it already has (here an older, shorter request, delivered after a longer one it had acknowledged): only from the first entry that conflicts"
    );
    finish(&c, &[], 3).await
}

/// An AppendEntries that reaches a follower after the follower has
/// snapshotted past its prevLogIndex must harm nothing: the part its
/// snapshot covers is committed, so it is skipped; the entries after the
/// snapshot point are matched as usual; nothing the follower holds beyond
/// the request is dropped. Three servers, snapshots every 10 entries (the
/// indices are those of a run whose commands all commit at the first
/// try); `g` is cut off, so that leader `l` commits with follower `f`
/// alone.
///
/// 1. The first two requests to `f` carrying entries (2–13, started at
///    once) are held; `l` sends them again, `f` stores them, and `l` and
///    `f` commit up to index 16: `f`'s snapshot is at 9, its log holds
///    10–16.
/// 2. The first held request is released: its prevLogIndex (1) is below
///    `f`'s snapshot, some of its entries are covered by it and the rest
///    are in `f`'s log. `f` must still commit and apply index 17 as `l`
///    does.
/// 3. `l` and `f` commit up to index 22 (`f`'s snapshot is now at 19) and
///    the second held request, all of whose entries `f`'s snapshot now
///    covers, is released; nothing else from `l` reaches `f`. Then `l` is
///    cut off and `g` rejoins: `f`, the only server whose log can win,
///    must still hold indices 20–22, and put its first command at 23.
/// 4. Once that has committed, `f` crashes and restarts, everyone is
///    connected again, and all must agree on one more command.
pub async fn stale_append_below_snapshot<R: Raft>(env: TestEnv) -> Result<(), Failure> {
    let c = cluster::<R>(&env, false, ApplyMode::Snapshots);
    let et = c.limits.election;
    let (l, t, f, g) = leader_and_two(&c).await?;
    let net = c.world().net();
    let not_set_up = |what: String| {
        env.world.warn(format!(
            "{what}; the late AppendEntries below the follower's snapshot was not checked"
        ))
    };
    let entries_to_f = || {
        Hold::requests()
            .from(&c.name(l))
            .to(&c.name(f))
            .at_least(BIG)
            .first(1)
    };

    // 1. Twelve entries at once, then the first two requests carrying any
    // of them are held: l must send a third before f has any.
    c.disconnect(g);
    let first = net.hold(entries_to_f());
    let started = start_all(&c, l, (2..=13).map(big_cmd))?;
    let caught = started.is_some() && first.caught_within(1, et).await;
    let second = net.hold(entries_to_f());
    let caught = caught && second.caught_within(1, et).await;
    let Some((2, 13)) = started.filter(|_| caught) else {
        not_set_up(format!(
            "leader {l} of term {t} did not take commands at indices 2..=13 and send server {f} two requests carrying them within {et:?} each"
        ));
        return finish(&c, &[&first, &second], 100).await;
    };
    let mut last = 13;
    for x in 14..=16 {
        last = c.one(cmd(x), 2, true).await?;
    }
    if last != 16 || c.leadership(l) != Some((t, true)) || term_of(&c, f) != t {
        not_set_up(format!(
            "leader {l} did not commit indices 14..=16 in term {t} with server {f}, or one of them left term {t}, while two requests carrying entries to server {f} were held"
        ));
        return finish(&c, &[&first, &second], 100).await;
    }

    // 2. f has snapshotted at 9 and holds 10–16; the request that starts
    // at 1 arrives.
    first.release();
    sleep(settle(&c)).await;
    let index = c.one(cmd(17), 2, true).await.map_err(|e| {
        Failure::new(format!(
            "{} (just after an AppendEntries from leader {l} whose prevLogIndex lies below server {f}'s snapshot at index 9 arrived late, while server {f}'s log held indices 10..=16 and server {g} was cut off: the part a snapshot covers must be skipped and the rest matched as usual)",
            e.message()
        ))
    })?;
    ensure!(
        index == 17,
        "after an AppendEntries below its snapshot arrived late, leader {l} put a command at index {index} right after committing index 16"
    );
    for x in 18..=22 {
        last = c.one(cmd(x), 2, true).await?;
    }
    if last != 22 || c.leadership(l) != Some((t, true)) || term_of(&c, f) != t {
        not_set_up(format!(
            "leader {l} did not commit indices 18..=22 in term {t} with server {f}, or one of them left term {t}"
        ));
        return finish(&c, &[&second], 100).await;
    }

    // 3. f has snapshotted at 19 and holds 20–22; the other request, all
    // of whose entries the snapshot covers, arrives, and nothing after it
    // can repair what f does with it.
    let later = net.hold(Hold::requests().from(&c.name(l)).to(&c.name(f)));
    second.release();
    sleep(settle(&c)).await;
    later.discard();
    let after = format!(" (after an AppendEntries below server {f}'s snapshot arrived late)");
    let Some((term, index)) = hand_over(&c, [l, f, g], (2, 22), 23, &after).await? else {
        not_set_up(format!(
            "server {f} stepped down before it was given a command"
        ));
        return finish(&c, &[], 100).await;
    };
    ensure!(
        index > last,
        "after an AppendEntries below its snapshot arrived late, server {f} lost entries it had acknowledged: leader {l} committed indices 2..=22 in term {t} on server {f}'s acknowledgement (server {g} was cut off), server {f} had snapshotted at index 19 and held indices 20..=22, yet as leader of term {term} it put a new command at index {index}. When a request's prevLogIndex is below the snapshot, the part the snapshot covers must be skipped and the log past the snapshot kept, not cut or replaced"
    );
    ensure!(
        index == last + 1,
        "after an AppendEntries below its snapshot arrived late, server {f} holds entries past index {last} that no leader sent it there: leader {l}'s log ended at index {last}, yet as leader of term {term} server {f} put a new command at index {index}. The entries of a request that the snapshot covers must be dropped from it, not stored from the snapshot point on: each entry belongs at prevLogIndex + 1 + its position in the request"
    );
    // 4. Once f has committed it with g, f restarts from what it saved
    // (its snapshot at 19 and the log after it), and everyone agrees on
    // one more command.
    let wait = c.limits.agreement;
    ensure!(
        applied_by(&c, index, 2, wait).await?,
        "server {f}, leader of term {term}, did not commit index {index} with server {g} within {wait:?} (after an AppendEntries below its snapshot arrived late)"
    );
    c.crash(f);
    c.start(f);
    finish(&c, &[], 24).await.map_err(|e| {
        Failure::new(format!(
            "{} (server {f} had been crashed and restarted after an AppendEntries below its snapshot arrived late: it must recover from its saved state and snapshot)",
            e.message()
        ))
    })
}
