//! The kit's own history format: JSON that the KV harness writes when a
//! check fails, and that `grader check-history` reads back.
//!
//! ```json
//! {
//!   "version": 1,
//!   "model": "kv",
//!   "operations": [
//!     {"client": 0, "call": 1000, "return": 2500, "op": "put", "key": "a", "value": "x 0 0 y"},
//!     {"client": 1, "call": 1200, "return": 3000, "op": "get", "key": "a", "output": "x 0 0 y"},
//!     {"client": 2, "call": 2000, "return": null, "op": "append", "key": "a", "value": "x 2 0 y"}
//!   ]
//! }
//! ```
//!
//! - `version`: 1 (optional on input).
//! - `model`: `"kv"` or `"register"`; says which operations follow.
//! - `client`: the client's number; `call` and `return`: nanoseconds of
//!   virtual time. `"return": null` marks a pending operation (the client
//!   never learned its outcome): it returns after every other time in the
//!   file, and its outcome is unknown.
//! - kv operations: `"op"` is `get` (with `key`, and `output`, the value
//!   read, once returned), `put` or `append` (with `key` and `value`).
//! - register operations: `read` (`output`: the integer read, or `null` if
//!   never written), `write` (`value`), `cas` (`from`, `to`, and `output`:
//!   `true` if it swapped).
//!
//! The writer puts one operation per line, so a parse error's line number
//! points at one operation.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{AnyHistory, KvHistory, ParseError, RegisterHistory};
use crate::linearizability::history::{HistoryBuilder, Operation};
use crate::linearizability::models::kv::{KvInput, KvOp, KvOutput};
use crate::linearizability::models::register::{RegisterInput, RegisterOutput};

/// The file as a whole; operations are kept raw to know where each starts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File<'a> {
    #[serde(default)]
    version: Option<u32>,
    model: ModelName,
    #[serde(borrow)]
    operations: Vec<&'a RawValue>,
}

#[derive(Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum ModelName {
    Kv,
    Register,
}

/// One operation, fields of every model together; which ones must be
/// present depends on `model` and `op`.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Record {
    client: usize,
    call: i64,
    #[serde(rename = "return")]
    ret: Option<i64>,
    op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    output: Option<Value>,
}

/// Parses a whole file's text.
pub fn parse(text: &str) -> Result<AnyHistory, ParseError> {
    let file: File = serde_json::from_str(text).map_err(|e| serde_error(&e, 1, 1))?;
    if let Some(version) = file.version.filter(|&v| v != 1) {
        return Err(ParseError::new(
            1,
            1,
            "version 1",
            format!("version {version}"),
        ));
    }
    match file.model {
        ModelName::Kv => {
            parse_ops(text, &file.operations, kv_op, KvOutput::Unknown).map(AnyHistory::Kv)
        }
        ModelName::Register => {
            parse_ops(text, &file.operations, register_op, RegisterOutput::Unknown)
                .map(AnyHistory::Register)
        }
    }
}

/// An operation's input and, if it returned, its output.
type Converted<I, O> = Result<(I, Option<O>), (String, String)>;

fn parse_ops<I, O: Clone>(
    text: &str,
    raw: &[&RawValue],
    convert: impl Fn(Record) -> Converted<I, O>,
    unknown: O,
) -> Result<Vec<Operation<I, O>>, ParseError> {
    let mut builder = HistoryBuilder::new();
    for op in raw {
        let offset = op.get().as_ptr() as usize - text.as_ptr() as usize;
        let (line, column) = position(text, offset);
        let record: Record =
            serde_json::from_str(op.get()).map_err(|e| serde_error(&e, line, column))?;
        let (client, call, ret) = (record.client, record.call, record.ret);
        if let Some(ret) = ret.filter(|&r| r < call) {
            return Err(ParseError::new(
                line,
                column,
                format!("a return time ≥ the call time {call}"),
                ret.to_string(),
            ));
        }
        let (input, output) = convert(record)
            .map_err(|(expected, found)| ParseError::new(line, column, expected, found))?;
        let handle = builder.call(client, input, call);
        if let (Some(ret), Some(output)) = (ret, output) {
            builder.ret(handle, output, ret);
        }
    }
    Ok(builder.finish(unknown))
}

fn kv_op(r: Record) -> Converted<KvInput, KvOutput> {
    let returned = r.ret.is_some();
    let key = r
        .key
        .ok_or_else(|| (String::from("a `key`"), format!("a {} without one", r.op)))?;
    let op = match r.op.as_str() {
        "get" => KvOp::Get,
        "put" => KvOp::Put,
        "append" => KvOp::Append,
        other => {
            return Err((
                String::from("a kv op (`get`, `put` or `append`)"),
                format!("`{other}`"),
            ));
        }
    };
    if op == KvOp::Get {
        let output = match (returned, r.output) {
            (false, None | Some(Value::Null)) => None,
            (true, Some(Value::String(v))) => Some(KvOutput::Value(v)),
            (true, other) => return Err((String::from("`output`: the string read"), found(other))),
            (false, Some(other)) => {
                return Err((
                    String::from("no `output` on a pending get"),
                    other.to_string(),
                ));
            }
        };
        return Ok((
            KvInput {
                op,
                key,
                value: String::new(),
            },
            output,
        ));
    }
    let value = match r.value {
        Some(Value::String(v)) => v,
        other => return Err((String::from("`value`: the string written"), found(other))),
    };
    Ok((KvInput { op, key, value }, returned.then(KvOutput::done)))
}

fn register_op(r: Record) -> Converted<RegisterInput, RegisterOutput> {
    let returned = r.ret.is_some();
    match r.op.as_str() {
        "read" => {
            let output = match r.output {
                None | Some(Value::Null) => RegisterOutput::Read(None),
                Some(Value::Number(n)) if n.as_i64().is_some() => RegisterOutput::Read(n.as_i64()),
                other => {
                    return Err((
                        String::from("`output`: the integer read or null"),
                        found(other),
                    ));
                }
            };
            Ok((RegisterInput::Read, returned.then_some(output)))
        }
        "write" => match r.value.as_ref().and_then(Value::as_i64) {
            Some(v) => Ok((
                RegisterInput::Write(v),
                returned.then_some(RegisterOutput::Written),
            )),
            None => Err((String::from("`value`: the integer written"), found(r.value))),
        },
        "cas" => {
            let (Some(from), Some(to)) = (r.from, r.to) else {
                return Err((
                    String::from("`from` and `to`"),
                    String::from("a cas without them"),
                ));
            };
            let output = match (returned, r.output) {
                (false, _) => None,
                (true, Some(Value::Bool(swapped))) => Some(RegisterOutput::Cas(swapped)),
                (true, other) => {
                    return Err((String::from("`output`: true if it swapped"), found(other)));
                }
            };
            Ok((RegisterInput::Cas { from, to }, output))
        }
        other => Err((
            String::from("a register op (`read`, `write` or `cas`)"),
            format!("`{other}`"),
        )),
    }
}

fn found(value: Option<Value>) -> String {
    value.map_or_else(|| String::from("nothing"), |v| v.to_string())
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Rephrases serde_json's error as "expected ..., found ...", at a position
/// relative to where the parsed text starts.
fn serde_error(error: &serde_json::Error, line: usize, column: usize) -> ParseError {
    let (at_line, at_column) = if error.line() <= 1 {
        (line, column + error.column().saturating_sub(1))
    } else {
        (line + error.line() - 1, error.column())
    };
    let message = error.to_string();
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m);
    let (expected, found) = if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|m| m.split_once(", expected "))
    {
        (expected.to_string(), found.to_string())
    } else if let Some(field) = message.strip_prefix("missing field ") {
        (
            format!("field {field}"),
            String::from("the end of the object"),
        )
    } else if let Some((what, expected)) = message
        .strip_prefix("unknown ")
        .and_then(|m| m.split_once(", expected "))
    {
        (expected.to_string(), what.to_string())
    } else if let Some(expected) = message.strip_prefix("expected ") {
        (expected.to_string(), String::from("something else"))
    } else if message.starts_with("EOF") {
        (
            String::from("more JSON"),
            String::from("the end of the file"),
        )
    } else {
        (
            String::from("a history in the kit's JSON format"),
            message.to_string(),
        )
    };
    ParseError::new(at_line, at_column, expected, found)
}

/// Writes a kv history (operations with an unknown outcome as pending).
pub fn kv_to_json(history: &[Operation<KvInput, KvOutput>]) -> String {
    let records = history.iter().map(|op| {
        let known = op.output != KvOutput::Unknown;
        let (value, output) = match (&op.input.op, &op.output) {
            (KvOp::Get, KvOutput::Value(v)) => (None, Some(Value::String(v.clone()))),
            (KvOp::Get, KvOutput::Unknown) => (None, None),
            _ => (Some(Value::String(op.input.value.clone())), None),
        };
        let op_name = match op.input.op {
            KvOp::Get => "get",
            KvOp::Put => "put",
            KvOp::Append => "append",
        };
        Record {
            client: op.client,
            call: op.call,
            ret: known.then_some(op.ret),
            op: op_name.to_string(),
            key: Some(op.input.key.clone()),
            value,
            from: None,
            to: None,
            output,
        }
    });
    write(ModelName::Kv, records)
}

/// Writes a register history (operations with an unknown outcome as
/// pending).
pub fn register_to_json(history: &[Operation<RegisterInput, RegisterOutput>]) -> String {
    let records = history.iter().map(|op| {
        let known = op.output != RegisterOutput::Unknown;
        let mut record = Record {
            client: op.client,
            call: op.call,
            ret: known.then_some(op.ret),
            op: String::new(),
            key: None,
            value: None,
            from: None,
            to: None,
            output: None,
        };
        match op.input {
            RegisterInput::Read => record.op = String::from("read"),
            RegisterInput::Write(v) => {
                record.op = String::from("write");
                record.value = Some(Value::from(v));
            }
            RegisterInput::Cas { from, to } => {
                record.op = String::from("cas");
                (record.from, record.to) = (Some(from), Some(to));
            }
        }
        record.output = match op.output {
            RegisterOutput::Read(v) => Some(v.map_or(Value::Null, Value::from)),
            RegisterOutput::Cas(swapped) => Some(Value::Bool(swapped)),
            RegisterOutput::Written | RegisterOutput::Unknown => None,
        };
        record
    });
    write(ModelName::Register, records)
}

fn write(model: ModelName, records: impl Iterator<Item = Record>) -> String {
    let model = serde_json::to_string(&model).expect("a model name serializes");
    let lines: Vec<String> = records
        .map(|r| serde_json::to_string(&r).expect("a record of plain fields serializes"))
        .collect();
    let body = if lines.is_empty() {
        String::new()
    } else {
        format!("\n    {}\n  ", lines.join(",\n    "))
    };
    format!("{{\n  \"version\": 1,\n  \"model\": {model},\n  \"operations\": [{body}]\n}}\n")
}

/// Parses a kv history, rejecting other models.
pub fn parse_kv(text: &str) -> Result<KvHistory, ParseError> {
    match parse(text)? {
        AnyHistory::Kv(ops) => Ok(ops),
        AnyHistory::Register(_) => Err(ParseError::new(
            1,
            1,
            "`\"model\": \"kv\"`",
            "`\"model\": \"register\"`",
        )),
    }
}

/// Parses a register history, rejecting other models.
pub fn parse_register(text: &str) -> Result<RegisterHistory, ParseError> {
    match parse(text)? {
        AnyHistory::Register(ops) => Ok(ops),
        AnyHistory::Kv(_) => Err(ParseError::new(
            1,
            1,
            "`\"model\": \"register\"`",
            "`\"model\": \"kv\"`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kv_history_round_trips() {
        let mut h = HistoryBuilder::new();
        let a = h.call(0, KvInput::put("a", "x"), 100);
        let b = h.call(1, KvInput::get("a"), 150);
        h.call(2, KvInput::append("a", "y"), 160);
        h.ret(a, KvOutput::done(), 200);
        h.ret(b, KvOutput::Value("x".into()), 300);
        let ops = h.finish(KvOutput::Unknown);
        let text = kv_to_json(&ops);
        assert_eq!(parse_kv(&text).unwrap(), ops);
        assert_eq!(text.lines().count(), 9, "one operation per line:\n{text}");
    }

    #[test]
    fn a_register_history_round_trips() {
        let mut h = HistoryBuilder::new();
        let a = h.call(0, RegisterInput::Write(1), 1);
        let b = h.call(1, RegisterInput::Cas { from: 1, to: 2 }, 2);
        let c = h.call(2, RegisterInput::Read, 3);
        h.ret(a, RegisterOutput::Written, 4);
        h.ret(b, RegisterOutput::Cas(true), 5);
        h.ret(c, RegisterOutput::Read(None), 6);
        let ops = h.finish(RegisterOutput::Unknown);
        assert_eq!(parse_register(&register_to_json(&ops)).unwrap(), ops);
    }

    #[test]
    fn errors_point_at_the_operation_and_say_what_was_expected() {
        let text = "{\"model\": \"kv\", \"operations\": [\n  {\"client\": 0, \"call\": 5, \"return\": 9, \"op\": \"get\", \"key\": \"a\", \"output\": 3}\n]}";
        let err = parse(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "2:3: expected `output`: the string read, found 3"
        );
        let text = "{\"model\": \"kv\", \"operations\": [\n  {\"client\": \"zero\", \"call\": 5, \"return\": 9, \"op\": \"get\", \"key\": \"a\"}\n]}";
        let err = parse(text).unwrap_err();
        assert_eq!(
            (err.line, err.expected.as_str(), err.found.as_str()),
            (2, "usize", "string \"zero\"")
        );
        let err = parse("{\"model\": \"set\", \"operations\": []}").unwrap_err();
        assert_eq!(err.found, "variant `set`");
    }
}
