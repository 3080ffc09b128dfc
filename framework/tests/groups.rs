//! Replica groups and links, lab-neutral: what every lab's harness relies
//! on, checked with servers that only echo.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use framework::labs::group::Group;
use framework::labs::links::Links;
use framework::net::{ClientEnd, Latency, Method, Service};
use framework::sim::{RunSettings, World, run};

const ECHO: Method<String, String> = Method::new("Echo.Echo");

/// A server that echoes, with the ends it was given, and a leadership the
/// test sets.
struct Echo {
    ends: Vec<ClientEnd>,
    leads: Mutex<(u64, bool)>,
}

fn leadership(echo: &Echo) -> (u64, bool) {
    *echo.leads.lock().unwrap()
}

fn group(links: &Links, name: &str, n: usize) -> Group<Echo> {
    let group = Group::new(links, name, n, leadership);
    for i in 0..n {
        start(&group, i);
    }
    group
}

fn start(group: &Group<Echo>, i: usize) -> Arc<Echo> {
    group.start_with(i, |_node, ends, _persister| {
        let echo = Arc::new(Echo {
            ends,
            leads: Mutex::new((0, false)),
        });
        let service = Service::new("Echo", ()).method(ECHO, |(), text: String| async move { text });
        (echo, vec![service.into()])
    })
}

/// Whether server `from` of `group` reaches server `to` through its end.
async fn reaches(group: &Group<Echo>, from: usize, to: usize) -> bool {
    let ends = &group.get(from).expect("up").ends;
    ends[to].call(ECHO, &"ping".to_string()).await.is_ok()
}

fn quiet(world: &World) {
    world.net().set_latency(Latency::ZERO);
}

#[test]
fn connect_disconnect_cut_and_one_way_cuts() {
    let outcome = run(&RunSettings::new(1), |world| async move {
        quiet(&world);
        let g = group(&Links::new(&world), "a", 3);
        assert!(!reaches(&g, 0, 1).await, "a new group starts disconnected");
        for i in 0..3 {
            g.connect(i);
        }
        assert!(reaches(&g, 0, 1).await && reaches(&g, 2, 0).await);
        g.disconnect(2);
        assert!(!reaches(&g, 2, 0).await && !reaches(&g, 0, 2).await);
        assert!(reaches(&g, 0, 1).await, "the others keep their links");
        g.connect(2);
        g.cut(0, 1);
        assert!(!reaches(&g, 0, 1).await && !reaches(&g, 1, 0).await);
        assert!(reaches(&g, 0, 2).await);
        g.heal();
        g.set_link_latency(
            0,
            1,
            Some(Latency::between(
                Duration::from_millis(40),
                Duration::from_millis(40),
            )),
        );
        let start = framework::sim::time::Instant::now();
        assert!(reaches(&g, 1, 0).await);
        assert_eq!(start.elapsed(), Duration::from_millis(80), "40 ms each way");
        g.set_link_latency(0, 1, None);
        g.cut_one_way(0, 1);
        assert!(!reaches(&g, 0, 1).await, "0 can no longer send to 1");
        assert!(reaches(&g, 1, 0).await, "1 still sends to 0 and hears back");
        Ok(())
    });
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
}

#[test]
fn partitions_talk_only_within_their_part() {
    let outcome = run(&RunSettings::new(2), |world| async move {
        quiet(&world);
        let g = group(&Links::new(&world), "a", 5);
        g.partition(&[&[0, 1, 2], &[3, 4]]);
        assert!(reaches(&g, 0, 2).await && reaches(&g, 4, 3).await);
        assert!(!reaches(&g, 0, 3).await && !reaches(&g, 4, 1).await);
        g.heal();
        assert!(reaches(&g, 0, 3).await && reaches(&g, 4, 1).await);
        Ok(())
    });
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
}

#[test]
fn a_crashed_incarnations_ends_never_deliver_again() {
    let outcome = run(&RunSettings::new(3), |world| async move {
        quiet(&world);
        let g = group(&Links::new(&world), "a", 2);
        g.heal();
        let old = g.get(0).expect("up");
        g.crash(0);
        assert!(!g.is_up(0) && g.get(0).is_none());
        start(&g, 0);
        g.heal();
        assert!(reaches(&g, 0, 1).await, "the new incarnation is linked");
        let stale = old.ends[1].call(ECHO, &"late".to_string()).await;
        assert!(stale.is_err(), "the old incarnation's end was retired");
        Ok(())
    });
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
}

#[test]
fn ends_cross_groups_and_clients_follow_their_links() {
    let outcome = run(&RunSettings::new(4), |world| async move {
        quiet(&world);
        let links = Links::new(&world);
        let (a, b) = (group(&links, "a", 1), group(&links, "b", 2));
        // A server of group a reaches group b (shard migration) once the
        // links between them are up, including ends made before that.
        let to_b = b.ends_from(&a.name(0), "a-0#migrate");
        assert!(to_b[1].call(ECHO, &"x".to_string()).await.is_err());
        links.set_both(&a.name(0), &b.name(1), true);
        assert!(to_b[1].call(ECHO, &"x".to_string()).await.is_ok());
        assert!(to_b[0].call(ECHO, &"x".to_string()).await.is_err());
        // A client reaches exactly the servers it is connected to.
        let client = b.client_ends("client-0");
        b.connect_client("client-0", &[0]);
        assert!(client[0].call(ECHO, &"x".to_string()).await.is_ok());
        assert!(client[1].call(ECHO, &"x".to_string()).await.is_err());
        b.connect_client("client-0", &[1]);
        assert!(client[0].call(ECHO, &"x".to_string()).await.is_err());
        assert!(client[1].call(ECHO, &"x".to_string()).await.is_ok());
        Ok(())
    });
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
}

#[test]
fn leadership_is_read_through_the_labs_function() {
    let outcome = run(&RunSettings::new(5), |world| async move {
        quiet(&world);
        let g = group(&Links::new(&world), "a", 3);
        assert_eq!(g.leader(), None);
        let waited = g.wait_for_leader(Duration::from_millis(500)).await;
        assert!(
            waited.is_err_and(|f| f.message().contains("no server became leader")),
            "nobody leads"
        );
        *g.get(1).unwrap().leads.lock().unwrap() = (3, true);
        *g.get(2).unwrap().leads.lock().unwrap() = (4, true);
        assert_eq!(g.leader(), Some(1));
        assert_eq!(g.leaders_of_latest_term(), vec![2]);
        g.crash(2);
        assert_eq!(
            g.leaders_of_latest_term(),
            vec![1],
            "a crashed server leads nothing"
        );
        assert_eq!(
            g.wait_for_leader(Duration::from_secs(1)).await.ok(),
            Some(1)
        );
        Ok(())
    });
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
}
