use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::contents::Readers;
use super::service::{Handler, Service, split};
use crate::sim::Node;

/// One incarnation of a server: the services it hosts and the node its
/// handlers run on. A restart is a new `Server`, which the network tells
/// apart from the old one, so replies from the old one are never delivered.
#[derive(Clone)]
pub struct Server(Arc<Inner>);

struct Inner {
    node: Node,
    services: BTreeMap<String, Service>,
    incoming: AtomicU64,
}

impl Server {
    /// A server whose handlers run as tasks of `node`.
    pub fn new(node: Node) -> Self {
        Server(Arc::new(Inner {
            node,
            services: BTreeMap::new(),
            incoming: AtomicU64::new(0),
        }))
    }

    /// Adds a service. Panics if a service of that name is already there, or
    /// if the server is already on the network.
    pub fn with(mut self, service: impl Into<Service>) -> Self {
        let service = service.into();
        let inner = Arc::get_mut(&mut self.0)
            .expect("add services before adding the server to the network");
        let name = service.name().to_string();
        assert!(
            inner.services.insert(name.clone(), service).is_none(),
            "service {name} added twice"
        );
        self
    }

    /// How to read the messages of every method the server hosts.
    pub(crate) fn readers(&self) -> impl Iterator<Item = (&'static str, Readers)> + '_ {
        self.0.services.values().flat_map(Service::readers)
    }

    /// The node the handlers run on.
    pub fn node(&self) -> &Node {
        &self.0.node
    }

    /// How many requests reached one of this server's handlers.
    pub fn incoming(&self) -> u64 {
        self.0.incoming.load(Ordering::Relaxed)
    }

    pub(crate) fn same(&self, other: &Server) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The handler of `Service.Method`, counting the request as arrived; or
    /// a description of what the server does host.
    pub(crate) fn dispatch(&self, full_name: &str) -> Result<Handler, String> {
        let (service, method) = split(full_name);
        let Some(s) = self.0.services.get(service) else {
            let known: Vec<&str> = self.0.services.keys().map(String::as_str).collect();
            return Err(format!(
                "unknown service {service} (it hosts: {})",
                list(&known)
            ));
        };
        let Some(handler) = s.handler(method) else {
            let known: Vec<&str> = s.method_names().collect();
            return Err(format!(
                "unknown method {full_name} (service {service} has: {})",
                list(&known)
            ));
        };
        self.0.incoming.fetch_add(1, Ordering::Relaxed);
        Ok(handler.clone())
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "nothing".to_string()
    } else {
        names.join(", ")
    }
}
