use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;

use super::clock;
use super::cpu::cpu_time;
use super::node::{install_panic_hook, panic_failure};
use super::stuck::{self, Site, THE_TEST};
use super::{Event, Failure, World};
use crate::net::Contents;

/// How to run one test in a fresh world.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// The seed of the world's RNG: the same seed replays the same run.
    pub seed: u64,
    /// The virtual time after which the test fails (the classic labs' 120 s).
    pub time_limit: Duration,
}

impl RunSettings {
    /// Settings with this seed and the classic 120 s limit.
    pub fn new(seed: u64) -> Self {
        RunSettings {
            seed,
            time_limit: Duration::from_secs(120),
        }
    }
}

/// What a run produced: the verdict and the figures that identify and
/// describe it.
#[derive(Debug)]
pub struct RunOutcome {
    /// `Ok` if the test passed, else the first failure anything reported.
    pub result: Result<(), Failure>,
    /// Virtual time the test took.
    pub virtual_time: Duration,
    /// CPU time the run used (see [`super::cpu_time`]).
    pub cpu_time: Duration,
    /// Hash of the ordered network events: same seed, same hash.
    pub trace_hash: u64,
    /// RPCs sent (counted at send time, dropped ones included).
    pub rpcs: u64,
    /// Request bytes at send time plus reply bytes on delivery.
    pub bytes: u64,
    /// Every event of the run, oldest first.
    pub events: Vec<Event>,
    /// What the run's latest messages said.
    pub contents: Contents,
    /// Figures the test set with [`World::set_stat`].
    pub stats: BTreeMap<&'static str, u64>,
    /// Warnings the test noted with [`World::warn`].
    pub warnings: Vec<String>,
}

/// Runs a test in a new world on a new single-threaded runtime with a paused
/// clock, and returns when it ends: it returned, it or a node's task panicked,
/// some check reported a failure through [`World::fail`], or its virtual time
/// limit passed. Whatever the test left running is dropped with the runtime.
pub fn run<F, Fut>(settings: &RunSettings, test: F) -> RunOutcome
where
    F: FnOnce(World) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    install_panic_hook();
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_time().start_paused(true);
    // Without a seed, tokio draws the randomness of an unbiased `select!`
    // from the OS (see .cargo/config.toml).
    #[cfg(tokio_unstable)]
    builder.rng_seed(tokio::runtime::RngSeed::from_bytes(
        &settings.seed.to_le_bytes(),
    ));
    let runtime = builder
        .build()
        .expect("a current-thread runtime always builds");
    let limit = settings.time_limit;
    let cpu_before = cpu_time();
    let watch = stuck::Watch::start();
    let (result, world) = runtime.block_on(async {
        let world = World::new(settings.seed);
        let _clock = clock::enter(&world);
        let body = stuck::watched(
            THE_TEST,
            Site::Handler(""),
            AssertUnwindSafe(test(world.clone())).catch_unwind(),
        );
        let result = tokio::select! {
            biased;
            failure = world.failed() => Err(failure),
            ended = tokio::time::timeout(limit, body) => match ended {
                Ok(Ok(result)) => result,
                Ok(Err(panic)) => Err(panic_failure("test", panic)),
                Err(_) => Err(Failure::new(format!(
                    "test took longer than {} s of virtual time",
                    limit.as_secs_f64()
                ))),
            },
        };
        // A task may have failed the world in the same instant the test returned.
        let result = result.and_then(|()| world.failure().map_or(Ok(()), Err));
        (result, world)
    });
    drop(watch);
    let cpu_time = cpu_time() - cpu_before;
    let virtual_time = runtime.block_on(async { world.now() });
    let (rpcs, bytes) = world.net().totals();
    let (trace_hash, events) = {
        let mut trace = world.trace();
        (trace.hash(), trace.take_events())
    };
    let contents = world.net().take_contents();
    let stats = world.stats();
    let warnings = world.warnings();
    drop(runtime);
    RunOutcome {
        stats,
        warnings,
        result,
        virtual_time,
        cpu_time,
        trace_hash,
        rpcs,
        bytes,
        events,
        contents,
    }
}
