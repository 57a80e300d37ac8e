//! Tests of password-keeper's actions through charmbox's testing API: each
//! run is given a model (config, leadership, the peer relation and its
//! databags, the secret) and returns the model after it, as `ops.testing`
//! gives a `State` and returns the output `State`. Run them with `cargo
//! test`.

use charmbox::model::{SecretOwner, Status};
use charmbox::testing::{Context, RelationState, State, TestError};
use serde_json::json;

/// This charm, built and loaded with the charmcraft.yaml beside Cargo.toml.
fn charm() -> Result<Context, TestError> {
    Context::for_crate(env!("CARGO_MANIFEST_DIR"))
}

/// A new application's model: the peer relation Juju makes on deploy, and
/// leadership as given.
fn deployed(leader: bool) -> State {
    State::default()
        .leader(leader)
        .relation(RelationState::peer("keeper-peers"))
}

/// The failure message of a run expected to fail.
fn failure(result: Result<charmbox::testing::ActionOutput, TestError>) -> String {
    match result {
        Ok(out) => panic!("the action completed: {:?}", out.results),
        Err(e) => e
            .action_failed()
            .unwrap_or_else(|| panic!("not a failed run: {e}"))
            .message
            .clone(),
    }
}

#[test]
fn set_password_keeps_it_in_the_applications_secret_and_says_where_in_the_peer_bag(
) -> Result<(), TestError> {
    let ctx = charm()?;
    let out = ctx.run_with(
        "set-password",
        json!({"username": "replication", "password": "hunter22"}),
        &deployed(true),
    )?;

    // The results say who changed and where, never the password.
    assert_eq!(out.results["users"], "replication");
    let secret_id = out.results["secret-id"].as_str().unwrap().to_owned();
    assert!(!out.results.values().any(|v| v == "hunter22"));

    let secret = out.state.secret_labelled("system-users").unwrap();
    assert_eq!(secret.owner, Some(SecretOwner::Application));
    assert_eq!(secret.id.as_deref(), Some(secret_id.as_str()));
    assert_eq!(secret.newest_content()["replication"], "hunter22");
    assert_eq!(secret.rotate, Some(charmbox::model::RotatePolicy::Monthly));

    let peers = out.state.relation_on("keeper-peers").unwrap();
    assert_eq!(peers.local_app_data["secret-id"], secret_id);
    assert_eq!(peers.local_app_data["changes"], "1");
    assert_eq!(peers.local_app_data["last-changed"], r#"["replication"]"#);

    assert_eq!(out.state.app_status.status, Status::Active);
    assert_eq!(out.state.app_status.message, "1 passwords kept");
    assert_eq!(
        out.juju_log_messages(),
        [format!(
            "passwords of replication changed in secret {secret_id}"
        )]
    );
    Ok(())
}

#[test]
fn rotation_changes_every_password_in_one_new_revision_that_followers_read() -> Result<(), TestError>
{
    let ctx = charm()?;
    let set = ctx.run_with(
        "set-password",
        json!({"password": "first-operator-password"}),
        &deployed(true),
    )?;
    let rotated = ctx.run_with("rotate-password", json!({}), &set.state)?;
    assert_eq!(rotated.results["users"], "backup operator replication");
    assert_eq!(
        rotated.log_messages(),
        ["rotated backup operator replication"]
    );

    let secret = rotated.state.secret_labelled("system-users").unwrap();
    assert_eq!(secret.latest_revision, 2);
    let passwords = secret.newest_content();
    assert_eq!(passwords.len(), 3);
    for (user, password) in passwords {
        assert_eq!(password.len(), 32, "{user}'s password");
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    }
    assert_ne!(passwords["operator"], "first-operator-password");
    let peers = rotated.state.relation_on("keeper-peers").unwrap();
    assert_eq!(peers.local_app_data["changes"], "2");
    assert_eq!(rotated.state.app_status.message, "3 passwords kept");

    // A unit that does not lead reads the newest revision.
    let follower = ctx.run_with(
        "get-password",
        json!({"username": "operator"}),
        &rotated.state.clone().leader(false),
    )?;
    assert_eq!(follower.results["password"], passwords["operator"].as_str());
    Ok(())
}

#[test]
fn only_the_leader_changes_passwords() -> Result<(), TestError> {
    let ctx = charm()?;
    for action in ["set-password", "rotate-password"] {
        let message = failure(ctx.run_with(action, json!({}), &deployed(false)));
        assert_eq!(
            message,
            format!(
                "{action} changes the application's passwords, which only the leader may do: \
                 run it on the leader unit (password-keeper/leader)"
            )
        );
    }
    Ok(())
}

#[test]
fn config_chooses_the_users_and_the_length_and_a_bad_value_names_its_option(
) -> Result<(), TestError> {
    let ctx = charm()?;
    let state = deployed(true)
        .config("system-users", json!("admin"))
        .config("password-length", json!(16))
        .config("rotation", json!("weekly"));
    let out = ctx.run_with("rotate-password", json!({}), &state)?;
    assert_eq!(out.results["users"], "admin");
    let secret = out.state.secret_labelled("system-users").unwrap();
    assert_eq!(secret.newest_content()["admin"].len(), 16);
    assert_eq!(secret.rotate, Some(charmbox::model::RotatePolicy::Weekly));

    let unknown = failure(ctx.run_with("set-password", json!({"username": "operator"}), &state));
    assert_eq!(
        unknown,
        r#"unknown user "operator": the system users are admin (config option "system-users")"#
    );
    let short = failure(ctx.run_with(
        "rotate-password",
        json!({}),
        &deployed(true).config("password-length", json!(8)),
    ));
    assert_eq!(
        short,
        r#"config option "password-length" is 8: it must be from 16 to 128"#
    );
    Ok(())
}

#[test]
fn get_password_before_any_is_set_says_what_to_run() -> Result<(), TestError> {
    let ctx = charm()?;
    let message = failure(ctx.run_with("get-password", json!({}), &deployed(false)));
    assert_eq!(
        message,
        "no passwords yet: run set-password or rotate-password on the leader unit"
    );
    // Without the peer relation there is nowhere to find the secret.
    let message = failure(ctx.run_with("get-password", json!({}), &State::default()));
    assert_eq!(
        message,
        r#"the peer relation "keeper-peers" is not there yet"#
    );
    Ok(())
}

#[test]
fn a_failed_change_keeps_the_model_as_it_was() -> Result<(), TestError> {
    let ctx = charm()?;
    let set = ctx.run_with("set-password", json!({"password": "kept"}), &deployed(true))?;
    // An unknown user fails after the leader check: nothing is written.
    let failed = ctx
        .run_with("set-password", json!({"username": "nobody"}), &set.state)
        .unwrap_err();
    let after = &failed.action_failed().unwrap().output.state;
    assert_eq!(
        after.secret_labelled("system-users"),
        set.state.secret_labelled("system-users")
    );
    assert_eq!(after.relations, set.state.relations);
    Ok(())
}
