//! The backup's side: taking the primary's transfers and forwards, and
//! refusing whatever does not come from its primary or arrives late.
//!
//! Both handlers only look at and change the server's state, under its
//! lock: they never wait, so the primary's turn is never held up by them.

use super::rpc::{Forward, Transfer, Verdict};
use super::server::Member;

impl Member {
    /// The handler of [`FORWARD`](super::rpc::FORWARD): applies the
    /// primary's operation, if it extends the copy this server holds, in
    /// the newest view this server knows.
    ///
    /// A server that has learned of a newer view refuses: the sender may no
    /// longer be primary (this server may be primary itself), and must not
    /// answer its clerk. A forward naming another copy is late, or meant
    /// for a copy this server never got: it refuses that too.
    pub fn forwarded(&self, forward: Forward) -> Verdict {
        let mut state = self.lock();
        if state.copy != Some(forward.copy) || state.view.num != forward.copy.view {
            return Verdict::Rejected;
        }
        state.store.apply(&forward.request);
        Verdict::Accepted
    }

    /// The handler of [`TRANSFER`](super::rpc::TRANSFER): replaces this
    /// server's store with the primary's copy, if it is sent in a view that
    /// makes this server backup, no older than the newest it knows, and is
    /// newer than the copy it holds (a transfer that arrives late would
    /// otherwise take it back in time).
    pub fn transferred(&self, transfer: Transfer) -> Verdict {
        let mut state = self.lock();
        let copy = transfer.copy();
        if transfer.view.backup != state.me
            || transfer.view.num < state.view.num
            || state.copy >= Some(copy)
        {
            return Verdict::Rejected;
        }
        state.learn(transfer.view);
        state.store = transfer.store;
        state.initialized = true;
        state.copy = Some(copy);
        Verdict::Accepted
    }
}
