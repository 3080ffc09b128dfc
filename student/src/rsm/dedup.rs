//! Exactly once: the tag every clerk request carries, and the table that
//! recognises a request sent again.
//!
//! A clerk sends a request again whenever it gets no answer, and the first
//! attempt may well have been applied (only its reply was lost, or the
//! leader committed it and then lost leadership before answering). Both
//! copies then reach the log. So every [`Request`] carries its clerk's id
//! and a sequence number, and a machine keeps a [`Dedup`] table: per
//! client, the sequence number of the latest request that took effect. A
//! request whose number is not higher is skipped: a clerk issues one
//! request at a time with increasing numbers, so a lower or equal number
//! can only be an old request sent again (or one the clerk gave up on,
//! whose outcome nobody waits for).
//!
//! One number per client is all the table keeps. It is part of the
//! machine's state, so it must be in the snapshot, or a server restored
//! from a snapshot would apply again a request the snapshot already holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A clerk's request: an operation of the service, tagged so that the
/// servers can recognise it when it is sent again.
///
/// `client` and `seq` name the operation uniquely, so that a request sent
/// again (after a lost reply, to another server, in another term) can be
/// recognised and applied only once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request<Op> {
    /// The clerk's random id.
    pub client: u64,
    /// The clerk's number for this operation: each new operation gets the
    /// next one, and retries of an operation keep its number.
    pub seq: u64,
    /// The operation.
    pub op: Op,
}

/// The duplicate table: which requests have already taken effect.
///
/// A service may keep several (the sharded store keeps one per shard, and
/// hands a copy over with the shard's data, hence `Clone`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dedup {
    /// Per client id: the sequence number of its latest request that took
    /// effect.
    latest: BTreeMap<u64, u64>,
}

impl Dedup {
    /// True, and recorded, if `request` has not taken effect before.
    pub fn is_new<Op>(&mut self, request: &Request<Op>) -> bool {
        let last = self.latest.entry(request.client).or_default();
        if request.seq <= *last {
            return false;
        }
        *last = request.seq;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(client: u64, seq: u64) -> Request<()> {
        Request {
            client,
            seq,
            op: (),
        }
    }

    #[test]
    fn each_request_is_new_once_and_older_ones_never() {
        let mut dedup = Dedup::default();
        assert!(dedup.is_new(&request(7, 1)));
        assert!(!dedup.is_new(&request(7, 1)));
        // Clients are numbered apart.
        assert!(dedup.is_new(&request(9, 1)));
        assert!(dedup.is_new(&request(7, 2)));
        // A stale copy of an older request, after a newer one.
        assert!(!dedup.is_new(&request(7, 1)));
    }
}
