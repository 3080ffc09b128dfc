//! Leader election: the election timer, asking for votes, and voting.
//!
//! A follower that hears nothing from a leader (and grants no vote) for a
//! random election timeout becomes a candidate: it moves to a new term,
//! votes for itself and asks every other peer for its vote. A majority of
//! votes makes it the leader of that term. Each vote request goes out from
//! its own task, so an unreachable peer (whose RPC can take seconds to
//! fail) delays nothing; the replies are counted as they come.

use std::sync::Arc;

use tokio::time::{Instant, sleep_until};
use tracing::debug;

use super::Shared;
use super::rpc::{REQUEST_VOTE, RequestVoteArgs, RequestVoteReply};

impl Shared {
    /// The election timer task: sleeps until the election deadline and, if
    /// nothing has pushed the deadline back meanwhile, starts an election.
    pub(super) async fn run_election_timer(self: Arc<Self>) {
        loop {
            let deadline = self.lock().election_deadline;
            sleep_until(deadline).await;
            let args = {
                let mut state = self.lock();
                if Instant::now() < state.election_deadline {
                    // A heartbeat or a granted vote reset the timer.
                    continue;
                }
                if state.is_leader() {
                    // A leader needs no timer; look again later.
                    state.reset_election_timer();
                    continue;
                }
                state.become_candidate();
                // A peer that is a majority on its own wins at once.
                if state.count_vote(self.me) {
                    drop(state);
                    self.wake_replicators();
                    continue;
                }
                RequestVoteArgs {
                    term: state.current_term,
                    candidate: self.me,
                    last_log_index: state.log.last_index(),
                    last_log_term: state.log.last_term(),
                }
            };
            for peer in self.others() {
                self.node
                    .spawn(self.clone().request_vote(peer, args.clone()));
            }
        }
    }

    /// Asks `peer` for its vote and counts the answer.
    async fn request_vote(self: Arc<Self>, peer: usize, args: RequestVoteArgs) {
        let Ok(reply) = self.peers[peer].call(REQUEST_VOTE, &args).await else {
            // Lost or unreachable: this election does without that vote.
            return;
        };
        let won = {
            let mut state = self.lock();
            if state.observe_term(reply.term) {
                return;
            }
            // The answer counts only for the election it was asked for:
            // by now this peer may be in a later term, or already leader.
            reply.vote_granted && state.current_term == args.term && state.count_vote(peer)
        };
        if won {
            // Announce the new leader right away, before anyone else times
            // out and starts another election.
            self.wake_replicators();
        }
    }

    /// The RequestVote handler (Figure 2, RequestVote RPC, receiver rules).
    pub(super) fn handle_request_vote(&self, args: RequestVoteArgs) -> RequestVoteReply {
        let mut state = self.lock();
        state.observe_term(args.term);
        // One vote per term, first come first served (a repeated request
        // from the same candidate gets the same answer)...
        let can_vote = state.voted_for.is_none_or(|v| v == args.candidate);
        // ...and only for a candidate whose log is at least as up to date
        // as ours: a later last term wins, and with equal last terms the
        // longer log. This "election restriction" is what makes every
        // leader hold every committed entry (section 5.4.1).
        let candidate_up_to_date = (args.last_log_term, args.last_log_index)
            >= (state.log.last_term(), state.log.last_index());
        let grant = args.term == state.current_term && can_vote && candidate_up_to_date;
        if grant {
            if state.voted_for.is_none() {
                state.voted_for = Some(args.candidate);
                state.persist();
                debug!(node = %state.name, term = state.current_term, candidate = args.candidate, "voted");
            }
            // Having voted, give the candidate time to win before competing.
            state.reset_election_timer();
        }
        RequestVoteReply {
            term: state.current_term,
            vote_granted: grant,
        }
    }
}
