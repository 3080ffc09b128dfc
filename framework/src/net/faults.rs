use serde::{Deserialize, Serialize};

/// The network's fault settings: plain data, so a suite can set them.
///
/// The default is the reliable network with long delays and long reordering
/// off; the Raft harness turns long delays on, as the classic labs do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Delay each request 0–26 ms, then drop 10 % of requests and 10 % of
    /// replies.
    pub unreliable: bool,
    /// Make calls to disabled ends or missing servers fail only after up to
    /// 7 s (instead of up to 100 ms), so a leader that calls peers one after
    /// another falls behind.
    pub long_delays: bool,
    /// Deliver about 2/3 of replies 200 ms to ~2.2 s late, reordering them.
    pub long_reordering: bool,
}
