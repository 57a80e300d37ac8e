//! The docs' commands, as a new author types them: the fenced shell blocks
//! of docs/languages.md's walk-through ("From `charmbox init` to a packed
//! charm", one block per language) are read from the file and run, one
//! command at a time, in an empty directory outside the repository, with
//! the `charmbox` cargo just built first on `PATH`. README.md's "Starting a
//! charm" block, and the README `charmbox init` writes for each language,
//! must be made of commands a walk-through runs, so they are run too. [`super::init`] runs each walk-through and then checks what it left.
//!
//! Keeping CI's time: each language's walk-through runs once (the first-hour
//! test is built on it rather than beside it); the compiled-component cache
//! is the test run's own (`target/test-cache`), so the charm's own tests
//! reuse what `charmbox check` compiled; and a Rust charm builds, as its
//! template's `.cargo/config.toml` says, in the `target/` of the checkout
//! it was made from, here the workspace's, where the charm's
//! dev-dependency on charmbox finds the engine's crates already compiled by
//! the workspace's tests (the lock file resolves to the same versions and
//! the template has the workspace's dev profile): only `wasmtime`,
//! `wasmtime-wasi`, charmbox and the SDK are compiled again, for the charm's
//! features (measured: 3 min 34 s on 2 busy cores; 2 s warm).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::support::repo_root;

/// The walk-through's section of docs/languages.md.
const WALK_THROUGH: &str = "## From `charmbox init` to a packed charm";
/// README.md's section for a new charm.
const STARTING: &str = "## Starting a charm";

/// The markdown file `name` of the repository.
fn doc(name: &str) -> String {
    std::fs::read_to_string(repo_root().join(name)).expect("the doc is there")
}

/// The lines of `markdown` from heading `heading` up to the next heading of
/// its level or above.
fn section<'a>(markdown: &'a str, heading: &str) -> Vec<&'a str> {
    let level = heading.split(' ').next().unwrap_or("##").len();
    let mut lines = markdown
        .lines()
        .skip_while(|line| line.trim_end() != heading);
    assert!(lines.next().is_some(), "no section {heading:?}");
    lines
        .take_while(|line| {
            let hashes = line.len() - line.trim_start_matches('#').len();
            !(hashes > 0 && hashes <= level && line[hashes..].starts_with(' '))
        })
        .collect()
}

/// The commands of the first ```sh block after line `label` in `lines`
/// (or of the first block when `label` is `None`): one a line, comments
/// dropped, `a && b` split into two.
fn commands(lines: &[&str], label: Option<&str>) -> Vec<String> {
    let start = match label {
        Some(label) => {
            lines
                .iter()
                .position(|line| line.trim() == label)
                .unwrap_or_else(|| panic!("no {label:?} in the section"))
                + 1
        }
        None => 0,
    };
    let block: Vec<&str> = lines[start..]
        .iter()
        .skip_while(|line| line.trim() != "```sh")
        .skip(1)
        .take_while(|line| line.trim() != "```")
        .copied()
        .collect();
    assert!(!block.is_empty(), "no ```sh block after {label:?}");
    block
        .iter()
        .map(|line| match line.find(" #") {
            Some(at) => &line[..at],
            None => line,
        })
        .flat_map(|line| line.split("&&"))
        .map(|command| command.trim().to_owned())
        .filter(|command| !command.is_empty())
        .collect()
}

/// docs/languages.md's walk-through for `language` (`python`, `js`,
/// `rust`), command by command.
pub fn walk_through(language: &str) -> Vec<String> {
    let label = match language {
        "python" => "Python:",
        "js" => "JavaScript:",
        "rust" => "Rust:",
        other => panic!("no walk-through for {other}"),
    };
    let text = doc("docs/languages.md");
    commands(&section(&text, WALK_THROUGH), Some(label))
}

/// Runs `commands` in `home` (a `cd` moves the next ones), each through
/// bash with this build's `charmbox` first on `PATH`, as an author would
/// type them; panics naming the command that failed, with its output.
/// Prints each command's time on stderr. Returns the directory the last
/// command ran in.
pub fn run_commands(commands: &[String], home: &Path, cache: &Path, state: &Path) -> PathBuf {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_charmbox"));
    let path = std::env::join_paths(std::iter::once(binary.parent().unwrap().to_owned()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut cwd = home.to_owned();
    for command in commands {
        if let Some(dir) = command.strip_prefix("cd ") {
            cwd = cwd.join(dir.trim());
            assert!(cwd.is_dir(), "`{command}`: no directory {}", cwd.display());
            continue;
        }
        let started = Instant::now();
        let output = Command::new("bash")
            .args(["-c", command])
            .current_dir(&cwd)
            .env("PATH", &path)
            .env("CHARMBOX_CACHE_DIR", cache)
            .env("CHARMBOX_STATE_DIR", state)
            // A Rust charm builds where its template says (see the module's
            // doc), not where this test's cargo was told to.
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CHARMBOX")
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("bash runs");
        eprintln!(
            "docs: `{command}` in {}: exit {:?}, {:.1} s",
            cwd.display(),
            output.status.code(),
            started.elapsed().as_secs_f64()
        );
        assert!(
            output.status.success(),
            "`{command}` (in {}) failed, as docs/languages.md has it:\nstdout:\n{}\nstderr:\n{}",
            cwd.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    cwd
}

#[test]
fn the_walk_throughs_are_read_from_the_doc_as_an_author_types_them() {
    for language in ["python", "js", "rust"] {
        let commands = walk_through(language);
        assert_eq!(
            commands[..2],
            [
                format!("charmbox init --lang {language} my-charm"),
                "cd my-charm".to_owned()
            ],
            "{language}: {commands:?}"
        );
        for expected in [
            "charmbox build",
            "charmbox check .",
            "charmbox run . greet name=Ada",
            "charmbox pack . -o ../my-charm-packed",
        ] {
            assert!(
                commands.iter().any(|c| c == expected),
                "{language}: {expected:?} not in {commands:?}"
            );
        }
        assert!(
            commands.iter().all(|c| !c.contains('#')),
            "{language}: a comment was kept: {commands:?}"
        );
    }
}

/// The README `charmbox init` writes for each language lists commands its
/// walk-through runs (rendered for a charm named `my-charm`, as the
/// walk-through names it).
#[test]
fn each_templates_readme_lists_commands_its_walk_through_runs() {
    for language in ["python", "js", "rust"] {
        let text = doc(&format!("templates/{language}/README.md")).replace("{{name}}", "my-charm");
        let lines: Vec<&str> = text.lines().collect();
        let listed = commands(&lines, None);
        let run = walk_through(language);
        let not_run: Vec<&String> = listed.iter().filter(|c| !run.contains(c)).collect();
        assert!(
            not_run.is_empty(),
            "templates/{language}/README.md has commands its walk-through in docs/languages.md \
             does not run: {not_run:?}"
        );
    }
}

/// README.md's "Starting a charm" block is made of the commands the Python
/// walk-through runs (its `--lang python`), so running that walk-through
/// runs it; a command added to it that no walk-through runs fails here.
#[test]
fn the_readme_starts_a_charm_with_commands_a_walk_through_runs() {
    let text = doc("README.md");
    let readme = commands(&section(&text, STARTING), None);
    assert!(readme.len() >= 4, "{readme:?}");
    let run: Vec<String> = ["python", "js", "rust"]
        .iter()
        .flat_map(|language| walk_through(language))
        .collect();
    let not_run: Vec<&String> = readme.iter().filter(|c| !run.contains(c)).collect();
    assert!(
        not_run.is_empty(),
        "README.md's {STARTING:?} has commands no walk-through of docs/languages.md runs: \
         {not_run:?}"
    );
}
