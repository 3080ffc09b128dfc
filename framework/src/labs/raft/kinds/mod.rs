//! The Raft lab's test kinds: the classic catalogue (elections, agreement,
//! persistence, snapshots), each a registered kind with YAML parameters.

mod agreement;
mod common;
mod elections;
mod persistence;
mod scripted;
mod snapshots;

use futures::FutureExt;

use crate::labs::Student;
use crate::suite::Kind;
use common::*;

macro_rules! kind {
    ($name:literal, $m:ident :: $f:ident, $params:expr, $summary:literal) => {
        Kind {
            name: $name,
            lab: "raft",
            summary: $summary,
            params: $params,
            run: |env| $m::$f::<S::Raft>(env).boxed_local(),
        }
    };
}

/// Every Raft kind, for the student bundle `S`.
pub fn kinds<S: Student>() -> Vec<Kind> {
    vec![
        kind!(
            "initial_election",
            elections::initial_election,
            P3,
            "one leader is elected and stays while nothing fails"
        ),
        kind!(
            "re_election",
            elections::re_election,
            P3,
            "a new leader after the leader is cut off; none without a majority"
        ),
        kind!(
            "many_elections",
            elections::many_elections,
            P7_ROUNDS,
            "a leader emerges while random peers come and go"
        ),
        kind!(
            "basic_agree",
            agreement::basic_agree,
            P3,
            "commands commit at indices 1, 2, 3"
        ),
        kind!(
            "rpc_bytes",
            agreement::rpc_bytes,
            P3,
            "each entry is sent to each follower about once"
        ),
        kind!(
            "follower_failure",
            agreement::follower_failure,
            P3,
            "progress without one follower; none without a majority"
        ),
        kind!(
            "leader_failure",
            agreement::leader_failure,
            P3,
            "progress after the leader fails; none without a majority"
        ),
        kind!(
            "fail_agree",
            agreement::fail_agree,
            P3,
            "agreement despite a disconnected follower, which then catches up"
        ),
        kind!(
            "fail_no_agree",
            agreement::fail_no_agree,
            P5,
            "no commit while too many followers are disconnected"
        ),
        kind!(
            "concurrent_starts",
            agreement::concurrent_starts,
            P3,
            "commands started at once all commit"
        ),
        kind!(
            "rejoin",
            agreement::rejoin,
            P3,
            "a disconnected leader rejoins and drops its uncommitted entries"
        ),
        kind!(
            "backup",
            agreement::backup,
            P5,
            "a leader backs up quickly over long incorrect follower logs"
        ),
        kind!(
            "count",
            agreement::count,
            P3,
            "elections, agreement and idleness take few RPCs"
        ),
        kind!(
            "persist1",
            persistence::persist1,
            P3,
            "state survives restarts of all, the leader, and followers"
        ),
        kind!(
            "persist2",
            persistence::persist2,
            P5,
            "logs survive crashes of majorities"
        ),
        kind!(
            "persist3",
            persistence::persist3,
            P3,
            "a partitioned leader and a follower crash and restart"
        ),
        kind!(
            "figure8",
            persistence::figure8,
            P5_ROUNDS,
            "Figure 8: leaders crash at random; committed entries survive"
        ),
        kind!(
            "unreliable_agree",
            persistence::unreliable_agree,
            P5_ROUNDS,
            "concurrent agreement on an unreliable network"
        ),
        kind!(
            "figure8_unreliable",
            persistence::figure8_unreliable,
            P5_ROUNDS,
            "Figure 8 on an unreliable network with long reordering"
        ),
        kind!(
            "churn",
            persistence::churn,
            P5_CHURN,
            "clients commit while peers crash, restart and disconnect"
        ),
        kind!(
            "figure8_scripted",
            scripted::figure8_scripted,
            P5,
            "the paper's Figure 8, step by step: no commit of an old term's entry by counting"
        ),
        kind!(
            "vote_persistence",
            scripted::vote_persistence,
            P3_ROUNDS,
            "a vote survives a restart: never two leaders in one term"
        ),
        kind!(
            "stale_vote",
            scripted::stale_vote,
            P3,
            "a vote reply held until a later election must not count there"
        ),
        kind!(
            "snapshot",
            snapshots::snapshot,
            P3_SNAPSHOT,
            "snapshots every 10 entries; lagging peers catch up"
        ),
        kind!(
            "snapshot_all_crash",
            snapshots::snapshot_all_crash,
            P3_UNRELIABLE_ROUNDS,
            "every peer crashes; indices never go back"
        ),
        kind!(
            "snapshot_init",
            snapshots::snapshot_init,
            P3_UNRELIABLE,
            "a restarted peer reloads its snapshot before saving again"
        ),
    ]
}
