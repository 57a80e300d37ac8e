//! Tests of the testing API with a small charm written in the component text
//! format: it calls `action-set`, `action-log` and `action-fail`, returns an
//! error, or traps, without building anything.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::*;
use crate::run::RunEnd;
use crate::task::TaskStatus;

/// A component exporting four handlers:
/// - `greet`: logs `greeting`, sets `greeting.text=Hello, fixture`;
/// - `fail-partially`: sets `partial=kept`, fails with `it broke`, then logs
///   `after failing`;
/// - `error-out`: returns `err("bad thing happened")`;
/// - `trap`: executes `unreachable`.
const FIXTURE: &str = r#"
(component
  (import "juju:charm/action@0.1.0" (instance $action
    (export "action-set" (func (param "results" (list (tuple string string))) (result (result (error string)))))
    (export "action-log" (func (param "message" string)))
    (export "action-fail" (func (param "message" string)))
  ))
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32)
      (local.set $at (global.get $bump))
      (global.set $bump (i32.and (i32.add (i32.add (local.get $at) (local.get 3)) (i32.const 7)) (i32.const -8)))
      (local.get $at))
  )
  (core instance $libc (instantiate $libc))
  (alias export $action "action-set" (func $action-set))
  (alias export $action "action-log" (func $action-log))
  (alias export $action "action-fail" (func $action-fail))
  (alias core export $libc "memory" (core memory $memory))
  (alias core export $libc "realloc" (core func $realloc))
  (core func $set (canon lower (func $action-set) (memory $memory) (realloc $realloc)))
  (core func $log (canon lower (func $action-log) (memory $memory)))
  (core func $fail (canon lower (func $action-fail) (memory $memory)))
  (core module $main
    (import "libc" "memory" (memory 1))
    (import "action" "set" (func $set (param i32 i32 i32)))
    (import "action" "log" (func $log (param i32 i32)))
    (import "action" "fail" (func $fail (param i32 i32)))
    (data (i32.const 16) "greeting.text")
    (data (i32.const 32) "Hello, fixture")
    (data (i32.const 48) "\10\00\00\00\0d\00\00\00\20\00\00\00\0e\00\00\00")
    (data (i32.const 64) "greeting")
    (data (i32.const 80) "partial")
    (data (i32.const 96) "kept")
    (data (i32.const 112) "\50\00\00\00\07\00\00\00\60\00\00\00\04\00\00\00")
    (data (i32.const 128) "it broke")
    (data (i32.const 144) "bad thing happened")
    (data (i32.const 176) "\01\00\00\00\90\00\00\00\12\00\00\00")
    (data (i32.const 192) "after failing")
    (func (export "greet")
      (call $log (i32.const 64) (i32.const 8))
      (call $set (i32.const 48) (i32.const 1) (i32.const 1024)))
    (func (export "fail-partially")
      (call $set (i32.const 112) (i32.const 1) (i32.const 1024))
      (call $fail (i32.const 128) (i32.const 8))
      (call $log (i32.const 192) (i32.const 13)))
    (func (export "error-out") (result i32) (i32.const 176))
    (func (export "trap") unreachable)
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "action" (instance
      (export "set" (func $set))
      (export "log" (func $log))
      (export "fail" (func $fail))))
  ))
  (func $greet (canon lift (core func $main "greet")))
  (export "greet" (func $greet))
  (func $fail-partially (canon lift (core func $main "fail-partially")))
  (export "fail-partially" (func $fail-partially))
  (func $error-out (result (result (error string)))
    (canon lift (core func $main "error-out") (memory $memory)))
  (export "error-out" (func $error-out))
  (func $trap (canon lift (core func $main "trap")))
  (export "trap" (func $trap))
)
"#;

const CHARMCRAFT_YAML: &str = r#"
name: fixture
actions:
  greet:
    description: Greets.
    params:
      name:
        type: string
      language:
        type: string
        enum: [en, fr]
        default: en
    required: [name]
  fail-partially:
    description: Fails after setting a result.
  error-out:
    description: Returns an error.
  trap:
    description: Traps.
"#;

/// A bare component `fixture.wasm` in a temporary directory.
fn bare_component() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture.wasm");
    let wasm = wat::parse_str(FIXTURE).unwrap_or_else(|e| panic!("fixture WAT: {e}"));
    std::fs::write(&path, wasm).unwrap();
    (dir, path)
}

/// A charm directory: `charmcraft.yaml` and `charm.wasm`.
fn charm_dir(charmcraft_yaml: &str) -> tempfile::TempDir {
    let (dir, path) = bare_component();
    std::fs::rename(&path, dir.path().join(crate::charm::COMPONENT_FILE)).unwrap();
    std::fs::write(dir.path().join("charmcraft.yaml"), charmcraft_yaml).unwrap();
    dir
}

#[test]
fn a_completed_run_reports_results_log_and_status() {
    let (_dir, path) = bare_component();
    let ctx = Context::load(&path).unwrap();
    let out = ctx.run("greet", ()).unwrap();
    assert_eq!(out.status, TaskStatus::Completed);
    assert!(out.completed());
    assert_eq!(out.message, None);
    assert_eq!(out.unit, "fixture/0");
    assert_eq!(out.params, json!({}));
    assert_eq!(
        Value::Object(out.results.clone()),
        json!({"greeting": {"text": "Hello, fixture"}, "return-code": 0})
    );
    assert_eq!(
        Value::Object(out.charm_results().clone()),
        json!({"greeting": {"text": "Hello, fixture"}})
    );
    assert_eq!(out.result("greeting.text"), Some(&json!("Hello, fixture")));
    assert_eq!(out.result("greeting.nope"), None);
    assert_eq!(out.log_messages(), ["greeting"]);
    assert_eq!(out.return_code, 0);
    assert_eq!(out.data_dir, ctx.data_dir());
}

#[test]
fn action_fail_is_an_error_carrying_partial_output() {
    let (_dir, path) = bare_component();
    let ctx = Context::load(&path).unwrap();
    let err = ctx
        .run("fail-partially", json!({"why": "testing"}))
        .unwrap_err();
    let TestError::ActionFailed(failed) = &err else {
        panic!("expected ActionFailed, got {err}");
    };
    assert_eq!(failed.message, "it broke");
    assert_eq!(failed.output.end, RunEnd::ActionFailed);
    assert_eq!(failed.output.status, TaskStatus::Failed);
    assert_eq!(failed.output.results["partial"], "kept");
    assert_eq!(failed.output.return_code, 0);
    assert_eq!(failed.output.log_messages(), ["after failing"]);
    let text = err.to_string();
    for expected in [
        "action \"fail-partially\"",
        r#"{"why":"testing"}"#,
        "it called action-fail",
        "it broke",
        r#"results: {"partial":"kept"}"#,
        "after failing",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // `unwrap` and `?` print Debug: it reads the same.
    assert_eq!(format!("{err:?}"), text);
}

#[test]
fn an_error_returned_or_a_trap_fails_the_action() {
    let (_dir, path) = bare_component();
    let ctx = Context::load(&path).unwrap();
    let failed = ctx.run_failing("error-out", ()).unwrap();
    assert_eq!(failed.message, "bad thing happened");
    assert_eq!(failed.output.end, RunEnd::HandlerError);
    assert_eq!(failed.output.return_code, 1);
    assert_eq!(failed.output.results["return-code"], 1);

    let failed = ctx.run_failing("trap", ()).unwrap();
    assert_eq!(failed.output.end, RunEnd::Trapped);
    assert!(failed.message.contains("unreachable"), "{}", failed.message);
}

#[test]
fn run_failing_on_a_completed_action_says_so() {
    let (_dir, path) = bare_component();
    let ctx = Context::load(&path).unwrap();
    let err = ctx.run_failing("greet", json!({"a": 1})).unwrap_err();
    assert!(matches!(err, TestError::Completed(_)), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(r#"action "greet" with params {"a":1} completed, expected it to fail"#),
        "{text}"
    );
    assert!(text.contains("Hello, fixture"), "{text}");
}

#[test]
fn params_are_validated_and_defaulted_as_charmbox_run_does() {
    let dir = charm_dir(CHARMCRAFT_YAML);
    let ctx = Context::load(dir.path()).unwrap();
    let out = ctx.run("greet", json!({"name": "Ada"})).unwrap();
    assert_eq!(out.params, json!({"name": "Ada", "language": "en"}));

    let err = ctx
        .run("greet", json!({"language": "es", "extra": true}))
        .unwrap_err();
    let invalid = err.invalid_params().expect("invalid params");
    assert_eq!(invalid.action, "greet");
    assert_eq!(invalid.params, json!({"language": "es", "extra": true}));
    let mut at_fault = invalid.params_at_fault();
    at_fault.sort();
    assert_eq!(at_fault, ["extra", "language", "name"], "{err}");
    let text = err.to_string();
    for expected in [
        "invalid params for action \"greet\"",
        r#"{"language":"es","extra":true}"#,
        "\n  - name: ",
        "\n  - language: ",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}

#[test]
fn params_must_be_a_map() {
    let (_dir, path) = bare_component();
    let ctx = Context::load(&path).unwrap();
    let err = ctx.run("greet", json!(["name", "Ada"])).unwrap_err();
    let invalid = err.invalid_params().expect("invalid params");
    assert_eq!(invalid.params_at_fault(), ["(params)"]);
    assert!(
        err.to_string().contains("expected a map of param names"),
        "{err}"
    );
}

#[test]
fn an_unknown_action_names_the_exports() {
    let (_dir, path) = bare_component();
    let ctx = Context::load(&path).unwrap();
    let err = ctx.run("nope", json!({"x": 1})).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, TestError::CannotRun { .. }), "{text}");
    assert!(
        text.contains(r#"cannot run action "nope" with params {"x":1}"#),
        "{text}"
    );
    assert!(
        text.contains("error-out, fail-partially, greet, trap"),
        "{text}"
    );
}

#[test]
fn a_component_with_metadata_beside_it_elsewhere() {
    let (dir, path) = bare_component();
    std::fs::write(dir.path().join("charmcraft.yaml"), CHARMCRAFT_YAML).unwrap();
    let ctx = Context::from_component(&path, Some(dir.path())).unwrap();
    assert_eq!(ctx.charm().name, "fixture");
    assert!(ctx.charm().metadata.is_some());
    assert!(ctx
        .run("greet", json!({}))
        .unwrap_err()
        .invalid_params()
        .is_some());
}

#[test]
fn a_charm_that_fails_check_is_not_loaded() {
    let yaml = format!("{CHARMCRAFT_YAML}  backup:\n    description: Not exported.\n");
    let dir = charm_dir(&yaml);
    let err = Context::load(dir.path()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, TestError::Load { .. }), "{text}");
    assert!(text.contains("`charmbox check` finds errors"), "{text}");
    assert!(text.contains("\"backup\""), "{text}");

    let err = Context::load(Path::new("/no/such/charm")).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn each_context_has_its_own_data_dir_kept_across_runs() {
    let (_dir, path) = bare_component();
    let one = Context::load(&path).unwrap();
    let two = Context::load(&path).unwrap().with_unit("other/3").unwrap();
    assert_ne!(one.data_dir(), two.data_dir());
    assert!(one.data_dir().is_dir());
    std::fs::write(one.data_dir().join("seed"), "x").unwrap();
    one.run("greet", ()).unwrap();
    assert!(one.data_dir().join("seed").is_file(), "runs keep the data");
    assert_eq!(two.run("greet", ()).unwrap().unit, "other/3");
    let kept = one.data_dir().to_owned();
    drop(one);
    assert!(!kept.exists(), "dropping the context removes its data dir");

    let err = two.with_unit("Not A Unit").unwrap_err();
    assert!(err.to_string().contains("invalid unit name"), "{err}");
}

#[test]
fn contexts_share_the_compiled_charm_until_it_changes() {
    let (_dir, path) = bare_component();
    let one = Context::load(&path).unwrap();
    let two = Context::load(&path).unwrap();
    assert!(std::ptr::eq(one.engine(), two.engine()), "compiled once");
    // A rebuilt component (here: other bytes, so another size) is compiled
    // afresh.
    let mut wasm = std::fs::read(&path).unwrap();
    wasm.extend_from_slice(&[0, 2, 1, b'x']); // an empty custom section "x"
    std::fs::write(&path, wasm).unwrap();
    let three = Context::load(&path).unwrap();
    assert!(
        !std::ptr::eq(one.engine(), three.engine()),
        "compiled again"
    );
    three.run("greet", ()).unwrap();
}

#[test]
fn test_error_is_small_enough_to_return() {
    // clippy's result_large_err fires at 128 bytes, in charm authors' tests.
    assert!(std::mem::size_of::<TestError>() <= 64);
}
