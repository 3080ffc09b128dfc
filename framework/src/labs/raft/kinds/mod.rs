//! The Raft lab's test kinds: the classic catalogue (elections, agreement,
//! persistence, snapshots) and scripted stale-message schedules, each a
//! registered kind with YAML parameters.

mod agreement;
mod common;
mod elections;
mod persistence;
mod scripted;
mod snapshots;
mod stale;

use crate::labs::declare::lab_kinds;
use crate::labs::raft::Raft;
use common::*;

lab_kinds! {
    lab: "raft", types: (R: Raft),
    "initial_election" => elections::initial_election, P3,
        "one leader is elected and stays while nothing fails";
    "re_election" => elections::re_election, P3,
        "a new leader after the leader is cut off; none without a majority";
    "many_elections" => elections::many_elections, P7_ROUNDS,
        "a leader emerges while random peers come and go";
    "basic_agree" => agreement::basic_agree, P3,
        "commands commit at indices 1, 2, 3";
    "rpc_bytes" => agreement::rpc_bytes, P3,
        "each entry is sent to each follower about once";
    "follower_failure" => agreement::follower_failure, P3,
        "progress without one follower; none without a majority";
    "leader_failure" => agreement::leader_failure, P3,
        "progress after the leader fails; none without a majority";
    "fail_agree" => agreement::fail_agree, P3,
        "agreement despite a disconnected follower, which then catches up";
    "fail_no_agree" => agreement::fail_no_agree, P5,
        "no commit while too many followers are disconnected";
    "concurrent_starts" => agreement::concurrent_starts, P3,
        "commands started at once all commit";
    "rejoin" => agreement::rejoin, P3,
        "a disconnected leader rejoins and drops its uncommitted entries";
    "backup" => agreement::backup, P5,
        "a leader backs up quickly over long incorrect follower logs";
    "count" => agreement::count, P3,
        "elections, agreement and idleness take few RPCs";
    "persist1" => persistence::persist1, P3,
        "state survives restarts of all, the leader, and followers";
    "persist2" => persistence::persist2, P5,
        "logs survive crashes of majorities";
    "persist3" => persistence::persist3, P3,
        "a partitioned leader and a follower crash and restart";
    "figure8" => persistence::figure8, P5_ROUNDS,
        "Figure 8: leaders crash at random; committed entries survive";
    "unreliable_agree" => persistence::unreliable_agree, P5_AGREE_ROUNDS,
        "concurrent agreement on an unreliable network";
    "figure8_unreliable" => persistence::figure8_unreliable, P5_ROUNDS,
        "Figure 8 on an unreliable network with long reordering";
    "churn" => persistence::churn, P5_CHURN,
        "clients commit while peers crash, restart and disconnect";
    "figure8_scripted" => scripted::figure8_scripted, FIGURE8_SCRIPTED,
        "the paper's Figure 8, step by step: no commit of an old term's entry by counting";
    "vote_persistence" => scripted::vote_persistence, P3_ROUNDS,
        "a vote survives a restart: never two leaders in one term";
    "stale_vote" => scripted::stale_vote, P3,
        "a vote reply held until a later election must not count there";
    "stale_snapshot" => scripted::stale_snapshot, P3,
        "a snapshot held until the follower has moved past it must change nothing";
    "stale_append_reply" => stale::stale_append_reply, P5,
        "an AppendEntries success held until its leader leads again with a rewritten log must not count";
    "stale_append_request" => stale::stale_append_request, P3,
        "an older, shorter AppendEntries after a longer one must not drop acknowledged entries";
    "stale_append_below_snapshot" => stale::stale_append_below_snapshot, P3,
        "an AppendEntries held until the follower has snapshotted past its prevLogIndex must lose nothing";
    "snapshot" => snapshots::snapshot, P3_SNAPSHOT,
        "snapshots every 10 entries; lagging peers catch up";
    "snapshot_all_crash" => snapshots::snapshot_all_crash, P3_UNRELIABLE_ROUNDS,
        "every peer crashes; indices never go back";
    "snapshot_init" => snapshots::snapshot_init, P3_UNRELIABLE,
        "a restarted peer reloads its snapshot before saving again";
}
