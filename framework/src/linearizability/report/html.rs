//! Renders a [`Report`] as one HTML page: the timelines are SVG drawn here,
//! so the page reads the same with scripts off; the inline script only
//! highlights an operation everywhere it appears when hovered.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Analysis, Linearization, Report};

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("script.js");

/// Left gutter for the client labels, row height and box height, in pixels.
const GUTTER: f64 = 84.0;
const ROW: f64 = 36.0;
const BOX: f64 = 24.0;
/// Approximate width of a character of the box labels (12px monospace).
const CHAR: f64 = 7.3;

pub(super) fn render(report: &Report, title: &str) -> String {
    let mut page = String::with_capacity(64 * 1024);
    let n = report.ops.len();
    let clients: std::collections::BTreeSet<usize> = report.ops.iter().map(|o| o.client).collect();
    let label = esc(&report.label);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Not linearizable ({label}) — {title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>Not linearizable ({label})</h1>\n<p class=\"sub\">{title} · {label}: {n} operations by {c} clients</p>\n</header>\n",
        title = esc(title),
        c = clients.len(),
    );
    let _ = write!(
        page,
        "<section class=\"explain\">\n<p>There is no single order of these operations in which <b>every operation takes effect \
         between its call and its return</b> and <b>every answer is the one the specification gives</b> in the state left by \
         the operations before it. So some client saw something a correct, linearizable service could not have shown it.</p>\n\
         <p>Each box below is one operation, from the moment its client called to the moment the answer came back, one row \
         per client; time runs left to right (only the order of events is kept). Numbers on green boxes give an order the \
         checker could build before getting stuck. The <span class=\"red\">red line</span> is where it got stuck: by then one \
         of the outlined operations had to have taken effect, and none of them could.</p>\n</section>\n"
    );

    let m = report.minimal.members.len();
    let _ = write!(
        page,
        "<section id=\"minimal\">\n<h2>Smallest failing set: {m} of the {n} operations</h2>\n\
         <p>These operations alone already have no legal order, although every answer among them can be explained by \
         some of the others: they fail because of how they interact in time. Dropping any one of them leaves a set that \
         works or whose answers no longer make sense (as far as the checker could tell within its step budget). \
         Start here.</p>\n"
    );
    if let Some(lin) = report.minimal.linearizations.first() {
        analysis_view(&mut page, report, &report.minimal, lin, "m");
    }
    page.push_str("</section>\n");

    let _ = write!(
        page,
        "<section id=\"full\">\n<h2>All {n} operations ({label})</h2>\n"
    );
    for (k, lin) in report.full.linearizations.iter().enumerate() {
        let open = if k == 0 { " open" } else { "" };
        let _ = write!(
            page,
            "<details{open}>\n<summary>Longest partial linearization{}: {} of {n} operations, then stuck</summary>\n",
            if report.full.linearizations.len() > 1 {
                format!(" {}", k + 1)
            } else {
                String::new()
            },
            lin.steps.len(),
        );
        analysis_view(&mut page, report, &report.full, lin, &format!("f{k}"));
        page.push_str("</details>\n");
    }
    page.push_str("</section>\n");
    page.push_str(
        "<footer>\n<span class=\"key lin\"></span> linearized (with its position in the order) \
         <span class=\"key bad\"></span> could go next by time, but its answer is impossible in that state \
         <span class=\"key dead\"></span> could go next, but every order after it failed \
         <span class=\"key rest\"></span> not reached \
         <span class=\"key line\"></span> stuck here\n</footer>\n",
    );
    let _ = write!(page, "<script>\n{SCRIPT}</script>\n</body>\n</html>\n");
    page
}

/// A timeline and a step table for one partial linearization of a set.
fn analysis_view(
    page: &mut String,
    report: &Report,
    set: &Analysis,
    lin: &Linearization,
    id: &str,
) {
    let _ = writeln!(page, "<div class=\"view\" id=\"{id}\">");
    timeline(page, report, set, lin);
    steps_table(page, report, lin);
    page.push_str("</div>\n");
}

fn timeline(page: &mut String, report: &Report, set: &Analysis, lin: &Linearization) {
    let members = &set.members;
    // Times become ranks: every distinct call or return time is one column.
    let mut times: Vec<i64> = members
        .iter()
        .flat_map(|&p| [report.ops[p].call, report.ops[p].ret])
        .collect();
    times.sort_unstable();
    times.dedup();
    let rank = |t: i64| times.binary_search(&t).expect("a member's time") as f64;
    let step = (1100.0 / times.len().max(1) as f64).clamp(30.0, 130.0);
    let rows: BTreeMap<usize, usize> = {
        let clients: std::collections::BTreeSet<usize> =
            members.iter().map(|&p| report.ops[p].client).collect();
        clients
            .into_iter()
            .enumerate()
            .map(|(row, c)| (c, row))
            .collect()
    };
    let width = GUTTER + step * (times.len().max(2) - 1) as f64 + 40.0;
    let height = ROW * rows.len() as f64 + 30.0;
    let x = |t: i64| GUTTER + 10.0 + rank(t) * step;
    let order: BTreeMap<usize, usize> = lin
        .steps
        .iter()
        .enumerate()
        .map(|(k, &(p, _))| (p, k + 1))
        .collect();
    let candidates: BTreeMap<usize, bool> = lin.candidates.iter().copied().collect();

    let _ = writeln!(
        page,
        "<div class=\"scroll\"><svg width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\">\n"
    );
    for (&client, &row) in &rows {
        let y = ROW * row as f64 + 10.0;
        let _ = writeln!(
            page,
            "<rect class=\"band\" x=\"0\" y=\"{y:.1}\" width=\"{width:.0}\" height=\"{ROW:.0}\"/>\
             <text class=\"client\" x=\"8\" y=\"{ty:.1}\">client {client}</text>",
            ty = y + ROW / 2.0 + 4.0,
        );
    }
    for &p in members {
        let op = &report.ops[p];
        let y = ROW * rows[&op.client] as f64 + 10.0 + (ROW - BOX) / 2.0;
        let (x0, x1) = (x(op.call), x(op.ret));
        // Zero-length and adjacent operations still get a visible box.
        let w = (x1 - x0).max(10.0);
        let class = match (order.get(&p), candidates.get(&p)) {
            (Some(_), _) => "op lin",
            (None, Some(false)) => "op bad",
            (None, Some(true)) => "op dead",
            (None, None) => "op rest",
        };
        let status = match (order.get(&p), candidates.get(&p)) {
            (Some(k), _) => format!("step {k} of the order"),
            (None, Some(false)) => String::from("impossible in the state reached"),
            (None, Some(true)) => String::from("possible next, but every order after it failed"),
            (None, None) => String::from("not reached"),
        };
        let _ = write!(
            page,
            "<g class=\"{class}\" data-op=\"{p}\"><title>{desc}\nclient {client}, call at {call}, return at {ret}\n{status}</title>\
             <rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BOX:.0}\" rx=\"4\"/>",
            desc = esc(&op.description),
            client = op.client,
            call = op.call,
            ret = op.ret,
        );
        let mut text_x = x0 + 5.0;
        if let Some(k) = order.get(&p) {
            let _ = write!(
                page,
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"9\"/><text class=\"num\" x=\"{cx:.1}\" y=\"{ny:.1}\">{k}</text>",
                cx = x0 + 11.0,
                cy = y + BOX / 2.0,
                ny = y + BOX / 2.0 + 4.0,
            );
            text_x += 20.0;
        }
        let room = ((x0 + w - text_x - 4.0) / CHAR).floor().max(0.0) as usize;
        let label = fit(&op.description, room);
        if !label.is_empty() {
            let _ = write!(
                page,
                "<text class=\"label\" x=\"{text_x:.1}\" y=\"{ty:.1}\">{}</text>",
                esc(&label),
                ty = y + BOX / 2.0 + 4.0
            );
        }
        page.push_str("</g>");
    }
    if let Some(d) = lin.deadline {
        let xd = x(report.ops[d].ret);
        let _ = writeln!(
            page,
            "<line class=\"stuck\" x1=\"{xd:.1}\" y1=\"4\" x2=\"{xd:.1}\" y2=\"{y2:.1}\"><title>stuck: one of the outlined operations \
             had to take effect by here</title></line>",
            y2 = height - 4.0,
        );
    }
    page.push_str("</svg></div>\n");
}

fn steps_table(page: &mut String, report: &Report, lin: &Linearization) {
    let _ = write!(
        page,
        "<table class=\"steps\">\n<thead><tr><th>#</th><th>client</th><th>operation</th><th>state after</th></tr></thead>\n<tbody>\n\
         <tr class=\"init\"><td></td><td></td><td>initial state</td><td><code>{}</code></td></tr>\n",
        esc(&report.initial_state)
    );
    for (k, (p, state)) in lin.steps.iter().enumerate() {
        let op = &report.ops[*p];
        let _ = writeln!(
            page,
            "<tr data-op=\"{p}\"><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            k + 1,
            op.client,
            esc(&op.description),
            esc(state)
        );
    }
    page.push_str("</tbody>\n</table>\n");
    let Some(d) = lin.deadline else { return };
    let state = lin
        .steps
        .last()
        .map_or(report.initial_state.as_str(), |(_, s)| s.as_str());
    let deadline = &report.ops[d];
    let _ = write!(
        page,
        "<div class=\"stuck-box\">\n<p><b>Stuck after {} step{}</b>, in state <code>{}</code>. Client {}'s \
         <code>{}</code> returned at the red line, so it, or another operation already called by then, had to go next:</p>\n<ul>\n",
        lin.steps.len(),
        if lin.steps.len() == 1 { "" } else { "s" },
        esc(state),
        deadline.client,
        esc(&deadline.description),
    );
    for &(p, possible) in &lin.candidates {
        let op = &report.ops[p];
        let why = if possible {
            String::from("possible here, but no order of the remaining operations works after it")
        } else {
            format!(
                "impossible: that answer cannot come from state <code>{}</code>",
                esc(state)
            )
        };
        let _ = writeln!(
            page,
            "<li class=\"{}\" data-op=\"{p}\">client {}: <code>{}</code> — {why}</li>",
            if possible { "dead" } else { "bad" },
            op.client,
            esc(&op.description)
        );
    }
    page.push_str("</ul>\n</div>\n");
}

/// The text cut to `room` characters, with an ellipsis if cut.
fn fit(text: &str, room: usize) -> String {
    let count = text.chars().count();
    if count <= room {
        text.to_string()
    } else if room >= 4 {
        let mut cut: String = text.chars().take(room - 1).collect();
        cut.push('…');
        cut
    } else {
        String::new()
    }
}

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}
