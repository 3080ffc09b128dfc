use std::time::Duration;

use serde_json::Value;

use super::*;
use crate::net::Contents;
use crate::sim::EventKind;

fn at(ms: u64, kind: EventKind) -> Event {
    Event {
        at: Duration::from_millis(ms),
        kind,
    }
}

fn send(rpc: u64, from: &str, to: &str) -> EventKind {
    EventKind::Send {
        rpc,
        from: from.into(),
        to: to.into(),
        method: "Raft.AppendEntries",
        bytes: 10,
    }
}

fn run() -> Vec<Event> {
    vec![
        at(
            0,
            EventKind::Start {
                node: "raft-10".into(),
            },
        ),
        at(
            0,
            EventKind::Start {
                node: "raft-2".into(),
            },
        ),
        at(
            1,
            EventKind::Step {
                what: "disconnect raft-2".into(),
            },
        ),
        at(
            2,
            EventKind::Observed {
                node: "raft-10".into(),
                term: 3,
                leads: true,
            },
        ),
        at(3, send(1, "raft-10", "raft-2")),
        at(4, EventKind::Deliver { rpc: 1 }),
        at(5, EventKind::Reply { rpc: 1, bytes: 3 }),
        at(6, send(2, "client-0", "raft-2")),
        at(700, EventKind::DropRequest { rpc: 2 }),
        at(
            800,
            EventKind::Crash {
                node: "raft-2".into(),
            },
        ),
    ]
}

/// The JSON a page embeds, read back.
fn data(page: &str) -> Value {
    let start = page
        .find(r#"<script id="data" type="application/json">"#)
        .unwrap();
    let rest = &page[start..];
    let json = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(&json.replace("<\\/", "</")).unwrap()
}

#[test]
fn the_page_embeds_every_event_with_servers_first_in_natural_order() {
    let story = Story {
        title: "TEST 1 failed: <it broke>".into(),
        failure: Some(Mark {
            at: Duration::from_millis(800),
            text: "term 3 has two leaders".into(),
        }),
        first_sign: Some(Mark {
            at: Duration::from_millis(2),
            text: "one(x) started".into(),
        }),
    };
    let page = html(&run(), &Contents::default(), &story);
    assert!(page.contains("<title>TEST 1 failed: &lt;it broke&gt;</title>"));
    assert!(page.contains("function draw()"), "the script is inlined");
    let d = data(&page);
    assert_eq!(
        d["lanes"],
        serde_json::json!(["raft-2", "raft-10", "client-0"])
    );
    assert_eq!(d["servers"], 2, "the callee and the watched node");
    // Every event takes a row but the observation, which holds from the next.
    assert_eq!(d["times"].as_array().unwrap().len(), 9);
    assert_eq!(d["states"][0]["row"], 3);
    assert_eq!(d["states"][0]["lane"], 1);
    let rpcs = d["rpcs"].as_array().unwrap();
    assert_eq!(rpcs[0]["end"], "reply");
    assert_eq!(
        (rpcs[0]["s"].clone(), rpcs[0]["d"].clone()),
        (3.into(), 4.into())
    );
    assert_eq!(rpcs[1]["end"], "request lost");
    assert_eq!(rpcs[1]["f"], 2);
    assert_eq!(d["steps"][0]["text"], "disconnect raft-2");
    assert_eq!(d["marks"][2]["crash"], true);
    assert_eq!(d["failure"]["row"], 8);
    assert_eq!(d["first_sign"]["row"], 3);
}

#[test]
fn nothing_in_the_data_can_end_its_script_element() {
    let events = vec![at(
        0,
        EventKind::Step {
            what: "</script><b>".into(),
        },
    )];
    let page = html(&events, &Contents::default(), &Story::default());
    assert_eq!(page.matches("</script>").count(), 2, "only the page's own");
    assert_eq!(data(&page)["steps"][0]["text"], "</script><b>");
}
