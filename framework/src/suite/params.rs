//! The parameters a test kind accepts, and the values a suite gave them.

use std::collections::BTreeMap;
use std::fmt;
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
        }
    }

    /// A boolean parameter.
    pub const fn bool(name: &'static str, default: bool, doc: &'static str) -> Self {
        ParamSpec {
            name,
            ty: ParamType::Bool,
            default: Value::Bool(default),
            doc,
        }
    }

    /// A duration parameter, with its default in milliseconds.
    pub const fn millis(name: &'static str, default_ms: u64, doc: &'static str) -> Self {
        ParamSpec {
            name,
            ty: ParamType::Duration,
            default: Value::Duration(Duration::from_millis(default_ms)),
            doc,
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

    fn get(&self, name: &str) -> Value {
        *self
            .values
            .get(name)
            .unwrap_or_else(|| panic!("parameter {name} is not declared by this test's kind"))
    }

    /// An integer parameter. Panics if the kind did not declare it as one:
    /// that is a bug in the kind, never in a suite.
    pub fn int(&self, name: &str) -> i64 {
        match self.get(name) {
            Value::Int(i) => i,
            other => panic!("parameter {name} is {other:?}, not an integer"),
        }
    }

    /// An integer parameter that the kind declared with `min >= 0`.
    pub fn usize(&self, name: &str) -> usize {
        usize::try_from(self.int(name)).unwrap_or_else(|_| panic!("parameter {name} is negative"))
    }

    /// A boolean parameter.
    pub fn bool(&self, name: &str) -> bool {
        match self.get(name) {
            Value::Bool(b) => b,
            other => panic!("parameter {name} is {other:?}, not a boolean"),
        }
    }

    /// A duration parameter.
    pub fn duration(&self, name: &str) -> Duration {
        match self.get(name) {
            Value::Duration(d) => d,
            other => panic!("parameter {name} is {other:?}, not a duration"),
        }
    }

    /// Every parameter and its value, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Value)> + '_ {
        self.values.iter().map(|(k, v)| (*k, *v))
    }
}
