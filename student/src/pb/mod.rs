//! The reference primary/backup key/value service: a view service that
//! decides, from the servers' pings, which server is primary and which is
//! backup; servers whose primary forwards every operation to its backup;
//! and a clerk that finds the primary.
//!
//! - `views.rs`: the view service's rules, as pure logic (and their tests);
//!   [`ViewServer`] (`viewservice.rs`) puts them behind a lock and a clock;
//! - `rpc.rs`: the clerks' RPC, and the two a primary calls on its backup;
//! - `store.rs`: the data a server keeps, with its duplicate table;
//! - [`Server`] (`server.rs`): its state (`state.rs`) and its ping task;
//!   what it does as primary (`primary.rs`) and as backup (`backup.rs`);
//! - [`Clerk`] (`clerk.rs`): finds the primary and retries;
//!
//! # Views
//!
//! A view is a number, a primary and perhaps a backup. The view service
//! makes the next view when a server dies (stops pinging) or restarts
//! (pings 0), or when a backup is missing and an idle server pings, but
//! only once the primary of the current view has acknowledged it by
//! pinging its number. A primary acknowledges a view only when it can
//! serve in it: once its backup holds a copy of the data. So the backup of
//! a view that is left behind always had the data, and promoting it loses
//! nothing. The price: if the primary dies before acknowledging, the
//! service is stuck for good, by design.
//!
//! # The path of an operation
//!
//! 1. A [`Clerk`] tags the operation with its random id and a sequence
//!    number, and sends it to the primary it knows (asking the view
//!    service if it knows none).
//! 2. The primary takes its turn (one operation at a time) and, if the
//!    view has a backup, makes sure the backup holds a copy of its store:
//!    if it may not (a new backup, or a forward that failed), it transfers
//!    the whole store, with the duplicate table, first.
//! 3. It forwards the request, Gets included, to the backup. The backup
//!    applies it if the forward extends the copy it holds, in the newest
//!    view it knows; otherwise it refuses.
//! 4. If the backup applied it, the primary applies it and answers with
//!    the result and the view number. If not, it applies nothing and
//!    answers with an error; the clerk pauses, asks the view service for
//!    the primary, and sends the same request again.
//!
//! A server that is not the primary of the newest view it knows answers
//! every client with an error. A primary the view service has replaced
//! may not know it yet, but its forwards are refused by its old backup
//! (which knows the newer view, being in it), so it never answers from
//! stale data. If the old backup has not heard of the newer view yet, it
//! applies the forward, and the operation is in the data of the newer
//! view's primary (the backup itself) before that one serves anything.

mod backup;
mod clerk;
mod primary;
mod rpc;
mod server;
mod state;
mod store;
mod views;
mod viewservice;

pub use clerk::Clerk;
pub use server::Server;
pub use viewservice::ViewServer;
