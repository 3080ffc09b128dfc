//! `grader handout`: the kit for students that it writes builds without
//! warnings, every suite runs to completion on it with each test failing
//! as "not implemented: …", and none of the reference solution's function
//! bodies appears anywhere in it; bad input writes nothing.
//!
//! The skeletons themselves (`student/handout/`) are compiled here too, as
//! modules of this test, and run on every suite in-process: the cheap check
//! that they still fit the contracts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use framework::labs::{Labs, Submission, registry};
use framework::suite::{Registry, load};

#[path = "../../student/handout/kv.rs"]
mod kv;
#[path = "../../student/handout/pb.rs"]
mod pb;
#[path = "../../student/handout/raft.rs"]
mod raft;
#[path = "../../student/handout/shardkv.rs"]
mod shardkv;
#[path = "../../student/handout/shardmaster.rs"]
mod shardmaster;

/// Every lab a handout can give out.
const ALL_LABS: &str = "raft,kv,shardmaster,shardkv,pb";

/// The skeletons, registered as a handout of every lab registers them.
struct Skeletons;

impl Submission for Skeletons {
    fn labs(labs: &mut Labs) {
        labs.raft::<raft::Raft>()
            .kv::<kv::Server, kv::Clerk>()
            .shard_master::<shardmaster::Server, shardmaster::Clerk>()
            .shard_kv::<shardmaster::Server, shardmaster::Clerk, shardkv::Server, shardkv::Clerk>()
            .pb::<pb::ViewServer, pb::Server, pb::Clerk>();
    }
}

/// The kit's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A scratch folder under the target directory, empty.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("handout")
        .join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    dir
}

fn grader(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the grader runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `dir`, by its path relative to `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The kit's suites, by file name.
fn suites() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("config"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yml"))
        .collect();
    names.sort();
    names
}

/// A failure that a skeleton's body makes: "not implemented: Trait::method".
fn is_skeletons(failure: &str) -> bool {
    let Some(what) = failure.strip_prefix("not implemented: ") else {
        return false;
    };
    let word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    what.split_once("::")
        .is_some_and(|(t, m)| word(t) && word(m))
}

#[test]
fn the_skeletons_fail_every_test_of_every_suite_as_not_implemented() {
    let registry: Registry = registry::<Skeletons>();
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("handout-skeletons");
    for file in suites() {
        let suite =
            load(&root().join("config").join(&file), &registry).unwrap_or_else(|e| panic!("{e}"));
        assert!(!suite.tests.is_empty(), "{file}");
        for case in &suite.tests {
            let outcome = case.run(1, artifacts.clone());
            let failure = outcome.result.expect_err("a skeleton cannot pass");
            assert!(
                is_skeletons(failure.message()),
                "{file} TEST {} ({}): {}",
                case.number,
                case.name,
                failure.message()
            );
        }
    }
    // Each skeleton stands alone: a handout may give out any of them
    // without the others.
    for skeleton in files(&root().join("student/handout")) {
        let code = std::fs::read_to_string(root().join("student/handout").join(&skeleton)).unwrap();
        for other in ["crate::", "super::"] {
            assert!(
                !code.contains(other),
                "{}: names {other}",
                skeleton.display()
            );
        }
    }
}

/// Writes, builds and runs the handout of every lab: see the file's
/// documentation. It prints how long each step took.
#[test]
fn the_handout_builds_and_fails_every_test_as_not_implemented_with_no_reference_in_it() {
    let started = Instant::now();
    let kit = scratch("kit");
    let out = grader(&["handout", kit.to_str().unwrap(), "--labs", ALL_LABS]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with(&format!(
        "wrote a handout of raft, kv, shardmaster, shardkv, pb to {}",
        kit.display()
    )));

    // What it holds: the student crate is the skeletons, nothing else of
    // the reference; nothing that needs the reference to pass.
    let written = files(&kit);
    let student: Vec<&PathBuf> = written
        .iter()
        .filter(|p| p.starts_with("student"))
        .collect();
    let expected = [
        "student/Cargo.toml",
        "student/clippy.toml",
        "student/src/kv.rs",
        "student/src/lib.rs",
        "student/src/pb.rs",
        "student/src/raft.rs",
        "student/src/shardkv.rs",
        "student/src/shardmaster.rs",
    ];
    assert_eq!(
        student,
        expected.map(PathBuf::from).iter().collect::<Vec<_>>()
    );
    for path in &written {
        let first = path
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        assert!(
            [
                "framework",
                "grader",
                "student",
                "config",
                "docs",
                ".cargo",
                ".gitignore",
                "Cargo.toml",
                "Cargo.lock",
                "README.md"
            ]
            .contains(&first.as_ref()),
            "{} should not be in the handout",
            path.display()
        );
        assert!(!path.starts_with("grader/tests"), "{}", path.display());
    }
    let suites_written: Vec<String> = written
        .iter()
        .filter(|p| p.starts_with("config"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(suites_written, suites());
    for path in ["student/src/raft.rs", "student/src/shardkv.rs"] {
        let name = Path::new(path).file_name().unwrap();
        assert_eq!(
            std::fs::read(kit.join(path)).unwrap(),
            std::fs::read(root().join("student/handout").join(name)).unwrap()
        );
    }
    let lib = std::fs::read_to_string(kit.join("student/src/lib.rs")).unwrap();
    assert!(lib.contains("//! # Determinism"), "{lib}");
    // The guides speak of nothing the handout lacks: the reference's
    // modules, the mutants.
    for guide in written.iter().filter(|p| p.starts_with("docs/labs")) {
        let text = std::fs::read_to_string(kit.join(guide)).unwrap();
        for absent in [
            "mutant",
            "tests/fixtures",
            "student/src/rsm",
            "student/src/raft",
            "<!-- kit",
        ] {
            assert!(
                !text.contains(absent),
                "{} speaks of {absent:?}, which a handout does not have",
                guide.display()
            );
        }
        assert!(
            text.contains("## "),
            "{} lost its sections",
            guide.display()
        );
    }
    assert!(!lib.contains("reference") && !lib.contains("rsm"), "{lib}");

    // None of the reference's function bodies, in any file.
    let leaks = reference_bodies_in(&kit);
    assert!(
        leaks.is_empty(),
        "the handout holds the reference's code:\n{}",
        leaks.join("\n")
    );
    let written_at = started.elapsed();

    // It builds, warning-free, with the lock file it was given.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("handout")
        .join("target");
    // Without debug information: quicker to build, and the same warnings.
    let build = cargo(&kit, &target, &["build", "--locked", "--offline"]);
    let stderr = text(&build.stderr);
    assert!(
        build.status.success(),
        "the handout does not build:\n{stderr}"
    );
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning"))
        .collect();
    assert!(
        warnings.is_empty(),
        "the handout builds with warnings:\n{stderr}"
    );
    let built_at = started.elapsed();

    // The student's crate is as rustfmt writes it (where rustfmt is).
    let rustfmt = |args: &[&str]| cargo(&kit, &target, args);
    if rustfmt(&["fmt", "--version"]).status.success() {
        let format = rustfmt(&["fmt", "-p", "student", "--", "--check"]);
        assert!(
            format.status.success(),
            "the handout's student crate is not formatted:\n{}",
            text(&format.stdout)
        );
    }

    // Every suite runs to its end, and every test fails as not implemented.
    let handout_grader = target.join("debug").join("grader");
    let reports = scratch("reports");
    for file in suites() {
        let json = reports.join(format!("{file}.json"));
        let run = Command::new(&handout_grader)
            .args([
                "run",
                &format!("config/{file}"),
                "--repeat",
                "1",
                "--seed",
                "1",
            ])
            .arg("--json")
            .arg(&json)
            .arg("--report-dir")
            .arg(reports.join(&file))
            .current_dir(&kit)
            // A panic would print its trace: a skeleton must not panic.
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
        assert_eq!(run.status.code(), Some(1), "{file}: {stdout}{stderr}");
        assert!(
            !stdout.contains("panicked") && !stderr.contains("panicked"),
            "{file}: {stdout}{stderr}"
        );
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let tests = report["tests"].as_array().unwrap();
        let suite = load(
            &root().join("config").join(&file),
            &registry::<student::Reference>(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tests.len(), suite.tests.len(), "{file}: {stdout}");
        for test in tests {
            let failure = test["failure"].as_str().unwrap_or("");
            assert!(
                test["passed"] == false && is_skeletons(failure),
                "{file} TEST {} ({}): {failure}",
                test["number"],
                test["name"]
            );
        }
        assert!(
            stdout.contains(&format!("{0} OF {0} TESTS FAILED", tests.len())),
            "{stdout}"
        );
    }
    eprintln!(
        "handout: written and scanned in {:.1} s, built in {:.1} s, suites run in {:.1} s",
        written_at.as_secs_f64(),
        (built_at - written_at).as_secs_f64(),
        (started.elapsed() - built_at).as_secs_f64()
    );
}

/// Runs cargo in `dir` with its own target directory, and none of the
/// flags of the environment (they would replace the kit's
/// `.cargo/config.toml`).
fn cargo(dir: &Path, target: &Path, args: &[&str]) -> Output {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

#[test]
fn a_handout_of_some_labs_has_those_labs_only() {
    let kit = scratch("raft-only");
    let out = grader(&["handout", kit.to_str().unwrap(), "--labs", "raft"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = files(&kit);
    let under = |dir: &str| -> Vec<String> {
        written
            .iter()
            .filter(|p| p.starts_with(dir))
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(under("config"), ["config/raft_lab_test.yml"]);
    assert_eq!(under("docs"), ["docs/labs/raft.md"]);
    assert_eq!(
        under("student/src"),
        ["student/src/lib.rs", "student/src/raft.rs"]
    );
    let lib = std::fs::read_to_string(kit.join("student/src/lib.rs")).unwrap();
    assert!(lib.contains("pub mod raft;\n"), "{lib}");
    assert!(
        lib.contains("        labs.raft::<raft::Raft>();\n"),
        "{lib}"
    );
    assert!(!lib.contains("kv") && !lib.contains("shard"), "{lib}");

    let kit = scratch("shard");
    let out = grader(&[
        "handout",
        kit.to_str().unwrap(),
        "--labs",
        "shardkv,shardmaster",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lib = std::fs::read_to_string(kit.join("student/src/lib.rs")).unwrap();
    assert!(
        lib.contains("pub mod shardkv;\npub mod shardmaster;\n"),
        "{lib}"
    );
    assert!(!kit.join("student/src/raft.rs").exists());
    assert!(kit.join("config/shard_lab_test.yml").exists());
    assert!(!kit.join("config/raft_lab_test.yml").exists());
}

#[test]
fn bad_input_says_what_was_expected_and_writes_nothing() {
    let kit = scratch("bad");
    let path = kit.to_str().unwrap();
    for (args, expected) in [
        (
            vec!["handout", path, "--labs", "raft,paxos"],
            "grader: handout: --labs: unknown lab 'paxos'; expected some of raft, kv, shardmaster, shardkv, pb (comma-separated)\n",
        ),
        (
            vec!["handout", path, "--labs", "raft,shardkv"],
            "grader: handout: --labs: shardkv needs shardmaster, which registers with it (list both: --labs raft,shardmaster,shardkv)\n",
        ),
        (
            vec!["handout", path, "--labs", "raft", "--from", "config"],
            "grader: handout: config is not the kit's source tree: expected framework/, grader/, student/src/lib.rs and the skeletons in student/handout/ in it (run from the kit's root, or give --from)\n",
        ),
    ] {
        let out = grader(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stderr), expected, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!kit.exists(), "{args:?} wrote {}", kit.display());
    }
    let out = grader(&["handout", path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--labs <LABS>"),
        "{}",
        text(&out.stderr)
    );
    assert!(!kit.exists());

    // A folder that is not empty keeps what it had, and nothing more.
    std::fs::create_dir_all(&kit).unwrap();
    std::fs::write(kit.join("notes.txt"), "mine").unwrap();
    let out = grader(&["handout", path, "--labs", "raft"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!(
            "grader: handout: {path} is not empty: expected a new or empty folder (the handout writes no file over another)\n"
        )
    );
    assert_eq!(files(&kit), [PathBuf::from("notes.txt")]);
    let out = grader(&[
        "handout",
        kit.join("notes.txt").to_str().unwrap(),
        "--labs",
        "raft",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("exists and is not a folder"),
        "{}",
        text(&out.stderr)
    );

    // An empty folder is fine.
    std::fs::remove_file(kit.join("notes.txt")).unwrap();
    let out = grader(&["handout", path, "--labs", "kv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(kit.join("student/src/kv.rs").exists());
}

#[test]
fn the_help_tells_of_the_handout() {
    let out = grader(&["--help"]);
    let help = text(&out.stdout);
    assert!(
        help.lines().any(|l| l.trim_start().starts_with("handout")
            && l.ends_with("Write a kit for students: the labs' suites and guides, with skeletons to fill in for the reference solution")),
        "{help}"
    );
    let out = grader(&["handout", "--help"]);
    let help = text(&out.stdout);
    for piece in [
        "--labs <LABS>",
        "--from <DIR>",
        "not implemented: Raft::make",
        "shardkv needs shardmaster",
    ] {
        assert!(help.contains(piece), "{piece}: {help}");
    }
}

// The leak check: every function body of the reference's lab modules
// (`student/src/**`, but `lib.rs`, whose registration a handout of every
// lab repeats), as its tokens without comments or whitespace, looked for
// in every file of the handout, as its text without whitespace and as its
// tokens without comments (see `haystack`). Bodies of fewer than
// `MIN_TOKENS` tokens (one-field getters such as
// `{ self.snapshot_index }`) are too small to give anything away.

/// The smallest body the leak check looks for, in tokens.
const MIN_TOKENS: usize = 10;

/// The reference's bodies found in the files under `dir`, with where.
fn reference_bodies_in(dir: &Path) -> Vec<String> {
    let bodies = reference_bodies();
    assert!(
        bodies.len() > 100,
        "only {} bodies found in the reference",
        bodies.len()
    );
    let mut found = Vec::new();
    for path in files(dir) {
        let Ok(text) = std::fs::read_to_string(dir.join(&path)) else {
            continue;
        };
        let hay = haystack(&path, &text);
        for (from, body) in &bodies {
            if hay.contains(body.as_str()) {
                found.push(format!(
                    "{} has a body of {}: {}",
                    path.display(),
                    from.display(),
                    &body[..body.len().min(100)]
                ));
            }
        }
    }
    found
}

/// Every body of `MIN_TOKENS` tokens or more in the reference's lab
/// modules, compacted, with its file.
fn reference_bodies() -> Vec<(PathBuf, String)> {
    let src = root().join("student/src");
    let mut bodies = Vec::new();
    for path in files(&src) {
        if path == Path::new("lib.rs") || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let code = std::fs::read_to_string(src.join(&path)).unwrap();
        for body in fn_bodies(&tokens(&code)) {
            if body.len() >= MIN_TOKENS {
                bodies.push((Path::new("student/src").join(&path), body.concat()));
            }
        }
    }
    bodies
}

/// What a body is looked for in: the text without whitespace, and its
/// tokens without comments (for a file that is not Rust, those of each
/// fenced code block too, which a stray quote in the prose around them
/// cannot swallow).
fn haystack(path: &Path, text: &str) -> String {
    let mut hay: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    hay.push('\n');
    hay.push_str(&tokens(text).concat());
    if path.extension().is_none_or(|e| e != "rs") {
        for block in text.split("```").skip(1).step_by(2) {
            hay.push('\n');
            hay.push_str(&tokens(block).concat());
        }
    }
    hay
}

/// The bodies (`{ … }`, braces included, as tokens) of the functions in
/// `tokens`, nested ones too.
fn fn_bodies(tokens: &[String]) -> Vec<&[String]> {
    let mut bodies = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        // `fn name`, not a pointer type `fn(u64)`.
        let named = tokens
            .get(i + 1)
            .and_then(|t| t.chars().next())
            .is_some_and(|c| c.is_alphabetic() || c == '_');
        if token != "fn" || !named {
            continue;
        }
        // The signature ends at `;` (no body) or `{`, outside () and [].
        let mut depth = 0i32;
        let mut open = None;
        for (j, t) in tokens.iter().enumerate().skip(i + 2) {
            match t.as_str() {
                "(" | "[" => depth += 1,
                ")" | "]" => depth -= 1,
                ";" if depth == 0 => break,
                "{" if depth == 0 => {
                    open = Some(j);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let mut depth = 0;
        for (k, t) in tokens.iter().enumerate().skip(open) {
            match t.as_str() {
                "{" => depth += 1,
                "}" => {
                    depth -= 1;
                    if depth == 0 {
                        bodies.push(&tokens[open..=k]);
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    bodies
}

/// Rust source as tokens, without comments and whitespace: identifiers,
/// literals (strings, raw strings, chars and numbers whole) and single
/// punctuation characters. Enough to find code again however it is laid
/// out, not a full lexer.
fn tokens(code: &str) -> Vec<String> {
    let c: Vec<char> = code.chars().collect();
    let word = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let start = i;
        let next = c.get(i + 1).copied();
        match c[i] {
            ch if ch.is_whitespace() => {
                i += 1;
                continue;
            }
            '/' if next == Some('/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            '"' => i = string_end(&c, i),
            '\'' => i = char_end(&c, i).unwrap_or(i + 1),
            ch if word(ch) => {
                while i < c.len() && word(c[i]) {
                    i += 1;
                }
                let prefix: String = c[start..i].iter().collect();
                match (prefix.as_str(), c.get(i)) {
                    ("r" | "br" | "cr", Some('"' | '#')) => i = raw_string_end(&c, i),
                    ("b" | "c", Some('"')) => i = string_end(&c, i),
                    ("b", Some('\'')) => i = char_end(&c, i).unwrap_or(i + 1),
                    _ => {}
                }
            }
            _ => i += 1,
        }
        out.push(c[start..i].iter().collect());
    }
    out
}

/// The end of the string literal whose quote is at `i`.
fn string_end(c: &[char], mut i: usize) -> usize {
    i += 1;
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    c.len()
}

/// The end of the raw string whose `#`s or quote start at `i`.
fn raw_string_end(c: &[char], mut i: usize) -> usize {
    let mut hashes = 0;
    while c.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    if c.get(i) != Some(&'"') {
        return i;
    }
    i += 1;
    while i < c.len() {
        if c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
            return i + 1 + hashes;
        }
        i += 1;
    }
    c.len()
}

/// The end of the char literal whose quote is at `i`, or `None` for a
/// lifetime or label (`'a`).
fn char_end(c: &[char], i: usize) -> Option<usize> {
    if c.get(i + 1) == Some(&'\\') {
        let close = (i + 2..c.len()).find(|&j| c[j] == '\'')?;
        return Some(close + 1);
    }
    (c.get(i + 2) == Some(&'\'')).then_some(i + 3)
}

/// The leak check finds a body however it is laid out, with or without
/// its comments, and not a lifetime or a brace in a string for code.
#[test]
fn the_leak_check_finds_the_reference_however_it_is_laid_out() {
    let code = "impl<'a> X<'a> {\n    /// Doc.\n    fn f(&self, xs: [u8; 4]) -> usize {\n        let brace = '{'; // not a block\n        let s = \"}\";\n        xs.iter().filter(|&&x| x > 1).count() + s.len()\n    }\n    fn g(&self);\n}\n";
    let lexed = tokens(code);
    let bodies = fn_bodies(&lexed);
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(
        bodies[0].concat(),
        "{letbrace='{';lets=\"}\";xs.iter().filter(|&&x|x>1).count()+s.len()}"
    );

    // A reference file, reformatted and stripped of its comments, in a
    // handout's file: found. The skeletons: not.
    let reference = std::fs::read_to_string(root().join("student/src/raft/election.rs")).unwrap();
    let copied: String = tokens(&reference).join("\n  ");
    let bodies = reference_bodies();
    let hay = haystack(Path::new("student/src/raft.rs"), &copied);
    let found = bodies
        .iter()
        .filter(|(_, b)| hay.contains(b.as_str()))
        .count();
    let of_election = bodies
        .iter()
        .filter(|(p, _)| p.ends_with("raft/election.rs"))
        .count();
    assert!(
        of_election > 0 && found >= of_election,
        "{found} of {of_election}"
    );
    let in_markdown = haystack(Path::new("guide.md"), &format!("```rust\n{reference}\n```"));
    assert!(bodies.iter().any(|(_, b)| in_markdown.contains(b.as_str())));
    for skeleton in files(&root().join("student/handout")) {
        let code = std::fs::read_to_string(root().join("student/handout").join(&skeleton)).unwrap();
        let hay = haystack(&skeleton, &code);
        assert!(
            !bodies.iter().any(|(_, b)| hay.contains(b.as_str())),
            "{}",
            skeleton.display()
        );
    }
}
