//! The replicated state machine of one group: the config it has reached,
//! and what it holds of each shard.
//!
//! Every server of the group applies the same log in the same order to its
//! own [`Machine`], so everything that changes it is a [`Command`] in the
//! log, the group's own steps (a new config, shards that arrive or leave)
//! as much as the clerks' operations. Then all servers switch configs, and
//! gain and lose shards, at the same point of the log.
//!
//! # The life of a shard
//!
//! A group holds a [`Shard`] for each shard it owns in its current config,
//! and for each shard it has just lost but must still hand over. Its
//! [`ShardStatus`] says where it stands:
//!
//! ```text
//!             config gives it           InsertShards            DeleteShards
//!   (none) ──────────────────▶ Pulling ─────────────▶ Gc ─────────────▶ Serving
//!   (none) ──────────────────────────────────────────────────────────▶ Serving
//!             config gives it, from gid 0 (nobody held it)
//!   Serving ─────────────────▶ Offering ───────────────────────────────▶ (none)
//!             config takes it                         DeleteShards
//! ```
//!
//! - A gained shard is **Pulling** until its data arrives from the group
//!   that owned it in the previous config (an `InsertShards` command with
//!   what the group's puller fetched); then **Gc**: the group serves it,
//!   but has yet to tell the old owner that it may delete its copy. Once
//!   the old owner has, a `DeleteShards` command here makes it **Serving**.
//! - A lost shard is **Offering**: no longer served, its data frozen and
//!   kept until the new owner has it, when the new owner's `DeleteShards`
//!   request puts a `DeleteShards` command into this group's log.
//!
//! # One config at a time
//!
//! A group takes config `n + 1` only once every shard it holds is Serving
//! under config `n` (nothing Pulling, Offering or Gc): so a shard's old
//! owner is always the owner in the group's previous config, and both
//! groups agree on which move a transfer belongs to. Each shard command
//! names its config, and is ignored unless it is the group's current one:
//! a late or repeated command changes nothing.
//!
//! # Serving
//!
//! A clerk's operation is applied only if its key's shard is Serving or Gc
//! here; otherwise it yields "wrong group". That is checked here, when the
//! operation is applied, because a config may take the shard away between
//! the handler's start and the entry's place in the log. Each shard is
//! served on its own: shards that have arrived are served while others are
//! still Pulling.
//!
//! # Duplicates
//!
//! Each shard has its own duplicate table, which moves with its data: a
//! write applied by the old owner and sent again to the new one is still
//! recognised.

use std::collections::BTreeMap;
use std::mem;

use framework::labs::shardkv::key2shard;
use framework::labs::shardmaster::{Config, Gid, NSHARDS};
use serde::{Deserialize, Serialize};

use super::rpc::{Op, Request, Shards, ShardsAt};
use crate::rsm::{Dedup, StateMachine};

/// What one entry of a group's log holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// A clerk's Get, Put or Append.
    Client(Request),
    /// The next config, from the shard master.
    Config(Config),
    /// Shards that arrived from their previous owner, for the config
    /// numbered `config_num`.
    InsertShards {
        /// The config that moved them here.
        config_num: u64,
        /// Their data and duplicate tables.
        shards: Shards,
    },
    /// Shards whose move is complete: at their old owner, delete the copy
    /// it offered; at their new owner, the old owner has deleted it.
    DeleteShards(ShardsAt),
    /// Nothing. A new leader commits earlier terms' entries only once an
    /// entry of its own term commits; this is one it can always submit.
    Noop,
}

/// Where a shard this group holds stands (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShardStatus {
    /// Owned, held, and served.
    Serving,
    /// Owned under the current config, but its data is still at the
    /// previous owner.
    Pulling,
    /// Lost under the current config: kept, unchanged, until the new owner
    /// has it.
    Offering,
    /// Owned, held and served, but the old owner still holds its copy and
    /// must be told to delete it.
    Gc,
}

/// What a group holds of one shard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Where it stands.
    status: ShardStatus,
    /// Its keys and its duplicate table (empty while Pulling).
    data: ShardData,
}

/// One shard's keys and values, and the writes that have taken effect on
/// them: what moves from group to group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardData {
    /// The shard's keys and values.
    store: BTreeMap<String, String>,
    /// The Puts and Appends applied to this shard.
    dedup: Dedup,
}

/// Shards of the current config that wait on one other group: the shards
/// to pull from it, or to tell it to delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The other group's servers, by name (as the previous config lists
    /// them).
    pub servers: Vec<String>,
    /// The shards, and the config that moves them.
    pub shards: ShardsAt,
}

/// The state every server of one group replicates: exactly what a snapshot
/// holds.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// This group's id.
    gid: Gid,
    /// The config the group has reached.
    config: Config,
    /// The config before it: who owned each shard, and their servers.
    previous: Config,
    /// What the group holds, by shard number; a shard it neither owns nor
    /// offers is not here.
    shards: BTreeMap<usize, Shard>,
}

impl StateMachine for Machine {
    type Command = Command;
    /// For a clerk's operation: its value ("" for a write) if this group
    /// serves its key's shard, `None` ("wrong group") if not. The group's
    /// own commands yield `None`: whoever submits one only needs to know
    /// that it was applied.
    type Output = Option<String>;

    fn apply(&mut self, command: &Command) -> Option<String> {
        match command {
            Command::Client(request) => return self.serve(request),
            Command::Config(next) => self.take_config(next),
            Command::InsertShards { config_num, shards } => self.insert(*config_num, shards),
            Command::DeleteShards(shards) => self.delete(shards),
            Command::Noop => {}
        }
        None
    }
}

impl Machine {
    /// The machine of group `gid` before anything happened: config 0, no
    /// shards.
    pub fn new(gid: Gid) -> Machine {
        Machine {
            gid,
            config: Config::default(),
            previous: Config::default(),
            shards: BTreeMap::new(),
        }
    }

    /// The number of the config the group has reached.
    pub fn config_num(&self) -> u64 {
        self.config.num
    }

    /// Whether every shard has settled under the current config (all
    /// Serving), so that the group may take the next one.
    pub fn settled(&self) -> bool {
        self.shards
            .values()
            .all(|shard| shard.status == ShardStatus::Serving)
    }

    /// Whether the group serves `shard`: it owns it and holds its data.
    pub fn serves(&self, shard: usize) -> bool {
        self.shards.get(&shard).is_some_and(Shard::is_served)
    }

    /// The shards in `status` (Pulling, or Gc), grouped by the group that
    /// owned them in the previous config, in gid order.
    pub fn transfers(&self, status: ShardStatus) -> Vec<Transfer> {
        let mut by_owner: BTreeMap<Gid, Vec<usize>> = BTreeMap::new();
        for (&number, shard) in &self.shards {
            if shard.status == status {
                let owner = self.previous.shards[number];
                by_owner.entry(owner).or_default().push(number);
            }
        }
        by_owner
            .into_iter()
            .map(|(owner, shards)| Transfer {
                servers: self
                    .previous
                    .groups
                    .get(&owner)
                    .cloned()
                    .unwrap_or_default(),
                shards: ShardsAt {
                    config_num: self.config.num,
                    shards,
                },
            })
            .collect()
    }

    /// Copies of the requested shards that this group offers, if it is at
    /// the config that moves them. Before it, the group may still change
    /// them; after it, it has already handed them over (a group leaves a
    /// config only once its offered shards are deleted), so any request for
    /// an older move is a stale one.
    pub fn offered(&self, wanted: &ShardsAt) -> Option<Shards> {
        if wanted.config_num != self.config.num {
            return None;
        }
        let offered = wanted
            .shards
            .iter()
            .filter_map(|number| {
                let shard = self.shards.get(number)?;
                (shard.status == ShardStatus::Offering).then(|| (*number, shard.data.clone()))
            })
            .collect();
        Some(offered)
    }

    /// Applies a clerk's operation, if its shard is served here.
    fn serve(&mut self, request: &Request) -> Option<String> {
        let shard = self
            .shards
            .get_mut(&key2shard(request.op.key()))
            .filter(|shard| shard.is_served())?;
        Some(shard.data.apply(request))
    }

    /// Takes `next` if it is the config after the current one and every
    /// shard has settled: gained shards start Pulling (or Serving, empty,
    /// if nobody owned them), lost ones start Offering.
    fn take_config(&mut self, next: &Config) {
        if next.num != self.config.num + 1 || !self.settled() {
            return;
        }
        for number in 0..NSHARDS {
            let (owner, new_owner) = (self.config.shards[number], next.shards[number]);
            if new_owner == self.gid && owner != self.gid {
                let status = if owner == 0 {
                    ShardStatus::Serving
                } else {
                    ShardStatus::Pulling
                };
                self.shards.insert(number, Shard::new(status));
            } else if owner == self.gid && new_owner != self.gid {
                self.lose(number, new_owner);
            }
        }
        self.previous = mem::replace(&mut self.config, next.clone());
    }

    /// Stops serving shard `number`, which `new_owner` now owns.
    fn lose(&mut self, number: usize, new_owner: Gid) {
        if new_owner == 0 {
            // Every group has left: nobody will ever pull the shard, and a
            // group that joins later starts it empty. Keeping it would
            // only keep this group from ever settling.
            self.shards.remove(&number);
        } else if let Some(shard) = self.shards.get_mut(&number) {
            shard.status = ShardStatus::Offering;
        }
    }

    /// Stores shards pulled for config `config_num`, those still Pulling.
    fn insert(&mut self, config_num: u64, shards: &Shards) {
        if config_num != self.config.num {
            return;
        }
        for (number, data) in shards {
            if let Some(shard) = self.shards.get_mut(number)
                && shard.status == ShardStatus::Pulling
            {
                shard.status = ShardStatus::Gc;
                shard.data = data.clone();
            }
        }
    }

    /// Completes the moves of `shards` under the current config: deletes
    /// those offered, and marks those received as settled.
    fn delete(&mut self, shards: &ShardsAt) {
        if shards.config_num != self.config.num {
            return;
        }
        for number in &shards.shards {
            let Some(shard) = self.shards.get_mut(number) else {
                continue;
            };
            match shard.status {
                ShardStatus::Offering => {
                    self.shards.remove(number);
                }
                ShardStatus::Gc => shard.status = ShardStatus::Serving,
                ShardStatus::Serving | ShardStatus::Pulling => {}
            }
        }
    }
}

impl Shard {
    /// A shard in `status`, with no keys yet.
    fn new(status: ShardStatus) -> Shard {
        Shard {
            status,
            data: ShardData::default(),
        }
    }

    /// Whether clerks' operations on it are applied: it is owned and here.
    fn is_served(&self) -> bool {
        matches!(self.status, ShardStatus::Serving | ShardStatus::Gc)
    }
}

impl ShardData {
    /// Applies a clerk's operation: a Get's value, or "" for a write (which
    /// takes effect only if the duplicate table has not seen it).
    fn apply(&mut self, request: &Request) -> String {
        match &request.op {
            Op::Get { key } => self.store.get(key).cloned().unwrap_or_default(),
            Op::Put { key, value } => {
                if self.dedup.is_new(request) {
                    self.store.insert(key.clone(), value.clone());
                }
                String::new()
            }
            Op::Append { key, value } => {
                if self.dedup.is_new(request) {
                    self.store.entry(key.clone()).or_default().push_str(value);
                }
                String::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rsm;

    /// Config `num` with `shards[s]` serving shard `s`, each group with one
    /// server named after it.
    fn config(num: u64, shards: [Gid; NSHARDS]) -> Config {
        let groups = shards
            .iter()
            .filter(|&&g| g != 0)
            .map(|&g| (g, vec![format!("s{g}")]));
        Config {
            num,
            shards,
            groups: groups.collect(),
        }
    }

    /// Shards 0..5 on `low`, 5..10 on `high`.
    fn halves(num: u64, low: Gid, high: Gid) -> Config {
        let mut shards = [high; NSHARDS];
        shards[..5].fill(low);
        config(num, shards)
    }

    fn request(client: u64, seq: u64, op: Op) -> Command {
        Command::Client(Request { client, seq, op })
    }

    fn get(key: &str) -> Op {
        Op::Get { key: key.into() }
    }

    fn append(key: &str, value: &str) -> Op {
        Op::Append {
            key: key.into(),
            value: value.into(),
        }
    }

    fn statuses(m: &Machine) -> BTreeMap<usize, ShardStatus> {
        m.shards
            .iter()
            .map(|(&s, shard)| (s, shard.status))
            .collect()
    }

    fn at(config_num: u64, shards: &[usize]) -> ShardsAt {
        ShardsAt {
            config_num,
            shards: shards.to_vec(),
        }
    }

    /// Group 1 after config 1 (every shard its own), with key "0" (shard
    /// 8) and key "5" (shard 3) written by client 7.
    fn group_1_serving_all() -> Machine {
        let mut m = Machine::new(1);
        m.apply(&Command::Config(config(1, [1; NSHARDS])));
        m.apply(&request(7, 1, append("0", "x")));
        m.apply(&request(7, 2, append("5", "y")));
        m
    }

    /// Group 2 after config 1, which gives it nothing.
    fn group_2_with_nothing() -> Machine {
        let mut m = Machine::new(2);
        m.apply(&Command::Config(config(1, [1; NSHARDS])));
        m
    }

    #[test]
    fn the_first_config_serves_its_shards_at_once() {
        let mut m = Machine::new(1);
        assert!(!m.serves(0));
        assert_eq!(
            m.apply(&request(7, 1, get("a"))),
            None,
            "config 0: no group"
        );
        m.apply(&Command::Config(halves(1, 1, 2)));
        assert!(m.settled());
        assert!((0..5).all(|s| m.serves(s)) && (5..10).all(|s| !m.serves(s)));
        assert_eq!(
            m.apply(&request(7, 2, get("0"))),
            None,
            "shard 8 is group 2's"
        );
        assert_eq!(
            m.apply(&request(7, 3, get("2"))),
            Some(String::new()),
            "shard 0"
        );
    }

    #[test]
    fn configs_are_taken_one_at_a_time_and_only_once_settled() {
        let mut m = group_1_serving_all();
        m.apply(&Command::Config(config(3, [2; NSHARDS])));
        assert_eq!(m.config_num(), 1, "config 2 comes first");
        m.apply(&Command::Config(halves(2, 1, 2)));
        assert_eq!(m.config_num(), 2);
        let offering = (5..10).map(|s| (s, ShardStatus::Offering));
        let serving = (0..5).map(|s| (s, ShardStatus::Serving));
        assert_eq!(statuses(&m), serving.chain(offering).collect());
        assert!(!m.settled());
        m.apply(&Command::Config(config(3, [1; NSHARDS])));
        assert_eq!(m.config_num(), 2, "shards still offered");
        m.apply(&Command::DeleteShards(at(2, &[5, 6, 7, 8, 9])));
        assert_eq!(statuses(&m).len(), 5, "the offered shards are deleted");
        m.apply(&Command::Config(config(3, [1; NSHARDS])));
        assert_eq!(m.config_num(), 3);
        assert_eq!(
            m.transfers(ShardStatus::Pulling),
            vec![Transfer {
                servers: vec!["s2".into()],
                shards: at(3, &[5, 6, 7, 8, 9]),
            }]
        );
    }

    #[test]
    fn a_write_after_its_shard_left_is_the_wrong_group() {
        let mut m = group_1_serving_all();
        // Started while the group served shard 8; applied after config 2.
        m.apply(&Command::Config(halves(2, 1, 2)));
        assert_eq!(m.apply(&request(7, 3, append("0", "z"))), None);
        let offered = m.offered(&at(2, &[8])).unwrap();
        assert_eq!(offered[&8].store["0"], "x", "the offered data is unchanged");
        // And the refused write is not in the duplicate table: sent again
        // to the new owner, it takes effect there.
        let mut b = group_2_with_nothing();
        b.apply(&Command::Config(halves(2, 1, 2)));
        b.apply(&Command::InsertShards {
            config_num: 2,
            shards: offered,
        });
        b.apply(&request(7, 3, append("0", "z")));
        assert_eq!(b.apply(&request(7, 4, get("0"))).as_deref(), Some("xz"));
    }

    #[test]
    fn arrived_shards_are_served_while_others_are_still_pulling() {
        let mut m = Machine::new(3);
        m.apply(&Command::Config(halves(1, 1, 2)));
        m.apply(&Command::Config(config(2, [3; NSHARDS])));
        assert_eq!(
            m.transfers(ShardStatus::Pulling).len(),
            2,
            "one per old owner"
        );
        assert!((0..NSHARDS).all(|s| !m.serves(s)));
        let mut from_2 = Shards::new();
        from_2.insert(8, ShardData::default());
        m.apply(&Command::InsertShards {
            config_num: 2,
            shards: from_2,
        });
        assert!(m.serves(8) && !m.serves(0));
        assert_eq!(m.apply(&request(7, 1, get("0"))), Some(String::new()));
        assert_eq!(
            m.apply(&request(7, 2, get("1"))),
            None,
            "shard 9 is pulling"
        );
        assert_eq!(m.transfers(ShardStatus::Gc)[0].shards, at(2, &[8]));
    }

    #[test]
    fn shards_are_inserted_once_and_only_for_the_current_config() {
        let mut b = group_2_with_nothing();
        b.apply(&Command::Config(halves(2, 1, 2)));
        let mut a = group_1_serving_all();
        a.apply(&Command::Config(halves(2, 1, 2)));
        let shards = a.offered(&at(2, &[5, 6, 7, 8, 9])).unwrap();
        let insert = |config_num| Command::InsertShards {
            config_num,
            shards: shards.clone(),
        };
        b.apply(&insert(1));
        assert!(!b.serves(8), "an insert for an older config is ignored");
        b.apply(&insert(2));
        b.apply(&request(9, 1, append("0", "w")));
        b.apply(&insert(2));
        assert_eq!(
            b.apply(&request(9, 2, get("0"))).as_deref(),
            Some("xw"),
            "a repeated insert overwrites nothing"
        );
    }

    #[test]
    fn deletes_complete_a_move_once_at_both_ends() {
        let mut a = group_1_serving_all();
        let mut b = group_2_with_nothing();
        for m in [&mut a, &mut b] {
            m.apply(&Command::Config(halves(2, 1, 2)));
        }
        let shards = a.offered(&at(2, &[5, 6, 7, 8, 9])).unwrap();
        b.apply(&Command::InsertShards {
            config_num: 2,
            shards,
        });
        let done = Command::DeleteShards(at(2, &[5, 6, 7, 8, 9]));
        for m in [&mut a, &mut b] {
            m.apply(&Command::DeleteShards(at(1, &[5, 6, 7, 8, 9])));
            assert!(!m.settled(), "a delete for an older config is ignored");
            m.apply(&done);
            m.apply(&done);
            assert!(m.settled());
        }
        assert_eq!(
            statuses(&a).keys().copied().collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
        assert!((5..10).all(|s| b.serves(s)));
        assert_eq!(b.apply(&request(9, 1, get("0"))).as_deref(), Some("x"));
        assert_eq!(a.offered(&at(2, &[5])), Some(Shards::new()));
        assert_eq!(a.offered(&at(1, &[5])), None, "not at that config");
    }

    #[test]
    fn a_shard_moves_with_its_duplicate_table() {
        let mut a = group_1_serving_all();
        let mut b = group_2_with_nothing();
        for m in [&mut a, &mut b] {
            m.apply(&Command::Config(halves(2, 1, 2)));
        }
        b.apply(&Command::InsertShards {
            config_num: 2,
            shards: a.offered(&at(2, &[8])).unwrap(),
        });
        // Client 7's append of "x" was applied by group 1; sent again to
        // group 2 (its reply was lost), it must not apply twice.
        b.apply(&request(7, 1, append("0", "x")));
        assert_eq!(b.apply(&request(7, 3, get("0"))).as_deref(), Some("x"));
    }

    #[test]
    fn a_shard_no_group_owns_is_dropped() {
        let mut m = group_1_serving_all();
        m.apply(&Command::Config(config(2, [0; NSHARDS])));
        assert!(m.settled() && statuses(&m).is_empty());
        m.apply(&Command::Config(config(3, [1; NSHARDS])));
        assert!(m.settled() && m.serves(0), "nobody to pull from: empty");
    }

    #[test]
    fn a_machine_survives_its_snapshot() {
        let mut m = group_1_serving_all();
        m.apply(&Command::Config(halves(2, 1, 2)));
        let bytes = rsm::snapshot::encode(9, &m);
        assert_eq!(rsm::snapshot::decode(&bytes), Some((9, m)));
    }
}
