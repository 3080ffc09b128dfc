//! The run as the page's script reads it: rows, lanes, messages, marks.
//!
//! A row is one event that takes room on the page: a message's send,
//! arrival, reply, loss, hold or release, a node's start or crash, a
//! harness step. What the harness saw of a server's state takes no row of
//! its own; it holds from the next row on. Field names are short because
//! a long run has hundreds of thousands of them.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::{Mark, Story};
use crate::net::{Contents, Leg};
use crate::sim::{Event, EventKind};

/// How many characters of message contents one page carries at most, the
/// latest messages first: enough for the story before a failure, without
/// making the page too heavy for a browser.
const CONTENTS_BUDGET: usize = 8 << 20;

#[derive(Serialize)]
pub(super) struct Model {
    title: String,
    /// Virtual milliseconds at the end: the last event, or the failure.
    end: f64,
    failure: Option<MarkAt>,
    first_sign: Option<MarkAt>,
    lanes: Vec<String>,
    /// How many of the lanes, the first ones, are servers.
    servers: usize,
    methods: Vec<&'static str>,
    /// Each row's virtual time, in milliseconds.
    times: Vec<f64>,
    /// Each row's owner: 0 an RPC, 1 a node's mark, 2 a harness step ...
    kinds: Vec<u8>,
    /// ... and its index in `rpcs`, `marks` or `steps`.
    items: Vec<u32>,
    rpcs: Vec<Rpc>,
    marks: Vec<NodeMark>,
    steps: Vec<Step>,
    states: Vec<State>,
    applied: Vec<Applied>,
}

/// A marked point: the row it is drawn at (the first at or after its time).
#[derive(Serialize)]
struct MarkAt {
    row: usize,
    t: f64,
    text: String,
}

/// One RPC: lanes, method, and the rows of what happened to it.
#[derive(Serialize)]
struct Rpc {
    id: u64,
    /// Caller's lane, and server's (none for an end connected to nothing).
    f: usize,
    t: Option<usize>,
    /// Method, an index in `methods`.
    m: usize,
    /// Rows: sent, delivered to the handler, ended.
    s: usize,
    d: Option<usize>,
    e: Option<usize>,
    /// How it ended: `reply`, `request lost`, `reply lost`, `failed`, or
    /// `` while still in flight when the run ended.
    end: &'static str,
    /// Rows where a hold caught it and where it was released.
    h: Vec<usize>,
    r: Vec<usize>,
    /// Request and reply bytes.
    qb: usize,
    pb: Option<usize>,
    /// What the request and the reply said, where still known.
    q: Option<String>,
    p: Option<String>,
}

#[derive(Serialize)]
struct NodeMark {
    row: usize,
    lane: usize,
    crash: bool,
}

#[derive(Serialize)]
struct Step {
    row: usize,
    text: String,
}

#[derive(Serialize)]
struct State {
    row: usize,
    lane: usize,
    term: u64,
    leads: bool,
}

#[derive(Serialize)]
struct Applied {
    row: usize,
    lane: usize,
    index: u64,
}

pub(super) fn build(events: &[Event], contents: &Contents, story: &Story) -> Model {
    let (lanes, servers) = lanes(events);
    let lane: BTreeMap<&str, usize> = lanes
        .iter()
        .enumerate()
        .map(|(i, name)| (&**name, i))
        .collect();
    let mut model = Model {
        title: story.title.clone(),
        end: events.last().map_or(0.0, |e| ms(e.at)),
        failure: None,
        first_sign: None,
        lanes: lanes.iter().map(|name| name.to_string()).collect(),
        servers,
        methods: Vec::new(),
        times: Vec::new(),
        kinds: Vec::new(),
        items: Vec::new(),
        rpcs: Vec::new(),
        marks: Vec::new(),
        steps: Vec::new(),
        states: Vec::new(),
        applied: Vec::new(),
    };
    let mut methods: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut by_id: BTreeMap<u64, usize> = BTreeMap::new();
    for event in events {
        let row = model.times.len();
        let take_row = |model: &mut Model, kind: u8, item: usize| {
            model.times.push(ms(event.at));
            model.kinds.push(kind);
            model.items.push(item as u32);
        };
        let rpc_of = |id: &u64| by_id.get(id).copied();
        match &event.kind {
            EventKind::Send {
                rpc,
                from,
                to,
                method,
                bytes,
            } => {
                let next = methods.len();
                let m = *methods.entry(method).or_insert(next);
                if m == next {
                    model.methods.push(method);
                }
                by_id.insert(*rpc, model.rpcs.len());
                let item = model.rpcs.len();
                take_row(&mut model, 0, item);
                model.rpcs.push(Rpc {
                    id: *rpc,
                    f: lane[&**from],
                    t: lane.get(&**to).copied(),
                    m,
                    s: row,
                    d: None,
                    e: None,
                    end: "",
                    h: Vec::new(),
                    r: Vec::new(),
                    qb: *bytes,
                    pb: None,
                    q: None,
                    p: None,
                });
            }
            EventKind::Deliver { rpc } => {
                if let Some(i) = rpc_of(rpc) {
                    take_row(&mut model, 0, i);
                    model.rpcs[i].d = Some(row);
                }
            }
            EventKind::Reply { rpc, bytes } => {
                if let Some(i) = rpc_of(rpc) {
                    take_row(&mut model, 0, i);
                    let r = &mut model.rpcs[i];
                    (r.e, r.end, r.pb) = (Some(row), "reply", Some(*bytes));
                }
            }
            EventKind::DropRequest { rpc }
            | EventKind::DropReply { rpc }
            | EventKind::Fail { rpc } => {
                if let Some(i) = rpc_of(rpc) {
                    take_row(&mut model, 0, i);
                    let r = &mut model.rpcs[i];
                    r.e = Some(row);
                    r.end = match event.kind {
                        EventKind::DropRequest { .. } => "request lost",
                        EventKind::DropReply { .. } => "reply lost",
                        _ => "failed",
                    };
                }
            }
            EventKind::Held { rpc } | EventKind::Released { rpc } => {
                if let Some(i) = rpc_of(rpc) {
                    take_row(&mut model, 0, i);
                    let r = &mut model.rpcs[i];
                    match event.kind {
                        EventKind::Held { .. } => r.h.push(row),
                        _ => r.r.push(row),
                    }
                }
            }
            EventKind::Start { node } | EventKind::Crash { node } => {
                let item = model.marks.len();
                take_row(&mut model, 1, item);
                model.marks.push(NodeMark {
                    row,
                    lane: lane[&**node],
                    crash: matches!(event.kind, EventKind::Crash { .. }),
                });
            }
            EventKind::Step { what } => {
                let item = model.steps.len();
                take_row(&mut model, 2, item);
                model.steps.push(Step {
                    row,
                    text: what.to_string(),
                });
            }
            EventKind::Observed { node, term, leads } => {
                if let Some(&lane) = lane.get(&**node) {
                    model.states.push(State {
                        row,
                        lane,
                        term: *term,
                        leads: *leads,
                    });
                }
            }
            EventKind::Applied { node, index } => {
                if let Some(&lane) = lane.get(&**node) {
                    model.applied.push(Applied {
                        row,
                        lane,
                        index: *index,
                    });
                }
            }
        }
    }
    describe(&mut model, contents);
    let at = |mark: &Option<Mark>| {
        mark.as_ref().map(|m| MarkAt {
            row: model.times.partition_point(|&t| t < ms(m.at)),
            t: ms(m.at),
            text: m.text.clone(),
        })
    };
    (model.failure, model.first_sign) = (at(&story.failure), at(&story.first_sign));
    if let Some(failure) = &model.failure {
        model.end = model.end.max(failure.t);
    }
    model
}

/// Fills in what the messages said, the latest first, within
/// [`CONTENTS_BUDGET`].
fn describe(model: &mut Model, contents: &Contents) {
    let contents = contents.index();
    let mut left = CONTENTS_BUDGET;
    for rpc in model.rpcs.iter_mut().rev() {
        let method = model.methods[rpc.m];
        for leg in [Leg::Reply, Leg::Request] {
            let Some(text) = contents.describe(rpc.id, leg, method) else {
                continue;
            };
            if text.len() > left {
                return;
            }
            left -= text.len();
            match leg {
                Leg::Request => rpc.q = Some(text),
                Leg::Reply => rpc.p = Some(text),
            }
        }
    }
}

fn ms(at: std::time::Duration) -> f64 {
    at.as_secs_f64() * 1000.0
}

/// Every node the events name: servers first (the nodes that are called,
/// or whose state the harness watched), then the nodes that only call
/// (clients), each in natural order (`kv-2` before `kv-10`); and how many
/// are servers.
fn lanes(events: &[Event]) -> (Vec<Arc<str>>, usize) {
    let mut servers = std::collections::BTreeSet::new();
    let mut all = BTreeMap::new();
    for event in events {
        match &event.kind {
            EventKind::Send { from, to, .. } => {
                all.insert(natural(from), from.clone());
                if !to.is_empty() {
                    servers.insert(to.clone());
                    all.insert(natural(to), to.clone());
                }
            }
            EventKind::Start { node } | EventKind::Crash { node } => {
                all.insert(natural(node), node.clone());
            }
            EventKind::Observed { node, .. } | EventKind::Applied { node, .. } => {
                servers.insert(node.clone());
            }
            _ => {}
        }
    }
    let (mut first, mut then): (Vec<_>, Vec<_>) =
        all.into_values().partition(|name| servers.contains(name));
    let servers = first.len();
    first.append(&mut then);
    (first, servers)
}

/// A name's sort key: its text with its trailing number read as a number
/// (and the name itself, so that no two names share a key).
fn natural(name: &Arc<str>) -> (String, u64, Arc<str>) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (text, number) = name.split_at(name.len() - digits);
    (text.to_string(), number.parse().unwrap_or(0), name.clone())
}
