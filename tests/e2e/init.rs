//! A charm author's first hour, through the real binary, in each language:
//! docs/languages.md's walk-through, read from the doc and run command by
//! command in a directory outside the repository (`charmbox init`, `build`,
//! `check`, an action run, the charm's own tests, `pack`; see
//! [`super::docs`]), then what it left: a failing run, refused params, the
//! warning for a `charm.wasm` older than its sources, a rebuild; and the
//! hint for a missing `charm.wasm` before the first build. The Python and JavaScript toolchains are installed on first
//! use (PyPI and npm) into the test cache; without python3, or node and npm,
//! that language is skipped with a message (`CHARMBOX_REQUIRE_LANGS=1`
//! fails instead).

use std::path::Path;
use std::process::Command;

use crate::docs::{run_commands, walk_through};
use crate::support::{log_messages, repo_root, Charmbox, Run};

/// Whether `language`'s tools are here, or else skip (or, in CI, fail).
fn available(language: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|tool| {
            !Command::new(tool)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("CHARMBOX_REQUIRE_LANGS").is_some_and(|v| v == "1") {
        panic!(
            "cannot build a {language} charm: {missing:?} not installed (CHARMBOX_REQUIRE_LANGS=1)"
        );
    }
    eprintln!("skipping the {language} init checks: {missing:?} not installed");
    false
}

fn ok(what: &str, run: &Run) {
    assert_eq!(
        run.code, 0,
        "{what}: stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

/// The walk-through of `language` as the doc has it, then a failed and a
/// refused run, a stale build warned about, and a rebuild up to date.
fn first_hour(language: &str) {
    let cb = Charmbox::new();
    let home = tempfile::tempdir().unwrap();
    let cache = repo_root().join("target").join("test-cache");
    let dir = run_commands(&walk_through(language), home.path(), &cache, cb.state_dir());
    assert_eq!(dir, home.path().join("my-charm"));
    assert!(dir.join("charm.wasm").is_file());
    let packed = home.path().join("my-charm-packed");
    assert!(packed.join("dispatch").is_file(), "packed");
    let build = |cb: &Charmbox| {
        let mut command = cb.command(&["build", dir.to_str().unwrap()]);
        command.env_remove("CARGO_TARGET_DIR");
        let output = command.output().expect("charmbox runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    };

    let check = cb.cmd(&["check", dir.to_str().unwrap()]);
    ok("check", &check);
    assert!(check.stdout.starts_with("my-charm: ok"), "{}", check.stdout);
    let run = cb.run(&dir, "greet", &["name=Ada"]);
    ok("run greet", &run);
    let task = run.task("my-charm/0");
    assert_eq!(task["status"], "completed");
    assert_eq!(task["results"]["greeting"], "Hello, Ada!");
    let failed = cb.run(&dir, "greet", &["name="]);
    assert_eq!(failed.code, 1, "{failed:?}");
    assert_eq!(
        failed.task("my-charm/0")["message"],
        "name must not be empty"
    );
    let refused = cb.run(&dir, "greet", &["nmae=Ada"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("nmae"), "{}", refused.stderr);

    // A source changed after the build: each command says so.
    let source = ["src/lib.rs", "charm.py", "charm.js"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .unwrap();
    touch_later(&source, &dir.join("charm.wasm"));
    let stale = cb.run(&dir, "greet", &[]);
    ok("run stale", &stale);
    assert!(stale.stderr.contains("charmbox build"), "{}", stale.stderr);
    // The rebuild's charm.wasm must be newer than the touched source: on a
    // quick machine the first build was less than the offset ago.
    let touched = std::fs::metadata(&source).unwrap().modified().unwrap();
    while std::time::SystemTime::now() <= touched {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let rebuilt = build(&cb);
    ok("rebuild", &rebuilt);
    let fresh = cb.run(&dir, "greet", &[]);
    assert!(!fresh.stderr.contains("warning"), "{}", fresh.stderr);
}

/// Makes `path` newer than `than` without waiting.
fn touch_later(path: &Path, than: &Path) {
    let built = std::fs::metadata(than).unwrap().modified().unwrap();
    std::fs::File::options()
        .append(true)
        .open(path)
        .unwrap()
        .set_modified(built + std::time::Duration::from_secs(2))
        .unwrap();
}

#[test]
fn a_rust_charm_from_init_to_pack() {
    first_hour("rust");
}

#[test]
fn a_python_charm_from_init_to_pack() {
    if available("Python", &["python3"]) {
        first_hour("python");
    }
}

#[test]
fn a_javascript_charm_from_init_to_pack() {
    if available("JavaScript", &["node", "npm"]) {
        first_hour("js");
    }
}

/// The other JavaScript engine: `charmbox build --js-engine quickjs` (jco's
/// QuickJS backend, as jco writes it), then `check` and a run, as for the
/// default StarlingMonkey build.
#[test]
fn a_javascript_charm_built_with_quickjs_checks_and_runs() {
    if !available("JavaScript", &["node", "npm"]) {
        return;
    }
    let cb = Charmbox::new();
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("quick-charm");
    let dir_text = dir.to_str().unwrap();
    ok("init", &cb.cmd(&["init", "--lang", "js", dir_text]));
    let built = cb.cmd(&["build", dir_text, "--js-engine", "quickjs"]);
    ok("build --js-engine quickjs", &built);
    assert!(
        built.stdout.contains("built ") && built.stdout.contains("JavaScript"),
        "{}",
        built.stdout
    );
    let check = cb.cmd(&["check", dir_text]);
    ok("check", &check);
    assert!(
        check.stdout.starts_with("quick-charm: ok"),
        "{}",
        check.stdout
    );
    let run = cb.run(&dir, "greet", &["name=Ada"]);
    ok("run greet", &run);
    let task = run.task("quick-charm/0");
    assert_eq!(task["results"]["greeting"], "Hello, Ada!");
    assert_eq!(log_messages(&task), ["greeting Ada"]);
    let failed = cb.run(&dir, "greet", &["name="]);
    assert_eq!(failed.code, 1, "{failed:?}");
    assert_eq!(
        failed.task("quick-charm/0")["message"],
        "name must not be empty"
    );
}

#[test]
fn before_its_first_build_check_says_how_to_build_the_charm_in_its_language() {
    let cb = Charmbox::new();
    let home = tempfile::tempdir().unwrap();
    for language in ["rust", "python", "js"] {
        let dir = home.path().join(format!("{language}-charm"));
        let init = cb.cmd(&["init", "--lang", language, dir.to_str().unwrap()]);
        ok("init", &init);
        assert!(init.stdout.contains("charmbox build"), "{}", init.stdout);
        let check = cb.cmd(&["check", dir.to_str().unwrap()]);
        assert_eq!(check.code, 1, "{check:?}");
        assert!(
            check.stdout.contains("charmbox build")
                && check
                    .stdout
                    .contains(&format!("this {} charm", name(language))),
            "{language}: {}",
            check.stdout
        );
    }
}

/// How charmbox names `language`.
fn name(language: &str) -> &'static str {
    match language {
        "rust" => "Rust",
        "python" => "Python",
        _ => "JavaScript",
    }
}

#[test]
fn init_refuses_a_directory_with_files_and_a_name_juju_refuses() {
    let cb = Charmbox::new();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("keep.txt"), "mine").unwrap();
    let run = cb.cmd(&["init", home.path().to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("keep.txt"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(home.path().join("keep.txt")).unwrap(),
        "mine"
    );
    let bad = home.path().join("My_Charm");
    let run = cb.cmd(&["init", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--name"), "{}", run.stderr);
    assert!(!bad.exists());
}
