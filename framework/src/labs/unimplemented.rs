//! A stand-in for labs a submission does not implement.

use super::kv::{KvClerk, KvServer};
use super::raft::{ApplySender, Raft};
use crate::net::{ClientEnd, Service};
use crate::persister::Persister;
use crate::sim::Node;

/// Use this type in a [`super::Student`] bundle for a lab the submission
/// does not implement (a course that grades only the Raft lab, say): every
/// test of that lab fails at once with "lab ... is not implemented".
pub struct Unimplemented;

fn missing(lab: &str) -> ! {
    panic!("lab {lab} is not implemented by this submission (its type is Unimplemented)")
}

impl Raft for Unimplemented {
    fn make(_: Node, _: Vec<ClientEnd>, _: usize, _: Persister, _: ApplySender) -> Self {
        missing("raft")
    }
    fn service(&self) -> Service {
        missing("raft")
    }
    fn start(&self, _: Vec<u8>) -> Option<(u64, u64)> {
        missing("raft")
    }
    fn state(&self) -> (u64, bool) {
        missing("raft")
    }
    fn snapshot(&self, _: u64, _: Vec<u8>) {
        missing("raft")
    }
}

impl KvServer for Unimplemented {
    fn make(_: Node, _: Vec<ClientEnd>, _: usize, _: Persister, _: Option<usize>) -> Self {
        missing("kv")
    }
    fn services(&self) -> Vec<Service> {
        missing("kv")
    }
    fn raft_state(&self) -> (u64, bool) {
        missing("kv")
    }
}

impl KvClerk for Unimplemented {
    fn make(_: Node, _: Vec<ClientEnd>) -> Self {
        missing("kv")
    }
    async fn get(&self, _: String) -> String {
        missing("kv")
    }
    async fn put(&self, _: String, _: String) {
        missing("kv")
    }
    async fn append(&self, _: String, _: String) {
        missing("kv")
    }
}
