use std::fmt;
use std::time::Duration;

/// Why a test failed, in words a student can act on.
///
/// Harness checks return `Err(Failure)`; a panic in any node's task and a
/// blown virtual time limit become one too. The message says what broke and
/// with which values ("term 3 has 2 leaders"), never just "assertion failed".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    message: String,
    first_sign: Option<(Duration, String)>,
}

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            first_sign: None,
        }
    }

    /// Says where the trouble began, when the check that failed knows (a
    /// command that never committed was started at `at`): the timeline
    /// marks it.
    pub fn first_seen(mut self, at: Duration, what: impl Into<String>) -> Self {
        self.first_sign = Some((at, what.into()));
        self
    }

    /// Where the trouble began, if the check said (see
    /// [`Failure::first_seen`]).
    pub fn first_sign(&self) -> Option<(Duration, &str)> {
        self.first_sign
            .as_ref()
            .map(|(at, what)| (*at, what.as_str()))
    }

    /// The message shown after `TEST n Failed: `.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Returns early from a harness function with a formatted [`Failure`].
///
/// ```
/// use framework::fail;
/// use framework::sim::Failure;
///
/// fn check_leaders(term: u64, leaders: &[usize]) -> Result<(), Failure> {
///     if leaders.len() > 1 {
///         fail!("term {term} has {} (>1) leaders", leaders.len());
///     }
///     Ok(())
/// }
/// assert_eq!(
///     check_leaders(3, &[0, 2]).unwrap_err().message(),
///     "term 3 has 2 (>1) leaders"
/// );
/// ```
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {
        return ::std::result::Result::Err($crate::sim::Failure::new(format!($($arg)*)).into())
    };
}

/// Fails the enclosing harness function unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::fail!($($arg)*);
        }
    };
}
