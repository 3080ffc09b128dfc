//! What the messages said, for the timeline of a failure: the bytes of the
//! latest requests and replies, and a reader per method that turns them
//! back into words.
//!
//! The bytes are the ones the call already made (a request once its handler
//! has decoded it, a reply once its caller has), moved here rather than
//! freed, so keeping them costs no copy. Only the latest [`BUDGET`] bytes
//! are kept: a failure's cause is usually recent, and a run that sends
//! gigabytes must not keep them all.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Leg;

/// How many bytes of messages a run keeps, the latest ones.
pub const BUDGET: usize = 32 << 20;

/// The longest description of one message, in characters.
const LONGEST: usize = 600;

/// Turns a message's bytes into JSON, if they decode as its type.
pub(crate) type Read = fn(&[u8]) -> Option<String>;

/// The readers of one method's request and reply.
#[derive(Clone, Copy)]
pub(crate) struct Readers {
    pub(crate) request: Read,
    pub(crate) reply: Read,
}

impl Readers {
    /// The readers of a method whose request is an `A` and reply an `R`.
    pub(crate) fn of<A, R>() -> Readers
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
    {
        Readers {
            request: read::<A>,
            reply: read::<R>,
        }
    }
}

fn read<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> Option<String> {
    let value: T = postcard::from_bytes(bytes).ok()?;
    serde_json::to_string(&value).ok()
}

/// The latest messages' bytes, by RPC number and leg, and the readers of
/// every method a server on the network hosted.
///
/// Keeping is a push at the back (and a pop at the front past the budget):
/// every delivered message pays for it, so the index that finds one is
/// made only when a failure's timeline asks ([`Contents::index`]).
#[derive(Default)]
pub struct Contents {
    /// (RPC number, reply or not, bytes), oldest first.
    kept: VecDeque<(u64, bool, Vec<u8>)>,
    bytes: usize,
    readers: BTreeMap<&'static str, Readers>,
}

/// The kept messages by RPC number and leg (see [`Contents::index`]).
pub struct Index<'a> {
    contents: &'a Contents,
    at: BTreeMap<(u64, bool), &'a [u8]>,
}

impl std::fmt::Debug for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contents")
            .field("messages", &self.kept.len())
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

impl Contents {
    /// Keeps the bytes of RPC `rpc`'s `leg`, forgetting the oldest messages
    /// while more than [`BUDGET`] bytes are kept.
    pub(crate) fn keep(&mut self, rpc: u64, leg: Leg, bytes: Vec<u8>) {
        self.bytes += bytes.len();
        self.kept.push_back((rpc, leg == Leg::Reply, bytes));
        while self.bytes > BUDGET {
            let Some((_, _, old)) = self.kept.pop_front() else {
                break;
            };
            self.bytes -= old.len();
        }
    }

    /// Learns how to read `method`'s messages.
    pub(crate) fn learn(&mut self, method: &'static str, readers: Readers) {
        self.readers.insert(method, readers);
    }

    /// The kept messages, found by RPC number and leg.
    pub fn index(&self) -> Index<'_> {
        Index {
            contents: self,
            at: self
                .kept
                .iter()
                .map(|(rpc, reply, bytes)| ((*rpc, *reply), &bytes[..]))
                .collect(),
        }
    }
}

impl Index<'_> {
    /// What RPC `rpc` (a call of `method`) said on its `leg`, as JSON cut
    /// to a readable length; `None` if its bytes are no longer kept (or
    /// never arrived) or the method is unknown.
    pub fn describe(&self, rpc: u64, leg: Leg, method: &str) -> Option<String> {
        let bytes = self.at.get(&(rpc, leg == Leg::Reply))?;
        let readers = self.contents.readers.get(method)?;
        let read = match leg {
            Leg::Request => readers.request,
            Leg::Reply => readers.reply,
        };
        let mut text = read(bytes)?;
        if let Some((cut, _)) = text.char_indices().nth(LONGEST) {
            text.truncate(cut);
            text.push('…');
        }
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, serde::Deserialize)]
    struct Vote {
        term: u64,
        granted: bool,
    }

    fn bytes(term: u64) -> Vec<u8> {
        postcard::to_allocvec(&Vote {
            term,
            granted: true,
        })
        .unwrap()
    }

    #[test]
    fn kept_messages_read_back_as_json() {
        let mut contents = Contents::default();
        contents.learn("Raft.RequestVote", Readers::of::<Vote, Vote>());
        contents.keep(7, Leg::Reply, bytes(3));
        let index = contents.index();
        let read = |leg, method| index.describe(7, leg, method);
        assert_eq!(
            read(Leg::Reply, "Raft.RequestVote").as_deref(),
            Some(r#"{"term":3,"granted":true}"#)
        );
        assert_eq!(read(Leg::Request, "Raft.RequestVote"), None);
        assert_eq!(read(Leg::Reply, "Raft.Unknown"), None);
    }

    #[test]
    fn only_the_latest_budget_of_bytes_is_kept() {
        let mut contents = Contents::default();
        contents.learn("Raft.RequestVote", Readers::of::<Vote, Vote>());
        let big = BUDGET / 4 + 1;
        for rpc in 0..4 {
            contents.keep(rpc, Leg::Request, vec![0; big]);
        }
        contents.keep(4, Leg::Request, bytes(9));
        assert!(contents.bytes <= BUDGET);
        let index = contents.index();
        assert!(!index.at.contains_key(&(0, false)), "the oldest went");
        assert!(index.at.contains_key(&(3, false)));
        assert!(
            index
                .describe(4, Leg::Request, "Raft.RequestVote")
                .is_some()
        );
    }
}
