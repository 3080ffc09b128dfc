//! Benchmark of the linearizability checker on porcupine's public histories,
//! on ONE worker thread, to compare with porcupine at GOMAXPROCS=1
//! (../shared/specs/linearizability.md §6).
//!
//! Run: `CARGO_TARGET_DIR=... cargo bench -p framework --bench linearizability`
//! (release profile). Options after `--`: `--runs N` repetitions per file
//! (default 21). It prints each file's median check time (parsing excluded),
//! the sum of medians over etcd 000–069, the medians of c50-ok and c50-bad
//! (and, for information, those two on all cores), and the peak memory of checking c50-ok: a child process (this binary with
//! `--peak-memory FILE`) parses and checks that one file on one thread and
//! reports its own peak resident set (VmHWM in /proc/self/status, the
//! whole process: binary, parsed history and search tables).
//!
//! Where ../shared/data/porcupine is absent it says so and measures nothing.

use std::path::Path;
use std::time::{Duration, Instant};

use framework::linearizability::formats::{jepsen_etcd, porcupine_kv};
use framework::linearizability::models::kv::KvModel;
use framework::linearizability::models::register::RegisterModel;
use framework::linearizability::{CheckOptions, Model, Operation, check};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/porcupine");
    if let Some(i) = args.iter().position(|a| a == "--peak-memory") {
        peak_memory_child(Path::new(&args[i + 1]));
        return;
    }
    if !data.join("kv/expected.txt").is_file() {
        println!("skipping: no porcupine data at {}", data.display());
        return;
    }
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(21);
    let options = CheckOptions::default().no_timeout().threads(1);
    println!("linearizability checker, one worker thread, median of {runs} runs per file");

    let mut etcd_sum = Duration::ZERO;
    for (file, _) in listed(&data.join("jepsen")) {
        let text = std::fs::read_to_string(data.join("jepsen").join(&file)).expect("readable");
        let history = jepsen_etcd::parse(&text).expect("parses");
        let median = median_check(&RegisterModel, &history, &options, runs);
        println!("  {file:<16} {:>10.3} ms", ms(median));
        etcd_sum += median;
    }
    let mut kv = Vec::new();
    for (file, _) in listed(&data.join("kv")) {
        let text = std::fs::read_to_string(data.join("kv").join(&file)).expect("readable");
        let history = porcupine_kv::parse(&text).expect("parses");
        let median = median_check(&KvModel, &history, &options, runs);
        println!("  {file:<16} {:>10.3} ms", ms(median));
        kv.push((file, median));
    }
    let kv_median = |name: &str| {
        kv.iter()
            .find(|(f, _)| f == name)
            .map_or(Duration::ZERO, |(_, d)| *d)
    };
    println!(
        "etcd 000-069, sum of medians: {:>8.3} ms   (budget 115 ms; porcupine 229 ms)",
        ms(etcd_sum)
    );
    println!(
        "c50-ok median:                {:>8.3} ms   (budget 55 ms; porcupine 110 ms)",
        ms(kv_median("c50-ok.txt"))
    );
    println!(
        "c50-bad median:               {:>8.3} ms   (budget 25 ms)",
        ms(kv_median("c50-bad.txt"))
    );

    // For information: the default thread count on this machine.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads > 1 {
        let options = CheckOptions::default().no_timeout().threads(threads);
        for file in ["c50-ok.txt", "c50-bad.txt"] {
            let text = std::fs::read_to_string(data.join("kv").join(file)).expect("readable");
            let history = porcupine_kv::parse(&text).expect("parses");
            let median = median_check(&KvModel, &history, &options, runs);
            println!(
                "{file} on {threads} threads (information): {:>8.3} ms",
                ms(median)
            );
        }
    }

    let child = std::process::Command::new(std::env::current_exe().expect("own path"))
        .arg("--peak-memory")
        .arg(data.join("kv/c50-ok.txt"))
        .output()
        .expect("the child runs");
    print!("{}", String::from_utf8_lossy(&child.stdout));
}

fn listed(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("expected.txt"))
        .expect("expected.txt")
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(f, v)| (f.to_string(), v.to_string()))
        .collect()
}

fn median_check<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    options: &CheckOptions,
    runs: usize,
) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let result = check(model, history, options);
            let elapsed = start.elapsed();
            assert!(!result.verdict.is_unknown(), "no limits, so a verdict");
            elapsed
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Checks one kv file on one thread and prints this process's peak RSS.
fn peak_memory_child(file: &Path) {
    let text = std::fs::read_to_string(file).expect("readable");
    let history = porcupine_kv::parse(&text).expect("parses");
    let result = check(
        &KvModel,
        &history,
        &CheckOptions::default().no_timeout().threads(1),
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or("VmHWM: unavailable");
    let kib: f64 = hwm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    println!(
        "peak memory checking {} ({}): {:.1} MiB (VmHWM, whole process; budget 62 MiB)",
        file.file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
        result.verdict,
        kib / 1024.0
    );
}
