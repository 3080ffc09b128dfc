//! A shard master under the harness's control: one [`Group`] of servers
//! that start, crash and restart with their persisted state, and admin
//! clients whose every answer is checked against what was seen before.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ops::Deref;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::balance::{check_change, check_placed};
use super::{Config, Gid, ShardMaster, ShardMasterClerk};
use crate::labs::group::Group;
use crate::labs::links::Links;
use crate::labs::wait::within;
use crate::sim::{Failure, World};
use crate::{ensure, fail};

/// `n` shard master servers named `shardmaster-0` … `shardmaster-{n-1}`
/// (or after another name, for a second shard master), and the admin
/// clients that join, leave, move and query.
///
/// Every config any client is answered with is kept: a config, once seen,
/// must never be answered differently (see [`ShardMasterCluster::check_configs`]).
pub struct ShardMasterCluster<M: ShardMaster, C: ShardMasterClerk> {
    world: World,
    group: Group<M>,
    /// How many clerks have been made (each is host `{name}-admin-N`).
    clerks: Cell<usize>,
    seen: Rc<Seen>,
    changes: Rc<Changes>,
    op_timeout: Duration,
    clerk_type: std::marker::PhantomData<C>,
}

impl<M: ShardMaster, C: ShardMasterClerk> Deref for ShardMasterCluster<M, C> {
    type Target = Group<M>;

    fn deref(&self) -> &Group<M> {
        &self.group
    }
}

impl<M: ShardMaster, C: ShardMasterClerk> ShardMasterCluster<M, C> {
    /// Starts and connects `n` servers on `links`, named `shardmaster-i`;
    /// every client operation must complete within `op_timeout`.
    pub fn new(links: &Links, n: usize, op_timeout: Duration) -> ShardMasterCluster<M, C> {
        Self::named(links, "shardmaster", n, op_timeout)
    }

    /// [`ShardMasterCluster::new`] with servers named `{name}-i`.
    pub fn named(
        links: &Links,
        name: &str,
        n: usize,
        op_timeout: Duration,
    ) -> ShardMasterCluster<M, C> {
        let cluster = ShardMasterCluster {
            world: links.world().clone(),
            group: Group::new(links, name, n, M::raft_state),
            clerks: Cell::new(0),
            seen: Rc::default(),
            changes: Rc::default(),
            op_timeout,
            clerk_type: std::marker::PhantomData,
        };
        for i in 0..n {
            cluster.start(i);
        }
        cluster.heal();
        cluster
    }

    /// The world the cluster lives in.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Starts a new incarnation of server `i` with fresh ends and a copy of
    /// what it saved (crashing the old one first). Its ends start as its
    /// links are: connect it (e.g. [`Group::connect`]).
    pub fn start(&self, i: usize) {
        self.group.start_with(i, |node, ends, persister| {
            let server = Arc::new(M::make(node, ends, i, persister));
            let services = server.services();
            (server, services)
        });
    }

    /// A new admin client: a clerk with fresh ends to every server, in
    /// shuffled order, reaching them all.
    pub fn admin(&self) -> Admin<C> {
        let number = self.clerks.get();
        self.clerks.set(number + 1);
        let host = format!("{}-admin-{number}", self.group.prefix());
        let ends = self.group.shuffled_client_ends(&host);
        let clerk = C::make(self.world.node(host.clone()), ends);
        self.group.connect_client(&host, &self.group.all());
        Admin {
            clerk,
            host,
            seen: self.seen.clone(),
            changes: self.changes.clone(),
            limit: self.op_timeout,
            world: self.world.clone(),
        }
    }

    /// How many configs may exist at virtual time `at`: config 0 and one
    /// for each Join, Leave and Move any admin had begun by then. (Each
    /// change makes exactly one config, as [`ShardMasterCluster::check_configs`]
    /// checks, so no config numbered higher can have been seen.)
    pub fn configs_possible_at(&self, at: Duration) -> u64 {
        1 + self.changes.begun_by(at)
    }

    /// Every config from 0 to the latest, each as answered to a query.
    pub async fn configs(&self) -> Result<Vec<Config>, Failure> {
        let admin = self.admin();
        let latest = admin.query(-1).await?;
        let mut configs = Vec::with_capacity(latest.num as usize + 1);
        for num in 0..=latest.num {
            configs.push(admin.query(num as i64).await?);
        }
        Ok(configs)
    }

    /// Reads every config from 0 to the latest and checks each against the
    /// one before it (see [`check_change`]): every Join and Leave balanced
    /// with the fewest moves, every Move one shard, nothing else changed.
    /// Every config must also be the one seen before under its number, and
    /// there must be exactly one config for each change that completed:
    /// one more means a change was applied twice (a retry not recognised
    /// as a duplicate), one fewer that a completed change was lost.
    pub async fn check_configs(&self) -> Result<(), Failure> {
        let configs = self.configs().await?;
        let latest = configs.last().expect("config 0 always exists");
        let changes = self.changes.completed.get();
        ensure!(
            latest.num == changes,
            "the latest config is number {} after {changes} Joins, Leaves and Moves completed: each change makes exactly one config ({})",
            latest.num,
            if latest.num > changes {
                "one applied twice? a retry must be recognised as a duplicate"
            } else {
                "a change that completed was lost"
            }
        );
        ensure!(
            configs[0] == Config::default(),
            "config 0 must have no groups and every shard on gid 0; got {:?}",
            configs[0]
        );
        for pair in configs.windows(2) {
            if let Err(e) = check_change(&pair[0], &pair[1]) {
                fail!("{e}");
            }
        }
        Ok(())
    }
}

/// The Joins, Leaves and Moves of every admin: when each began, and how
/// many completed.
#[derive(Default)]
struct Changes {
    /// The virtual time each change began, in order.
    begun: RefCell<Vec<Duration>>,
    completed: Cell<u64>,
}

impl Changes {
    /// How many changes had begun by `at`.
    fn begun_by(&self, at: Duration) -> u64 {
        self.begun.borrow().iter().filter(|&&t| t <= at).count() as u64
    }
}

/// Every config answered so far, by number, and the query that first saw it.
#[derive(Default)]
struct Seen(RefCell<BTreeMap<u64, Config>>);

impl Seen {
    /// Keeps `config`, or fails if its number was seen with other contents.
    fn check(&self, config: &Config) -> Result<(), Failure> {
        let mut seen = self.0.borrow_mut();
        match seen.get(&config.num) {
            Some(before) if before != config => fail!(
                "config {} changed after it was made: first answered as {before:?}, later as {config:?} (replicas that rebalance differently, or a config rewritten in place?)",
                config.num
            ),
            Some(_) => Ok(()),
            None => {
                seen.insert(config.num, config.clone());
                Ok(())
            }
        }
    }
}

/// A test's shard master client: the student's clerk, each operation
/// bounded in virtual time, each config it returns checked for shape and
/// against every config seen before.
pub struct Admin<C> {
    clerk: C,
    /// The host its calls come from (`shardmaster-admin-N`).
    host: String,
    seen: Rc<Seen>,
    changes: Rc<Changes>,
    limit: Duration,
    world: World,
}

impl<C: ShardMasterClerk> Admin<C> {
    /// The host its calls come from (`shardmaster-admin-N`).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Joins the groups `gid → servers`.
    pub async fn join(&self, groups: &[(Gid, Vec<String>)]) -> Result<(), Failure> {
        let gids: Vec<Gid> = groups.iter().map(|(g, _)| *g).collect();
        let groups: BTreeMap<Gid, Vec<String>> = groups.iter().cloned().collect();
        self.begin();
        within(
            self.limit,
            &format!("join({gids:?})"),
            self.clerk.join(groups),
        )
        .await?;
        self.changed();
        Ok(())
    }

    /// Notes that a change begins now.
    fn begin(&self) {
        self.changes.begun.borrow_mut().push(self.world.now());
    }

    /// Counts a change that completed.
    fn changed(&self) {
        let completed = &self.changes.completed;
        completed.set(completed.get() + 1);
    }

    /// Leaves the groups `gids`.
    pub async fn leave(&self, gids: &[Gid]) -> Result<(), Failure> {
        let what = format!("leave({gids:?})");
        self.begin();
        within(self.limit, &what, self.clerk.leave(gids.to_vec())).await?;
        self.changed();
        Ok(())
    }

    /// Moves `shard` to `gid`.
    pub async fn move_shard(&self, shard: usize, gid: Gid) -> Result<(), Failure> {
        let what = format!("move({shard}, {gid})");
        self.begin();
        within(self.limit, &what, self.clerk.move_shard(shard, gid)).await?;
        self.changed();
        Ok(())
    }

    /// Queries config `num` (-1: the latest) and checks the answer: the
    /// number asked for (or, past the latest, an earlier one), every shard
    /// on a group of the config, and the same config as any seen before
    /// under its number.
    pub async fn query(&self, num: i64) -> Result<Config, Failure> {
        let config = within(self.limit, &format!("query({num})"), self.clerk.query(num)).await?;
        if num >= 0 {
            ensure!(
                config.num <= num as u64,
                "query({num}) returned config {}: a query returns the config asked for, or the latest if it asks past it",
                config.num
            );
        }
        if let Err(e) = check_placed(&config) {
            fail!("query({num}): {e}");
        }
        self.seen.check(&config)?;
        Ok(config)
    }
}
