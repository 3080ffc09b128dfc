//! A run's message timeline as a Lamport diagram in SVG.
//!
//! The emulator sees every send, delivery, drop and crash, so a failing
//! test gets a picture of what its nodes said to each other without any
//! instrumentation in student code. One lane per node, time flowing down
//! (one row per event, with its virtual time at the left); a request is a
//! solid arrow from caller to server, its reply a dashed arrow back; lost
//! messages end in a red cross, crashes and restarts are marked on the lane.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use crate::sim::{Event, EventKind};

const ROW: usize = 16;
const LANE: usize = 130;
const LEFT: usize = 90;
const TOP: usize = 56;

/// Where an RPC's request left and arrived, by row.
struct Rpc {
    from: Arc<str>,
    to: Arc<str>,
    method: &'static str,
    sent: usize,
    delivered: Option<usize>,
}

/// Renders the last `last` events of a run (the window before a failure,
/// where the interesting part usually is) as a self-contained SVG, under
/// `caption` (say, the failure).
pub fn svg(events: &[Event], last: usize, caption: &str) -> String {
    let skipped = events.len().saturating_sub(last);
    let window = &events[skipped..];
    let lanes = lanes(window);
    let x = |node: &str| LEFT + LANE / 2 + lanes[node] * LANE;
    let y = |row: usize| TOP + row * ROW + ROW / 2;
    let width = LEFT + lanes.len().max(1) * LANE + 20;
    let height = TOP + window.len() * ROW + 20;

    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="10">
<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>
<rect width="100%" height="100%" fill="white"/>
<text x="4" y="14" font-size="12" font-weight="bold">{}</text>
<text x="4" y="30" font-size="11">message timeline: {} of {} events{}</text>
"##,
        escape(caption),
        window.len(),
        events.len(),
        if skipped > 0 { " (the last ones)" } else { "" }
    );
    for (node, lane) in &lanes {
        let lx = LEFT + LANE / 2 + lane * LANE;
        let _ = writeln!(
            out,
            r##"<text x="{lx}" y="48" text-anchor="middle" font-weight="bold">{}</text><line x1="{lx}" y1="{}" x2="{lx}" y2="{}" stroke="#bbb"/>"##,
            escape(node),
            TOP,
            height - 10
        );
    }

    let mut rpcs: BTreeMap<u64, Rpc> = BTreeMap::new();
    for (row, event) in window.iter().enumerate() {
        let _ = writeln!(
            out,
            r##"<text x="4" y="{}" fill="#777">{:.3}s</text>"##,
            y(row) + 3,
            event.at.as_secs_f64()
        );
        match &event.kind {
            EventKind::Send {
                rpc,
                from,
                to,
                method,
                ..
            } => {
                let _ = writeln!(
                    out,
                    r##"<circle cx="{}" cy="{}" r="2" fill="#333"/>"##,
                    x(from),
                    y(row)
                );
                rpcs.insert(
                    *rpc,
                    Rpc {
                        from: from.clone(),
                        to: to.clone(),
                        method,
                        sent: row,
                        delivered: None,
                    },
                );
            }
            EventKind::Deliver { rpc } => {
                if let Some(r) = rpcs.get_mut(rpc) {
                    r.delivered = Some(row);
                    if lanes.contains_key(&*r.to) {
                        arrow(
                            &mut out,
                            (x(&r.from), y(r.sent)),
                            (x(&r.to), y(row)),
                            false,
                            Some(r.method),
                        );
                    }
                }
            }
            EventKind::Reply { rpc, .. } => {
                if let Some(r) = rpcs.get(rpc) {
                    let start = r.delivered.unwrap_or(r.sent);
                    arrow(
                        &mut out,
                        (x(&r.to), y(start)),
                        (x(&r.from), y(row)),
                        true,
                        None,
                    );
                }
            }
            EventKind::DropRequest { rpc } => {
                if let Some(r) = rpcs.get(rpc) {
                    let to = if lanes.contains_key(&*r.to) {
                        x(&r.to)
                    } else {
                        x(&r.from) + LANE / 2
                    };
                    lost(
                        &mut out,
                        (x(&r.from), y(r.sent)),
                        (to, y(row)),
                        false,
                        Some(r.method),
                    );
                }
            }
            EventKind::DropReply { rpc } => {
                if let Some(r) = rpcs.get(rpc) {
                    let start = r.delivered.unwrap_or(r.sent);
                    lost(
                        &mut out,
                        (x(&r.to), y(start)),
                        (x(&r.from), y(row)),
                        true,
                        None,
                    );
                }
            }
            EventKind::Fail { rpc } => {
                if let Some(r) = rpcs.get(rpc) {
                    note(&mut out, (x(&r.from), y(row)), "#c00", r.method, "failed");
                }
            }
            EventKind::Held { rpc } => {
                if let Some(r) = rpcs.get(rpc) {
                    note(&mut out, (x(&r.from), y(row)), "#a60", r.method, "held");
                }
            }
            EventKind::Released { rpc } => {
                if let Some(r) = rpcs.get(rpc) {
                    note(&mut out, (x(&r.from), y(row)), "#a60", r.method, "released");
                }
            }
            EventKind::Crash { node } => marker(&mut out, x(node), y(row), "#c00", "crash"),
            EventKind::Start { node } => marker(&mut out, x(node), y(row), "#080", "start"),
        }
    }
    out.push_str("</svg>\n");
    out
}

/// A word on what became of a call (`failed`, `held`), beside its caller's
/// lane at `at`.
fn note(out: &mut String, at: (usize, usize), color: &str, method: &str, what: &str) {
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{}" fill="{color}">{} {what}</text>"##,
        at.0 + 4,
        at.1 + 3,
        escape(method)
    );
}

/// Lane numbers by node name, in name order.
fn lanes(events: &[Event]) -> BTreeMap<String, usize> {
    let mut names: Vec<String> = Vec::new();
    for event in events {
        match &event.kind {
            EventKind::Send { from, to, .. } => {
                names.push(from.to_string());
                if !to.is_empty() {
                    names.push(to.to_string());
                }
            }
            EventKind::Crash { node } | EventKind::Start { node } => names.push(node.to_string()),
            _ => {}
        }
    }
    names.sort();
    names.dedup();
    names.into_iter().enumerate().map(|(i, n)| (n, i)).collect()
}

fn arrow(
    out: &mut String,
    from: (usize, usize),
    to: (usize, usize),
    dashed: bool,
    label: Option<&str>,
) {
    let dash = if dashed {
        r#" stroke-dasharray="4,3""#
    } else {
        ""
    };
    let _ = writeln!(
        out,
        r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"{dash} marker-end="url(#a)"/>"##,
        from.0, from.1, to.0, to.1
    );
    if let Some(label) = label {
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" fill="#336">{}</text>"##,
            (from.0 + to.0) / 2 + 3,
            (from.1 + to.1) / 2,
            escape(label.rsplit('.').next().unwrap_or(label))
        );
    }
}

/// A message that was lost: half an arrow, ending in a red cross.
fn lost(
    out: &mut String,
    from: (usize, usize),
    to: (usize, usize),
    dashed: bool,
    label: Option<&str>,
) {
    let mid = ((from.0 + to.0) / 2, (from.1 + to.1) / 2);
    let dash = if dashed {
        r#" stroke-dasharray="4,3""#
    } else {
        ""
    };
    let _ = writeln!(
        out,
        r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#c00"{dash}/><text x="{}" y="{}" fill="#c00" text-anchor="middle" font-size="12">✕</text>"##,
        from.0,
        from.1,
        mid.0,
        mid.1,
        mid.0,
        mid.1 + 4
    );
    if let Some(label) = label {
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" fill="#c00">{} lost</text>"##,
            mid.0 + 8,
            mid.1 + 3,
            escape(label.rsplit('.').next().unwrap_or(label))
        );
    }
}

fn marker(out: &mut String, x: usize, y: usize, colour: &str, text: &str) {
    let _ = writeln!(
        out,
        r##"<rect x="{}" y="{}" width="8" height="8" fill="{colour}"/><text x="{}" y="{}" fill="{colour}">{text}</text>"##,
        x - 4,
        y - 4,
        x + 7,
        y + 3
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(ms: u64, kind: EventKind) -> Event {
        Event {
            at: Duration::from_millis(ms),
            kind,
        }
    }

    #[test]
    fn draws_lanes_arrows_losses_and_crashes() {
        let send = |rpc, from: &str, to: &str| EventKind::Send {
            rpc,
            from: from.into(),
            to: to.into(),
            method: "Raft.AppendEntries",
            bytes: 10,
        };
        let events = vec![
            at(
                0,
                EventKind::Start {
                    node: "raft-0".into(),
                },
            ),
            at(1, send(1, "raft-0", "raft-1")),
            at(2, EventKind::Deliver { rpc: 1 }),
            at(2, EventKind::Reply { rpc: 1, bytes: 3 }),
            at(3, send(2, "raft-0", "raft-2")),
            at(4, EventKind::DropRequest { rpc: 2 }),
            at(
                5,
                EventKind::Crash {
                    node: "raft-1".into(),
                },
            ),
        ];
        let svg = svg(&events, 100, "TEST 1 failed: <it broke>");
        assert!(svg.starts_with("<svg "));
        assert!(svg.ends_with("</svg>\n"));
        for lane in ["raft-0", "raft-1", "raft-2"] {
            assert!(svg.contains(&format!(">{lane}</text>")), "lane {lane}");
        }
        assert!(svg.contains(">AppendEntries</text>"), "request labelled");
        assert!(svg.contains("stroke-dasharray"), "reply drawn dashed");
        assert!(svg.contains(">AppendEntries lost</text>"), "drop shown");
        assert!(svg.contains(">crash</text>"));
        assert!(svg.contains("7 of 7 events"));
        assert!(
            svg.contains(">TEST 1 failed: &lt;it broke&gt;</text>"),
            "caption, escaped"
        );
        // A window keeps only the last events.
        assert!(super::svg(&events, 2, "").contains("2 of 7 events (the last ones)"));
    }
}
