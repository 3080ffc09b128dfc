//! Every public history in ../shared/data/porcupine/ gets the verdict listed
//! in its folder's expected.txt, on one thread and on the default number.
//! Where the folder is absent (a fresh clone without ../shared), the tests
//! say so and pass over it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use framework::linearizability::formats::{jepsen_etcd, porcupine_kv};
use framework::linearizability::models::kv::KvModel;
use framework::linearizability::models::register::RegisterModel;
use framework::linearizability::{CheckOptions, Model, Operation, Verdict, check};

/// Says that a test passes over something, on the real stderr: the test
/// harness captures `eprintln!` of passing tests, and a skip must be seen.
macro_rules! skipping {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

fn data_dir(sub: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/porcupine")
        .join(sub);
    if dir.join("expected.txt").is_file() {
        Some(dir)
    } else {
        skipping!("skipping: no porcupine data at {}", dir.display());
        None
    }
}

/// (file name, expected verdict word) from expected.txt.
fn expected(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("expected.txt"))
        .expect("expected.txt is readable")
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(f, v)| (f.to_string(), v.trim().to_string()))
        .collect()
}

fn assert_verdict<M: Model>(
    model: &M,
    name: &str,
    history: &[Operation<M::Input, M::Output>],
    want: &str,
) {
    for threads in [1, 2] {
        let options = CheckOptions::default()
            .timeout(Duration::from_secs(30))
            .threads(threads);
        let result = check(model, history, &options);
        let got = match &result.verdict {
            Verdict::Ok => "ok",
            Verdict::Illegal(_) => "illegal",
            Verdict::Unknown(_) => "unknown",
        };
        assert_eq!(
            got, want,
            "{name} on {threads} thread(s): {}",
            result.verdict
        );
    }
}

#[test]
fn every_etcd_history_gets_its_expected_verdict() {
    let Some(dir) = data_dir("jepsen") else {
        return;
    };
    let files = expected(&dir);
    assert_eq!(files.len(), 70, "expected.txt lists etcd 000-069");
    for (file, want) in files {
        let text = std::fs::read_to_string(dir.join(&file)).expect("readable data file");
        let history = jepsen_etcd::parse(&text).unwrap_or_else(|e| panic!("{file}:{e}"));
        assert_verdict(&RegisterModel, &file, &history, &want);
    }
}

#[test]
fn every_kv_history_gets_its_expected_verdict() {
    let Some(dir) = data_dir("kv") else { return };
    let files = expected(&dir);
    assert_eq!(
        files.len(),
        6,
        "expected.txt lists c01, c10 and c50, ok and bad"
    );
    for (file, want) in files {
        let text = std::fs::read_to_string(dir.join(&file)).expect("readable data file");
        let history = porcupine_kv::parse(&text).unwrap_or_else(|e| panic!("{file}:{e}"));
        assert_verdict(&KvModel, &file, &history, &want);
    }
}
