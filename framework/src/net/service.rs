use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::contents::Readers;

/// A typed RPC method: its full name (`Service.Method`) and, in its type,
/// the argument and reply types. Declare one constant per method and use it
/// on both sides, so caller and handler cannot disagree on types:
///
/// ```
/// use framework::net::Method;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// pub struct RequestVoteArgs { pub term: u64, pub candidate: usize }
/// #[derive(Serialize, Deserialize)]
/// pub struct RequestVoteReply { pub term: u64, pub granted: bool }
///
/// pub const REQUEST_VOTE: Method<RequestVoteArgs, RequestVoteReply> =
///     Method::new("Raft.RequestVote");
/// assert_eq!(REQUEST_VOTE.service(), "Raft");
/// ```
pub struct Method<A, R> {
    name: &'static str,
    types: PhantomData<fn(A) -> R>,
}

impl<A, R> Method<A, R> {
    /// A method called `name`, which must have the form `Service.Method`.
    pub const fn new(name: &'static str) -> Self {
        Method {
            name,
            types: PhantomData,
        }
    }

    /// The full name, `Service.Method`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The service part of the name.
    pub fn service(&self) -> &'static str {
        split(self.name).0
    }
}

impl<A, R> Clone for Method<A, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, R> Copy for Method<A, R> {}

impl<A, R> fmt::Debug for Method<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Method({})", self.name)
    }
}

/// Splits `Service.Method` at its first dot.
pub(crate) fn split(name: &str) -> (&str, &str) {
    name.split_once('.').unwrap_or((name, ""))
}

/// Decodes the request, runs the handler, encodes the reply. Fails only when
/// the request bytes do not decode as the method's argument type.
pub(crate) type Handler =
    Arc<dyn Fn(&[u8]) -> Result<BoxFuture<'static, Vec<u8>>, String> + Send + Sync>;

/// A named set of RPC handlers that share one state value.
///
/// Each call gets its own clone of the state (make it cheap to clone, e.g.
/// an `Arc`) and runs as a task of the server's node:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use framework::net::{Method, Service};
///
/// const ADD: Method<u64, u64> = Method::new("Counter.Add");
/// const READ: Method<(), u64> = Method::new("Counter.Read");
///
/// let counter = Arc::new(Mutex::new(0u64));
/// let service = Service::new("Counter", counter)
///     .method(ADD, |counter, n| async move {
///         let mut c = counter.lock().unwrap();
///         *c += n;
///         *c
///     })
///     .method(READ, |counter, ()| async move { *counter.lock().unwrap() })
///     .build();
/// assert_eq!(service.name(), "Counter");
/// ```
pub struct Service {
    name: String,
    methods: BTreeMap<&'static str, Handler>,
    /// How to read each method's messages, by full name, for the timeline.
    readers: BTreeMap<&'static str, Readers>,
}

/// A [`Service`] under construction: it holds the state its handlers share.
pub struct ServiceBuilder<S> {
    service: Service,
    state: S,
}

impl Service {
    /// Starts a service called `name` whose handlers get clones of `state`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new<S: Clone + Send + Sync + 'static>(
        name: impl Into<String>,
        state: S,
    ) -> ServiceBuilder<S> {
        ServiceBuilder {
            service: Service {
                name: name.into(),
                methods: BTreeMap::new(),
                readers: BTreeMap::new(),
            },
            state,
        }
    }

    /// The service's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `hook` with the method's name (`AppendEntries`) at the start of
    /// every call the service handles, in the handler's task: for logging
    /// calls, or for injecting faults (a panic, a stall) in a test of the
    /// kit itself.
    pub fn before_each(mut self, hook: impl Fn(&'static str) + Send + Sync + 'static) -> Service {
        let hook = Arc::new(hook);
        for (&method, handler) in self.methods.iter_mut() {
            let (inner, hook) = (handler.clone(), hook.clone());
            *handler = Arc::new(move |request: &[u8]| {
                let reply = inner(request)?;
                let hook = hook.clone();
                Ok(async move {
                    hook(method);
                    reply.await
                }
                .boxed())
            });
        }
        self
    }

    pub(crate) fn handler(&self, method: &str) -> Option<&Handler> {
        self.methods.get(method)
    }

    pub(crate) fn method_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.methods.keys().copied()
    }

    pub(crate) fn readers(&self) -> impl Iterator<Item = (&'static str, Readers)> + '_ {
        self.readers.iter().map(|(&name, &readers)| (name, readers))
    }
}

impl<S: Clone + Send + Sync + 'static> ServiceBuilder<S> {
    /// Adds the handler of `method`. Panics if the method belongs to another
    /// service or is already there: both are mistakes in the code, not in a
    /// run. Both types must serialize both ways (any type a caller sends
    /// and a handler reads does), so that a failure's timeline can show
    /// what the messages said.
    pub fn method<A, R, F, Fut>(mut self, method: Method<A, R>, handler: F) -> Self
    where
        A: Serialize + DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Send + 'static,
        F: Fn(S, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
    {
        let (service, name) = split(method.name());
        assert_eq!(
            service,
            self.service.name,
            "method {} does not belong to service {}",
            method.name(),
            self.service.name
        );
        let state = self.state.clone();
        let erased: Handler = Arc::new(move |request: &[u8]| {
            let args: A = postcard::from_bytes(request)
                .map_err(|e| format!("its arguments do not decode: {e}"))?;
            let reply = handler(state.clone(), args);
            Ok(reply
                .map(|r| postcard::to_allocvec(&r).expect("replies always serialize"))
                .boxed())
        });
        let previous = self
            .service
            .methods
            .insert(name_static(method.name(), name), erased);
        assert!(previous.is_none(), "method {} added twice", method.name());
        self.service
            .readers
            .insert(method.name(), Readers::of::<A, R>());
        self
    }

    /// The finished service.
    pub fn build(self) -> Service {
        self.service
    }
}

impl<S: Clone + Send + Sync + 'static> From<ServiceBuilder<S>> for Service {
    fn from(builder: ServiceBuilder<S>) -> Service {
        builder.build()
    }
}

/// The method part of a `&'static` full name, kept `'static`.
fn name_static(full: &'static str, method: &str) -> &'static str {
    &full[full.len() - method.len()..]
}
