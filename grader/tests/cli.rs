//! The grader's command line: exit statuses, messages, reports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn grader(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the grader runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch file under the target directory, unique to this test.
fn scratch(name: &str, contents: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grader-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn a_bad_suite_gets_every_error_with_its_place_and_exit_2() {
    let suite = scratch(
        "bad.yml",
        "lab: raft\ntests:\n  - name: A\n    kind: initial_elektion\n  - name: B\n    kind: basic_agree\n    params: { servers: 100 }\n",
    );
    let out = grader(&["run", suite.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let file = suite.display();
    assert!(
        stderr.contains(&format!("{file}:4:11: unknown kind 'initial_elektion' (did you mean 'initial_election'?); known kinds: ")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{file}:7:24: parameter 'servers' of kind 'basic_agree': expected an integer from 3 to 9, found 100"
        )),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).is_empty(),
        "nothing runs when the suite is bad"
    );
}

#[test]
fn bad_input_of_every_kind_exits_2_with_a_message() {
    let missing = grader(&["run", "no/such/suite.yml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no/such/suite.yml:1:1: cannot read the suite"));

    let nothing = grader(&[]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(text(&nothing.stderr).contains("give a suite to run"));

    let flag = grader(&["run", "config/raft_lab_test.yml", "--sead", "3"]);
    assert_eq!(flag.status.code(), Some(2));
    assert!(text(&flag.stderr).contains("--sead"));

    let selector = grader(&["run", "config/raft_lab_test.yml", "--test", "99"]);
    assert_eq!(selector.status.code(), Some(2));
    assert!(text(&selector.stderr).contains("no test matches '99' (tests are numbered 1 to 36)"));

    let lab = grader(&["kinds", "paxos"]);
    assert_eq!(lab.status.code(), Some(2));
    assert!(text(&lab.stderr).contains("unknown lab 'paxos'"));
}

#[test]
fn list_shows_the_suite() {
    let out = grader(&["list", "config/raft_lab_test.yml"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "config/raft_lab_test.yml: lab raft, 36 tests, 129 points, 3 seeds per test, fresh each run\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("   1  Initial election "), "{stdout}");
    assert!(
        stdout.contains("  14  More persistence - part 2 "),
        "{stdout}"
    );
}

#[test]
fn kinds_describes_parameters() {
    let out = grader(&["kinds", "raft"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("figure8 (lab raft): "), "{stdout}");
    assert!(stdout.contains("    election_timeout "), "{stdout}");
}

#[test]
fn a_run_prints_the_labs_lines_and_writes_a_json_report() {
    let json = scratch("report.json", "");
    let out = grader(&[
        "-f",
        "config/raft_lab_test.yml",
        "--test",
        "1,3",
        "--repeat",
        "1",
        "--seed",
        "11",
        "--json",
        json.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "config/raft_lab_test.yml: 2 of 36 tests, 1 seed each, seed 11 (from --seed)"
    );
    assert_eq!(lines[1], "TEST 1: Initial election");
    assert!(lines[2].starts_with("TEST 1 Passed  (virtual "), "{stdout}");
    assert!(lines[2].contains(" 3 servers, "), "{stdout}");
    assert_eq!(lines[3], "TEST 3: Basic agreement");
    assert_eq!(*lines.last().unwrap(), "ALL TESTS PASSED  (score 7/7)");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["score"], 7.0);
    let test = &report["tests"][1];
    for field in [
        "number",
        "name",
        "kind",
        "passed",
        "failure",
        "points",
        "max_points",
        "seed",
        "virtual_ms",
        "wall_ms",
        "rpcs",
        "bytes",
        "trace_hash",
    ] {
        assert!(test.get(field).is_some(), "missing {field} in {test}");
    }
    assert_eq!(test["kind"], "basic_agree");
    assert_eq!(test["passed"], true);
    assert!(test["rpcs"].as_u64().unwrap() > 0);
}

#[test]
fn the_same_seed_replays_the_same_run() {
    let run = |seed: &str| {
        let json = scratch(&format!("replay-{seed}.json"), "");
        let out = grader(&[
            "run",
            "config/raft_lab_test.yml",
            "-t",
            "2",
            "--repeat",
            "1",
            "--seed",
            seed,
            "--json",
            json.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        report["tests"][0]["trace_hash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(run("5"), run("5"));
    assert_ne!(run("5"), run("6"));
}

#[test]
fn many_seeds_end_with_a_table_per_test() {
    let out = grader(&[
        "run",
        "config/raft_lab_test.yml",
        "-t",
        "1-2",
        "--repeat",
        "3",
        "--seed",
        "1",
        "--jobs",
        "2",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("3/3") && l.ends_with("passed  ok"))
        .collect();
    assert_eq!(rows.len(), 2, "a row per test: {stdout}");
    assert!(
        rows[0].trim_start().starts_with("1  Initial election"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().last(), Some("ALL TESTS PASSED  (score 8/8)"));
}

/// A suite whose one test cannot pass (agreement must come within 1 ms), so
/// every run prints its replay command.
const FAILING: &str = "lab: raft
tests:
  - { name: Cannot pass, kind: basic_agree, points: 3, params: { agreement_timeout: 1ms, agreement_try: 1ms } }
";

/// The seed and trace hash of the one run in a JSON report.
#[test]
fn many_seeds_list_the_runs_that_warned() {
    // One search step cannot decide a history: each run passes with a
    // warning, which a multi-seed run must not swallow.
    let suite = scratch(
        "warns.yml",
        "lab: kv\ntests:\n  - name: Undecided\n    kind: basic_ops\n    params: { clients: 2, check_steps: 1 }\n",
    );
    let out = grader(&[
        "run",
        suite.to_str().unwrap(),
        "--repeat",
        "2",
        "--seed",
        "5",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("2/2     passed  ok, 2 warned"), "{stdout}");
    assert!(
        stdout.contains("Runs that passed with a warning")
            && stdout.contains("TEST 1 seed 5: warning: linearizability of the")
            && stdout.contains("--test 1 --seed 6 --repeat 1"),
        "{stdout}"
    );
}

fn seed_and_hash(json: &Path) -> (u64, String) {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let run = &report["tests"][0];
    (
        run["seed"].as_u64().unwrap(),
        run["trace_hash"].as_str().unwrap().to_string(),
    )
}

#[test]
fn without_a_seed_each_run_draws_a_fresh_one_that_its_replay_command_repeats() {
    let suite = scratch("failing.yml", FAILING);
    let fresh_run = |name: &str| {
        let json = scratch(name, "");
        let out = grader(&[
            "run",
            suite.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        let (seed, hash) = seed_and_hash(&json);
        assert!(
            stdout.lines().next().unwrap().ends_with(&format!(
                "seed {seed} (fresh: --seed {seed} replays this run)"
            )),
            "the header names the seed: {stdout}"
        );
        let replay = stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix("replay: "))
            .unwrap_or_else(|| panic!("no replay line: {stdout}"))
            .to_string();
        assert!(replay.contains(&format!(" --seed {seed} ")), "{replay}");
        (seed, hash, replay)
    };
    let (first_seed, first_hash, replay) = fresh_run("fresh-1.json");
    let (second_seed, _, _) = fresh_run("fresh-2.json");
    assert_ne!(first_seed, second_seed, "two runs, two fresh seeds");

    // The printed command, as a user would paste it (the program aside).
    let json = scratch("fresh-replayed.json", "");
    let words: Vec<&str> = replay.split_whitespace().skip(1).collect();
    let out = grader(&[&words[..], &["--json", json.to_str().unwrap()]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert_eq!(
        seed_and_hash(&json),
        (first_seed, first_hash),
        "the replay is the same run"
    );
}

/// Runs the grader with its stdout a pipe that nobody reads: the read end is
/// closed before the grader writes anything, as `| head -1` does early.
fn with_stdout_closed(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the grader runs");
    drop(child.stdout.take());
    child.wait_with_output().expect("the grader ends")
}

#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    for args in [
        &["kinds", "raft"][..],
        &["list", "config/raft_lab_test.yml"],
    ] {
        let out = with_stdout_closed(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{args:?} says nothing, panics not");
    }
    // A run stops: nobody reads its results, so it does not pass either.
    let out = with_stdout_closed(&["run", "config/raft_lab_test.yml", "--seed", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn a_bad_scoring_flag_exits_2_and_says_what_was_expected() {
    let out = grader(&["run", "config/raft_lab_test.yml", "--scoring", "best_of"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("expected per_run or all_or_nothing, found 'best_of'"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn extra_credit_scores_but_does_not_raise_the_maximum() {
    let suite = scratch(
        "extra.yml",
        "lab: raft\ntests:\n  - name: Initial election\n    kind: initial_election\n    points: 5\n  - name: A challenge\n    kind: basic_agree\n    points: 3\n    extra_credit: true\n",
    );
    let listed = text(&grader(&["list", suite.to_str().unwrap()]).stdout);
    assert!(listed.contains("2 tests, 5 points"), "{listed}");
    assert!(listed.contains("3 pts extra"), "{listed}");

    let gradescope = scratch("extra-gradescope.json", "");
    let out = grader(&[
        "-f",
        suite.to_str().unwrap(),
        "--seed",
        "3",
        "--gradescope",
        gradescope.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.ends_with("ALL TESTS PASSED  (score 8/5, 3 of them extra credit)\n"),
        "{stdout}"
    );
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&gradescope).unwrap()).unwrap();
    assert_eq!(results["score"], 8.0);
    let challenge = &results["tests"][1];
    assert_eq!(challenge["name"], "TEST 2: A challenge (extra credit)");
    assert_eq!(
        (challenge["score"].as_f64(), challenge["max_score"].as_f64()),
        (Some(3.0), Some(0.0))
    );
}

#[test]
fn extra_credit_must_be_true_or_false() {
    let suite = scratch(
        "bad-extra.yml",
        "lab: raft\ntests:\n  - name: Initial election\n    kind: initial_election\n    extra_credit: maybe\n",
    );
    let out = grader(&["list", suite.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad-extra.yml:5:19"), "{stderr}");
    assert!(stderr.contains("expected true or false, found"), "{stderr}");
}
