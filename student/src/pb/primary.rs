//! The primary's side: serving a clerk's operation, and keeping the backup's
//! copy of the store in step with its own.
//!
//! # One operation at a time
//!
//! The primary serves operations one at a time, holding its turn (an async
//! lock) from the moment it takes one until it has answered it, across the
//! forward to the backup. The backup therefore receives the operations in
//! the order the primary applies them, and applies them in that order too.
//! Transfers take the turn as well, so a copy of the store never misses an
//! operation that is on its way to the backup.
//!
//! # When a forward fails
//!
//! The primary then answers the clerk with an error and does not apply the
//! operation (applying it alone would make it lost if the backup took
//! over). But the backup may have applied it (only its answer was lost),
//! or may still receive it late, so its copy is no longer known to match:
//! before the next forward, the primary sends it the whole store again,
//! under a new transfer number. A forward that arrives late names the old
//! copy, and the backup refuses it.

use framework::labs::pb::View;

use super::rpc::{CopyId, FORWARD, Forward, Reply, Request, TRANSFER, Transfer, Verdict};
use super::server::Member;

impl Member {
    /// The handler of [`EXECUTE`](super::rpc::EXECUTE): serves a clerk's
    /// request if this server is the primary, once its backup has taken it.
    pub async fn execute(&self, request: Request) -> Reply {
        let _turn = self.turn.lock().await;
        let Some(view) = self.lock().serving() else {
            return Reply::WrongServer;
        };
        // Gets too: a primary that the view service has replaced, without
        // its knowing, has its forward refused by its old backup (which
        // knows the newer view), and fails the Get instead of answering
        // from a store that may be stale.
        if !view.backup.is_empty() && !self.forward(&view, &request).await {
            return Reply::BackupFailed;
        }
        // Applied after the backup, even if a newer view has come in
        // meanwhile: the backup has it, so this server must have it too.
        let value = self.lock().store.apply(&request);
        Reply::Served {
            value,
            view: view.num,
        }
    }

    /// Gives the backup a copy of the store if it may not hold one (the
    /// sync task calls this over and over, so that a new view is
    /// acknowledged even if no clerk calls).
    pub async fn sync_backup(&self) {
        // A cheap check first: most of the time there is nothing to do,
        // and no need to wait for the turn, which a clerk's operation may
        // hold.
        if !self.lock().backup_behind() {
            return;
        }
        let _turn = self.turn.lock().await;
        let view = self.lock().serving();
        if let Some(view) = view.filter(|view| !view.backup.is_empty()) {
            self.backup_copy(&view).await;
        }
    }

    /// With the turn held: has the backup of `view` apply `request`; false
    /// if it did not, or may not have.
    async fn forward(&self, view: &View, request: &Request) -> bool {
        let Some(copy) = self.backup_copy(view).await else {
            return false;
        };
        let forward = Forward {
            copy,
            request: request.clone(),
        };
        let verdict = self.ends.cached(&view.backup).call(FORWARD, &forward).await;
        if matches!(verdict, Ok(Verdict::Accepted)) {
            return true;
        }
        // The backup's copy may now differ from this store by this request
        // (see the module's documentation): send it the store again.
        self.lock().backup_copy = None;
        false
    }

    /// With the turn held: the copy of this server's store that the backup
    /// of `view` holds, after sending it one if it is not known to hold
    /// one; `None` if that failed.
    async fn backup_copy(&self, view: &View) -> Option<CopyId> {
        let transfer = {
            let mut state = self.lock();
            if let Some(copy) = state.backup_copy_in(view) {
                return Some(copy);
            }
            state.transfers += 1;
            Transfer {
                view: view.clone(),
                transfer: state.transfers,
                store: state.store.clone(),
            }
        };
        let copy = transfer.copy();
        let verdict = self
            .ends
            .cached(&view.backup)
            .call(TRANSFER, &transfer)
            .await;
        if !matches!(verdict, Ok(Verdict::Accepted)) {
            return None;
        }
        let mut state = self.lock();
        state.backup_copy = Some(copy);
        // The backup holds the data: the view can be acknowledged (the
        // next ping does it), after which the view service may promote the
        // backup.
        state.acked = state.acked.max(view.num);
        Some(copy)
    }
}
