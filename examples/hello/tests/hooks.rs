//! Tests of hello's hooks, run as the local model runs them: a state in
//! (config, the peer relation), the hook, the unit's status out. Run them
//! with `cargo test`.

use charmbox::model::Status;
use charmbox::testing::{Context, RelationState, State, TestError};
use serde_json::json;

fn charm() -> Result<Context, TestError> {
    Context::for_crate(env!("CARGO_MANIFEST_DIR"))
}

/// The unit's status after `hook` in `state`: its kind and message.
fn status_after(hook: &str, state: &State) -> Result<(Status, String), TestError> {
    let out = charm()?.run_hook(hook, state)?;
    assert!(out.succeeded(), "{hook}: {:?}", out.runs);
    let status = out.state.unit_status;
    Ok((status.status, status.message))
}

#[test]
fn install_says_the_unit_is_installing() -> Result<(), TestError> {
    assert_eq!(
        status_after("install", &State::default())?,
        (Status::Maintenance, "installing".to_owned())
    );
    Ok(())
}

#[test]
fn start_is_active_with_the_configured_language_and_the_friends() -> Result<(), TestError> {
    let peers = RelationState::peer("friends")
        .remote_unit("hello/1", [("k", "v")])
        .remote_unit("hello/2", [("k", "v")]);
    let state = State::default()
        .config("language", json!("fr"))
        .relation(peers);
    assert_eq!(
        status_after("start", &state)?,
        (Status::Active, "ready to greet in fr, 2 friends".to_owned())
    );
    Ok(())
}

#[test]
fn a_friend_joining_is_counted() -> Result<(), TestError> {
    let peers = RelationState::peer("friends").remote_unit("hello/1", [("k", "v")]);
    let state = State::default().relation(peers);
    assert_eq!(
        status_after("friends-relation-joined", &state)?,
        (Status::Active, "ready to greet in en, 1 friends".to_owned())
    );
    Ok(())
}

#[test]
fn an_unknown_language_blocks_the_unit_with_the_reason() -> Result<(), TestError> {
    let state = State::default().config("language", json!("xx"));
    assert_eq!(
        status_after("config-changed", &state)?,
        (
            Status::Blocked,
            "config option \"language\" is \"xx\": it must be en, fr or de".to_owned()
        )
    );
    Ok(())
}
