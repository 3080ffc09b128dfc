//! Porcupine's key/value histories: one EDN map per line,
//! `{:process P, :type :invoke|:ok, :f :get|:put|:append, :key "K", :value V}`.
//!
//! A call pairs with the next completion of the same process; time is the
//! line order. An `:info` completion leaves the operation open (outcome
//! unknown), and an operation still open at the end returns after every
//! line, as porcupine's parser does.

use std::collections::BTreeMap;

use super::{KvHistory, ParseError, shown};
use crate::linearizability::history::{CallHandle, HistoryBuilder};
use crate::linearizability::models::kv::{KvInput, KvOp, KvOutput};

/// Parses a whole file's text.
pub fn parse(text: &str) -> Result<KvHistory, ParseError> {
    let mut builder = HistoryBuilder::new();
    let mut open: BTreeMap<usize, (CallHandle, KvOp, usize)> = BTreeMap::new();
    let mut time = 0i64;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = index + 1;
        let record = Line::parse(line, number)?;
        time += 1;
        match record.kind.as_str() {
            "invoke" => {
                if let Some(&(_, _, first)) = open.get(&record.process) {
                    return Err(record.error_at_type(
                        format!(
                            "a completion of process {}'s call on line {first}",
                            record.process
                        ),
                        ":invoke",
                    ));
                }
                let input = KvInput {
                    op: record.op,
                    key: record.key.clone(),
                    value: record.value.clone().unwrap_or_default(),
                };
                if record.op != KvOp::Get && record.value.is_none() {
                    return Err(ParseError::new(
                        number,
                        record.value_column,
                        "a quoted value to write",
                        "nil",
                    ));
                }
                let handle = builder.call(record.process, input, time);
                open.insert(record.process, (handle, record.op, number));
            }
            kind => {
                let Some((handle, op, _)) = open.remove(&record.process) else {
                    return Err(record.error_at_type(
                        format!("`:invoke` (process {} has no open call)", record.process),
                        format!(":{kind}"),
                    ));
                };
                if op != record.op {
                    return Err(ParseError::new(
                        number,
                        record.op_column,
                        format!("`:{}` (the open call's)", op_name(op)),
                        format!("`:{}`", op_name(record.op)),
                    ));
                }
                if kind == "info" {
                    // Outcome unknown: the call stays pending to the end.
                    continue;
                }
                let output = match (op, record.value) {
                    (KvOp::Get, Some(v)) => KvOutput::Value(v),
                    (KvOp::Get, None) => {
                        return Err(ParseError::new(
                            number,
                            record.value_column,
                            "the quoted value read",
                            "nil",
                        ));
                    }
                    _ => KvOutput::done(),
                };
                builder.ret(handle, output, time);
            }
        }
    }
    Ok(builder.finish(KvOutput::Unknown))
}

fn op_name(op: KvOp) -> &'static str {
    match op {
        KvOp::Get => "get",
        KvOp::Put => "put",
        KvOp::Append => "append",
    }
}

/// One line's fields, with the columns errors point at.
struct Line {
    number: usize,
    process: usize,
    kind: String,
    type_column: usize,
    op: KvOp,
    op_column: usize,
    key: String,
    value: Option<String>,
    value_column: usize,
}

impl Line {
    fn error_at_type(&self, expected: impl Into<String>, found: impl Into<String>) -> ParseError {
        ParseError::new(
            self.number,
            self.type_column,
            expected,
            format!("`{}`", found.into()),
        )
    }

    fn parse(line: &str, number: usize) -> Result<Line, ParseError> {
        let mut c = Cursor {
            text: line,
            pos: 0,
            number,
        };
        c.literal("{:process ")?;
        let process = c.integer("a process number")?;
        c.literal(", :type :")?;
        let type_column = c.column() - 1;
        let kind = c
            .word(&["invoke", "ok", "info"], "`invoke`, `ok` or `info`")?
            .to_string();
        c.literal(", :f :")?;
        let op_column = c.column() - 1;
        let op = match c.word(&["get", "put", "append"], "`get`, `put` or `append`")? {
            "get" => KvOp::Get,
            "put" => KvOp::Put,
            _ => KvOp::Append,
        };
        c.literal(", :key ")?;
        let key = c.string("a quoted key")?;
        c.literal(", :value ")?;
        let value_column = c.column();
        let value = if c.rest().starts_with("nil") {
            c.pos += 3;
            None
        } else {
            Some(c.string("a quoted value or `nil`")?)
        };
        c.literal("}")?;
        if !c.rest().trim().is_empty() {
            return Err(ParseError::new(
                number,
                c.column(),
                "end of line",
                shown(c.rest().trim_end()),
            ));
        }
        Ok(Line {
            number,
            process,
            kind,
            type_column,
            op,
            op_column,
            key,
            value,
            value_column,
        })
    }
}

/// A position in one line.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    number: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn column(&self) -> usize {
        self.text[..self.pos].chars().count() + 1
    }

    /// An error showing the token here: up to a separator, or one
    /// character.
    fn error(&self, expected: impl Into<String>) -> ParseError {
        let rest = self.rest();
        let token = rest.find([' ', ',', '}']).map_or(rest, |end| &rest[..end]);
        let token = if token.is_empty() {
            rest.get(..1).unwrap_or("")
        } else {
            token
        };
        ParseError::new(self.number, self.column(), expected, shown(token))
    }

    fn literal(&mut self, literal: &str) -> Result<(), ParseError> {
        if self.rest().starts_with(literal) {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(self.error(format!("`{}`", literal.trim_end())))
        }
    }

    fn integer(&mut self, what: &str) -> Result<usize, ParseError> {
        let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
        let value = self.rest()[..digits]
            .parse()
            .map_err(|_| self.error(what))?;
        self.pos += digits;
        Ok(value)
    }

    fn word(&mut self, words: &[&'a str], what: &str) -> Result<&'a str, ParseError> {
        let len = self
            .rest()
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
            .count();
        let word = &self.rest()[..len];
        match words.iter().find(|w| **w == word) {
            Some(w) => {
                self.pos += len;
                Ok(w)
            }
            None => Err(self.error(what)),
        }
    }

    /// A double-quoted string without escapes (the format has none).
    fn string(&mut self, what: &str) -> Result<String, ParseError> {
        let rest = self.rest();
        if !rest.starts_with('"') {
            return Err(self.error(what));
        }
        let Some(end) = rest[1..].find('"') else {
            return Err(self.error(format!("{what} with a closing quote")));
        };
        let value = rest[1..=end].to_string();
        self.pos += end + 2;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_calls_and_returns_by_process() {
        let text = "{:process 0, :type :invoke, :f :put, :key \"a\", :value \"x 0 0 y\"}\n\
                    {:process 1, :type :invoke, :f :get, :key \"a\", :value nil}\n\
                    {:process 0, :type :ok, :f :put, :key \"a\", :value \"x 0 0 y\"}\n\
                    {:process 1, :type :ok, :f :get, :key \"a\", :value \"x 0 0 y\"}\n";
        let ops = parse(text).unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!((ops[0].call, ops[0].ret), (1, 3));
        assert_eq!(ops[1].output, KvOutput::Value("x 0 0 y".into()));
    }

    #[test]
    fn bad_lines_say_where_and_what_was_expected() {
        let err =
            parse("{:process 0, :type :invoke, :f :scan, :key \"a\", :value nil}\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "1:33: expected `get`, `put` or `append`, found `scan`"
        );
        let err =
            parse("\n{:process 0, :type :ok, :f :get, :key \"a\", :value \"\"}\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 20));
        assert!(err.expected.contains("`:invoke`"), "{err}");
    }
}
