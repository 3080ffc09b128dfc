//! The reports for CI and course platforms, read back by independent
//! parsers; and partitioned runs merged into the result of a whole run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn scratch(dir: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir);
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).unwrap();
    path
}

fn grader(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the grader runs")
}

/// A suite where test 1 passes and test 2 cannot (one() may take 1 ms).
const SUITE: &str = "lab: raft
tests:
  - { name: Passes, kind: initial_election, points: 4 }
  - { name: Cannot pass, kind: basic_agree, points: 3, params: { agreement_timeout: 1ms, agreement_try: 1ms } }
";

/// Runs SUITE twice per test, writing every report; returns their folder.
fn run_with_reports() -> PathBuf {
    let dir = scratch("reports");
    std::fs::write(dir.join("suite.yml"), SUITE).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let out = grader(&[
        "run",
        &path("suite.yml"),
        "--repeat",
        "2",
        "--seed",
        "1",
        "--json",
        &path("report.json"),
        "--junit",
        &path("junit.xml"),
        "--gradescope",
        &path("results.json"),
        "--markdown",
        &path("summary.md"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    dir
}

#[test]
fn reports_in_every_format_read_back() {
    let dir = run_with_reports();

    // JUnit XML, read with an XML parser of its own.
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("the JUnit report is XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(
        (root.attribute("tests"), root.attribute("failures")),
        (Some("2"), Some("1"))
    );
    let cases: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].attribute("name"), Some("TEST 1: Passes"));
    assert!(cases[0].children().all(|c| !c.has_tag_name("failure")));
    let failure = cases[1]
        .children()
        .find(|c| c.has_tag_name("failure"))
        .expect("test 2 failed");
    assert!(
        failure
            .attribute("message")
            .unwrap()
            .contains("failed to reach agreement")
    );
    let reruns = cases[1]
        .children()
        .filter(|c| c.has_tag_name("rerunFailure"))
        .count();
    assert_eq!(reruns, 1, "the second seed's failure is a rerun");

    // Gradescope's results.json: the keys and types its specification names.
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["score"], 4.0);
    assert!(results["execution_time"].is_u64());
    assert!(results["output"].is_string());
    let tests = results["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
    for (test, (status, score, max)) in tests
        .iter()
        .zip([("passed", 4.0, 4.0), ("failed", 0.0, 3.0)])
    {
        assert!(test["name"].is_string());
        assert_eq!(test["status"], status);
        assert_eq!(
            (test["score"].as_f64(), test["max_score"].as_f64()),
            (Some(score), Some(max))
        );
        assert!(test["output"].is_string());
        assert!(
            ["visible", "hidden", "after_due_date", "after_published"]
                .contains(&test["visibility"].as_str().unwrap())
        );
    }

    // Markdown, rendered by a CommonMark parser with tables.
    let markdown = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    let parser = pulldown_cmark::Parser::new_ext(&markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    assert_eq!(html.matches("<table>").count(), 1, "{html}");
    assert_eq!(
        html.matches("<tr>").count(),
        3,
        "a header and a row per test: {html}"
    );
    assert!(
        html.contains(">0/2</td>"),
        "test 2 passed on no runs: {html}"
    );

    // The kit's JSON: every run, scored all or nothing.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["tests"].as_array().unwrap().len(), 4);
    assert_eq!(
        (report["score"].as_f64(), report["max_score"].as_f64()),
        (Some(4.0), Some(7.0))
    );
}

/// (test, seed, passed, trace hash) of every run in a JSON report.
fn runs(report: &Path) -> BTreeSet<(u64, u64, bool, String)> {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["number"].as_u64().unwrap(),
                t["seed"].as_u64().unwrap(),
                t["passed"].as_bool().unwrap(),
                t["trace_hash"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn partitions_merge_into_the_whole_run() {
    let dir = scratch("partitions");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let common = [
        "run",
        "config/raft_lab_test.yml",
        "--test",
        "1-4",
        "--repeat",
        "3",
        // Every part must draw the same seeds as the whole run.
        "--seed",
        "100",
    ];
    let whole = grader(&[&common[..], &["--json", &path("whole.json")]].concat());
    assert_eq!(whole.status.code(), Some(0));
    for k in 1..=3 {
        let part = grader(
            &[
                &common[..],
                &[
                    "--partition",
                    &format!("{k}/3"),
                    "--json",
                    &path(&format!("part{k}.json")),
                ],
            ]
            .concat(),
        );
        assert_eq!(part.status.code(), Some(0));
        assert_eq!(
            runs(&dir.join(format!("part{k}.json"))).len(),
            4,
            "12 runs in 3 shares"
        );
    }
    let merged = grader(&[
        "merge",
        &path("part1.json"),
        &path("part2.json"),
        &path("part3.json"),
        "--json",
        &path("merged.json"),
    ]);
    assert_eq!(
        merged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(
        runs(&dir.join("merged.json")),
        runs(&dir.join("whole.json"))
    );
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("merged.json")).unwrap()).unwrap();
    assert_eq!(merged["score"].as_f64(), Some(15.0));
}

#[test]
fn a_bad_report_to_merge_is_bad_input() {
    let dir = scratch("bad-merge");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"suite\": 3}\n").unwrap();
    let out = grader(&["merge", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.json:1:"), "{stderr}");
    assert!(stderr.contains("expected a grader JSON report"), "{stderr}");
}
