//! A cluster of Raft peers under the harness's control: start, crash,
//! connect and disconnect peers, and watch what they apply.

use std::cell::Cell;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::applied::Applied;
use super::{ApplyMsg, ApplyReceiver, Raft, apply_channel};
use crate::labs::group::Group;
use crate::labs::leaders::Leaders;
use crate::labs::links::Links;
use crate::sim::{EventKind, Failure, World};
use crate::sync::lock;

/// The harness's time limits, all in virtual time (the classic values are
/// the defaults; suites can change them).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// What the tests allow for an election (the classic 1 s).
    pub election: Duration,
    /// How long `one()` keeps trying to commit a command (10 s).
    pub agreement: Duration,
    /// How long `one()` waits for one attempt to commit (2 s).
    pub agreement_try: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            election: Duration::from_secs(1),
            agreement: Duration::from_secs(10),
            agreement_try: Duration::from_secs(2),
        }
    }
}

/// Whether peers are checked as plain appliers or as snapshotting ones
/// (which also call `snapshot()` every [`SNAPSHOT_INTERVAL`] entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyMode {
    /// Check each applied command against the others (3A–3C).
    Plain,
    /// Also require exactly consecutive applies, install snapshots, and
    /// snapshot every [`SNAPSHOT_INTERVAL`] entries (3D).
    Snapshots,
}

/// The classic applier snapshots when `(index + 1)` is a multiple of this.
pub const SNAPSHOT_INTERVAL: u64 = 10;

/// A cluster of `n` Raft peers named `raft-0` … `raft-{n-1}`: one
/// [`Group`] of peers, and what the checks watch (what each peer applied,
/// who led which term).
///
/// Every method takes `&self`, so a test can drive several clients at once
/// with `join!` on one task. A peer's own tasks run on its node. The
/// group's vocabulary (connect, disconnect, cut, crash, …) is the
/// cluster's too, through `Deref`.
pub struct Cluster<R: Raft> {
    world: World,
    mode: ApplyMode,
    pub(crate) limits: Limits,
    group: Group<R>,
    pub(crate) applied: Arc<Mutex<Applied>>,
    /// Where `one()` starts looking for a leader next (round robin).
    pub(crate) next_start: Cell<usize>,
}

impl<R: Raft> Deref for Cluster<R> {
    type Target = Group<R>;

    fn deref(&self) -> &Group<R> {
        &self.group
    }
}

impl<R: Raft> Cluster<R> {
    /// Starts and connects `n` peers with long delays on (as the classic
    /// Raft tests do) and the network reliable or not.
    pub fn new(
        world: &World,
        n: usize,
        unreliable: bool,
        mode: ApplyMode,
        limits: Limits,
    ) -> Cluster<R> {
        world.net().set_unreliable(unreliable);
        world.net().set_long_delays(true);
        world.set_stat("servers", n as u64);
        let cluster = Cluster {
            world: world.clone(),
            mode,
            limits,
            group: Group::new(&Links::new(world), "raft", n, R::state),
            applied: Arc::new(Mutex::new(Applied::new(n))),
            next_start: Cell::new(0),
        };
        for i in 0..n {
            cluster.start(i);
        }
        for i in 0..n {
            cluster.connect(i);
        }
        cluster
    }

    /// The world the cluster lives in.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Peer `i`, if it is running.
    pub fn raft(&self, i: usize) -> Option<Arc<R>> {
        self.group.get(i)
    }

    /// Starts a new incarnation of peer `i` (crashing the old one first)
    /// with fresh ends and a copy of what it saved. Like the classic
    /// harness, it does not connect the peer: call [`Group::connect`].
    pub fn start(&self, i: usize) {
        self.group.start_with(i, |node, ends, persister| {
            {
                let mut applied = lock(&self.applied);
                applied.restart(i);
                let snapshot = persister.read_snapshot();
                if !snapshot.is_empty() {
                    if let Err(e) = applied.ingest_snapshot(i, &snapshot, None) {
                        self.world.fail(Failure::new(e));
                    }
                }
            }
            let (apply_tx, apply_rx) = apply_channel();
            let raft = Arc::new(R::make(node.clone(), ends, i, persister, apply_tx));
            node.spawn(consume_applies(
                i,
                self.mode,
                raft.clone(),
                apply_rx,
                self.applied.clone(),
                self.group.leaders().clone(),
            ));
            let services = vec![raft.service()];
            (raft, services)
        });
    }

    /// Makes the network reliable or not.
    pub fn set_unreliable(&self, unreliable: bool) {
        self.world.net().set_unreliable(unreliable);
    }

    /// Turns long reordering of replies on or off.
    pub fn set_long_reordering(&self, on: bool) {
        self.world.net().set_long_reordering(on);
    }

    /// All RPCs sent so far.
    pub fn rpc_total(&self) -> u64 {
        self.world.net().totals().0
    }

    /// All bytes sent so far.
    pub fn bytes_total(&self) -> u64 {
        self.world.net().totals().1
    }

    /// The largest Raft state any peer has saved.
    pub fn log_size(&self) -> usize {
        self.group.max_raft_state_size()
    }
}

/// Peer `i`'s apply consumer: checks every message and, in snapshot mode,
/// calls `snapshot()` every [`SNAPSHOT_INTERVAL`] entries, from this task,
/// as the classic harness does.
async fn consume_applies<R: Raft>(
    i: usize,
    mode: ApplyMode,
    raft: Arc<R>,
    mut rx: ApplyReceiver,
    applied: Arc<Mutex<Applied>>,
    leaders: Leaders,
) {
    let world = leaders.world().clone();
    let me: Arc<str> = format!("raft-{i}").into();
    while let Some(msg) = rx.recv().await {
        // A look at the peer at every apply, so that the picture of who
        // led when is right up to a failure the apply itself reveals.
        if let Err(failure) = leaders.saw(i, raft.state()) {
            world.fail(failure);
            return;
        }
        let index = match &msg {
            ApplyMsg::Command { index, .. } | ApplyMsg::Snapshot { index, .. } => *index,
        };
        world.record(EventKind::Applied {
            node: me.clone(),
            index,
        });
        let mut snapshot_due = None;
        let checked = {
            let mut applied = lock(&applied);
            let checked = match (mode, msg) {
                (ApplyMode::Plain, ApplyMsg::Command { index, command, .. }) => {
                    applied.apply(i, index, command)
                }
                (ApplyMode::Plain, ApplyMsg::Snapshot { .. }) => Ok(()),
                (ApplyMode::Snapshots, ApplyMsg::Command { index, command, .. }) => {
                    let checked = applied.apply_exactly_next(i, index, command);
                    if checked.is_ok() && (index + 1) % SNAPSHOT_INTERVAL == 0 {
                        snapshot_due = Some((index, applied.snapshot(i, index)));
                    }
                    checked
                }
                (
                    ApplyMode::Snapshots,
                    ApplyMsg::Snapshot {
                        index, snapshot, ..
                    },
                ) => applied.ingest_snapshot(i, &snapshot, Some(index)),
            };
            world.set_stat("commands", applied.max_index);
            checked
        };
        if let Err(e) = checked {
            world.fail(Failure::new(e));
            return;
        }
        // Called with no harness lock held, from the task that reads the
        // apply channel: a Raft that holds its own lock while waiting to
        // send the next message deadlocks here, as it would with a service.
        if let Some((index, snapshot)) = snapshot_due {
            raft.snapshot(index, snapshot);
        }
    }
}
