//! What one server knows: the newest view, its copy of the data, and
//! where the copies stand between it and its backup or primary.

use framework::labs::pb::View;

use super::rpc::CopyId;
use super::store::Store;

/// A server's state, behind its lock (held briefly, never across an RPC).
pub struct State {
    /// This server's name, as views list it.
    pub me: String,
    /// The newest view this server knows: from the view service, or from
    /// a primary's transfer (which may arrive before this server's own ping
    /// tells it of the view).
    pub view: View,
    /// The view number this server pings with, which acknowledges the view
    /// when it comes from the primary: the newest it knows, except that a
    /// primary acknowledges a view only once it can serve in it (it holds
    /// the data, and so does the view's backup).
    pub acked: u64,
    /// Whether `store` holds the service's data: this server got it from a
    /// primary's transfer, or is the first primary, whose empty store is
    /// the right one. A server that restarted and finds itself primary (its
    /// old self died with no backup to take over) has lost the data, and
    /// never serves. The one case it cannot tell: the primary of view 1,
    /// restarted before any backup joined, takes itself for the first
    /// primary again (the data is lost either way: nobody else had it).
    pub initialized: bool,
    /// This server's copy of the data.
    pub store: Store,
    /// As primary: the copy the backup holds of `store`, while it is known
    /// to match it (nothing forwarded since failed).
    pub backup_copy: Option<CopyId>,
    /// As backup: the copy `store` is, the transfer it came from.
    pub copy: Option<CopyId>,
    /// As primary: how many transfers this server has sent, which numbers
    /// them.
    pub transfers: u64,
}

impl State {
    /// A fresh server: it knows view 0 and holds no data.
    pub fn new(me: String) -> State {
        State {
            me,
            view: View::default(),
            acked: 0,
            initialized: false,
            store: Store::default(),
            backup_copy: None,
            copy: None,
            transfers: 0,
        }
    }

    /// Takes in `view`, if it is newer than the one this server knows.
    pub fn learn(&mut self, view: View) {
        if view.num <= self.view.num {
            return;
        }
        if view.primary == self.me {
            // The first primary's empty store is the service's data. Any
            // later primary was the backup of the view before and got the
            // data by a transfer then; one that restarted since did not.
            if view.num == 1 {
                self.initialized = true;
            }
            // With a backup, the acknowledgement waits for the transfer
            // (see `Member::backup_copy`).
            if self.initialized && view.backup.is_empty() {
                self.acked = view.num;
            }
        } else {
            self.acked = view.num;
        }
        self.view = view;
    }

    /// The view this server serves clients in: the newest it knows, if it
    /// is its primary and holds the data.
    pub fn serving(&self) -> Option<View> {
        (self.view.primary == self.me && self.initialized).then(|| self.view.clone())
    }

    /// As primary of `view`: the copy its backup holds, if it is known to
    /// match this server's store.
    pub fn backup_copy_in(&self, view: &View) -> Option<CopyId> {
        self.backup_copy.filter(|copy| copy.view == view.num)
    }

    /// Whether this server serves a view whose backup is not known to hold
    /// its data.
    pub fn backup_behind(&self) -> bool {
        self.serving()
            .is_some_and(|view| !view.backup.is_empty() && self.backup_copy_in(&view).is_none())
    }
}
