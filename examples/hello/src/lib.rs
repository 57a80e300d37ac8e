//! `hello`: an example charm for charmbox, and the model to copy.
//!
//! Each action is a plain function taking the running [`Action`] and
//! returning a [`Result`]; each hook, one taking the [`Event`]. The `charm!`
//! line below exports them to charmbox under their names, the names declared
//! in `charmcraft.yaml` (actions) or Juju's (hooks). The hooks keep the
//! unit's status: `maintenance` while installing, then `active` with the
//! language its config names and how many friends (peer units) it has, or
//! `blocked` with what is wrong in the config. Build with:
//!
//! ```sh
//! cargo build --release --target wasm32-wasip2
//! ```

use charmbox_sdk::{bail, ensure, Action, Event, Model, Result, Status};
use serde::{Deserialize, Serialize};

// Exports the actions `greet`, `snapshot-database`, `restore-snapshot`,
// `check-disk` and `ping`, and the hooks `install`, `config-changed`,
// `start`, `friends-relation-joined` and `friends-relation-departed`: a
// function's name with `_` turned into `-`. To export under another name,
// write `"other-name" => function`.
charmbox_sdk::charm!(
    greet,
    snapshot_database,
    restore_snapshot,
    check_disk,
    ping,
    install,
    config_changed,
    start,
    friends_relation_joined,
    friends_relation_departed,
);

// ---------------------------------------------------------------------------
// greet: typed params, nested results.

/// The params of `greet`, as declared in `charmcraft.yaml`.
///
/// Juju fills in the schema's defaults before the action runs, but the
/// handler does not rely on it: `#[serde(default)]` gives the same defaults.
/// `deny_unknown_fields` matches `additionalProperties: false`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GreetParams {
    name: String,
    #[serde(default)]
    language: Language,
    #[serde(default)]
    style: Style,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Language {
    #[default]
    En,
    Fr,
    De,
}

impl Language {
    fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
            Language::De => "de",
        }
    }

    fn hello(self) -> &'static str {
        match self {
            Language::En => "Hello",
            Language::Fr => "Bonjour",
            Language::De => "Hallo",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Style {
    uppercase: bool,
    punctuation: String,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            uppercase: false,
            punctuation: "!".to_owned(),
        }
    }
}

/// The results of `greet`. Nested structs become dotted keys:
/// `greeting.text`, `greeting.language` and `length`.
#[derive(Debug, Serialize)]
struct GreetResults {
    greeting: Greeting,
    length: usize,
}

#[derive(Debug, Serialize)]
struct Greeting {
    text: String,
    language: &'static str,
}

/// `juju run hello/0 greet name=Ada language=fr`
fn greet(action: &Action) -> Result<()> {
    // A param that does not fit fails the action with a message naming it.
    let params: GreetParams = action.params()?;
    let language = params.language.code();
    action.log(format!("greeting {} in {language}", params.name));

    let mut text = format!(
        "{}, {}{}",
        params.language.hello(),
        params.name,
        params.style.punctuation
    );
    if params.style.uppercase {
        text = text.to_uppercase();
    }
    let length = text.chars().count();
    action.set_results(&GreetResults {
        greeting: Greeting { text, language },
        length,
    })
}

// ---------------------------------------------------------------------------
// snapshot-database: progress logs, stdout, numbers in results.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotParams {
    filename: String,
    #[serde(default = "default_steps")]
    steps: u32,
}

fn default_steps() -> u32 {
    3
}

#[derive(Debug, Serialize)]
struct SnapshotResults<'a> {
    snapshot: Snapshot<'a>,
}

#[derive(Debug, Serialize)]
struct Snapshot<'a> {
    filename: &'a str,
    // A number; results are strings, so this is set as "3".
    steps: u32,
}

/// `juju run hello/0 snapshot-database filename=db.snap steps=3`
///
/// An example only: it writes no file.
fn snapshot_database(action: &Action) -> Result<()> {
    let params: SnapshotParams = action.params()?;
    let steps = params.steps;
    // The schema says 1..=10 and Juju checks it; check anyway.
    ensure!(
        (1..=10).contains(&steps),
        "steps must be between 1 and 10, not {steps}"
    );

    for step in 1..=steps {
        // Each log line reaches the operator while the action runs.
        action.log(format!("step {step}/{steps}: writing {}", params.filename));
    }
    // What the handler prints is captured and returned with the results.
    println!("snapshot written to {}", params.filename);

    action.set_results(&SnapshotResults {
        snapshot: Snapshot {
            filename: &params.filename,
            steps,
        },
    })
}

// ---------------------------------------------------------------------------
// restore-snapshot: failing without stopping, partial results.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RestoreParams {
    filename: String,
}

/// `juju run hello/0 restore-snapshot filename=db.snap`
fn restore_snapshot(action: &Action) -> Result<()> {
    let RestoreParams { filename } = action.params()?;

    if !filename.ends_with(".snap") {
        // Results set before failing are kept...
        action.set_results(&serde_json::json!({ "checked": { "filename": filename } }))?;
        // ...`fail` marks the action failed but does not stop the handler...
        action.fail(format!(
            "cannot restore {filename}: not a snapshot (expected a .snap file)"
        ));
        // ...and results set after failing are kept too.
        action.set_result("checked.valid", "false")?;
        return Ok(());
    }

    action.log(format!("restoring {filename}"));
    action.set_result("restored", &filename)
}

// ---------------------------------------------------------------------------
// check-disk: returning an error fails the action with its message.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckDiskParams {
    path: String,
}

/// `juju run hello/0 check-disk path=/var/lib/db`
///
/// An example only: it checks that a path was given and reports it back.
fn check_disk(action: &Action) -> Result<()> {
    let CheckDiskParams { path } = action.params()?;
    if path.is_empty() {
        // `bail!` returns an error: the action fails with this message.
        bail!("path must not be empty");
    }
    action.set_result("path", path)
}

// ---------------------------------------------------------------------------
// ping: nothing at all.

/// `juju run hello/0 ping`
///
/// Does nothing and succeeds: shows the charm answers. Benchmarks use it as
/// the cost of a sandbox with no work in it.
fn ping(_action: &Action) -> Result<()> {
    Ok(())
}

// ---------------------------------------------------------------------------
// Hooks: the unit's status.

/// The peer endpoint in `charmcraft.yaml`.
const FRIENDS: &str = "friends";

/// `install`: nothing to install; say so while the rest comes.
fn install(event: &Event) -> Result<()> {
    event
        .model()
        .unit()
        .set_status(Status::Maintenance("installing"))
}

/// `config-changed`: the status, from the config.
fn config_changed(event: &Event) -> Result<()> {
    show_status(event.model())
}

/// `start`: the status, from the config.
fn start(event: &Event) -> Result<()> {
    show_status(event.model())
}

/// A peer unit joined: one more friend.
fn friends_relation_joined(event: &Event) -> Result<()> {
    show_status(event.model())
}

/// A peer unit left (or this one is leaving): one friend fewer.
fn friends_relation_departed(event: &Event) -> Result<()> {
    show_status(event.model())
}

/// `active` with the configured language and the number of friends, or
/// `blocked` with what is wrong in the config.
fn show_status(model: &Model) -> Result<()> {
    let unit = model.unit();
    let language: Option<String> = model.config_option("language")?;
    let language = language.unwrap_or_else(|| "en".to_owned());
    if !["en", "fr", "de"].contains(&language.as_str()) {
        return unit.set_status(Status::Blocked(format!(
            "config option \"language\" is {language:?}: it must be en, fr or de"
        )));
    }
    let friends = match model.relation(FRIENDS)? {
        Some(peers) => peers.units()?.len(),
        None => 0,
    };
    unit.set_status(Status::Active(format!(
        "ready to greet in {language}, {friends} friends"
    )))
}
