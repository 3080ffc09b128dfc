//! Reading histories from files: porcupine's key/value EDN format
//! ([`porcupine_kv`]), Jepsen etcd logs ([`jepsen_etcd`]) and the kit's own
//! JSON ([`json`], which the KV harness writes on failure).
//!
//! Every parser reports bad input as a [`ParseError`] with the line and
//! column and what it expected there.

use std::fmt;

use super::history::Operation;
use super::models::kv::{KvInput, KvOutput};
use super::models::register::{RegisterInput, RegisterOutput};

pub mod jepsen_etcd;
pub mod json;
pub mod porcupine_kv;

/// Bad input: where, what was expected there, and what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What would have been accepted here.
    pub expected: String,
    /// What was there instead.
    pub found: String,
}

impl ParseError {
    pub(crate) fn new(
        line: usize,
        column: usize,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        ParseError {
            line,
            column,
            expected: expected.into(),
            found: found.into(),
        }
    }
}

impl fmt::Display for ParseError {
    /// `LINE:COLUMN: expected ..., found ...`; prefix the file name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: expected {}, found {}",
            self.line, self.column, self.expected, self.found
        )
    }
}

impl std::error::Error for ParseError {}

/// A key/value history.
pub type KvHistory = Vec<Operation<KvInput, KvOutput>>;
/// A register history.
pub type RegisterHistory = Vec<Operation<RegisterInput, RegisterOutput>>;

/// A parsed history, of whichever model its file was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnyHistory {
    /// Operations of the [`KvModel`](super::models::kv::KvModel).
    Kv(KvHistory),
    /// Operations of the [`RegisterModel`](super::models::register::RegisterModel).
    Register(RegisterHistory),
}

/// How a token looks in an error message: quoted, or "end of line".
pub(crate) fn shown(token: &str) -> String {
    if token.is_empty() {
        String::from("end of line")
    } else {
        format!("`{token}`")
    }
}
