//! The emulator at scale: 1,000 nodes exchange 100,000 RPCs over an
//! unreliable network, in one simulated world.
//!
//! Run: `cargo bench -p framework --bench emulator`. It prints the wall time
//! of the scenario and the process's peak resident memory (VmHWM), the
//! figures the world issue asks for. It is a benchmark, not a test: nothing
//! here asserts a time.

use std::time::{Duration, Instant};

use framework::net::{Method, Server, Service};
use framework::sim::time::sleep;
use framework::sim::{RunSettings, run};
use rand::Rng;

const NODES: usize = 1000;
const RPCS_PER_NODE: usize = 100;
const PING: Method<u64, u64> = Method::new("Bench.Ping");

fn main() {
    let started = Instant::now();
    let mut settings = RunSettings::new(1);
    settings.time_limit = Duration::from_secs(3600);
    let outcome = run(&settings, |world| async move {
        let net = world.net().clone();
        net.set_unreliable(true);
        let nodes: Vec<_> = (0..NODES)
            .map(|i| {
                let node = world.node(format!("n{i}"));
                let service =
                    Service::new("Bench", ()).method(PING, |(), x: u64| async move { x + 1 });
                net.add_server(&format!("n{i}"), Server::new(node.clone()).with(service));
                node
            })
            .collect();
        let mut clients = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let mut rng = node.rng();
            let net = net.clone();
            let name = format!("n{i}");
            clients.push(node.spawn(async move {
                let mut ok = 0u64;
                for k in 0..RPCS_PER_NODE {
                    let peer = rng.random_range(0..NODES);
                    let end_name = format!("{name}#{k}");
                    let end = net.make_end(&end_name, &name);
                    net.connect(&end_name, &format!("n{peer}"));
                    net.enable(&end_name, true);
                    if end.call(PING, &(k as u64)).await.is_ok() {
                        ok += 1;
                    }
                    sleep(Duration::from_millis(rng.random_range(0..10))).await;
                }
                ok
            }));
        }
        let mut delivered = 0;
        for client in clients {
            delivered += client.await.expect("clients finish");
        }
        println!(
            "replies delivered: {delivered} of {}",
            NODES * RPCS_PER_NODE
        );
        Ok(())
    });
    let wall = started.elapsed();
    assert_eq!(outcome.result, Ok(()));
    println!(
        "{NODES} nodes, {} RPCs, {} bytes, {} events: virtual {:.1} s, wall {:.2} s, peak RSS {}",
        outcome.rpcs,
        outcome.bytes,
        outcome.events.len(),
        outcome.virtual_time.as_secs_f64(),
        wall.as_secs_f64(),
        peak_rss()
    );
}

/// The process's peak resident set size, from /proc (Linux).
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}
