//! The deterministic world: virtual time, node-scoped tasks, failures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use framework::sim::time::sleep;
use framework::sim::{Failure, RunSettings, run};
use rand::Rng;

#[test]
fn virtual_time_jumps_instead_of_waiting() {
    let wall = Instant::now();
    let outcome = run(&RunSettings::new(1), |world| async move {
        sleep(Duration::from_secs(100)).await;
        assert_eq!(world.now(), Duration::from_secs(100));
        Ok(())
    });
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(outcome.virtual_time, Duration::from_secs(100));
    // Generous: a hundred virtual seconds must not cost anything like real ones.
    assert!(wall.elapsed() < Duration::from_secs(20));
}

#[test]
fn the_virtual_time_limit_fails_the_test() {
    let mut settings = RunSettings::new(1);
    settings.time_limit = Duration::from_secs(5);
    let outcome = run(&settings, |_| async {
        sleep(Duration::from_secs(6)).await;
        Ok(())
    });
    let failure = outcome.result.unwrap_err();
    assert_eq!(
        failure.message(),
        "test took longer than 5 s of virtual time"
    );
    assert_eq!(outcome.virtual_time, Duration::from_secs(5));
}

#[test]
fn a_check_failure_is_the_verdict() {
    let outcome = run(&RunSettings::new(1), |_| async {
        framework::fail!("term {} has {} (>1) leaders", 3, 2);
    });
    assert_eq!(
        outcome.result,
        Err(Failure::new("term 3 has 2 (>1) leaders"))
    );
}

#[test]
fn a_panicking_node_task_fails_the_test_with_where_and_what() {
    let outcome = run(&RunSettings::new(1), |world| async move {
        let node = world.node("raft-1");
        node.spawn(async {
            sleep(Duration::from_millis(10)).await;
            let log: Vec<u8> = Vec::new();
            let _ = log[3];
        });
        sleep(Duration::from_secs(1)).await;
        Ok(())
    });
    let message = outcome.result.unwrap_err().message().to_string();
    assert!(message.starts_with("raft-1 panicked at "), "{message}");
    assert!(message.contains("world.rs:"), "{message}");
    assert!(message.contains("index out of bounds"), "{message}");
    assert_eq!(outcome.virtual_time, Duration::from_millis(10));
}

#[test]
fn a_panic_in_the_test_itself_is_reported() {
    let outcome = run(&RunSettings::new(1), |_| async {
        panic!("harness bug");
    });
    let message = outcome.result.unwrap_err().message().to_string();
    assert!(message.starts_with("test panicked at "), "{message}");
    assert!(message.ends_with(": harness bug"), "{message}");
}

/// A skeleton's body (`framework::labs::not_implemented`) fails the test
/// with exactly its message, from a node's task or from the test itself:
/// no "panicked at", no location.
#[test]
fn not_implemented_fails_the_test_with_its_message_alone() {
    let outcome = run(&RunSettings::new(1), |world| async move {
        let node = world.node("kv-0");
        node.spawn(async {
            sleep(Duration::from_millis(10)).await;
            framework::labs::not_implemented("KvClerk::get")
        });
        sleep(Duration::from_secs(1)).await;
        Ok(())
    });
    assert_eq!(
        outcome.result,
        Err(Failure::new("not implemented: KvClerk::get"))
    );
    assert_eq!(outcome.virtual_time, Duration::from_millis(10));

    let outcome = run(&RunSettings::new(1), |_| async {
        framework::labs::not_implemented("Raft::make")
    });
    assert_eq!(
        outcome.result,
        Err(Failure::new("not implemented: Raft::make"))
    );
}

#[test]
fn crashing_a_node_stops_all_its_tasks_and_refuses_new_ones() {
    let ticks = Arc::new(AtomicU32::new(0));
    let seen = ticks.clone();
    let outcome = run(&RunSettings::new(1), |world| async move {
        let node = world.node("s0");
        for _ in 0..3 {
            let ticks = ticks.clone();
            node.spawn(async move {
                loop {
                    sleep(Duration::from_millis(10)).await;
                    ticks.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        sleep(Duration::from_millis(105)).await;
        assert_eq!(ticks.load(Ordering::SeqCst), 30);
        node.crash();
        assert!(!node.is_alive());
        let late = ticks.clone();
        node.spawn(async move {
            late.fetch_add(1000, Ordering::SeqCst);
        });
        sleep(Duration::from_secs(1)).await;
        Ok(())
    });
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(seen.load(Ordering::SeqCst), 30);
}

#[test]
fn a_task_spawns_on_its_own_node_without_being_given_it() {
    let ticks = Arc::new(AtomicU32::new(0));
    let seen = ticks.clone();
    let outcome = run(&RunSettings::new(1), |world| async move {
        assert!(
            framework::sim::current_node().is_none(),
            "the test is no node's task"
        );
        let node = world.node("s0");
        let inner = ticks.clone();
        node.spawn(async move {
            let me = framework::sim::current_node().expect("a node's task knows its node");
            assert_eq!(me.name(), "s0");
            // Spawned deep inside, with no node in hand: it still belongs
            // to s0, so the crash below stops it.
            framework::sim::spawn(async move {
                loop {
                    sleep(Duration::from_millis(10)).await;
                    inner.fetch_add(1, Ordering::SeqCst);
                }
            });
        });
        sleep(Duration::from_millis(105)).await;
        node.crash();
        sleep(Duration::from_secs(1)).await;
        Ok(())
    });
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(seen.load(Ordering::SeqCst), 10);
}

#[test]
fn the_seed_decides_every_random_draw() {
    let draws = |seed| {
        let mut values = Vec::new();
        let outcome = run(&RunSettings::new(seed), |world| {
            let mut rng = world.node("n").rng();
            values = (0..8).map(|_| rng.random_range(0..1_000_000)).collect();
            async { Ok(()) }
        });
        assert_eq!(outcome.result, Ok(()));
        values
    };
    assert_eq!(draws(7), draws(7));
    assert_ne!(draws(7), draws(8));
}

#[test]
fn even_an_unbiased_select_replays_from_the_seed() {
    let picks = |seed| {
        let mut picks = Vec::new();
        let outcome = run(&RunSettings::new(seed), |_| async {
            for _ in 0..64 {
                // Both branches are ready: without `biased;` tokio picks one
                // at random, from the world's seed.
                let pick = tokio::select! {
                    () = std::future::ready(()) => 'a',
                    () = std::future::ready(()) => 'b',
                };
                picks.push(pick);
            }
            Ok(())
        });
        assert_eq!(outcome.result, Ok(()));
        picks
    };
    let first = picks(3);
    assert!(
        first.contains(&'a') && first.contains(&'b'),
        "the picks vary: {first:?}"
    );
    assert_eq!(
        first,
        picks(3),
        "tokio's select! was not seeded from the world: build with --cfg tokio_unstable \
         (.cargo/config.toml sets it; RUSTFLAGS in the environment overrides that file)"
    );
}
