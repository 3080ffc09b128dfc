//! Where each node of a YAML document is, by path, for error messages.

use std::collections::BTreeMap;
use std::fmt;

use saphyr_parser::{Event, Parser, Span};

/// One step of a path into a document: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// The value under this key.
    Key(String),
    /// The element at this index.
    Index(usize),
}

/// A line and column, both counted from 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The position of every node and of every mapping key, by path.
#[derive(Debug, Default)]
pub struct Positions {
    nodes: BTreeMap<Vec<Step>, Position>,
    keys: BTreeMap<Vec<Step>, Position>,
}

impl Positions {
    /// Indexes `text`'s first document. A document that does not parse
    /// yields what was indexed before the error: the caller reports syntax
    /// errors from its own parser.
    pub fn index(text: &str) -> Positions {
        let mut index = Indexer::default();
        for event in Parser::new_from_str(text) {
            let Ok((event, span)) = event else { break };
            if !index.on_event(event, span) {
                break;
            }
        }
        index.positions
    }

    /// Where the node at `path` starts (the document start if unknown).
    pub fn node(&self, path: &[Step]) -> Position {
        self.lookup(&self.nodes, path)
    }

    /// Where the key that leads to `path` is written (for "unknown key"
    /// errors); the node's position if it is not a mapping entry.
    pub fn key(&self, path: &[Step]) -> Position {
        match self.keys.get(path) {
            Some(p) => *p,
            None => self.node(path),
        }
    }

    /// The closest known position: the node itself, else its nearest
    /// ancestor.
    fn lookup(&self, map: &BTreeMap<Vec<Step>, Position>, path: &[Step]) -> Position {
        (0..=path.len())
            .rev()
            .find_map(|n| map.get(&path[..n]).copied())
            .unwrap_or(Position { line: 1, column: 1 })
    }
}

/// What the indexer is inside of.
enum Frame {
    Sequence {
        next: usize,
    },
    /// A mapping, and the key just read if the next node is its value.
    Mapping {
        key: Option<String>,
    },
}

#[derive(Default)]
struct Indexer {
    positions: Positions,
    path: Vec<Step>,
    frames: Vec<Frame>,
    done: bool,
}

impl Indexer {
    /// Takes one event; false once the first document is over.
    fn on_event(&mut self, event: Event<'_>, span: Span) -> bool {
        let at = Position {
            line: span.start.line(),
            column: span.start.col() + 1,
        };
        match event {
            Event::Scalar(value, ..) => {
                if let Some(Frame::Mapping { key: key @ None }) = self.frames.last_mut() {
                    *key = Some(value.to_string());
                    let mut path = self.path.clone();
                    path.push(Step::Key(value.to_string()));
                    self.positions.keys.insert(path, at);
                } else {
                    self.enter_node(at);
                    self.leave_node();
                }
            }
            Event::Alias(_) => {
                if let Some(Frame::Mapping { key: key @ None }) = self.frames.last_mut() {
                    // An aliased key: index what follows under a placeholder.
                    *key = Some("*".to_string());
                } else {
                    self.enter_node(at);
                    self.leave_node();
                }
            }
            Event::SequenceStart(..) => {
                self.enter_node(at);
                self.frames.push(Frame::Sequence { next: 0 });
            }
            Event::MappingStart(..) => {
                self.enter_node(at);
                self.frames.push(Frame::Mapping { key: None });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.frames.pop();
                self.leave_node();
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
        !self.done
    }

    /// A node starts at `at`: extend the path to it and record it.
    fn enter_node(&mut self, at: Position) {
        match self.frames.last_mut() {
            Some(Frame::Sequence { next }) => {
                self.path.push(Step::Index(*next));
                *next += 1;
            }
            Some(Frame::Mapping { key }) => {
                let key = key.clone().unwrap_or_else(|| "?".to_string());
                self.path.push(Step::Key(key));
            }
            None => {}
        }
        self.positions.nodes.entry(self.path.clone()).or_insert(at);
    }

    /// The node just ended: drop its step and, in a mapping, expect a key.
    fn leave_node(&mut self) {
        match self.frames.last_mut() {
            Some(Frame::Mapping { key }) => {
                *key = None;
                self.path.pop();
            }
            Some(Frame::Sequence { .. }) => {
                self.path.pop();
            }
            None => self.done = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Step {
        Step::Key(k.to_string())
    }

    #[test]
    fn finds_nodes_and_keys_in_block_and_flow_style() {
        let text = "lab: raft\ntests:\n  - name: One\n    params: {servers: 3, x: [1, 2]}\n  - name: Two\n";
        let p = Positions::index(text);
        let pos = |line, column| Position { line, column };
        assert_eq!(p.node(&[key("lab")]), pos(1, 6));
        assert_eq!(p.key(&[key("lab")]), pos(1, 1));
        assert_eq!(p.node(&[key("tests"), Step::Index(0)]), pos(3, 5));
        assert_eq!(
            p.key(&[key("tests"), Step::Index(1), key("name")]),
            pos(5, 5)
        );
        let servers = [key("tests"), Step::Index(0), key("params"), key("servers")];
        assert_eq!(p.key(&servers), pos(4, 14));
        assert_eq!(p.node(&servers), pos(4, 23));
        let x1 = [
            key("tests"),
            Step::Index(0),
            key("params"),
            key("x"),
            Step::Index(1),
        ];
        assert_eq!(p.node(&x1), pos(4, 33));
        // Unknown paths fall back to the nearest ancestor.
        assert_eq!(
            p.node(&[key("tests"), Step::Index(1), key("kind")]),
            pos(5, 5)
        );
    }
}
