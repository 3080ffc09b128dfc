//! Your primary/backup lab: a view service that decides from the servers'
//! pings which server is primary and which backup, and the key/value
//! servers and clerk that follow its views (the lab's guide:
//! `docs/labs/pb.md`).
//!
//! [`ViewServer`], [`Server`] and [`Clerk`] implement the contract's
//! [`framework::labs::pb::ViewService`], [`framework::labs::pb::PbServer`]
//! and [`framework::labs::pb::PbClerk`], whose documentation has the rules.
//! Every method below fails its test with "not implemented: ViewService::...",
//! "not implemented: PbServer::..." or "not implemented: PbClerk::..." until
//! you replace its body. When the module grows, make it a folder
//! (`pb/mod.rs` and its files).

use framework::labs::not_implemented;
use framework::labs::pb::{
    MakeEnd, PbClerk, PbServer, PbSetup, Served, View, ViewClerk, ViewService,
};
use framework::net::Service;
use framework::sim::Node;

/// The view service.
pub struct ViewServer {
    // Your view service's state.
}

impl ViewService for ViewServer {
    fn make() -> ViewServer {
        not_implemented("ViewService::make")
    }

    fn ping(&self, _me: &str, _viewnum: u64) -> View {
        not_implemented("ViewService::ping")
    }

    fn get(&self) -> View {
        not_implemented("ViewService::get")
    }

    fn tick(&self) {
        not_implemented("ViewService::tick")
    }
}

/// A primary/backup key/value server.
pub struct Server {
    // Your server's state.
}

impl PbServer for Server {
    fn make(_setup: PbSetup) -> Server {
        not_implemented("PbServer::make")
    }

    fn services(&self) -> Vec<Service> {
        not_implemented("PbServer::services")
    }
}

/// A clerk of the primary/backup service.
pub struct Clerk {
    // Your clerk's state.
}

impl PbClerk for Clerk {
    fn make(_node: Node, _vs: ViewClerk, _make_end: MakeEnd) -> Clerk {
        not_implemented("PbClerk::make")
    }

    async fn get(&self, _key: String) -> Served<String> {
        not_implemented("PbClerk::get")
    }

    async fn put(&self, _key: String, _value: String) -> Served<()> {
        not_implemented("PbClerk::put")
    }

    async fn append(&self, _key: String, _value: String) -> Served<()> {
        not_implemented("PbClerk::append")
    }
}
