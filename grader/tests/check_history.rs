//! `grader check-history`: verdict lines, exit codes, bad input messages and
//! reports, on histories written here (the porcupine data is not needed).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("check-history")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("writes");
    path
}

fn grader(args: &[&str], files: &[&Path]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("check-history")
        .args(args)
        .args(files)
        .output()
        .expect("the grader runs");
    (
        status.code().expect("an exit code"),
        String::from_utf8_lossy(&stdout).into(),
        String::from_utf8_lossy(&stderr).into(),
    )
}

const KV_OK: &str = "{:process 0, :type :invoke, :f :put, :key \"a\", :value \"x 0 0 y\"}\n\
{:process 1, :type :invoke, :f :get, :key \"a\", :value nil}\n\
{:process 0, :type :ok, :f :put, :key \"a\", :value \"x 0 0 y\"}\n\
{:process 1, :type :ok, :f :get, :key \"a\", :value \"x 0 0 y\"}\n";

const KV_BAD: &str = "{:process 0, :type :invoke, :f :put, :key \"a\", :value \"x 0 0 y\"}\n\
{:process 0, :type :ok, :f :put, :key \"a\", :value \"x 0 0 y\"}\n\
{:process 1, :type :invoke, :f :get, :key \"a\", :value nil}\n\
{:process 1, :type :ok, :f :get, :key \"a\", :value \"\"}\n";

const ETCD_OK: &str = "INFO  jepsen.util - 1\t:invoke\t:write\t3\n\
INFO  jepsen.util - 1\t:ok\t:write\t3\n\
INFO  jepsen.util - 2\t:invoke\t:cas\t[3 4]\n\
INFO  jepsen.util - 2\t:info\t:cas\t:timed-out\n\
INFO  jepsen.util - 3\t:invoke\t:read\tnil\n\
INFO  jepsen.util - 3\t:ok\t:read\t4\n";

/// 30 appends that all return before a get that sees none of them: the
/// search would try every order of the appends, so it never finishes.
fn hard_json() -> String {
    let mut ops: Vec<String> = (0..30)
        .map(|i| format!("{{\"client\": {i}, \"call\": 0, \"return\": 100, \"op\": \"append\", \"key\": \"k\", \"value\": \"v{i} \"}}"))
        .collect();
    ops.push(String::from("{\"client\": 99, \"call\": 200, \"return\": 300, \"op\": \"get\", \"key\": \"k\", \"output\": \"never\"}"));
    format!(
        "{{\"model\": \"kv\", \"operations\": [\n{}\n]}}\n",
        ops.join(",\n")
    )
}

#[test]
fn all_ok_exits_0_with_one_verdict_line_per_file() {
    let dir = scratch("ok");
    let kv = write(&dir, "kv.txt", KV_OK);
    let etcd = write(&dir, "etcd.log", ETCD_OK);
    let (code, out, err) = grader(&[], &[&kv, &etcd]);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with(&format!(
            "{}: Ok (2 operations, 1 partition, ",
            kv.display()
        )),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&format!("{}: Ok (3 operations", etcd.display())),
        "{out}"
    );
}

#[test]
fn some_illegal_exits_1_and_html_writes_the_report() {
    let dir = scratch("illegal");
    let bad = write(&dir, "bad.txt", KV_BAD);
    let good = write(&dir, "good.txt", KV_OK);
    let page = dir.join("report.html");
    let (code, out, err) = grader(&["--html", page.to_str().expect("utf-8")], &[&bad]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with(&format!(
            "{}: Illegal (key \"a\": no legal order of its 2 operations; ",
            bad.display()
        )),
        "{out}"
    );
    let html = std::fs::read_to_string(&page).expect("the report was written");
    assert!(html.contains("Not linearizable (key &quot;a&quot;)") && html.contains("<svg"));

    // Several inputs: OUT is a directory with a page per Illegal file.
    let reports = dir.join("reports");
    let (code, out, _) = grader(
        &["--html", reports.to_str().expect("utf-8")],
        &[&good, &bad],
    );
    assert_eq!(code, 1, "{out}");
    assert!(reports.join("bad.txt.html").is_file());
    assert!(
        !reports.join("good.txt.html").exists(),
        "no report for an Ok file"
    );
}

#[test]
fn unknown_exits_3_and_says_why() {
    let dir = scratch("unknown");
    let hard = write(&dir, "hard.json", &hard_json());
    let good = write(&dir, "good.txt", KV_OK);
    let (code, out, err) = grader(&["--timeout", "300ms"], &[&hard, &good]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains(&format!(
            "{}: Unknown (deadline of 300 ms reached; 0 of 1 partitions decided, open: key \"k\")",
            hard.display()
        )),
        "{out}"
    );
    // Illegal wins over Unknown.
    let bad = write(&dir, "bad.txt", KV_BAD);
    let (code, _, _) = grader(&["--timeout", "300ms"], &[&hard, &bad]);
    assert_eq!(code, 1);
}

#[test]
fn a_small_step_budget_gives_unknown_naming_it_and_exits_3() {
    let dir = scratch("steps");
    let hard = write(&dir, "hard.json", &hard_json());
    let good = write(&dir, "good.txt", KV_OK);
    // No deadline to speak of: the steps, not the clock, stop it.
    let (code, out, err) = grader(&["--steps", "5000", "--timeout", "1h"], &[&hard, &good]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains(&format!(
            "{}: Unknown (step budget of 5000 search steps used up; 0 of 1 partitions decided, open: key \"k\")",
            hard.display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{}: Ok (2 operations, 1 partition, 2 steps, ",
            good.display()
        )),
        "the Ok line gives the steps taken: {out}"
    );
    // The same on one thread as on many.
    let (code, again, _) = grader(&["--steps", "5000", "--threads", "1"], &[&hard]);
    assert_eq!(code, 3);
    assert!(
        again.contains("step budget of 5000 search steps used up"),
        "{again}"
    );
}

#[test]
fn a_bad_step_budget_exits_2() {
    let dir = scratch("bad-steps");
    let good = write(&dir, "good.txt", KV_OK);
    for bad in ["ten", "-1", "1.5", ""] {
        let (code, out, err) = grader(&[&format!("--steps={bad}")], &[&good]);
        assert_eq!(code, 2, "--steps {bad:?}: {out}{err}");
        assert!(err.contains("--steps"), "--steps {bad:?}: {err}");
        assert!(out.is_empty(), "nothing is checked: {out}");
    }
}

#[test]
fn bad_input_exits_2_with_file_line_column_and_what_was_expected() {
    let dir = scratch("bad-input");
    let broken = write(
        &dir,
        "broken.log",
        "INFO  jepsen.util - 1\t:invoke\t:write\t3\nINFO  jepsen.util - 1\t:ok\t:write\tthree\n",
    );
    let good = write(&dir, "good.txt", KV_OK);
    let (code, out, err) = grader(&[], &[&broken, &good]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(
        err.trim(),
        format!(
            "{}:2:34: expected an integer, found `three`",
            broken.display()
        )
    );
    assert!(
        out.contains("good.txt: Ok"),
        "the other files are still checked: {out}"
    );

    let json = write(
        &dir,
        "h.json",
        "{\"model\": \"kv\", \"operations\": [\n  {\"client\": 0, \"call\": 9, \"return\": 5, \"op\": \"put\", \"key\": \"a\", \"value\": \"x\"}\n]}\n",
    );
    let (code, _, err) = grader(&[], &[&json]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        format!(
            "{}:2:3: expected a return time ≥ the call time 9, found 5",
            json.display()
        )
    );

    let (code, _, err) = grader(&["--model", "register"], &[&good]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected a history of the register model (--model), found a kv history"),
        "{err}"
    );

    let (code, _, err) = grader(&[], &[&dir.join("missing.txt")]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.txt: cannot read"), "{err}");
}

#[test]
fn explicit_formats_are_accepted() {
    let dir = scratch("formats");
    let empty = write(&dir, "empty.log", "");
    let (code, out, err) = grader(&["--format", "jepsen-etcd"], &[&empty]);
    assert_eq!(code, 0, "an empty etcd log is an empty history: {out}{err}");
    let (code, _, err) = grader(&[], &[&empty]);
    assert_eq!(code, 2, "no format to guess from an empty file");
    assert!(err.contains("found an empty file"), "{err}");
    let kv = write(&dir, "kv.edn", KV_OK);
    let (code, out, _) = grader(
        &[
            "--format",
            "porcupine-kv",
            "--model",
            "kv",
            "--threads",
            "1",
        ],
        &[&kv],
    );
    assert_eq!(code, 0, "{out}");
}
