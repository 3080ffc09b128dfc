//! Log replication: the leader's replicators, the follower's AppendEntries
//! and InstallSnapshot handlers, and commitment.
//!
//! # The leader's side
//!
//! One replicator task per follower decides, each time it wakes, what that
//! follower needs ([`State::plan_replication`]):
//!
//! - **entries it lacks** (from its `next_index` to the end of the log), or
//!   the **snapshot** if the leader has already discarded the entries it
//!   needs. At most one such transfer is in flight per follower, so each
//!   entry normally travels to each follower once; a transfer that has not
//!   been answered after [`RESEND_AFTER`] is presumed lost and sent again.
//! - otherwise, a **heartbeat** (AppendEntries without entries) if nothing
//!   has been sent for [`HEARTBEAT_INTERVAL`], to keep the follower from
//!   starting an election and to tell it the commit index.
//!
//! It wakes when `start()` adds an entry, when a reply makes more to send,
//! and when the next heartbeat is due. Every RPC goes out from a task of its
//! own, so an RPC that takes seconds to fail never stops the heartbeats to a
//! follower that has come back.
//!
//! Replies can arrive late and out of order (a reply may answer a request
//! that a later one has overtaken). A reply is used only if this peer is
//! still the leader of the term the request was sent in, and only in ways
//! that stay right when it is stale:
//! `match_index` only grows, and a mismatch moves `next_index` only if
//! `next_index` is still where that request left it.
//!
//! # The follower's side
//!
//! A follower accepts entries only after the consistency check (it has the
//! leader's entry at `prev_log_index`, with the same term); when the check
//! fails it tells the leader where its log diverges so the leader can skip
//! back a whole term at a time (the "fast backup"). It never truncates
//! entries that match, so a delayed request cannot undo a later one.

use std::sync::Arc;

use framework::net::RpcError;
use tokio::time::{Duration, Instant, sleep_until};
use tracing::debug;

use super::Shared;
use super::rpc::{
    APPEND_ENTRIES, AppendEntriesArgs, AppendEntriesReply, AppendOutcome, INSTALL_SNAPSHOT,
    InstallSnapshotArgs, InstallSnapshotReply,
};
use super::state::{Role, State};

/// The longest a leader stays silent towards a follower: at most ten
/// heartbeats per second, as the lab requires, and well below the shortest
/// election timeout.
const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(100);

/// How long a transfer of entries or of the snapshot may stay unanswered
/// before the leader sends it again. Most replies come within tens of
/// milliseconds, and a lost request or reply fails the call at once; what
/// is left is a reply delayed by the network (up to about 2 s) or a call to
/// an unreachable follower (up to 7 s), and neither should stall the log.
const RESEND_AFTER: Duration = Duration::from_millis(300);

/// One RPC a replicator sends to its follower.
enum Outgoing {
    /// AppendEntries. `transfer` is the send time of a transfer of entries
    /// (it identifies that transfer); `None` for a heartbeat.
    Append {
        args: AppendEntriesArgs,
        transfer: Option<Instant>,
    },
    /// InstallSnapshot, always a transfer, identified by its send time.
    Snapshot {
        args: InstallSnapshotArgs,
        transfer: Instant,
    },
}

impl Shared {
    /// The replicator task for `peer`: sends whatever the plan says, then
    /// sleeps until woken or until the next heartbeat is due.
    pub(super) async fn run_replicator(self: Arc<Self>, peer: usize) {
        let wakeup = &self.replicator_wakeups[peer];
        loop {
            let (outgoing, wake_at) = self.lock().plan_replication(peer, Instant::now());
            if let Some(outgoing) = outgoing {
                self.node.spawn(self.clone().send(peer, outgoing));
            }
            match wake_at {
                Some(at) => tokio::select! {
                    biased;
                    () = wakeup.notified() => {}
                    () = sleep_until(at) => {}
                },
                // Not the leader: nothing to do until this peer wins an
                // election (which wakes every replicator).
                None => wakeup.notified().await,
            }
        }
    }

    /// Sends one RPC to `peer` and handles its reply.
    async fn send(self: Arc<Self>, peer: usize, outgoing: Outgoing) {
        let end = &self.peers[peer];
        match outgoing {
            Outgoing::Append { args, transfer } => {
                let reply = end.call(APPEND_ENTRIES, &args).await;
                self.handle_append_reply(peer, &args, transfer, reply);
            }
            Outgoing::Snapshot { args, transfer } => {
                let reply = end.call(INSTALL_SNAPSHOT, &args).await;
                self.handle_snapshot_reply(peer, &args, transfer, reply);
            }
        }
    }

    /// The leader learns what `peer` did with an AppendEntries.
    fn handle_append_reply(
        &self,
        peer: usize,
        args: &AppendEntriesArgs,
        transfer: Option<Instant>,
        reply: Result<AppendEntriesReply, RpcError>,
    ) {
        let committed = {
            let mut guard = self.lock();
            // Borrow the fields separately below (the guard would lend
            // the whole state at once).
            let state = &mut *guard;
            let Ok(reply) = reply else {
                // Lost: the next heartbeat time will try again.
                state.end_transfer(peer, transfer);
                return;
            };
            if state.observe_term(reply.term) || state.current_term != args.term {
                return;
            }
            let Role::Leader { followers } = &mut state.role else {
                return;
            };
            let progress = followers
                .get_mut(&peer)
                .expect("every other peer is a follower");
            match reply.outcome {
                AppendOutcome::Success => {
                    let matched = args.prev_log_index + args.entries.len() as u64;
                    progress.match_index = progress.match_index.max(matched);
                    progress.next_index = progress.next_index.max(progress.match_index + 1);
                    state.end_transfer(peer, transfer);
                    state.advance_leader_commit()
                }
                AppendOutcome::Mismatch {
                    conflict_term,
                    conflict_index,
                } => {
                    // Stale if a later reply has moved next_index already.
                    if progress.next_index != args.prev_log_index + 1 {
                        return;
                    }
                    // Fast backup: if the leader has entries of the
                    // follower's conflicting term, the logs may agree up to
                    // the last of them; if not, that whole term is wrong on
                    // the follower, so skip back to where it begins there.
                    let hint = conflict_term
                        .and_then(|term| state.log.last_index_of_term(term))
                        .map_or(conflict_index, |last| last + 1);
                    // Always move back, but never below what is known to
                    // match.
                    let next_index = hint.min(args.prev_log_index).max(progress.match_index + 1);
                    if next_index == progress.next_index {
                        // The follower has lost entries it acknowledged
                        // (it cannot, if it persists them): resending at
                        // once would only loop, so leave it to the timers.
                        return;
                    }
                    progress.next_index = next_index;
                    // Whatever is in flight was built on the wrong guess.
                    progress.in_flight = None;
                    false
                }
                // The follower's term is the same as ours here, so it
                // cannot have found the request stale.
                AppendOutcome::StaleTerm => return,
            }
        };
        if committed {
            self.applier_wakeup.notify_one();
        }
        // There may be more to send now (entries added meanwhile, or the
        // entries before the point of mismatch).
        self.replicator_wakeups[peer].notify_one();
    }

    /// The leader learns that `peer` has the snapshot it sent.
    fn handle_snapshot_reply(
        &self,
        peer: usize,
        args: &InstallSnapshotArgs,
        transfer: Instant,
        reply: Result<InstallSnapshotReply, RpcError>,
    ) {
        {
            let mut state = self.lock();
            let Ok(reply) = reply else {
                state.end_transfer(peer, Some(transfer));
                return;
            };
            if state.observe_term(reply.term) || state.current_term != args.term {
                return;
            }
            let Role::Leader { followers } = &mut state.role else {
                return;
            };
            let progress = followers
                .get_mut(&peer)
                .expect("every other peer is a follower");
            progress.match_index = progress.match_index.max(args.last_included_index);
            progress.next_index = progress.next_index.max(progress.match_index + 1);
            state.end_transfer(peer, Some(transfer));
        }
        self.replicator_wakeups[peer].notify_one();
    }

    /// The AppendEntries handler (Figure 2, AppendEntries RPC, receiver
    /// rules).
    pub(super) fn handle_append_entries(&self, args: AppendEntriesArgs) -> AppendEntriesReply {
        let (reply, committed) = {
            let mut state = self.lock();
            state.observe_term(args.term);
            if args.term < state.current_term {
                let reply = AppendEntriesReply {
                    term: state.current_term,
                    outcome: AppendOutcome::StaleTerm,
                };
                return reply;
            }
            state.follow_leader();
            let commit_before = state.commit_index;
            let outcome = state.accept_entries(&args);
            let reply = AppendEntriesReply {
                term: state.current_term,
                outcome,
            };
            (reply, state.commit_index > commit_before)
        };
        if committed {
            self.applier_wakeup.notify_one();
        }
        reply
    }

    /// The InstallSnapshot handler (Figure 13, receiver rules, adapted:
    /// the service learns of the snapshot through the applier).
    pub(super) fn handle_install_snapshot(
        &self,
        args: InstallSnapshotArgs,
    ) -> InstallSnapshotReply {
        let (reply, installed) = {
            let mut state = self.lock();
            state.observe_term(args.term);
            let reply = InstallSnapshotReply {
                term: state.current_term,
            };
            if args.term < state.current_term {
                return reply;
            }
            state.follow_leader();
            (reply, state.install_snapshot(args))
        };
        if installed {
            self.applier_wakeup.notify_one();
        }
        reply
    }
}

impl State {
    /// What the replicator for `peer` should send now, if anything, and
    /// when it should look again (`None`: not until woken, since this peer
    /// is not the leader).
    fn plan_replication(
        &mut self,
        peer: usize,
        now: Instant,
    ) -> (Option<Outgoing>, Option<Instant>) {
        let Role::Leader { followers } = &mut self.role else {
            return (None, None);
        };
        let progress = followers
            .get_mut(&peer)
            .expect("every other peer is a follower");
        let lagging = progress.next_index <= self.log.last_index();
        let transfer_pending = progress
            .in_flight
            .is_some_and(|sent| now < sent + RESEND_AFTER);
        let heartbeat_due = progress
            .last_sent
            .is_none_or(|sent| now >= sent + HEARTBEAT_INTERVAL);

        let term = self.current_term;
        let outgoing = if lagging && !transfer_pending {
            progress.in_flight = Some(now);
            if progress.next_index <= self.log.snapshot_index() {
                // The entries it needs are gone: send the snapshot.
                Some(Outgoing::Snapshot {
                    args: InstallSnapshotArgs {
                        term,
                        leader: self.me,
                        last_included_index: self.log.snapshot_index(),
                        last_included_term: self.log.snapshot_term(),
                        snapshot: self.snapshot.clone(),
                    },
                    transfer: now,
                })
            } else {
                let prev_log_index = progress.next_index - 1;
                Some(Outgoing::Append {
                    args: AppendEntriesArgs {
                        term,
                        leader: self.me,
                        prev_log_index,
                        prev_log_term: self.log.term_at(prev_log_index).expect("in the log"),
                        entries: self.log.entries_from(progress.next_index).to_vec(),
                        leader_commit: self.commit_index,
                    },
                    transfer: Some(now),
                })
            }
        } else if heartbeat_due {
            // While the snapshot is in flight, next_index may point into
            // the snapshot, whose entries' terms are gone; the snapshot
            // point itself is the latest entry whose term is still known.
            let prev_log_index = (progress.next_index - 1).max(self.log.snapshot_index());
            Some(Outgoing::Append {
                args: AppendEntriesArgs {
                    term,
                    leader: self.me,
                    prev_log_index,
                    prev_log_term: self.log.term_at(prev_log_index).expect("in the log"),
                    entries: Vec::new(),
                    leader_commit: self.commit_index,
                },
                transfer: None,
            })
        } else {
            None
        };
        if outgoing.is_some() {
            progress.last_sent = Some(now);
        }

        // Look again when the next heartbeat is due, or sooner if a
        // transfer may be presumed lost before then.
        let mut wake_at = progress.last_sent.map(|sent| sent + HEARTBEAT_INTERVAL);
        if let (true, Some(sent)) = (lagging, progress.in_flight) {
            wake_at = wake_at.map(|at| at.min(sent + RESEND_AFTER));
        }
        (outgoing, wake_at)
    }

    /// Marks the transfer sent at `transfer` to `peer` as finished, if it is
    /// still the one in flight (a later one may have replaced it).
    fn end_transfer(&mut self, peer: usize, transfer: Option<Instant>) {
        let Role::Leader { followers } = &mut self.role else {
            return;
        };
        let progress = followers
            .get_mut(&peer)
            .expect("every other peer is a follower");
        if transfer.is_some() && progress.in_flight == transfer {
            progress.in_flight = None;
        }
    }

    /// Commits what a majority holds, if it is from the current term.
    /// Returns true if the commit index rose.
    ///
    /// A leader counts replicas only for entries of its own term (Figure 2,
    /// the last rule for leaders): an older entry stored on a majority can
    /// still be overwritten by a later leader (Figure 8). Committing an
    /// entry of the current term commits every entry before it.
    pub(super) fn advance_leader_commit(&mut self) -> bool {
        let Role::Leader { followers } = &self.role else {
            return false;
        };
        // The leader holds its whole log; sort what everyone holds, highest
        // first: the majority-th value is the highest index a majority has.
        let mut matched: Vec<u64> = followers.values().map(|p| p.match_index).collect();
        matched.push(self.log.last_index());
        matched.sort_unstable_by(|a, b| b.cmp(a));
        let on_majority = matched[self.majority() - 1];
        if self.log.term_at(on_majority) == Some(self.current_term) {
            self.commit_up_to(on_majority)
        } else {
            false
        }
    }

    /// A follower stores what the leader sent, if its log passes the
    /// consistency check, and learns the leader's commit index.
    fn accept_entries(&mut self, args: &AppendEntriesArgs) -> AppendOutcome {
        let mut prev_log_index = args.prev_log_index;
        let mut prev_log_term = args.prev_log_term;
        let mut entries = &args.entries[..];
        let snapshot_index = self.log.snapshot_index();
        if prev_log_index < snapshot_index {
            // The request starts inside this peer's snapshot. Those entries
            // are committed, so the leader's are the same: skip them and
            // check consistency at the snapshot point instead.
            let covered = (snapshot_index - prev_log_index) as usize;
            entries = &entries[covered.min(entries.len())..];
            prev_log_index = snapshot_index;
            prev_log_term = self.log.snapshot_term();
        }

        match self.log.term_at(prev_log_index) {
            None => {
                return AppendOutcome::Mismatch {
                    conflict_term: None,
                    conflict_index: self.log.last_index() + 1,
                };
            }
            Some(term) if term != prev_log_term => {
                return AppendOutcome::Mismatch {
                    conflict_term: Some(term),
                    conflict_index: self.log.first_index_of_term_at(prev_log_index),
                };
            }
            Some(_) => {}
        }

        if self.log.merge(prev_log_index, entries) {
            self.persist();
        }
        // The entries up to the request's last one now match the leader's;
        // what follows them may not, so commit no further than that.
        let last_new = args.prev_log_index + args.entries.len() as u64;
        self.commit_up_to(args.leader_commit.min(last_new));
        AppendOutcome::Success
    }

    /// A follower installs the leader's snapshot unless it already has
    /// everything it covers. Returns true if it did (the applier must hand
    /// it to the service).
    fn install_snapshot(&mut self, args: InstallSnapshotArgs) -> bool {
        if args.last_included_index <= self.commit_index {
            // Committed here already: the log holds it, or an own snapshot
            // does. Installing would only move this peer backwards.
            return false;
        }
        self.log
            .reset_to_snapshot(args.last_included_index, args.last_included_term);
        self.persist_with_snapshot(args.snapshot);
        self.commit_index = args.last_included_index;
        self.snapshot_pending = true;
        debug!(
            node = %self.name,
            index = args.last_included_index,
            term = args.last_included_term,
            "installed a snapshot from the leader"
        );
        true
    }
}
