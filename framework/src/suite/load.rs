//! Loading a suite: parse, then validate everything, reporting every error
//! with its file, line and column and what was expected.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_yaml::{Mapping, Value as Yaml};

use super::params::{Params, Value, describe};
use super::positions::{Position, Positions, Step};
use super::{Kind, ParamSpec, Registry, Scoring, Suite, TestCase, TestLimits};

/// One problem in a suite file, at a place in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuiteError {
    /// The file, as the user named it.
    pub file: PathBuf,
    /// Where in the file.
    pub at: Position,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.at, self.message)
    }
}

/// Every problem found in a suite file, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadErrors(pub Vec<SuiteError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

const SUITE_KEYS: &[&str] = &[
    "lab",
    "title",
    "seed",
    "repeat",
    "scoring",
    "time_limit",
    "wall_timeout",
    "memory_limit",
    "defaults",
    "tests",
];
const TEST_KEYS: &[&str] = &[
    "name",
    "kind",
    "points",
    "extra_credit",
    "time_limit",
    "wall_timeout",
    "memory_limit",
    "params",
];

/// Reads and validates the suite at `path` against the kinds in `registry`.
pub fn load(path: &Path, registry: &Registry) -> Result<Suite, LoadErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text, registry),
        Err(e) => Err(LoadErrors(vec![SuiteError {
            file: path.to_path_buf(),
            at: Position { line: 1, column: 1 },
            message: format!("cannot read the suite: {e}"),
        }])),
    }
}

/// Validates suite text; `path` names it in messages.
pub fn parse(path: &Path, text: &str, registry: &Registry) -> Result<Suite, LoadErrors> {
    let document: Yaml = match serde_yaml::from_str(text) {
        Ok(document) => document,
        Err(e) => {
            let at = e
                .location()
                .map_or(Position { line: 1, column: 1 }, |l| Position {
                    line: l.line(),
                    column: l.column(),
                });
            // serde's message ends with its own "at line L column C"; we lead
            // with the place instead.
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            return Err(LoadErrors(vec![SuiteError {
                file: path.to_path_buf(),
                at,
                message: format!("not valid YAML: {message}"),
            }]));
        }
    };
    let mut checker = Checker {
        file: path,
        positions: Positions::index(text),
        registry,
        errors: Vec::new(),
    };
    let suite = checker.suite(&document);
    let mut errors = checker.errors;
    if errors.is_empty() {
        return Ok(suite.expect("a suite without errors is complete"));
    }
    errors.sort_by_key(|e| e.at);
    errors.dedup();
    Err(LoadErrors(errors))
}

struct Checker<'a> {
    file: &'a Path,
    positions: Positions,
    registry: &'a Registry,
    errors: Vec<SuiteError>,
}

fn key(k: &str) -> Step {
    Step::Key(k.to_string())
}

fn child(path: &[Step], step: Step) -> Vec<Step> {
    let mut p = path.to_vec();
    p.push(step);
    p
}

fn list(names: &[&str]) -> String {
    names.join(", ")
}

/// ` (did you mean 'x'?)` for the known name closest to a misspelt one.
fn suggest(name: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), *k))
        .filter(|(distance, k)| *distance <= 2.max(k.len() / 4))
        .min()
        .map_or_else(String::new, |(_, k)| format!(" (did you mean '{k}'?)"))
}

impl Checker<'_> {
    fn error(&mut self, at: Position, message: String) {
        self.errors.push(SuiteError {
            file: self.file.to_path_buf(),
            at,
            message,
        });
    }

    fn at_node(&mut self, path: &[Step], message: String) {
        let at = self.positions.node(path);
        self.error(at, message);
    }

    fn at_key(&mut self, path: &[Step], message: String) {
        let at = self.positions.key(path);
        self.error(at, message);
    }

    /// A mapping's entries by string key; reports non-mappings, non-string
    /// keys and keys outside `accepted` (unless `accepted` is empty).
    fn mapping<'v>(
        &mut self,
        path: &[Step],
        value: &'v Yaml,
        what: &str,
        accepted: &[&str],
    ) -> Option<BTreeMap<String, &'v Yaml>> {
        let Some(map) = value.as_mapping() else {
            self.at_node(path, format!("expected {what}, found {}", describe(value)));
            return None;
        };
        Some(self.entries(path, map, accepted))
    }

    fn entries<'v>(
        &mut self,
        path: &[Step],
        map: &'v Mapping,
        accepted: &[&str],
    ) -> BTreeMap<String, &'v Yaml> {
        let mut out = BTreeMap::new();
        for (k, v) in map {
            let Some(k) = k.as_str() else {
                self.at_node(
                    path,
                    format!("expected text keys, found key {}", describe(k)),
                );
                continue;
            };
            if !accepted.is_empty() && !accepted.contains(&k) {
                self.at_key(
                    &child(path, key(k)),
                    format!(
                        "unknown key '{k}'{}; expected one of: {}",
                        suggest(k, accepted),
                        list(accepted)
                    ),
                );
                continue;
            }
            out.insert(k.to_string(), v);
        }
        out
    }

    fn string(&mut self, path: &[Step], value: &Yaml, what: &str) -> Option<String> {
        match value.as_str() {
            Some(s) if !s.trim().is_empty() => Some(s.to_string()),
            _ => {
                self.at_node(path, format!("expected {what}, found {}", describe(value)));
                None
            }
        }
    }

    fn duration(&mut self, path: &[Step], value: &Yaml) -> Option<Duration> {
        match value.as_str().map(humantime::parse_duration) {
            Some(Ok(d)) if !d.is_zero() => Some(d),
            _ => {
                self.at_node(
                    path,
                    format!(
                        "expected a positive duration such as 120s or 2m, found {}",
                        describe(value)
                    ),
                );
                None
            }
        }
    }

    fn byte_size(&mut self, path: &[Step], value: &Yaml) -> Option<u64> {
        match value.as_str().map(str::parse::<bytesize::ByteSize>) {
            Some(Ok(size)) if size.as_u64() > 0 => Some(size.as_u64()),
            _ => {
                self.at_node(
                    path,
                    format!(
                        "expected a positive size such as 512MiB or 2GiB, found {}",
                        describe(value)
                    ),
                );
                None
            }
        }
    }

    /// `base` with the limits this mapping sets.
    fn limits(
        &mut self,
        path: &[Step],
        map: &BTreeMap<String, &Yaml>,
        base: TestLimits,
    ) -> Option<TestLimits> {
        let mut limits = base;
        let mut ok = true;
        if let Some(v) = map.get("time_limit") {
            match self.duration(&child(path, key("time_limit")), v) {
                Some(d) => limits.time_limit = d,
                None => ok = false,
            }
        }
        if let Some(v) = map.get("wall_timeout") {
            match self.duration(&child(path, key("wall_timeout")), v) {
                Some(d) => limits.wall_timeout = d,
                None => ok = false,
            }
        }
        if let Some(v) = map.get("memory_limit") {
            match self.byte_size(&child(path, key("memory_limit")), v) {
                Some(b) => limits.memory_limit = b,
                None => ok = false,
            }
        }
        ok.then_some(limits)
    }

    fn suite(&mut self, document: &Yaml) -> Option<Suite> {
        let root = self.mapping(
            &[],
            document,
            "a mapping with keys lab and tests",
            SUITE_KEYS,
        )?;
        let lab = match root.get("lab") {
            None => {
                self.at_node(
                    &[],
                    "missing key 'lab' (the lab this suite tests)".to_string(),
                );
                None
            }
            Some(v) => self
                .string(&[key("lab")], v, "the lab's name")
                .and_then(|lab| {
                    let labs = self.registry.labs();
                    if labs.contains(&lab.as_str()) {
                        Some(lab)
                    } else {
                        self.at_node(
                            &[key("lab")],
                            format!("unknown lab '{lab}'; known labs: {}", list(&labs)),
                        );
                        None
                    }
                }),
        };
        let title = root
            .get("title")
            .and_then(|v| self.string(&[key("title")], v, "a title"));
        let seed = match root.get("seed") {
            None => Some(None),
            Some(v) => {
                let seed = v.as_u64();
                if seed.is_none() {
                    self.at_node(
                        &[key("seed")],
                        format!("expected a non-negative integer, found {}", describe(v)),
                    );
                }
                seed.map(Some)
            }
        };
        let repeat = match root.get("repeat") {
            None => Some(1),
            Some(v) => {
                let repeat = v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|&n| n >= 1);
                if repeat.is_none() {
                    self.at_node(
                        &[key("repeat")],
                        format!(
                            "expected a positive number of seeds per test, found {}",
                            describe(v)
                        ),
                    );
                }
                repeat
            }
        };
        let limits = self.limits(&[], &root, TestLimits::default());
        let scoring = match root.get("scoring") {
            None => Some(Scoring::AllOrNothing),
            Some(v) => match v.as_str() {
                Some("all_or_nothing") => Some(Scoring::AllOrNothing),
                Some("per_run") => Some(Scoring::PerRun),
                _ => {
                    self.at_node(
                        &[key("scoring")],
                        format!("expected all_or_nothing or per_run, found {}", describe(v)),
                    );
                    None
                }
            },
        };
        let defaults = match root.get("defaults") {
            None => Some(BTreeMap::new()),
            Some(v) => self.mapping(
                &[key("defaults")],
                v,
                "a mapping of parameters to values",
                &[],
            ),
        };
        let tests = match root.get("tests") {
            None => {
                self.at_node(&[], "missing key 'tests' (the list of tests)".to_string());
                None
            }
            Some(Yaml::Sequence(tests)) if !tests.is_empty() => Some(tests),
            Some(v) => {
                self.at_node(
                    &[key("tests")],
                    format!("expected a non-empty list of tests, found {}", describe(v)),
                );
                None
            }
        };

        let mut cases = Vec::new();
        if let (Some(tests), Some(defaults)) = (tests, defaults.as_ref()) {
            let mut names: BTreeMap<String, usize> = BTreeMap::new();
            for (i, test) in tests.iter().enumerate() {
                let path = vec![key("tests"), Step::Index(i)];
                if let Some(name) = test.get("name").and_then(Yaml::as_str) {
                    if let Some(first) = names.insert(name.to_string(), i + 1) {
                        self.at_node(
                            &child(&path, key("name")),
                            format!("duplicate test name '{name}' (also test {first})"),
                        );
                    }
                }
                if let Some(case) = self.test(&path, i + 1, test, lab.as_deref(), defaults, limits)
                {
                    cases.push(case);
                }
            }
            self.unused_defaults(defaults, &cases);
        }
        Some(Suite {
            lab: lab?,
            title,
            seed: seed?,
            repeat: repeat?,
            scoring: scoring?,
            tests: cases,
        })
    }

    fn test(
        &mut self,
        path: &[Step],
        number: usize,
        value: &Yaml,
        lab: Option<&str>,
        defaults: &BTreeMap<String, &Yaml>,
        suite_limits: Option<TestLimits>,
    ) -> Option<TestCase> {
        let test = self.mapping(
            path,
            value,
            "a test (a mapping with name, kind, points, params)",
            TEST_KEYS,
        )?;
        let name = match test.get("name") {
            Some(v) => self.string(&child(path, key("name")), v, "the test's name"),
            None => {
                self.at_node(path, format!("test {number} has no 'name'"));
                None
            }
        };
        let kind = match test.get("kind") {
            Some(v) => self
                .string(&child(path, key("kind")), v, "a test kind")
                .and_then(|k| self.kind(&child(path, key("kind")), &k, lab)),
            None => {
                self.at_node(path, format!("test {number} has no 'kind'"));
                None
            }
        };
        let points = match test.get("points") {
            None => Some(0),
            Some(v) => {
                let points = v.as_u64().and_then(|p| u32::try_from(p).ok());
                if points.is_none() {
                    self.at_node(
                        &child(path, key("points")),
                        format!("expected a non-negative integer, found {}", describe(v)),
                    );
                }
                points
            }
        };
        let extra_credit = match test.get("extra_credit") {
            None => Some(false),
            Some(v) => {
                let flag = v.as_bool();
                if flag.is_none() {
                    self.at_node(
                        &child(path, key("extra_credit")),
                        format!("expected true or false, found {}", describe(v)),
                    );
                }
                flag
            }
        };
        let limits = suite_limits.and_then(|base| self.limits(path, &test, base));
        let params = kind.and_then(|kind| {
            let given = match test.get("params") {
                None => BTreeMap::new(),
                Some(v) => self.mapping(
                    &child(path, key("params")),
                    v,
                    "a mapping of parameters",
                    &[],
                )?,
            };
            self.params(path, &kind, defaults, &given)
        });
        if let (Some(params), Some(limits), Some(kind)) = (&params, &limits, &kind) {
            self.check_waits(path, kind, params, limits, defaults, &test);
        }
        Some(TestCase {
            number,
            name: name?,
            kind: kind?,
            points: points?,
            extra_credit: extra_credit?,
            params: params?,
            limits: limits?,
        })
    }

    fn kind(&mut self, path: &[Step], name: &str, lab: Option<&str>) -> Option<Kind> {
        // Without a valid lab there is nothing to look the kind up in (that
        // error is reported already).
        let lab = lab?;
        if let Some(kind) = self.registry.get(lab, name) {
            return Some(*kind);
        }
        let elsewhere: Vec<&str> = self
            .registry
            .kinds()
            .filter(|k| k.name == name)
            .map(|k| k.lab)
            .collect();
        if !elsewhere.is_empty() {
            self.at_node(
                path,
                format!(
                    "kind '{name}' tests lab '{}', but this suite is for lab '{lab}'",
                    list(&elsewhere)
                ),
            );
            return None;
        }
        let known: Vec<&str> = self
            .registry
            .kinds()
            .filter(|k| k.lab == lab)
            .map(|k| k.name)
            .collect();
        self.at_node(
            path,
            format!(
                "unknown kind '{name}'{}; known kinds: {}",
                suggest(name, &known),
                list(&known)
            ),
        );
        None
    }

    /// The kind's defaults, then the suite's defaults it accepts, then the
    /// test's own values.
    fn params(
        &mut self,
        path: &[Step],
        kind: &Kind,
        defaults: &BTreeMap<String, &Yaml>,
        given: &BTreeMap<String, &Yaml>,
    ) -> Option<Params> {
        let mut params = Params::defaults(kind.params);
        let mut ok = true;
        for (name, value) in defaults {
            if let Some(spec) = kind.param(name) {
                ok &= self.set(
                    &mut params,
                    spec,
                    &[key("defaults"), key(name)],
                    value,
                    kind,
                );
            }
        }
        for (name, value) in given {
            let at = child(&child(path, key("params")), key(name));
            match kind.param(name) {
                Some(spec) => ok &= self.set(&mut params, spec, &at, value, kind),
                None => {
                    let accepted: Vec<&str> = kind.params.iter().map(|p| p.name).collect();
                    let hint = suggest(name, &accepted);
                    let accepted = if accepted.is_empty() {
                        "it takes none".to_string()
                    } else {
                        format!("accepted: {}", list(&accepted))
                    };
                    self.at_key(
                        &at,
                        format!(
                            "unknown parameter '{name}' for kind '{}'{hint}; {accepted}",
                            kind.name
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(params)
    }

    /// Every wait parameter must be shorter than the test's time limit, or
    /// it could never take effect. The error points at the value's source.
    fn check_waits(
        &mut self,
        path: &[Step],
        kind: &Kind,
        params: &Params,
        limits: &TestLimits,
        defaults: &BTreeMap<String, &Yaml>,
        test: &BTreeMap<String, &Yaml>,
    ) {
        let given = test.get("params").and_then(|p| p.as_mapping());
        for spec in kind.params.iter().filter(|p| p.wait) {
            let Some((_, Value::Duration(wait))) = params.iter().find(|(n, _)| *n == spec.name)
            else {
                continue;
            };
            if wait < limits.time_limit {
                continue;
            }
            let at = if given.is_some_and(|p| p.contains_key(spec.name)) {
                child(&child(path, key("params")), key(spec.name))
            } else if defaults.contains_key(spec.name) {
                vec![key("defaults"), key(spec.name)]
            } else {
                path.to_vec()
            };
            self.at_node(
                &at,
                format!(
                    "parameter '{}' of kind '{}' is {}, but the test's time limit is {}: a wait that long can never take effect (raise time_limit or lower {})",
                    spec.name,
                    kind.name,
                    humantime::format_duration(wait),
                    humantime::format_duration(limits.time_limit),
                    spec.name
                ),
            );
        }
    }

    fn set(
        &mut self,
        params: &mut Params,
        spec: &'static ParamSpec,
        at: &[Step],
        value: &Yaml,
        kind: &Kind,
    ) -> bool {
        match spec.convert(value) {
            Ok(v) => {
                params.set(spec.name, v);
                true
            }
            Err(why) => {
                self.at_node(
                    at,
                    format!("parameter '{}' of kind '{}': {why}", spec.name, kind.name),
                );
                false
            }
        }
    }

    fn unused_defaults(&mut self, defaults: &BTreeMap<String, &Yaml>, cases: &[TestCase]) {
        for name in defaults.keys() {
            if !cases.iter().any(|c| c.kind.param(name).is_some()) {
                self.at_key(
                    &[key("defaults"), key(name)],
                    format!("default parameter '{name}' is accepted by no test in this suite"),
                );
            }
        }
    }
}
