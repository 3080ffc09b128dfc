//! Loading suites: valid files become suites; every problem in a bad file
//! is reported with its place and what was expected.

use std::path::Path;
use std::time::Duration;

use framework::suite::{Kind, Param, ParamSpec, Registry, TestEnv, parse, select};
use futures::FutureExt;

fn pass(
    _: TestEnv,
) -> futures::future::LocalBoxFuture<'static, Result<(), framework::sim::Failure>> {
    async { Ok(()) }.boxed_local()
}

const SERVERS: Param<usize> = Param::count("servers", 3, 1, 15, "how many servers");
const UNRELIABLE: Param<bool> = Param::flag("unreliable", false, "drop and delay RPCs");
const SETTLE: Param<Duration> = Param::millis("settle", 1000, "pause before checking").a_wait();
const ELECTION_PARAMS: &[ParamSpec] = &[SERVERS.spec(), UNRELIABLE.spec(), SETTLE.spec()];

const AGREE_PARAMS: &[ParamSpec] = &[SERVERS.spec()];

fn registry() -> Registry {
    Registry::new([
        Kind {
            name: "initial_election",
            lab: "raft",
            summary: "one leader is elected",
            params: ELECTION_PARAMS,
            run: pass,
        },
        Kind {
            name: "basic_agree",
            lab: "raft",
            summary: "commands commit",
            params: AGREE_PARAMS,
            run: pass,
        },
        Kind {
            name: "kv_basic",
            lab: "kv",
            summary: "gets see puts",
            params: &[],
            run: pass,
        },
    ])
}

fn errors(text: &str) -> Vec<String> {
    match parse(Path::new("s.yml"), text, &registry()) {
        Ok(_) => panic!("the suite loaded"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_valid_suite_loads_with_defaults_applied() {
    let text = "\
lab: raft
seed: 7
repeat: 3
memory_limit: 1GiB
defaults:
  servers: 5
tests:
  - name: Initial election
    kind: initial_election
    points: 5
    params: { settle: 2s, unreliable: true }
  - name: Basic agreement
    kind: basic_agree
    points: 10
    time_limit: 30s
    wall_timeout: 5s
    memory_limit: 256 MiB
    params: { servers: 3 }
";
    let suite = parse(Path::new("s.yml"), text, &registry()).unwrap();
    assert_eq!(suite.lab, "raft");
    assert_eq!(suite.max_points(), 15);
    assert_eq!((suite.seed, suite.repeat), (Some(7), 3));
    let [first, second] = &suite.tests[..] else {
        panic!()
    };
    assert_eq!(
        (first.number, first.name.as_str(), first.kind.name),
        (1, "Initial election", "initial_election")
    );
    assert_eq!(first.params.get(&SERVERS), 5, "suite default");
    assert!(first.params.get(&UNRELIABLE));
    assert_eq!(first.params.get(&SETTLE), Duration::from_secs(2));
    assert_eq!(first.limits.time_limit, Duration::from_secs(120));
    assert_eq!(
        second.params.get(&SERVERS),
        3,
        "a test's own value beats the default"
    );
    assert_eq!(second.limits.time_limit, Duration::from_secs(30));
    assert_eq!(
        first.limits.wall_timeout,
        Duration::from_secs(60),
        "the default"
    );
    assert_eq!(first.limits.memory_limit, 1 << 30, "the suite's");
    assert_eq!(second.limits.wall_timeout, Duration::from_secs(5));
    assert_eq!(second.limits.memory_limit, 256 << 20);
    // Seeds: stable, distinct per test, and moved by the suite's seed.
    assert_eq!(suite.default_seed(first), suite.default_seed(first));
    assert_ne!(suite.default_seed(first), suite.default_seed(second));
    let reseeded = parse(
        Path::new("s.yml"),
        &text.replace("seed: 7", "seed: 8"),
        &registry(),
    )
    .unwrap();
    assert_ne!(
        suite.default_seed(first),
        reseeded.default_seed(&reseeded.tests[0])
    );
}

#[test]
fn every_error_is_reported_with_its_place() {
    let text = "\
lab: raft
tests:
  - name: One
    kind: initial_elektion
    points: 5
  - name: Two
    kind: initial_election
    points: -1
    params:
      sevrers: 3
      servers: 99
      settle: soon
  - name: One
    kind: kv_basic
    colour: blue
";
    assert_eq!(
        errors(text),
        [
            "s.yml:4:11: unknown kind 'initial_elektion' (did you mean 'initial_election'?); known kinds: basic_agree, initial_election",
            "s.yml:8:13: expected a non-negative integer, found -1",
            "s.yml:10:7: unknown parameter 'sevrers' for kind 'initial_election' (did you mean 'servers'?); accepted: servers, unreliable, settle",
            "s.yml:11:16: parameter 'servers' of kind 'initial_election': expected an integer from 1 to 15, found 99",
            "s.yml:12:15: parameter 'settle' of kind 'initial_election': expected a duration such as 500ms, 2s or 1m 30s, found \"soon\"",
            "s.yml:13:11: duplicate test name 'One' (also test 1)",
            "s.yml:14:11: kind 'kv_basic' tests lab 'kv', but this suite is for lab 'raft'",
            "s.yml:15:5: unknown key 'colour'; expected one of: name, kind, points, extra_credit, time_limit, wall_timeout, memory_limit, params",
        ]
    );
}

#[test]
fn a_wait_as_long_as_the_time_limit_is_rejected_where_it_is_set() {
    let text = "\
lab: raft
time_limit: 10s
defaults:
  settle: 20s
tests:
  - name: One
    kind: initial_election
    points: 1
    params: { settle: 10s }
  - name: Two
    kind: initial_election
    points: 1
  - name: Three
    kind: initial_election
    points: 1
    time_limit: 30s
";
    assert_eq!(
        errors(text),
        [
            "s.yml:4:11: parameter 'settle' of kind 'initial_election' is 20s, but the test's time limit is 10s: a wait that long can never take effect (raise time_limit or lower settle)",
            "s.yml:9:23: parameter 'settle' of kind 'initial_election' is 10s, but the test's time limit is 10s: a wait that long can never take effect (raise time_limit or lower settle)",
        ]
    );
}

#[test]
fn structural_errors_say_what_was_expected() {
    assert_eq!(
        errors("- just\n- a list\n"),
        ["s.yml:1:1: expected a mapping with keys lab and tests, found a list"]
    );
    assert_eq!(
        errors("lab: paxos\ntests: []\n"),
        [
            "s.yml:1:6: unknown lab 'paxos'; known labs: kv, raft",
            "s.yml:2:8: expected a non-empty list of tests, found a list",
        ]
    );
    assert_eq!(
        errors(
            "lab: raft\ndefaults: { colour: 1 }\ntests:\n  - { name: A, kind: basic_agree }\n  - name: B\n"
        ),
        [
            "s.yml:2:13: default parameter 'colour' is accepted by no test in this suite",
            "s.yml:5:5: test 2 has no 'kind'",
        ]
    );
    assert_eq!(
        errors("lab: raft\n"),
        ["s.yml:1:1: missing key 'tests' (the list of tests)"]
    );
    assert_eq!(
        errors("lab: raft\nrepeat: 0\ntests:\n  - { name: A, kind: basic_agree }\n"),
        ["s.yml:2:9: expected a positive number of seeds per test, found 0"]
    );
}

#[test]
fn without_seed_or_repeat_a_suite_asks_for_fresh_seeds_once_each() {
    let suite = parse(
        Path::new("s.yml"),
        "lab: raft\ntests:\n  - { name: A, kind: basic_agree }\n",
        &registry(),
    )
    .unwrap();
    assert_eq!((suite.seed, suite.repeat), (None, 1));
}

#[test]
fn syntax_errors_point_at_the_place() {
    let e = errors("lab: raft\ntests:\n  - name: [unclosed\n");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("s.yml:4:1: not valid YAML: "), "{}", e[0]);
}

#[test]
fn tests_are_selected_by_number_range_and_name() {
    let text = "lab: raft\ntests:\n".to_string()
        + &[
            "Initial election",
            "Re-election",
            "Basic agreement",
            "More persistence",
        ]
        .iter()
        .map(|n| format!("  - {{ name: {n}, kind: basic_agree }}\n"))
        .collect::<String>();
    let suite = parse(Path::new("s.yml"), &text, &registry()).unwrap();
    let numbers = |sel: &str| -> Vec<usize> {
        select(&suite.tests, sel)
            .unwrap()
            .iter()
            .map(|t| t.number)
            .collect()
    };
    assert_eq!(numbers("3"), [3]);
    assert_eq!(numbers("2-3"), [2, 3]);
    assert_eq!(numbers("ELECTION"), [1, 2]);
    assert_eq!(numbers("4,1"), [1, 4]);
    assert_eq!(
        select(&suite.tests, "9").err().unwrap(),
        "no test matches '9' (tests are numbered 1 to 4)"
    );
    assert_eq!(
        select(&suite.tests, "3-2").err().unwrap(),
        "empty range '3-2'"
    );
}
