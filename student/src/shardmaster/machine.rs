//! The shard master's replicated state: the configs, and the duplicate
//! table that makes every Join, Leave and Move take effect once.

use framework::labs::shardmaster::Config;
use serde::{Deserialize, Serialize};

use super::configs::{Configs, Op};
use crate::rsm::{Dedup, Request, StateMachine};

/// What every shard master server replicates.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// Every config made so far.
    configs: Configs,
    /// Which changes have taken effect. Queries are not in it: reading
    /// twice changes nothing.
    dedup: Dedup,
}

impl StateMachine for Machine {
    type Command = Request<Op>;
    /// A Query's config; the latest config for a change.
    type Output = Config;

    fn apply(&mut self, request: &Request<Op>) -> Config {
        match request.op {
            Op::Query(num) => self.configs.query(num),
            _ => {
                if self.dedup.is_new(request) {
                    self.configs.apply(&request.op);
                }
                self.configs.query(-1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn a_change_sent_again_takes_effect_once() {
        let mut m = Machine::default();
        let join = Request {
            client: 5,
            seq: 1,
            op: Op::Join(BTreeMap::from([(1, vec!["a".to_string()])])),
        };
        assert_eq!(m.apply(&join).num, 1);
        assert_eq!(m.apply(&join).num, 1, "a duplicate makes no config");
        let query = Request {
            client: 5,
            seq: 2,
            op: Op::Query(0),
        };
        assert_eq!(m.apply(&query), Config::default());
    }
}
