//! Tests of hello's actions, run as `charmbox run` runs them: the crate is
//! built to wasm32-wasip2, params are checked against `charmcraft.yaml`, and
//! each run is a fresh sandbox. Run them with `cargo test`.
//!
//! A test returns `Result<(), TestError>`, so `?` on a run that fails prints
//! the action, its params, the failure, the results, the log and the output.

use charmbox::task::TaskStatus;
use charmbox::testing::{Context, TestError};
use serde_json::json;

/// This charm, built and loaded with the charmcraft.yaml beside Cargo.toml.
fn charm() -> Result<Context, TestError> {
    Context::for_crate(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------
// greet: results, log, defaults.

#[test]
fn greet_says_hello_in_english_by_default() -> Result<(), TestError> {
    let ctx = charm()?;
    let out = ctx.run("greet", json!({"name": "Ada"}))?;

    assert_eq!(out.status, TaskStatus::Completed);
    assert_eq!(out.results["greeting"]["text"], "Hello, Ada!");
    assert_eq!(out.results["greeting"]["language"], "en");
    // Results are strings, as in Juju.
    assert_eq!(out.results["length"], "11");
    assert_eq!(out.results["return-code"], 0);
    assert_eq!(out.log_messages(), ["greeting Ada in en"]);
    // The schema's defaults were filled in before the handler ran, as Juju
    // fills them: `style`, left out, is made from its properties' defaults.
    assert_eq!(
        out.params,
        json!({"name": "Ada", "language": "en", "style": {"uppercase": false, "punctuation": "!"}})
    );
    Ok(())
}

#[test]
fn greet_in_french_with_a_style() -> Result<(), TestError> {
    let ctx = charm()?;
    let out = ctx.run(
        "greet",
        json!({"name": "Ada", "language": "fr", "style": {"uppercase": true, "punctuation": "?"}}),
    )?;
    assert_eq!(out.result("greeting.text"), Some(&json!("BONJOUR, ADA?")));
    assert_eq!(out.log_messages(), ["greeting Ada in fr"]);
    Ok(())
}

// ---------------------------------------------------------------------------
// snapshot-database: a log line per step, and stdout.

#[test]
fn snapshot_database_logs_each_step_and_prints() -> Result<(), TestError> {
    let ctx = charm()?;
    let out = ctx.run("snapshot-database", json!({"filename": "db.snap"}))?;

    assert_eq!(
        out.log_messages(),
        [
            "step 1/3: writing db.snap",
            "step 2/3: writing db.snap",
            "step 3/3: writing db.snap",
        ]
    );
    assert_eq!(out.stdout, "snapshot written to db.snap\n");
    // What the handler printed is in the results too, as `juju run` shows it.
    assert_eq!(out.results["stdout"], "snapshot written to db.snap\n");
    assert_eq!(
        serde_json::Value::Object(out.charm_results().clone()),
        json!({"snapshot": {"filename": "db.snap", "steps": "3"}})
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// restore-snapshot: success, and action-fail with partial results.

#[test]
fn restore_snapshot_restores_a_snap_file() -> Result<(), TestError> {
    let ctx = charm()?;
    let out = ctx.run("restore-snapshot", json!({"filename": "db.snap"}))?;
    assert_eq!(out.results["restored"], "db.snap");
    assert_eq!(out.log_messages(), ["restoring db.snap"]);
    Ok(())
}

#[test]
fn restore_snapshot_fails_on_another_file_keeping_its_results() -> Result<(), TestError> {
    let ctx = charm()?;
    // `run_failing` is `run` for an action expected to fail: it returns the
    // failure, like `pytest.raises(ActionFailed)`.
    let failed = ctx.run_failing("restore-snapshot", json!({"filename": "db.tar"}))?;

    assert_eq!(
        failed.message,
        "cannot restore db.tar: not a snapshot (expected a .snap file)"
    );
    // Results set before and after `action-fail` are kept.
    assert_eq!(failed.output.results["checked"]["filename"], "db.tar");
    assert_eq!(failed.output.results["checked"]["valid"], "false");
    // action-fail is not a crash: the handler returned normally.
    assert_eq!(failed.output.return_code, 0);
    Ok(())
}

// ---------------------------------------------------------------------------
// check-disk: returning an error fails the action.

#[test]
fn check_disk_reports_the_path() -> Result<(), TestError> {
    let ctx = charm()?;
    let out = ctx.run("check-disk", json!({"path": "/var/lib/db"}))?;
    assert_eq!(out.results["path"], "/var/lib/db");
    Ok(())
}

#[test]
fn check_disk_fails_on_an_empty_path() -> Result<(), TestError> {
    let ctx = charm()?;
    // Matching the error works too, without `run_failing`.
    let err = ctx.run("check-disk", json!({"path": ""})).unwrap_err();
    let TestError::ActionFailed(failed) = err else {
        panic!("expected the action to fail, got: {err}");
    };
    assert_eq!(failed.message, "path must not be empty");
    // An error returned is what a crashed hook is in Juju: return code 1.
    assert_eq!(failed.output.results["return-code"], 1);
    Ok(())
}

// ---------------------------------------------------------------------------
// Params that do not fit charmcraft.yaml never reach the charm.

#[test]
fn params_are_checked_against_the_schema() -> Result<(), TestError> {
    let ctx = charm()?;
    let err = ctx.run("greet", json!({"language": "es"})).unwrap_err();
    let invalid = err.invalid_params().expect("params are refused");
    assert_eq!(invalid.action, "greet");
    let mut at_fault = invalid.params_at_fault();
    at_fault.sort();
    assert_eq!(at_fault, ["language", "name"]);

    let err = ctx
        .run(
            "snapshot-database",
            json!({"filename": "db.snap", "steps": 11}),
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("steps: "),
        "the error names the param: {err}"
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// What a failing test prints: run `cargo test -- --ignored` to see it.

#[test]
#[ignore = "fails on purpose, to show what a failed action prints"]
fn a_failing_test_shows_the_whole_run() -> Result<(), TestError> {
    let ctx = charm()?;
    // This action fails; `?` ends the test with everything it reported.
    let out = ctx.run("restore-snapshot", json!({"filename": "db.tar"}))?;
    assert_eq!(out.results["restored"], "db.tar");
    Ok(())
}
