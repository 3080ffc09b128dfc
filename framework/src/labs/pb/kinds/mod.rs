//! The primary/backup lab's test kinds: the classic viewservice test's nine
//! steps, the classic pbservice tests, and the tests the classics lack. The
//! view service monitor checks every test throughout; every test with
//! clients ends with the linearizability check of its history.

mod basic;
mod common;
mod concurrent;
mod partition;
mod viewservice;

use crate::labs::declare::lab_kinds;
use crate::labs::pb::{PbClerk, PbServer, ViewService};
use crate::suite::ParamSpec;
use basic::{APPENDS, FAILOVER, MUST_BLOCK, PUTS, SLACK, START_AFTER};
use common::*;
use concurrent::{
    APPEND, APPENDS_PER_CLIENT, CLIENT_PAUSE, DOWN, JOIN_CLIENTS, MIXED, PREFILL, SHARED_APPENDS,
    UP,
};
use partition::{DELAY, LATE_WRITE, NEW_BACKUP_THEN_KILL, WAIT};
use viewservice::STRICT_SINGLE_CHANGE;

const CHECKED: [ParamSpec; 3] = [
    OP_TIMEOUT.spec(),
    CHECK_STEPS.spec(),
    FAIL_ON_UNKNOWN.spec(),
];

const VS: &[ParamSpec] = &[STRICT_SINGLE_CHANGE.spec()];
const BASIC: &[ParamSpec] = &[
    PUTS.spec(),
    SLACK.spec(),
    MUST_BLOCK.spec(),
    START_AFTER.spec(),
    CHECKED[0],
    CHECKED[1],
    CHECKED[2],
];
const AT_MOST_ONCE: &[ParamSpec] = &[
    SERVERS.with_default(1).spec(),
    APPENDS.spec(),
    UNRELIABLE.spec(),
    UNRELIABLE_AFTER_RESTART.spec(),
    FAILOVER.spec(),
    CHECKED[0],
    CHECKED[1],
    CHECKED[2],
];
const FAIL_PUT: &[ParamSpec] = &[CHECKED[0], CHECKED[1], CHECKED[2]];
const CONCURRENT: &[ParamSpec] = &[
    CLIENTS.with_default(3).spec(),
    DURATION.spec(),
    APPEND.spec(),
    APPENDS_PER_CLIENT.spec(),
    PREFILL.spec(),
    JOIN_CLIENTS.spec(),
    UNRELIABLE.spec(),
    UNRELIABLE_AFTER_RESTART.spec(),
    CHECKED[0],
    CHECKED[1],
    CHECKED[2],
];
const CRASHES: &[ParamSpec] = &[
    SERVERS.spec(),
    CLIENTS.with_default(2).spec(),
    DURATION.spec(),
    DOWN.spec(),
    UP.spec(),
    CLIENT_PAUSE.spec(),
    SHARED_APPENDS.spec(),
    MIXED.spec(),
    UNRELIABLE.spec(),
    UNRELIABLE_AFTER_RESTART.spec(),
    CHECKED[0],
    CHECKED[1],
    CHECKED[2],
];
const STALE: &[ParamSpec] = &[
    DELAY.spec(),
    WAIT.spec(),
    NEW_BACKUP_THEN_KILL.spec(),
    LATE_WRITE.spec(),
    CHECKED[0],
    CHECKED[1],
    CHECKED[2],
];

lab_kinds! {
    lab: "pb", types: (V: ViewService, S: PbServer, C: PbClerk),
    "vs_first_primary" => viewservice::first_primary, VS,
        "V1: the first server to ping becomes primary of view 1";
    "vs_first_backup" => viewservice::first_backup, VS,
        "V2 (after V1): the second server becomes backup in view 2";
    "vs_backup_takeover" => viewservice::backup_takeover, VS,
        "V3 (after V1-V2): the backup takes over when the primary stops pinging";
    "vs_restart_becomes_backup" => viewservice::restart_becomes_backup, VS,
        "V4 (after V1-V3): a restarted server becomes backup";
    "vs_idle_becomes_backup" => viewservice::idle_becomes_backup, VS,
        "V5 (after V1-V4): an idle server becomes backup when the primary fails";
    "vs_restarted_primary_dead" => viewservice::restarted_primary_dead, VS,
        "V6 (after V1-V5): a primary that pings 0 is treated as dead";
    "vs_dead_backup_removed" => viewservice::dead_backup_removed, VS,
        "V7 (after V1-V6): a silent backup leaves the view";
    "vs_waits_for_ack" => viewservice::waits_for_ack, VS,
        "V8 (after V1-V7): no new view until the primary acknowledged the current one";
    "vs_uninitialized_not_primary" => viewservice::uninitialized_not_primary, VS,
        "V9 (after V1-V8): a server that never had the data never becomes primary";
    "vs_restarted_backup" => viewservice::restarted_backup, VS,
        "a backup that pings 0 (restarted, empty) does not stay in the view as it was";
    "pb_single_primary" => basic::single_primary, BASIC,
        "P1: one server serves Puts, Appends and Gets";
    "pb_add_backup" => basic::add_backup, BASIC,
        "P2 (after P1): a second server joins as backup";
    "pb_count_vs_rpcs" => basic::count_vs_rpcs, BASIC,
        "P3 (after P1-P2): the clerk does not ask the view service on every operation";
    "pb_primary_failure" => basic::primary_failure, BASIC,
        "P4 (after P1-P3): the backup takes over with every value";
    "pb_kill_last_server" => basic::kill_last_server, BASIC,
        "P5 (after P1-P4): a server that never had the data does not serve";
    "pb_at_most_once" => basic::at_most_once, AT_MOST_ONCE,
        "P6: Appends through unreliable servers each take effect once";
    "pb_put_after_backup_failure" => basic::put_after_backup_failure, FAIL_PUT,
        "P7: a Put right after the backup dies completes, and a new backup gets it";
    "pb_put_after_primary_failure" => basic::put_after_primary_failure, FAIL_PUT,
        "P8 (after P7): a Put right after the primary dies completes at the new primary";
    "pb_concurrent_same" => concurrent::concurrent_same, CONCURRENT,
        "P9-P11: clients on the same keys; the values survive the primary's failure";
    "pb_repeated_crash" => concurrent::repeated_crash, CRASHES,
        "P12-P13: servers killed and restarted over and over while clients run";
    "pb_stale_primary" => partition::stale_primary, STALE,
        "P14-P15: a primary cut off from the view service never answers from stale state";
    "pb_dup_across_failover" => partition::dup_across_failover, FAIL_PUT,
        "an Append whose answer was lost as the primary died is not applied again by the new one";
}
