//! Same seed, same run: a busy scenario (5 nodes gossiping over an
//! unreliable network while the harness crashes and restarts them) replays
//! to the same trace hash, and another seed gives another.

use std::time::Duration;

use framework::net::{ClientEnd, Method, Server, Service};
use framework::sim::time::sleep;
use framework::sim::{Node, RunOutcome, RunSettings, World, run};
use rand::Rng;

const GOSSIP: Method<Vec<u64>, u64> = Method::new("Peer.Gossip");
const NODES: usize = 5;

/// Starts incarnation `incarnation` of node `i`: a server, and a task that
/// calls random peers after random pauses, without waiting for replies.
fn start(world: &World, i: usize, incarnation: usize) -> Node {
    let node = world.node(format!("n{i}"));
    let service = Service::new("Peer", ()).method(GOSSIP, |(), xs: Vec<u64>| async move {
        xs.iter().fold(0u64, |a, x| a.wrapping_add(*x))
    });
    world
        .net()
        .add_server(&format!("n{i}"), Server::new(node.clone()).with(service));
    let ends: Vec<ClientEnd> = (0..NODES)
        .map(|j| {
            let name = format!("n{i}.{incarnation}->n{j}");
            let end = world.net().make_end(&name, &format!("n{i}"));
            world.net().connect(&name, &format!("n{j}"));
            world.net().enable(&name, true);
            end
        })
        .collect();
    let mut rng = node.rng();
    let spawner = node.clone();
    node.spawn(async move {
        loop {
            sleep(Duration::from_millis(rng.random_range(1..30))).await;
            let peer = ends[rng.random_range(0..NODES)].clone();
            let payload: Vec<u64> = (0..rng.random_range(0..8)).map(|_| rng.random()).collect();
            spawner.spawn(async move {
                let _ = peer.call(GOSSIP, &payload).await;
            });
        }
    });
    node
}

fn busy_scenario(seed: u64) -> RunOutcome {
    run(&RunSettings::new(seed), |world| async move {
        world.net().set_unreliable(true);
        world.net().set_long_reordering(true);
        let mut nodes: Vec<Node> = (0..NODES).map(|i| start(&world, i, 0)).collect();
        let mut rng = world.rng();
        for round in 1..=40 {
            sleep(Duration::from_millis(rng.random_range(50..250))).await;
            let victim = rng.random_range(0..NODES);
            world.net().delete_server(&format!("n{victim}"));
            nodes[victim].crash();
            sleep(Duration::from_millis(rng.random_range(0..100))).await;
            nodes[victim] = start(&world, victim, round);
        }
        Ok(())
    })
}

#[test]
fn same_seed_same_trace_hash_other_seed_other_hash() {
    let first = busy_scenario(42);
    assert_eq!(first.result, Ok(()));
    assert!(
        first.rpcs > 1000,
        "the scenario is busy: {} RPCs",
        first.rpcs
    );
    let again = busy_scenario(42);
    assert_eq!(first.trace_hash, again.trace_hash);
    assert_eq!(first.events, again.events);
    assert_eq!((first.rpcs, first.bytes), (again.rpcs, again.bytes));
    let other = busy_scenario(43);
    assert_ne!(first.trace_hash, other.trace_hash);
}
