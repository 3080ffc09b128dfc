//! A replicated state machine on Raft: the plumbing that every replicated
//! service of the labs shares, whatever its state.
//!
//! - [`Request`] and [`Dedup`] (`dedup.rs`): the tag that names every
//!   clerk request, and the table that makes each take effect once.

mod dedup;

pub use dedup::{Dedup, Request};
