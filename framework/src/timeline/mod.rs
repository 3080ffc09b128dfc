//! A run's whole story as one self-contained HTML page: every message
//! between the nodes as a Lamport diagram, the harness's own steps, and
//! each server's state as the harness saw it (term, leading or not,
//! applied index, down), with the failure and its first sign marked.
//!
//! The emulator sees every send, delivery, drop and crash, so a failing
//! test gets this picture without any instrumentation in student code.
//! The page embeds the run as JSON ([`model`]) and draws it with a small
//! script (`timeline.js`): one lane per node, time flowing down one row
//! per event (so idle time takes no room, and a gap says how long it was),
//! a request a solid arrow, its reply a dashed one, a lost message a red
//! cross; hovering a message shows what it said, and filters by node and
//! by method hide the rest.

mod model;

use std::time::Duration;

use crate::net::Contents;
use crate::sim::Event;

/// A point of the run the page marks: when, and what.
#[derive(Clone, Debug)]
pub struct Mark {
    /// Virtual time since the world began.
    pub at: Duration,
    /// What happened there.
    pub text: String,
}

/// What a timeline page shows besides the events.
#[derive(Clone, Debug, Default)]
pub struct Story {
    /// The page's title (say, which test failed with which seed).
    pub title: String,
    /// Where the run failed, and why.
    pub failure: Option<Mark>,
    /// The first sign of the failure, where a check knows it (the start
    /// of a command that never committed, say).
    pub first_sign: Option<Mark>,
}

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("timeline.js");

/// Renders a run's events (and what its messages said) as one HTML page
/// that needs nothing but a browser.
pub fn html(events: &[Event], contents: &Contents, story: &Story) -> String {
    let data = serde_json::to_string(&model::build(events, contents, story))
        .expect("the timeline's model always serializes")
        // Inside a <script> element, only this sequence could end it early.
        .replace("</", "<\\/");
    PAGE.replacen("{{title}}", &escape(&story.title), 1)
        .replacen("{{data}}", &data, 1)
        .replacen("{{script}}", SCRIPT, 1)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests;
