//! `grader handout DIR --labs raft,kv`: writes a kit for students from the
//! kit's own source tree, the reference solution included, with no trace
//! of the reference in it.
//!
//! The handout holds the framework, the grader (without its own tests,
//! which expect the reference to pass), the workspace's files, README.md,
//! and the suites and guides of the labs listed; and a `student` crate
//! whose modules are the skeletons in `student/handout/` (one file per lab
//! part, outside the reference's module tree), whose `lib.rs` keeps what
//! the reference's `lib.rs` marks (the lines between `// handout: keep` and
//! `// handout: end`) and registers exactly the labs listed. Nothing else
//! of `student/` is copied: not the reference's modules, not its tests.
//!
//! Everything is read, and every input checked, before anything is
//! written: bad input writes nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::cli::HandoutArgs;
use crate::output::say;
use crate::{EXIT_BAD_INPUT, EXIT_PASSED};

/// A lab, or part of a lab, that a handout can give out.
#[derive(Debug)]
struct Part {
    /// Its name in `--labs`, as the framework's `Labs` registers it; also
    /// the name of its skeleton (`student/handout/NAME.rs`) and of its
    /// module in the handout's `student` crate.
    name: &'static str,
    /// Its registration on `Labs`, with the skeleton's types.
    registers: &'static str,
    /// The part it cannot be handed out without.
    needs: Option<&'static str>,
    /// Its suite, under `config/`.
    suite: &'static str,
    /// Its student guide, under `docs/labs/`.
    guide: &'static str,
}

/// Every part, in the framework's order (a test checks it against
/// `framework::labs::parts`).
const PARTS: &[Part] = &[
    Part {
        name: "raft",
        registers: "raft::<raft::Raft>()",
        needs: None,
        suite: "raft_lab_test.yml",
        guide: "raft.md",
    },
    Part {
        name: "kv",
        registers: "kv::<kv::Server, kv::Clerk>()",
        needs: None,
        suite: "kv_lab_test.yml",
        guide: "kv.md",
    },
    Part {
        name: "shardmaster",
        registers: "shard_master::<shardmaster::Server, shardmaster::Clerk>()",
        needs: None,
        suite: "shard_lab_test.yml",
        guide: "shard.md",
    },
    // The sharded store registers with the shard master's types
    // (`shard_kv::<M, MC, S, C>()`): it cannot be handed out alone.
    Part {
        name: "shardkv",
        registers: "shard_kv::<shardmaster::Server, shardmaster::Clerk, shardkv::Server, shardkv::Clerk>()",
        needs: Some("shardmaster"),
        suite: "shard_lab_test.yml",
        guide: "shard.md",
    },
    Part {
        name: "pb",
        registers: "pb::<pb::ViewServer, pb::Server, pb::Clerk>()",
        needs: None,
        suite: "pb_lab_test.yml",
        guide: "pb.md",
    },
];

/// A handout's files: their paths in it and their bytes.
type Files = BTreeMap<PathBuf, Vec<u8>>;

/// The workspace's members that a handout has (the others, the root
/// package and the test fixtures, hold or need the reference).
const MEMBERS: &[&str] = &["framework", "student", "grader"];

/// Files of the kit's root that a handout copies when the kit has them.
const ROOT_FILES: &[&str] = &[
    "README.md",
    "Cargo.lock",
    ".cargo/config.toml",
    ".cargo/config",
    ".gitignore",
    "rust-toolchain",
    "rust-toolchain.toml",
    "clippy.toml",
    ".clippy.toml",
    "rustfmt.toml",
    ".rustfmt.toml",
];

/// Student files copied as they are, when the kit has them.
const STUDENT_FILES: &[&str] = &["student/clippy.toml", "student/.clippy.toml"];

/// The lines of the reference's `lib.rs` between these two are the
/// handout's too.
const KEEP: &str = "// handout: keep";
const END: &str = "// handout: end";

/// The first lines of the handout's `student/src/lib.rs`.
const LIB_HEADER: &str = "\
//! Your solutions of the labs: the crate the grader builds and runs the
//! suites on. Each lab is a module of this crate whose types implement the
//! lab's contract (in `framework::labs`), and [`Reference`] registers them
//! for the grader.
//!
//! Each module starts as a skeleton: every method fails its tests with
//! \"not implemented: Raft::make\" (say) until you write its body.
//!
";

/// `grader handout`; returns the exit status.
pub fn handout(args: &HandoutArgs) -> u8 {
    match plan(args).and_then(|(parts, files)| {
        write(&args.dir, &files)?;
        Ok((parts, files.len()))
    }) {
        Ok((parts, count)) => {
            let names: Vec<&str> = parts.iter().map(|p| p.name).collect();
            let mut suites: Vec<&str> = parts.iter().map(|p| p.suite).collect();
            suites.dedup();
            say!(
                "wrote a handout of {} to {} ({count} files)",
                names.join(", "),
                args.dir.display()
            );
            say!("its student crate has a skeleton of each; to run a suite on it:");
            say!(
                "  cd {} && cargo run --release -p grader -- run config/{}",
                args.dir.display(),
                suites[0]
            );
            EXIT_PASSED
        }
        Err(message) => {
            eprintln!("grader: handout: {message}");
            EXIT_BAD_INPUT
        }
    }
}

/// Checks the input and reads the handout's files: the parts handed out,
/// and every file by its path in the handout.
fn plan(args: &HandoutArgs) -> Result<(Vec<&'static Part>, Files), String> {
    let parts = parse_labs(&args.labs)?;
    check_destination(&args.dir)?;
    let files = compose(&args.from, &parts)?;
    Ok((parts, files))
}

/// The parts `--labs` lists, in the framework's order, each once.
fn parse_labs(text: &str) -> Result<Vec<&'static Part>, String> {
    let known = || PARTS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
    let mut listed = Vec::new();
    for name in text.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(format!(
                "--labs '{text}': expected lab names separated by commas, from {}",
                known()
            ));
        }
        match PARTS.iter().find(|p| p.name == name) {
            Some(part) => listed.push(part.name),
            None => {
                return Err(format!(
                    "--labs: unknown lab '{name}'; expected some of {} (comma-separated)",
                    known()
                ));
            }
        }
    }
    let parts: Vec<&'static Part> = PARTS.iter().filter(|p| listed.contains(&p.name)).collect();
    for part in &parts {
        if let Some(needs) = part.needs {
            if !listed.contains(&needs) {
                return Err(format!(
                    "--labs: {} needs {needs}, which registers with it (list both: --labs {})",
                    part.name,
                    with_needed(&listed, needs)
                ));
            }
        }
    }
    Ok(parts)
}

/// The list given, with the part it lacks added, in the framework's order.
fn with_needed(listed: &[&str], needs: &str) -> String {
    PARTS
        .iter()
        .map(|p| p.name)
        .filter(|name| *name == needs || listed.contains(name))
        .collect::<Vec<_>>()
        .join(",")
}

/// The destination must be new, or an empty folder.
fn check_destination(dir: &Path) -> Result<(), String> {
    match fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: {e}", dir.display())),
        Ok(meta) if !meta.is_dir() => Err(format!(
            "{} exists and is not a folder: expected a new or empty folder",
            dir.display()
        )),
        Ok(_) => {
            let mut entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            match entries.next() {
                None => Ok(()),
                Some(_) => Err(format!(
                    "{} is not empty: expected a new or empty folder (the handout writes no file over another)",
                    dir.display()
                )),
            }
        }
    }
}

/// Every file of the handout of `parts`, read from the kit at `from`.
fn compose(from: &Path, parts: &[&Part]) -> Result<Files, String> {
    let reference_lib = from.join("student/src/lib.rs");
    let tree = ["framework", "grader", "student/handout"];
    if !reference_lib.is_file() || !tree.iter().all(|dir| from.join(dir).is_dir()) {
        return Err(format!(
            "{} is not the kit's source tree: expected framework/, grader/, student/src/lib.rs and the skeletons in student/handout/ in it (run from the kit's root, or give --from)",
            from.display()
        ));
    }
    let mut files = BTreeMap::new();
    copy_tree(from, Path::new("framework"), &[], &mut files)?;
    // The grader's own tests run the reference and expect it to pass.
    copy_tree(from, Path::new("grader"), &["grader/tests"], &mut files)?;
    for name in ROOT_FILES.iter().chain(STUDENT_FILES) {
        if from.join(name).is_file() {
            files.insert(PathBuf::from(name), read(from, Path::new(name))?);
        }
    }
    if files.contains_key(Path::new("Cargo.lock")) {
        let lock = text(from, "Cargo.lock")?;
        let pruned = lock_of_members(&lock)
            .map_err(|e| format!("{}: {e}", from.join("Cargo.lock").display()))?;
        files.insert(PathBuf::from("Cargo.lock"), pruned.into_bytes());
    }
    for part in parts {
        let suite = Path::new("config").join(part.suite);
        files.insert(suite.clone(), read(from, &suite)?);
        let guide = Path::new("docs/labs").join(part.guide);
        let text = text(from, &guide.to_string_lossy())?;
        files.insert(guide, students_guide(&text).into_bytes());
    }
    let manifest = text(from, "Cargo.toml")?;
    files.insert(
        PathBuf::from("Cargo.toml"),
        workspace_manifest(&manifest)
            .map_err(|e| format!("{}: {e}", from.join("Cargo.toml").display()))?
            .into_bytes(),
    );
    let student_manifest = text(from, "student/Cargo.toml")?;
    files.insert(
        PathBuf::from("student/Cargo.toml"),
        student_manifest_of(&student_manifest).into_bytes(),
    );
    let lib = text(from, "student/src/lib.rs")?;
    files.insert(
        PathBuf::from("student/src/lib.rs"),
        student_lib(&lib, parts)
            .map_err(|e| format!("{}: {e}", reference_lib.display()))?
            .into_bytes(),
    );
    for part in parts {
        let skeleton = Path::new("student/handout").join(format!("{}.rs", part.name));
        files.insert(
            Path::new("student/src").join(format!("{}.rs", part.name)),
            read(from, &skeleton)?,
        );
    }
    Ok(files)
}

/// Reads `from/path`.
/// What a guide's text says only in the kit, about the reference and the
/// mutants, which a handout does not have: from the first marker to the
/// second, on one line or across several.
const KIT_ONLY: (&str, &str) = ("<!-- kit: start -->", "<!-- kit: end -->");

/// A lab guide as a handout gives it: without its kit-only parts.
fn students_guide(guide: &str) -> String {
    let (start, end) = KIT_ONLY;
    let mut out = String::with_capacity(guide.len());
    let mut rest = guide;
    while let Some(at) = rest.find(start) {
        out.push_str(&rest[..at]);
        let Some(stop) = rest[at..].find(end) else {
            return out;
        };
        rest = &rest[at + stop + end.len()..];
        // A part that fills whole lines leaves no empty line behind.
        if out.is_empty() || out.ends_with('\n') {
            rest = rest.strip_prefix('\n').unwrap_or(rest);
        }
    }
    out.push_str(rest);
    out
}

fn read(from: &Path, path: &Path) -> Result<Vec<u8>, String> {
    let full = from.join(path);
    fs::read(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))
}

/// Reads `from/path` as text.
fn text(from: &Path, path: &str) -> Result<String, String> {
    let bytes = read(from, Path::new(path))?;
    String::from_utf8(bytes)
        .map_err(|_| format!("{}: expected UTF-8 text", from.join(path).display()))
}

/// Adds every file under `from/dir` to `files`, but what lies in `skip`,
/// and build output (`target/`) and version control (`.git/`).
fn copy_tree(from: &Path, dir: &Path, skip: &[&str], files: &mut Files) -> Result<(), String> {
    let full = from.join(dir);
    let entries =
        fs::read_dir(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", full.display()))?;
        names.push(entry.file_name());
    }
    names.sort();
    for name in names {
        let path = dir.join(&name);
        if name == "target" || name == ".git" || skip.iter().any(|s| path == Path::new(s)) {
            continue;
        }
        let meta = fs::metadata(from.join(&path))
            .map_err(|e| format!("cannot read {}: {e}", from.join(&path).display()))?;
        if meta.is_dir() {
            copy_tree(from, &path, skip, files)?;
        } else if meta.is_file() {
            files.insert(path.clone(), read(from, &path)?);
        }
    }
    Ok(())
}

/// Writes the files under `dir`, which is new or empty. On an error, what
/// was written is removed again.
fn write(dir: &Path, files: &Files) -> Result<(), String> {
    let existed = dir.is_dir();
    let result = (|| {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (path, bytes) in files {
            let full = dir.join(path);
            if let Some(parent) = full.parent() {
                fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            fs::write(&full, bytes).map_err(|e| format!("cannot write {}: {e}", full.display()))?;
        }
        Ok(())
    })();
    if result.is_err() {
        if existed {
            // It was empty: everything in it now is the handout's.
            if let Ok(entries) = fs::read_dir(dir) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    let _ = if path.is_dir() {
                        fs::remove_dir_all(&path)
                    } else {
                        fs::remove_file(&path)
                    };
                }
            }
        } else {
            let _ = fs::remove_dir_all(dir);
        }
    }
    result
}

/// The kit's `Cargo.lock` with only the packages the handout's members
/// use, as cargo would write it for the handout (so that it builds with
/// `--locked`): the left-out members and what only they use go.
fn lock_of_members(lock: &str) -> Result<String, String> {
    const HEADER: &str = "\n[[package]]\n";
    let mut blocks = lock.split(HEADER);
    let preamble = blocks.next().unwrap_or("");
    // Each package: its name, version, dependencies and text.
    let mut packages = Vec::new();
    for block in blocks {
        let field = |key: &str| {
            block.lines().find_map(|line| {
                let (k, v) = line.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
            })
        };
        let (Some(name), Some(version)) = (field("name"), field("version")) else {
            return Err("expected a name and a version in every [[package]]".to_string());
        };
        let dependencies = match block.split_once("dependencies = [") {
            Some((_, rest)) => quoted_strings(rest.split(']').next().unwrap_or("")),
            None => Vec::new(),
        };
        packages.push((name, version, dependencies, block));
    }
    // A dependency is "name", or "name version" where two versions are locked.
    let find = |dependency: &str| {
        let mut words = dependency.split_whitespace();
        let (name, version) = (words.next().unwrap_or(""), words.next());
        packages
            .iter()
            .position(|(n, v, _, _)| n == name && version.is_none_or(|want| want == v))
    };
    let mut used = vec![false; packages.len()];
    let mut todo: Vec<usize> = Vec::new();
    for member in MEMBERS {
        let index = find(member).ok_or(format!("expected the package {member} in it"))?;
        todo.push(index);
    }
    while let Some(index) = todo.pop() {
        if std::mem::replace(&mut used[index], true) {
            continue;
        }
        for dependency in &packages[index].2 {
            let found = find(dependency).ok_or(format!(
                "{} depends on {dependency}, which it does not lock",
                packages[index].0
            ))?;
            todo.push(found);
        }
    }
    let mut out = preamble.to_string();
    for (index, (_, _, _, block)) in packages.iter().enumerate() {
        if used[index] {
            out.push_str(HEADER);
            out.push_str(block.trim_end_matches('\n'));
            out.push('\n');
        }
    }
    Ok(out)
}

/// The handout's `student/Cargo.toml`: the reference's, described as the
/// student's crate.
fn student_manifest_of(reference: &str) -> String {
    let mut out = String::new();
    for line in reference.lines() {
        if line.trim_start().starts_with("description") && line.contains('=') {
            out.push_str(
                "description = \"Your solutions of the labs: the crate the grader builds and tests.\"",
            );
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// The handout's `student/src/lib.rs`: its own first lines, what the
/// reference's marks to keep, one module per part and the registration.
fn student_lib(reference: &str, parts: &[&Part]) -> Result<String, String> {
    let mut out = String::from(LIB_HEADER);
    let mut keeping = false;
    let mut regions = 0;
    for (number, line) in reference.lines().enumerate() {
        match line.trim() {
            KEEP if keeping => {
                return Err(format!(
                    "line {}: `{KEEP}` inside a region already kept (expected `{END}` first)",
                    number + 1
                ));
            }
            KEEP => {
                keeping = true;
                regions += 1;
            }
            END if !keeping => {
                return Err(format!(
                    "line {}: `{END}` without a `{KEEP}` before it",
                    number + 1
                ));
            }
            END => keeping = false,
            _ if keeping => {
                out.push_str(line);
                out.push('\n');
            }
            _ => {}
        }
    }
    if keeping {
        return Err(format!("`{KEEP}` without a `{END}` after it"));
    }
    if regions == 0 {
        return Err(format!(
            "expected lines between `{KEEP}` and `{END}`: what the handout's lib.rs keeps"
        ));
    }
    out.push('\n');
    // In name order, as rustfmt orders them.
    let mut modules: Vec<&str> = parts.iter().map(|p| p.name).collect();
    modules.sort_unstable();
    for module in modules {
        let _ = writeln!(out, "pub mod {module};");
    }
    out.push_str(
        "
/// Your implementations, as a bundle for the grader (which names it
/// `student::Reference`).
pub struct Reference;

impl framework::labs::Submission for Reference {
    fn labs(labs: &mut framework::labs::Labs) {
",
    );
    out.push_str(&registration(parts));
    out.push_str("    }\n}\n");
    Ok(out)
}

/// The body of `Submission::labs`: one chain of the parts' registrations,
/// laid out as rustfmt lays it out (on one line if it is one call or short,
/// else one call per line).
fn registration(parts: &[&Part]) -> String {
    let calls: Vec<String> = parts.iter().map(|p| format!(".{}", p.registers)).collect();
    let one_line = format!("labs{}", calls.concat());
    // rustfmt's default `chain_width`.
    if calls.len() == 1 || one_line.len() <= 60 {
        format!("        {one_line};\n")
    } else {
        let mut out = format!("        labs{}\n", calls[0]);
        for call in &calls[1..] {
            let _ = writeln!(out, "            {call}");
        }
        out.pop();
        out.push_str(";\n");
        out
    }
}

/// The handout's workspace manifest, from the kit's: the workspace's
/// tables (`[workspace…]`, `[profile…]`, `[patch…]`) as they are, with
/// only the handout's members; the root package's tables left out, and
/// the profile settings of packages the handout does not have.
fn workspace_manifest(kit: &str) -> Result<String, String> {
    // Each table with the comment lines right above its header.
    let mut tables: Vec<(Option<String>, Vec<&str>)> = vec![(None, Vec::new())];
    let mut depth = 0i32;
    for line in kit.lines() {
        let header = if depth == 0 { table_header(line) } else { None };
        match header {
            Some(name) => {
                let above = &mut tables.last_mut().expect("one table at least").1;
                let mut lines = Vec::new();
                while above
                    .last()
                    .is_some_and(|l| l.trim_start().starts_with('#'))
                {
                    lines.push(above.pop().expect("checked"));
                }
                lines.reverse();
                lines.push(line);
                tables.push((Some(name), lines));
            }
            None => {
                depth += bracket_depth(line);
                tables.last_mut().expect("one table at least").1.push(line);
            }
        }
    }
    let kept = |name: &str| {
        // A profile's settings for one package only if the handout has it.
        if let Some((_, package)) = name.split_once(".package.") {
            return MEMBERS.contains(&package.trim_matches('"'));
        }
        ["workspace", "profile", "patch", "replace"]
            .iter()
            .any(|t| name == *t || name.starts_with(&format!("{t}.")))
    };
    if !tables
        .iter()
        .any(|(name, _)| name.as_deref() == Some("workspace"))
    {
        return Err("expected a [workspace] table".to_string());
    }
    let mut out = String::from(
        "# The lab kit's workspace: the framework, the grader and your `student`\n\
         # crate (a handout, written by `grader handout`).\n\n",
    );
    for (name, lines) in &tables {
        let Some(name) = name else { continue };
        if !kept(name) {
            continue;
        }
        if name == "workspace" {
            members_only(lines, &mut out)?;
        } else {
            for line in lines {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(out.trim_end().to_string() + "\n")
}

/// The `[workspace]` table with `members` and `default-members` cut down
/// to the handout's members.
fn members_only(lines: &[&str], out: &mut String) -> Result<(), String> {
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let key = line.split('=').next().unwrap_or("").trim();
        if line.contains('=') && (key == "members" || key == "default-members") {
            // The array may span lines.
            let mut value = String::new();
            let mut depth = 0;
            loop {
                let Some(part) = lines.get(i) else {
                    return Err(format!("[workspace] {key}: expected a closing ']'"));
                };
                value.push_str(part);
                value.push('\n');
                depth += bracket_depth(part);
                i += 1;
                if depth <= 0 {
                    break;
                }
            }
            let members: Vec<String> = quoted_strings(value.split_once('=').map_or("", |v| v.1))
                .into_iter()
                .filter(|m| MEMBERS.contains(&m.as_str()))
                .map(|m| format!("\"{m}\""))
                .collect();
            let _ = writeln!(out, "{key} = [{}]", members.join(", "));
        } else {
            out.push_str(line);
            out.push('\n');
            i += 1;
        }
    }
    Ok(())
}

/// The name of the table a line opens (`[a.b]`, `[[a]]`), if it opens one.
fn table_header(line: &str) -> Option<String> {
    let code = line.split('#').next().unwrap_or("").trim();
    let inner = code
        .strip_prefix("[[")
        .and_then(|c| c.strip_suffix("]]"))
        .or_else(|| code.strip_prefix('[').and_then(|c| c.strip_suffix(']')))?;
    let inner = inner.trim();
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-.\" ".contains(c);
    (!inner.is_empty() && inner.chars().all(plain)).then(|| inner.replace([' ', '"'], ""))
}

/// How much deeper in brackets a line leaves a TOML value (strings and
/// comments skipped).
fn bracket_depth(line: &str) -> i32 {
    let mut depth = 0;
    let mut quote = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '#' => break,
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                _ => {}
            },
        }
    }
    depth
}

/// The double-quoted strings of a TOML value, in order.
fn quoted_strings(value: &str) -> Vec<String> {
    let mut strings = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        strings.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    strings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_students_guide_has_no_kit_only_part() {
        let guide = "A.<!-- kit: start --> See the reference.<!-- kit: end -->\n\n<!-- kit: start -->\n```sh\nmutants\n```\n<!-- kit: end -->\nB.\n";
        assert_eq!(students_guide(guide), "A.\n\nB.\n");
        assert_eq!(students_guide("no markers\n"), "no markers\n");
    }

    #[test]
    fn every_part_of_the_framework_can_be_handed_out() {
        let names: Vec<&str> = PARTS.iter().map(|p| p.name).collect();
        assert_eq!(names, framework::labs::parts());
    }

    #[test]
    fn labs_are_checked() {
        let names = |text| -> Result<Vec<&str>, String> {
            parse_labs(text).map(|parts| parts.iter().map(|p| p.name).collect())
        };
        assert_eq!(names("kv, raft,kv"), Ok(vec!["raft", "kv"]));
        assert_eq!(
            names("shardkv,shardmaster"),
            Ok(vec!["shardmaster", "shardkv"])
        );
        assert_eq!(
            names("raft,paxos"),
            Err("--labs: unknown lab 'paxos'; expected some of raft, kv, shardmaster, shardkv, pb (comma-separated)".to_string())
        );
        assert_eq!(
            names("raft,shardkv"),
            Err("--labs: shardkv needs shardmaster, which registers with it (list both: --labs raft,shardmaster,shardkv)".to_string())
        );
        assert!(
            names("raft,,kv")
                .unwrap_err()
                .contains("expected lab names")
        );
        assert!(names("").unwrap_err().contains("expected lab names"));
    }

    /// Every list of parts that can be handed out (every subset with what
    /// each part needs).
    fn every_handout() -> Vec<Vec<&'static Part>> {
        (1..1u32 << PARTS.len())
            .map(|mask| {
                (0..PARTS.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| &PARTS[i])
                    .collect::<Vec<_>>()
            })
            .filter(|parts| {
                parts
                    .iter()
                    .all(|p| p.needs.is_none_or(|n| parts.iter().any(|q| q.name == n)))
            })
            .collect()
    }

    const REFERENCE_LIB: &str = "\
//! The reference.
//!
// handout: keep
//! # Rules
//!
//! Kept.

#![warn(missing_docs)]
// handout: end

pub mod raft;
pub mod rsm;
";

    #[test]
    fn the_student_lib_keeps_the_marked_lines_and_registers_the_parts() {
        let parts: Vec<&Part> = PARTS
            .iter()
            .filter(|p| p.name != "kv" && p.name != "pb")
            .collect();
        let lib = student_lib(REFERENCE_LIB, &parts).unwrap();
        assert!(lib.starts_with(LIB_HEADER), "{lib}");
        let rest = &lib[LIB_HEADER.len()..];
        assert!(
            rest.starts_with("//! # Rules\n//!\n//! Kept.\n\n#![warn(missing_docs)]\n\npub mod raft;\npub mod shardkv;\npub mod shardmaster;\n"),
            "{rest}"
        );
        assert!(
            !lib.contains("The reference.") && !lib.contains("rsm") && !lib.contains("handout:")
        );
        assert!(
            lib.ends_with(
                "        labs.raft::<raft::Raft>()
            .shard_master::<shardmaster::Server, shardmaster::Clerk>()
            .shard_kv::<shardmaster::Server, shardmaster::Clerk, shardkv::Server, shardkv::Clerk>();
    }
}
"
            ),
            "{lib}"
        );
    }

    #[test]
    fn unbalanced_markers_are_errors() {
        let parts = [&PARTS[0]];
        for (lib, expected) in [
            ("//! x\n", "expected lines between"),
            (
                "// handout: keep\n//! x\n",
                "without a `// handout: end` after it",
            ),
            (
                "//! x\n// handout: end\n",
                "line 2: `// handout: end` without",
            ),
            (
                "// handout: keep\n// handout: keep\n",
                "line 2: `// handout: keep` inside",
            ),
        ] {
            let error = student_lib(lib, &parts).unwrap_err();
            assert!(error.contains(expected), "{lib:?}: {error}");
        }
    }

    /// The generated lib.rs is as rustfmt would write it, for every
    /// handout (when rustfmt is installed).
    #[test]
    fn the_student_lib_is_formatted_for_every_handout() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        if Command::new("rustfmt").arg("--version").output().is_err() {
            eprintln!("rustfmt is not installed: skipped");
            return;
        }
        for parts in every_handout() {
            let lib = student_lib(REFERENCE_LIB, &parts).unwrap();
            let mut child = Command::new("rustfmt")
                .args(["--edition", "2024", "--check"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(lib.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            let names: Vec<&str> = parts.iter().map(|p| p.name).collect();
            assert!(
                out.status.success(),
                "{names:?}: rustfmt would change:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }

    #[test]
    fn the_workspace_keeps_its_tables_and_the_handouts_members() {
        let kit = r#"# The kit.
[package]
name = "labkit"

[dev-dependencies]
student.workspace = true

[workspace]
members = ["framework", "student", "grader",
    "tests/fixtures/mutants"]
# The default.
default-members = [".", "framework", "student", "grader", "tests/fixtures/mutants"]
resolver = "3"

[workspace.dependencies]
rustix = { version = "1", features = ["event", "process"] }

# About the lints.
[workspace.lints.rust]
unexpected_cfgs = { level = "warn", check-cfg = ['cfg(tokio_unstable)'] }

[profile.release]
debug = "line-tables-only"

# The student's overflow checks.
[profile.release.package.student]
overflow-checks = true

# A fixture's.
[profile.release.package.faulty-student]
overflow-checks = true
"#;
        let manifest = workspace_manifest(kit).unwrap();
        let expected = r#"[workspace]
members = ["framework", "student", "grader"]
# The default.
default-members = ["framework", "student", "grader"]
resolver = "3"

[workspace.dependencies]
rustix = { version = "1", features = ["event", "process"] }

# About the lints.
[workspace.lints.rust]
unexpected_cfgs = { level = "warn", check-cfg = ['cfg(tokio_unstable)'] }

[profile.release]
debug = "line-tables-only"

# The student's overflow checks.
[profile.release.package.student]
overflow-checks = true
"#;
        assert!(manifest.ends_with(expected), "{manifest}");
        assert!(!manifest.contains("labkit") && !manifest.contains("dev-dependencies"));
        assert!(!manifest.contains("faulty-student"), "{manifest}");
        assert!(workspace_manifest("[package]\nname = \"x\"\n").is_err());
    }

    #[test]
    fn the_lock_keeps_what_the_members_use() {
        let package = |name: &str, version: &str, deps: &[&str]| {
            let mut block = format!("[[package]]\nname = \"{name}\"\nversion = \"{version}\"\n");
            if !deps.is_empty() {
                block.push_str("dependencies = [\n");
                for dep in deps {
                    let _ = writeln!(block, " \"{dep}\",");
                }
                block.push_str("]\n");
            }
            block
        };
        let lock =
            |blocks: &[String]| format!("# Generated.\nversion = 4\n\n{}", blocks.join("\n"));
        let kit = lock(&[
            package("framework", "0.1.0", &["rand 0.9.0"]),
            package("grader", "0.1.0", &["framework", "student"]),
            package("labkit", "0.1.0", &["regex", "student"]),
            package("rand", "0.8.0", &[]),
            package("rand", "0.9.0", &["zerocopy"]),
            package("regex", "1.0.0", &["zerocopy"]),
            package("student", "0.1.0", &["framework"]),
            package("zerocopy", "0.8.0", &[]),
        ]);
        let handout = lock(&[
            package("framework", "0.1.0", &["rand 0.9.0"]),
            package("grader", "0.1.0", &["framework", "student"]),
            package("rand", "0.9.0", &["zerocopy"]),
            package("student", "0.1.0", &["framework"]),
            package("zerocopy", "0.8.0", &[]),
        ]);
        assert_eq!(lock_of_members(&kit).unwrap(), handout);
        let broken = lock(&[package("framework", "0.1.0", &["rand"])]);
        assert!(lock_of_members(&broken).is_err());
    }

    #[test]
    fn the_student_manifest_describes_the_students_crate() {
        let manifest = student_manifest_of(
            "[package]\nname = \"student\"\ndescription = \"The reference solution.\"\n",
        );
        assert!(!manifest.contains("reference"), "{manifest}");
        assert!(manifest.starts_with("[package]\nname = \"student\"\ndescription = \"Your"));
    }
}
