//! Jepsen etcd register logs, reduced to client operations: lines like
//! `INFO  jepsen.util - 3 :invoke :cas [1 2]` (fields apart by runs of
//! spaces or tabs).
//!
//! A call pairs with the next completion of the same process, and time is
//! the line order. `:ok` and `:fail` complete a call (`:fail :cas` swapped
//! nothing; `:fail :read :timed-out` returns an unknown value right there).
//! `:info` (timed out) leaves the call open with an unknown outcome: it
//! returns after every line, in call order, as porcupine's parser does.

use std::collections::BTreeMap;

use super::{ParseError, RegisterHistory, shown};
use crate::linearizability::history::{CallHandle, HistoryBuilder};
use crate::linearizability::models::register::{RegisterInput, RegisterOutput};

/// Parses a whole file's text (an empty file is an empty history).
pub fn parse(text: &str) -> Result<RegisterHistory, ParseError> {
    let mut builder = HistoryBuilder::new();
    let mut open: BTreeMap<usize, (CallHandle, RegisterInput)> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = index + 1;
        let time = number as i64;
        let fields = Fields::split(line, number);
        fields.expect(0, "INFO")?;
        fields.expect(1, "jepsen.util")?;
        fields.expect(2, "-")?;
        let process: usize = fields
            .get(3)
            .0
            .parse()
            .map_err(|_| fields.error(3, "a process number"))?;
        let kind = fields.get(4).0;
        let f = fields.get(5).0;
        let value = fields.rest(6);
        match kind {
            ":invoke" => {
                let input = match f {
                    ":read" if value.0 == "nil" => RegisterInput::Read,
                    ":read" => return Err(fields.error_at(value, "`nil`")),
                    ":write" => RegisterInput::Write(integer(&fields, value)?),
                    ":cas" => {
                        let (from, to) = pair(&fields, value)?;
                        RegisterInput::Cas { from, to }
                    }
                    _ => return Err(fields.error(5, "`:read`, `:write` or `:cas`")),
                };
                if open.contains_key(&process) {
                    return Err(fields.error(
                        4,
                        format!("a completion (process {process} already has an open call)"),
                    ));
                }
                open.insert(process, (builder.call(process, input, time), input));
            }
            ":ok" | ":fail" | ":info" => {
                let Some(&(handle, input)) = open.get(&process) else {
                    return Err(
                        fields.error(4, format!("`:invoke` (process {process} has no open call)"))
                    );
                };
                let output = match (kind, input, f) {
                    (":info", _, _) => {
                        expect_timed_out(&fields, value)?;
                        // Indeterminate: stays open until the end.
                        open.remove(&process);
                        continue;
                    }
                    (":ok", RegisterInput::Read, ":read") if value.0 == "nil" => {
                        RegisterOutput::Read(None)
                    }
                    (":ok", RegisterInput::Read, ":read") => {
                        RegisterOutput::Read(Some(integer(&fields, value)?))
                    }
                    (":fail", RegisterInput::Read, ":read") => {
                        expect_timed_out(&fields, value)?;
                        RegisterOutput::Unknown
                    }
                    (":ok", RegisterInput::Write(_), ":write") => {
                        integer(&fields, value)?;
                        RegisterOutput::Written
                    }
                    (":ok" | ":fail", RegisterInput::Cas { .. }, ":cas") => {
                        pair(&fields, value)?;
                        RegisterOutput::Cas(kind == ":ok")
                    }
                    _ => {
                        return Err(
                            fields.error(5, format!("a completion of the open call {input:?}"))
                        );
                    }
                };
                open.remove(&process);
                builder.ret(handle, output, time);
            }
            _ => return Err(fields.error(4, "`:invoke`, `:ok`, `:fail` or `:info`")),
        }
    }
    Ok(builder.finish(RegisterOutput::Unknown))
}

fn expect_timed_out(fields: &Fields, value: (&str, usize)) -> Result<(), ParseError> {
    if value.0 == ":timed-out" {
        Ok(())
    } else {
        Err(fields.error_at(value, "`:timed-out`"))
    }
}

fn integer(fields: &Fields, value: (&str, usize)) -> Result<i64, ParseError> {
    value
        .0
        .parse()
        .map_err(|_| fields.error_at(value, "an integer"))
}

/// `[A B]`.
fn pair(fields: &Fields, value: (&str, usize)) -> Result<(i64, i64), ParseError> {
    let inner = value.0.strip_prefix('[').and_then(|v| v.strip_suffix(']'));
    let numbers: Option<Vec<i64>> = inner.and_then(|v| {
        v.split_whitespace()
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()
    });
    match numbers.as_deref() {
        Some(&[from, to]) => Ok((from, to)),
        _ => Err(fields.error_at(value, "`[FROM TO]` with two integers")),
    }
}

/// A line split on runs of whitespace, with each field's column.
struct Fields<'a> {
    line: &'a str,
    number: usize,
    fields: Vec<(&'a str, usize)>,
}

impl<'a> Fields<'a> {
    fn split(line: &'a str, number: usize) -> Self {
        let mut fields = Vec::new();
        let mut start = None;
        for (i, ch) in line
            .char_indices()
            .chain(std::iter::once((line.len(), ' ')))
        {
            match (ch.is_whitespace(), start) {
                (true, Some(s)) => {
                    fields.push((&line[s..i], line[..s].chars().count() + 1));
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        Fields {
            line,
            number,
            fields,
        }
    }

    /// Field `i`, or an empty one at the end of the line.
    fn get(&self, i: usize) -> (&'a str, usize) {
        self.fields
            .get(i)
            .copied()
            .unwrap_or(("", self.line.chars().count() + 1))
    }

    /// Everything from field `i` on, as one value (`[1 2]` has a space).
    fn rest(&self, i: usize) -> (&'a str, usize) {
        let (first, column) = self.get(i);
        if first.is_empty() {
            return (first, column);
        }
        let start = self
            .line
            .char_indices()
            .nth(column - 1)
            .map_or(self.line.len(), |(b, _)| b);
        (self.line[start..].trim_end(), column)
    }

    fn expect(&self, i: usize, word: &str) -> Result<(), ParseError> {
        if self.get(i).0 == word {
            Ok(())
        } else {
            Err(self.error(i, format!("`{word}`")))
        }
    }

    fn error(&self, i: usize, expected: impl Into<String>) -> ParseError {
        self.error_at(self.get(i), expected)
    }

    fn error_at(&self, (found, column): (&str, usize), expected: impl Into<String>) -> ParseError {
        ParseError::new(self.number, column, expected, shown(found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_stays_open_and_fail_read_returns_unknown_in_place() {
        let text = "INFO  jepsen.util - 1\t:invoke\t:write\t3\n\
                    INFO  jepsen.util - 2\t:invoke\t:read\tnil\n\
                    INFO  jepsen.util - 1\t:info\t:write\t:timed-out\n\
                    INFO  jepsen.util - 2\t:fail\t:read\t:timed-out\n\
                    INFO  jepsen.util - 7    :invoke    :cas    [3 4]\n\
                    INFO  jepsen.util - 7    :fail    :cas    [3 4]\n";
        let ops = parse(text).unwrap();
        assert_eq!(ops.len(), 3);
        assert_eq!((ops[0].output, ops[0].ret), (RegisterOutput::Unknown, 7));
        assert_eq!((ops[1].output, ops[1].ret), (RegisterOutput::Unknown, 4));
        assert_eq!(ops[2].input, RegisterInput::Cas { from: 3, to: 4 });
        assert_eq!(ops[2].output, RegisterOutput::Cas(false));
    }

    #[test]
    fn bad_lines_say_where_and_what_was_expected() {
        let err = parse("INFO  jepsen.util - 1\t:invoke\t:cas\t[3]\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "1:36: expected `[FROM TO]` with two integers, found `[3]`"
        );
        let err = parse("INFO  jepsen.util - x\t:invoke\t:read\tnil\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "1:21: expected a process number, found `x`"
        );
    }
}
