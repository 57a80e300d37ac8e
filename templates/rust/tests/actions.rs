//! The charm's actions, run as `charmbox run` runs them: `cargo test` builds
//! the crate to wasm32-wasip2, params are checked against charmcraft.yaml and
//! each run is a fresh sandbox.

use charmbox::task::TaskStatus;
use charmbox::testing::{Context, TestError};
use serde_json::json;

fn charm() -> Result<Context, TestError> {
    Context::for_crate(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn greet_greets_by_name() -> Result<(), TestError> {
    let out = charm()?.run("greet", json!({"name": "Ada"}))?;
    assert_eq!(out.status, TaskStatus::Completed);
    assert_eq!(out.results["greeting"], "Hello, Ada!");
    assert_eq!(out.log_messages(), ["greeting Ada"]);
    Ok(())
}

#[test]
fn greet_fills_in_the_default_name() -> Result<(), TestError> {
    let out = charm()?.run("greet", json!({}))?;
    assert_eq!(out.results["greeting"], "Hello, world!");
    Ok(())
}

#[test]
fn greet_fails_on_an_empty_name() -> Result<(), TestError> {
    let failed = charm()?.run_failing("greet", json!({"name": ""}))?;
    assert_eq!(failed.message, "name must not be empty");
    Ok(())
}

#[test]
fn greet_refuses_an_undeclared_param() -> Result<(), TestError> {
    let error = charm()?.run("greet", json!({"nmae": "Ada"})).unwrap_err();
    let refused = error.invalid_params().expect("the params are refused");
    assert_eq!(refused.params_at_fault(), ["nmae"]);
    Ok(())
}
