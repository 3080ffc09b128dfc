//! One way to declare a lab's test kinds: [`lab_kinds!`] writes, from one
//! table, the lab's kinds run with a submission's types, and the same kinds
//! failing at once for a submission that does not implement the lab.

use crate::sim::Failure;

/// What every test of a lab the submission does not implement returns.
pub(crate) fn not_implemented(lab: &str) -> Result<(), Failure> {
    Err(Failure::new(format!(
        "lab {lab} is not implemented by this submission (its Submission::labs does not register it)"
    )))
}

/// Declares a lab's kinds. In a lab's `kinds` module:
///
/// ```ignore
/// lab_kinds! {
///     lab: "kv", types: (S: KvServer, C: KvClerk),
///     "basic_ops" => scenarios::basic_ops, SCRIPTED, "put, append and get ...";
///     ...
/// }
/// ```
///
/// defines `kinds::<S, C>()`, each test function called as
/// `module::function::<S, C>(env)`, and `missing()`, the same table whose
/// tests fail with "lab kv is not implemented".
macro_rules! lab_kinds {
    (
        lab: $lab:literal, types: $types:tt,
        $($name:literal => $m:ident :: $f:ident, $params:expr, $summary:literal;)+
    ) => {
        $crate::labs::declare::lab_kinds!(@kinds $types, [$($crate::suite::Kind {
            name: $name,
            lab: $lab,
            summary: $summary,
            params: $params,
            run: $crate::labs::declare::lab_kinds!(@run $types, $m::$f),
        }),+]);

        /// Every kind of the lab, failing at once: the submission does not
        /// implement the lab.
        pub(crate) fn missing() -> Vec<$crate::suite::Kind> {
            use futures::FutureExt;
            vec![$($crate::suite::Kind {
                name: $name,
                lab: $lab,
                summary: $summary,
                params: $params,
                run: |_| async { $crate::labs::declare::not_implemented($lab) }.boxed_local(),
            }),+]
        }
    };
    (@kinds ($($t:ident : $bound:path),+), [$($kind:expr),+]) => {
        /// Every kind of the lab, run with the submission's types.
        pub(crate) fn kinds<$($t: $bound),+>() -> Vec<$crate::suite::Kind> {
            vec![$($kind),+]
        }
    };
    (@run ($($t:ident : $bound:path),+), $m:ident :: $f:ident) => {
        |env| futures::FutureExt::boxed_local($m::$f::<$($t),+>(env))
    };
}

pub(crate) use lab_kinds;
