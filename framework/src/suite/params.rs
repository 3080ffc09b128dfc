//! The parameters a test kind accepts, and the values a suite gave them.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

/// A parameter's type, with the range it must fall in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// `true` or `false`.
    Bool,
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// A duration written like `500ms`, `1s` or `2m 30s`.
    Duration,
}

/// A parameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// A [`ParamType::Bool`] value.
    Bool(bool),
    /// A [`ParamType::Int`] value.
    Int(i64),
    /// A [`ParamType::Duration`] value.
    Duration(Duration),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Duration(d) => write!(f, "{}", humantime::format_duration(*d)),
        }
    }
}

/// One parameter a test kind accepts: its name, type, default and meaning.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// The key in a test's `params`.
    pub name: &'static str,
    /// The type and range of its values.
    pub ty: ParamType,
    /// The value when the suite gives none.
    pub default: Value,
    /// What it controls, for `grader list --kinds` and error messages.
    pub doc: &'static str,
    /// A wait inside the test (a per-operation bound, say): a value at or
    /// above the test's time limit could never take effect, so the suite
    /// is rejected when it loads.
    pub wait: bool,
}

impl ParamSpec {
    /// An integer parameter in `min..=max`.
    pub const fn int(
        name: &'static str,
        default: i64,
        min: i64,
        max: i64,
        doc: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            ty: ParamType::Int { min, max },
            default: Value::Int(default),
            doc,
            wait: false,
        }
    }

    /// A boolean parameter.
    pub const fn bool(name: &'static str, default: bool, doc: &'static str) -> Self {
        ParamSpec {
            name,
            ty: ParamType::Bool,
            default: Value::Bool(default),
            doc,
            wait: false,
        }
    }

    /// A duration parameter, with its default in milliseconds.
    pub const fn millis(name: &'static str, default_ms: u64, doc: &'static str) -> Self {
        ParamSpec {
            name,
            ty: ParamType::Duration,
            default: Value::Duration(Duration::from_millis(default_ms)),
            doc,
            wait: false,
        }
    }

    /// What a value of this parameter must look like, for error messages.
    pub fn expected(&self) -> String {
        match self.ty {
            ParamType::Bool => "true or false".to_string(),
            ParamType::Int { min, max } => format!("an integer from {min} to {max}"),
            ParamType::Duration => "a duration such as 500ms, 2s or 1m 30s".to_string(),
        }
    }

    /// Converts a YAML value, or says what was expected.
    pub(crate) fn convert(&self, value: &serde_yaml::Value) -> Result<Value, String> {
        use serde_yaml::Value as Y;
        let found = || format!("expected {}, found {}", self.expected(), describe(value));
        match (self.ty, value) {
            (ParamType::Bool, Y::Bool(b)) => Ok(Value::Bool(*b)),
            (ParamType::Int { min, max }, Y::Number(n)) => match n.as_i64() {
                Some(i) if (min..=max).contains(&i) => Ok(Value::Int(i)),
                _ => Err(found()),
            },
            (ParamType::Duration, Y::String(s)) => humantime::parse_duration(s)
                .map(Value::Duration)
                .map_err(|_| found()),
            _ => Err(found()),
        }
    }
}

/// A short description of a YAML value for "found ..." messages.
pub(crate) fn describe(value: &serde_yaml::Value) -> String {
    use serde_yaml::Value as Y;
    match value {
        Y::Null => "nothing".to_string(),
        Y::Bool(b) => format!("{b}"),
        Y::Number(n) => format!("{n}"),
        Y::String(s) => format!("{s:?}"),
        Y::Sequence(_) => "a list".to_string(),
        Y::Mapping(_) => "a mapping".to_string(),
        Y::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

/// The parameter values of one test: every parameter its kind accepts, the
/// suite's value or the default. Validated when the suite loads, so a test
/// can read them without error handling.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    values: BTreeMap<&'static str, Value>,
}

impl Params {
    /// The defaults of `specs`.
    pub fn defaults(specs: &[ParamSpec]) -> Params {
        Params {
            values: specs.iter().map(|s| (s.name, s.default)).collect(),
        }
    }

    pub(crate) fn set(&mut self, name: &'static str, value: Value) {
        self.values.insert(name, value);
    }

    /// The value of parameter `param`. Panics if the test's kind did not
    /// declare it: that is a bug in the kind, never in a suite.
    pub fn get<T: FromValue>(&self, param: &Param<T>) -> T {
        let name = param.spec.name;
        let value = *self
            .values
            .get(name)
            .unwrap_or_else(|| panic!("parameter {name} is not declared by this test's kind"));
        T::from_value(value)
            .unwrap_or_else(|| panic!("parameter {name} is {value:?}, not of its declared type"))
    }

    /// Every parameter and its value, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Value)> + '_ {
        self.values.iter().map(|(k, v)| (*k, *v))
    }
}

/// A parameter with its Rust type: kinds declare their parameters as
/// `Param` constants and read them with [`Params::get`], so that a misspelt
/// parameter is a compile error. Its [`ParamSpec`] goes in the kind's list.
#[derive(Debug)]
pub struct Param<T> {
    spec: ParamSpec,
    ty: PhantomData<fn() -> T>,
}

impl<T> Clone for Param<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Param<T> {}

impl<T> Param<T> {
    const fn new(spec: ParamSpec) -> Self {
        Param {
            spec,
            ty: PhantomData,
        }
    }

    /// The declaration, for a kind's parameter list.
    pub const fn spec(self) -> ParamSpec {
        self.spec
    }

    /// The parameter's name in a suite.
    pub const fn name(self) -> &'static str {
        self.spec.name
    }
}

impl Param<usize> {
    /// A count in `min..=max` (`min` at least 0).
    pub const fn count(
        name: &'static str,
        default: i64,
        min: i64,
        max: i64,
        doc: &'static str,
    ) -> Self {
        assert!(min >= 0, "a count cannot be negative");
        Param::new(ParamSpec::int(name, default, min, max, doc))
    }

    /// The same count with another default, for one kind.
    pub const fn with_default(self, default: i64) -> Self {
        let mut spec = self.spec;
        spec.default = Value::Int(default);
        Param::new(spec)
    }
}

impl Param<Option<usize>> {
    /// A size in bytes up to `max`, or -1 for none.
    pub const fn optional(name: &'static str, default: i64, max: i64, doc: &'static str) -> Self {
        Param::new(ParamSpec::int(name, default, -1, max, doc))
    }

    /// The same size with another default, for one kind.
    pub const fn with_default(self, default: i64) -> Self {
        let mut spec = self.spec;
        spec.default = Value::Int(default);
        Param::new(spec)
    }
}

impl Param<bool> {
    /// A switch.
    pub const fn flag(name: &'static str, default: bool, doc: &'static str) -> Self {
        Param::new(ParamSpec::bool(name, default, doc))
    }
}

impl Param<Duration> {
    /// A duration, with its default in milliseconds.
    pub const fn millis(name: &'static str, default_ms: u64, doc: &'static str) -> Self {
        Param::new(ParamSpec::millis(name, default_ms, doc))
    }

    /// The same duration, marked as a wait inside the test: it must be
    /// shorter than the test's time limit (see [`ParamSpec::wait`]).
    pub const fn a_wait(self) -> Self {
        let mut spec = self.spec;
        spec.wait = true;
        Param::new(spec)
    }
}

/// The Rust types a parameter's value can be read as.
pub trait FromValue: Sized {
    /// The value as this type, if it is one.
    fn from_value(value: Value) -> Option<Self>;
}

impl FromValue for bool {
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
}

impl FromValue for usize {
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Int(i) => usize::try_from(i).ok(),
            _ => None,
        }
    }
}

/// Negative means none (`max_raft_state: -1`).
impl FromValue for Option<usize> {
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Int(i) => Some(usize::try_from(i).ok()),
            _ => None,
        }
    }
}

impl FromValue for Duration {
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Duration(d) => Some(d),
            _ => None,
        }
    }
}
