//! The HTML report: deterministic, self-contained, and readable in a real
//! browser.

use std::path::{Path, PathBuf};
use std::process::Command;

use framework::linearizability::formats::{jepsen_etcd, porcupine_kv};
use framework::linearizability::models::kv::{KvInput, KvModel, KvOutput};
use framework::linearizability::models::register::RegisterModel;
use framework::linearizability::report::Report;
use framework::linearizability::{CheckOptions, HistoryBuilder, Model, Operation, Verdict, check};

/// Says that a test passes over something, on the real stderr: the test
/// harness captures `eprintln!` of passing tests, and a skip must be seen.
macro_rules! skipping {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// A stale read among other traffic: put "a", then a get that starts after
/// the put returned still sees "".
fn stale_read() -> Vec<Operation<KvInput, KvOutput>> {
    let mut h = HistoryBuilder::new();
    let p = h.call(0, KvInput::put("k", "a"), 0);
    let q = h.call(1, KvInput::append("k", "b"), 5);
    h.ret(p, KvOutput::done(), 10);
    let g = h.call(2, KvInput::get("k"), 20);
    h.ret(q, KvOutput::done(), 25);
    h.ret(g, KvOutput::Value(String::new()), 30);
    let other = h.call(0, KvInput::get("other"), 31);
    h.ret(other, KvOutput::Value(String::new()), 32);
    let g2 = h.call(1, KvInput::get("k"), 40);
    h.ret(g2, KvOutput::Value("ab".into()), 50);
    h.finish(KvOutput::Unknown)
}

fn report_of<M: Model>(model: &M, history: &[Operation<M::Input, M::Output>]) -> (Verdict, String) {
    let result = check(model, history, &CheckOptions::default());
    let html = match &result.verdict {
        Verdict::Illegal(v) => Report::new(model, history, v).to_html("test"),
        other => panic!("expected Illegal, got {other}"),
    };
    (result.verdict, html)
}

#[test]
fn the_smallest_failing_set_of_a_stale_read_is_the_put_and_the_get() {
    let history = stale_read();
    let Verdict::Illegal(v) = check(&KvModel, &history, &CheckOptions::default()).verdict else {
        panic!("a stale read is illegal");
    };
    assert_eq!(v.label, "key \"k\"");
    // put("k","a") (0) then get("k") → "" (2): alone already impossible.
    assert_eq!(
        Report::new(&KvModel, &history, &v).minimal_failing_set(),
        vec![0, 2]
    );
}

#[test]
fn the_same_history_gives_the_same_verdict_and_a_byte_identical_report() {
    let history = stale_read();
    assert_eq!(report_of(&KvModel, &history), report_of(&KvModel, &history));
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/porcupine");
    let Ok(text) = std::fs::read_to_string(data.join("kv/c50-bad.txt")) else {
        skipping!("skipping c50-bad: no porcupine data at {}", data.display());
        return;
    };
    let history = porcupine_kv::parse(&text).expect("parses");
    let (first, html) = report_of(&KvModel, &history);
    for threads in [1, 2] {
        let result = check(
            &KvModel,
            &history,
            &CheckOptions::default().threads(threads),
        );
        assert_eq!(result.verdict, first, "on {threads} thread(s)");
    }
    assert_eq!(report_of(&KvModel, &history).1, html);
}

#[test]
fn the_report_is_self_contained() {
    let (_, html) = report_of(&KvModel, &stale_read());
    for outside in ["http:", "https:", "src=", "<link", "@import", "url("] {
        assert!(
            !html.contains(outside),
            "the page refers outside itself: {outside}"
        );
    }
    assert!(html.contains("<style>") && html.contains("<script>") && html.contains("<svg"));
    assert!(html.contains("Smallest failing set: 2 of the 4 operations"));
    assert!(
        html.contains("get(&quot;k&quot;) → &quot;&quot;"),
        "descriptions are escaped"
    );
}

/// Renders reports in headless Chromium and keeps the screenshots in the
/// target directory for a person to look at; skips where there is no
/// chromium (CI machines have only the Rust toolchain).
#[test]
fn report_renders_in_chromium() {
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        skipping!("skipping: chromium is not installed (apt-get install chromium)");
        return;
    };
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("linearizability-report");
    std::fs::create_dir_all(&out).expect("a scratch directory");
    let mut pages = vec![("stale-read", report_of(&KvModel, &stale_read()).1)];
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/porcupine");
    if let Ok(text) = std::fs::read_to_string(data.join("kv/c10-bad.txt")) {
        pages.push((
            "c10-bad",
            report_of(&KvModel, &porcupine_kv::parse(&text).expect("parses")).1,
        ));
    }
    if let Ok(text) = std::fs::read_to_string(data.join("jepsen/etcd_000.log")) {
        pages.push((
            "etcd_000",
            report_of(&RegisterModel, &jepsen_etcd::parse(&text).expect("parses")).1,
        ));
    }
    for (name, html) in pages {
        let page = out.join(format!("{name}.html"));
        let png = out.join(format!("{name}.png"));
        std::fs::write(&page, html).expect("writes the page");
        let _ = std::fs::remove_file(&png);
        let profile = out.join(format!("profile-{name}"));
        let status = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,900",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs");
        assert!(
            status.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 10_000,
            "{} is {size} bytes: nothing rendered?",
            png.display()
        );
        eprintln!("screenshot: {}", png.display());
    }
}
