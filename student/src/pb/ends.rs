//! Ends to servers, by the names the views list: each made once, on first
//! use, and kept.
//!
//! [`MakeEnd::end`] makes a new end on every call; clerks and servers call
//! the same few servers over and over, so they keep one end per name.

use std::collections::BTreeMap;
use std::sync::Mutex;

use framework::labs::pb::MakeEnd;
use framework::net::ClientEnd;

/// One end per server name, made when first needed.
pub struct Ends {
    /// Makes the ends.
    make_end: MakeEnd,
    /// The ends made so far, by server name.
    made: Mutex<BTreeMap<String, ClientEnd>>,
}

impl Ends {
    /// No ends yet; `make_end` makes them.
    pub fn new(make_end: MakeEnd) -> Ends {
        Ends {
            make_end,
            made: Mutex::default(),
        }
    }

    /// The end to the server named `server`.
    pub fn get(&self, server: &str) -> ClientEnd {
        let mut made = self
            .made
            .lock()
            .expect("a task panicked while holding the ends' lock");
        made.entry(server.to_string())
            .or_insert_with(|| self.make_end.end(server))
            .clone()
    }
}
