//! The contract's versions: a charm built against 0.1.0 (a committed
//! component, never rebuilt) runs unchanged beside 0.2.0 charms, in one
//! binary and in one operation's process, and `check` says what each can
//! reach.

use serde_json::json;

use crate::support::{example_charm_dir, repo_root, Charmbox};

/// `examples/hello` as built against contract 0.1.0 (see its BUILT.md).
fn hello_0_1_0() -> std::path::PathBuf {
    repo_root().join("tests/fixtures/hello-0.1.0")
}

#[test]
fn the_committed_0_1_0_component_imports_0_1_0_and_runs_as_before() {
    let charm = hello_0_1_0();
    let wasm = std::fs::read(charm.join("charm.wasm")).unwrap();
    let text = String::from_utf8_lossy(&wasm);
    assert!(
        text.contains("juju:charm/action@0.1.0"),
        "built against 0.1.0"
    );
    assert!(!text.contains("juju:charm/action@0.2.0"));

    let charmbox = Charmbox::new();
    let run = charmbox.run(&charm, "greet", &["name=Ada", "language=fr"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let task = run.task("hello/0");
    assert_eq!(task["status"], "completed");
    assert_eq!(
        task["results"],
        json!({
            "greeting": {"text": "Bonjour, Ada!", "language": "fr"},
            "length": "13",
            "return-code": 0
        })
    );
    let failed = charmbox.run(&charm, "restore-snapshot", &["filename=x.tar"]);
    assert_eq!(failed.code, 1);
    assert_eq!(failed.task("hello/0")["status"], "failed");
}

#[test]
fn a_0_1_0_and_a_0_2_0_charm_run_from_one_state_directory() {
    let current = example_charm_dir("hello");
    let wasm = std::fs::read(current.path().join("charm.wasm")).unwrap();
    assert!(String::from_utf8_lossy(&wasm).contains("juju:charm/action@0.2.0"));
    let charmbox = Charmbox::new();
    let old = charmbox.run(&hello_0_1_0(), "greet", &["name=Old"]);
    let new = charmbox.run(current.path(), "greet", &["name=New", "--unit", "hello/1"]);
    assert_eq!(old.code, 0, "{}", old.stderr);
    assert_eq!(new.code, 0, "{}", new.stderr);
    assert_eq!(
        old.task("hello/0")["results"]["greeting"]["text"],
        "Hello, Old!"
    );
    assert_eq!(
        new.task("hello/1")["results"]["greeting"]["text"],
        "Hello, New!"
    );
}

#[test]
fn check_says_what_a_charm_can_reach() {
    let run = Charmbox::new().cmd(&["check", hello_0_1_0().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("it can:\n  - reads its params and reports results\n"),
        "{}",
        run.stdout
    );
    // hello imports no filesystem: it cannot reach /data.
    assert!(!run.stdout.contains("/data"), "{}", run.stdout);
}
