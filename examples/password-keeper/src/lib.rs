//! `password-keeper`: an example charm for charmbox that keeps the passwords
//! of a database's system users in a Juju secret, with the actions Canonical's
//! database charms give operators — `get-password`, `set-password` and
//! `rotate-password`.
//!
//! - The passwords are one secret owned by the application, a key per user
//!   (`operator`, `replication`, …). Every unit can read it; only the leader
//!   changes it, as Juju requires.
//! - The peer relation's application databag is where the units find the
//!   secret (`secret-id`), and says how often and for whom it last changed.
//! - Config says which users there are, how long a generated password is and
//!   how often Juju asks for a rotation.
//!
//! - Hooks keep the unit's status true to its config and the secret
//!   (`blocked` with the reason when the config is wrong, `waiting` until
//!   the leader has made the passwords, `active` after), the leader makes
//!   the passwords when it is elected, and a client related on `database`
//!   is granted the secret and told its id and user in the relation's
//!   application databag. A client that relates before there are passwords
//!   is answered later: its event is deferred.
//!
//! Build with `cargo build --release --target wasm32-wasip2`.

use std::collections::BTreeMap;

use charmbox_sdk::{
    bail, ensure, Action, Context, Event, Model, ReadMode, Relation, Result, RotatePolicy, Secret,
    SecretOptions, Status,
};
use serde::{Deserialize, Serialize};

charmbox_sdk::charm!(
    get_password,
    set_password,
    rotate_password,
    install,
    leader_elected,
    config_changed,
    start,
    update_status,
    keeper_peers_relation_changed,
    database_relation_joined,
    database_relation_changed,
);

/// The peer endpoint in `charmcraft.yaml`.
const PEERS: &str = "keeper-peers";
/// The secret's label, as `juju secrets` shows it.
const SECRET_LABEL: &str = "system-users";

// ---------------------------------------------------------------------------
// Config.

/// The config options in `charmcraft.yaml`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Config {
    system_users: String,
    password_length: usize,
    rotation: RotatePolicy,
}

impl Config {
    /// The config, checked: an error names the option to fix.
    fn read(model: &Model) -> Result<Config> {
        let config: Config = model.config()?;
        ensure!(
            (16..=128).contains(&config.password_length),
            "config option \"password-length\" is {}: it must be from 16 to 128",
            config.password_length
        );
        ensure!(
            config.users().next().is_some(),
            "config option \"system-users\" names no user: give at least one"
        );
        Ok(config)
    }

    fn users(&self) -> impl Iterator<Item = &str> {
        self.system_users.split_whitespace()
    }

    /// `username`, if it is one of the system users.
    fn user<'a>(&self, username: &'a str) -> Result<&'a str> {
        if self.users().any(|user| user == username) {
            return Ok(username);
        }
        let known: Vec<&str> = self.users().collect();
        bail!(
            "unknown user {username:?}: the system users are {} (config option \"system-users\")",
            known.join(", ")
        )
    }
}

// ---------------------------------------------------------------------------
// The peer relation's application databag.

/// What the leader writes to the peer relation's application databag, and
/// every unit reads.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct Keeper {
    /// The secret holding the passwords, once there is one.
    secret_id: Option<String>,
    /// How many times the passwords have changed.
    changes: u32,
    /// The users whose passwords changed last.
    last_changed: Vec<String>,
}

/// The peer relation; Juju creates it when the application is deployed.
fn peers(model: &Model) -> Result<Relation> {
    model
        .relation(PEERS)?
        .with_context(|| format!("the peer relation {PEERS:?} is not there yet"))
}

// ---------------------------------------------------------------------------
// get-password

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GetPasswordParams {
    #[serde(default = "operator")]
    username: String,
}

fn operator() -> String {
    "operator".to_owned()
}

/// `juju run password-keeper/0 get-password username=replication`
fn get_password(action: &Action) -> Result<()> {
    let params: GetPasswordParams = action.params()?;
    let model = action.model();
    let username = Config::read(model)?.user(&params.username)?;

    // Any unit may read its own application's bag in a peer relation.
    let keeper: Keeper = peers(model)?.app_data().load()?;
    let Some(secret_id) = keeper.secret_id else {
        bail!("no passwords yet: run set-password or rotate-password on the leader unit");
    };
    // Refresh: this unit moves on to the newest revision the leader wrote.
    let mut passwords = model
        .secret_by_id(&secret_id)
        .get_content(ReadMode::Refresh)?;
    let Some(password) = passwords.remove(username) else {
        bail!("{username} has no password yet: run set-password username={username} on the leader unit");
    };
    action.set_result("password", password)
}

// ---------------------------------------------------------------------------
// set-password

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetPasswordParams {
    #[serde(default = "operator")]
    username: String,
    password: Option<String>,
}

/// What `set-password` and `rotate-password` report: never a password.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct Changed {
    /// The users whose passwords changed, separated by spaces.
    users: String,
    /// The secret that holds them.
    secret_id: String,
}

/// `juju run password-keeper/leader set-password username=operator password=…`
fn set_password(action: &Action) -> Result<()> {
    let params: SetPasswordParams = action.params()?;
    let model = action.model();
    require_leader(model, "set-password")?;
    let config = Config::read(model)?;
    let username = config.user(&params.username)?;
    let password = match params.password {
        Some(password) => {
            ensure!(!password.is_empty(), "password must not be empty");
            password
        }
        None => generate_password(config.password_length)?,
    };
    let changed = store(model, &config, [(username.to_owned(), password)].into())?;
    action.set_results(&changed)
}

// ---------------------------------------------------------------------------
// rotate-password

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotatePasswordParams {
    username: Option<String>,
}

/// `juju run password-keeper/leader rotate-password [username=…]`
fn rotate_password(action: &Action) -> Result<()> {
    let params: RotatePasswordParams = action.params()?;
    let model = action.model();
    require_leader(model, "rotate-password")?;
    let config = Config::read(model)?;
    let users: Vec<&str> = match &params.username {
        Some(username) => vec![config.user(username)?],
        None => config.users().collect(),
    };
    let mut passwords = BTreeMap::new();
    for user in users {
        passwords.insert(user.to_owned(), generate_password(config.password_length)?);
    }
    let changed = store(model, &config, passwords)?;
    action.log(format!("rotated {}", changed.users));
    action.set_results(&changed)
}

// ---------------------------------------------------------------------------
// Shared by set-password and rotate-password.

/// Only the leader may change the application's secret.
fn require_leader(model: &Model, action: &str) -> Result<()> {
    if model.unit().is_leader()? {
        return Ok(());
    }
    bail!(
        "{action} changes the application's passwords, which only the leader may do: run it on \
         the leader unit ({}/leader)",
        model.app().name()
    )
}

/// Writes `changed` passwords into the secret (creating it the first time)
/// as one new revision, and records the change in the peer databag.
fn store(model: &Model, config: &Config, changed: BTreeMap<String, String>) -> Result<Changed> {
    let peers = peers(model)?;
    let bag = peers.app_data();
    let mut keeper: Keeper = bag.load()?;

    let (secret, kept) = match &keeper.secret_id {
        Some(id) => {
            let secret = model.secret_by_id(id);
            // Peek: the newest content, whatever revision this unit tracks.
            let mut passwords = secret.get_content(ReadMode::Peek)?;
            passwords.extend(changed.clone());
            secret.set_content(&passwords)?;
            (secret, passwords.len())
        }
        None => (add_secret(model, config, &changed)?, changed.len()),
    };
    let secret_id = secret.id().context("the secret has no id")?.to_owned();
    let users = join(changed.keys());
    log::info!("passwords of {users} changed in secret {secret_id}");

    keeper.secret_id = Some(secret_id.clone());
    keeper.changes += 1;
    keeper.last_changed = changed.into_keys().collect();
    bag.save(&keeper)?;

    model
        .app()
        .set_status(Status::Active(format!("{kept} passwords kept")))?;
    Ok(Changed { users, secret_id })
}

/// The application's secret, created with the passwords in `content`.
fn add_secret(
    model: &Model,
    config: &Config,
    content: &BTreeMap<String, String>,
) -> Result<Secret> {
    let options = SecretOptions::new()
        .label(SECRET_LABEL)
        .description("passwords of the system users")
        .rotate(config.rotation);
    model.app().add_secret(content, options)
}

fn join<'a>(names: impl Iterator<Item = &'a String>) -> String {
    names.map(String::as_str).collect::<Vec<_>>().join(" ")
}

/// A password of `length` letters and digits from the host's secure random
/// source, each character equally likely.
fn generate_password(length: usize) -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    // The largest multiple of the alphabet's size that fits in a byte: bytes
    // at or above it are dropped, so no character is likelier than another.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut password = String::with_capacity(length);
    let mut bytes = [0u8; 64];
    while password.len() < length {
        getrandom::fill(&mut bytes)
            .map_err(|e| charmbox_sdk::anyhow!("cannot generate a password: {e}"))?;
        password.extend(
            bytes
                .iter()
                .filter(|&&b| b < limit)
                .map(|&b| ALPHABET[usize::from(b) % ALPHABET.len()] as char)
                .take(length - password.len()),
        );
    }
    Ok(password)
}

// ---------------------------------------------------------------------------
// Hooks.

/// `install`: nothing to install; say so while the rest comes.
fn install(event: &Event) -> Result<()> {
    event
        .model()
        .unit()
        .set_status(Status::Maintenance("installing"))
}

/// `leader-elected`: the new leader makes the passwords, if there are none
/// yet (or some user has none), then shows where things stand.
fn leader_elected(event: &Event) -> Result<()> {
    ensure_passwords(event.model())?;
    show_status(event.model())
}

/// `config-changed`: as `leader-elected` (a user added to `system-users`
/// gets a password).
fn config_changed(event: &Event) -> Result<()> {
    ensure_passwords(event.model())?;
    show_status(event.model())
}

/// `start`: the status, from the config and the secret.
fn start(event: &Event) -> Result<()> {
    show_status(event.model())
}

/// `update-status`: the status again.
fn update_status(event: &Event) -> Result<()> {
    show_status(event.model())
}

/// The leader wrote the peer databag: the secret may be there now.
fn keeper_peers_relation_changed(event: &Event) -> Result<()> {
    show_status(event.model())
}

/// A client joined: share the operator's password with it.
fn database_relation_joined(event: &Event) -> Result<()> {
    share_password(event)
}

/// A client changed its data: share again (the secret may be new).
fn database_relation_changed(event: &Event) -> Result<()> {
    share_password(event)
}

/// On the leader: grants the client's application the secret, and writes
/// its id and the user to the relation's application databag. Deferred
/// while there are no passwords yet.
fn share_password(event: &Event) -> Result<()> {
    let model = event.model();
    if !model.unit().is_leader()? {
        return Ok(());
    }
    let relation = event
        .relation()
        .with_context(|| format!("{} has no relation", event.name()))?;
    let keeper: Keeper = peers(model)?.app_data().load()?;
    let Some(secret_id) = keeper.secret_id else {
        log::info!("no passwords yet: {} deferred", event.name());
        return event.defer();
    };
    model.secret_by_id(&secret_id).grant(&relation)?;
    let bag = relation.app_data();
    bag.set("secret-id", &secret_id)?;
    bag.set("username", "operator")?;
    log::info!(
        "shared the operator's password with {}",
        relation.remote_app()?
    );
    Ok(())
}

/// On the leader, with a sound config: a password for each system user
/// that has none.
fn ensure_passwords(model: &Model) -> Result<()> {
    if !model.unit().is_leader()? {
        return Ok(());
    }
    let Ok(config) = Config::read(model) else {
        // show_status says what is wrong.
        return Ok(());
    };
    let keeper: Keeper = peers(model)?.app_data().load()?;
    let existing = match &keeper.secret_id {
        Some(id) => model.secret_by_id(id).get_content(ReadMode::Peek)?,
        None => BTreeMap::new(),
    };
    let mut missing = BTreeMap::new();
    for user in config.users().filter(|u| !existing.contains_key(*u)) {
        missing.insert(user.to_owned(), generate_password(config.password_length)?);
    }
    if !missing.is_empty() {
        store(model, &config, missing)?;
    }
    Ok(())
}

/// The unit's status: `blocked` with what is wrong in the config,
/// `waiting` until there are passwords, else `active`.
fn show_status(model: &Model) -> Result<()> {
    let unit = model.unit();
    let config = match Config::read(model) {
        Ok(config) => config,
        Err(e) => return unit.set_status(Status::Blocked(format!("{e:#}"))),
    };
    let keeper: Keeper = peers(model)?.app_data().load()?;
    if keeper.secret_id.is_none() {
        return unit.set_status(Status::Waiting(
            "waiting for the leader to make the passwords",
        ));
    }
    let users = config.users().count();
    unit.set_status(Status::Active(format!("keeping {users} passwords")))
}
