//! Write [Juju] charms in plain Rust and run them under charmbox as
//! WebAssembly components: no WIT, no `unsafe`.
//!
//! A charm is a `cdylib` crate built with `cargo build --target wasm32-wasip2`.
//! Each action is a function taking an [`Action`] and returning a
//! [`Result`]; the [`charm!`] macro exports them under their action names.
//! Through [`Action::model`] a handler reaches everything else Juju gives a
//! charm's code, in the shape `ops` gives it to Python:
//!
//! | `ops` | `charmbox-sdk` |
//! |---|---|
//! | `self.config["port"]` | [`model.config::<Config>()?.port`](Model::config), [`model.config_option("port")`](Model::config_option) |
//! | `self.unit.is_leader()` | [`model.unit().is_leader()?`](Unit::is_leader) |
//! | `self.unit.status = ActiveStatus("ready")` | [`model.unit().set_status(Status::Active("ready"))?`](Unit::set_status) |
//! | `self.app.status = BlockedStatus("…")` | [`model.app().set_status(Status::Blocked("…"))?`](App::set_status) |
//! | `self.unit.set_workload_version("16")` | [`model.unit().set_workload_version("16")?`](Unit::set_workload_version) |
//! | `logger.info("…")` | `log::info!("…")` |
//! | `self.model.get_relation("db")` | [`model.relation("db")?`](Model::relation) |
//! | `relation.data[self.app]["k"] = "v"` | [`relation.app_data().set("k", "v")?`](LocalDatabag::set) |
//! | `relation.data[relation.app]` | [`relation.remote_app_data()?.load::<T>()?`](Databag::load) |
//! | `self.model.get_secret(id=…)` | [`model.secret_by_id(id)`](Model::secret_by_id), [`model.secret_by_label(label)`](Model::secret_by_label) |
//! | `secret.get_content(refresh=True)` | [`secret.get_content(ReadMode::Refresh)?`](Secret::get_content) |
//! | `self.app.add_secret({…}, label=…)` | [`model.app().add_secret(&content, SecretOptions::new().label(…))?`](App::add_secret) |
//! | `self.unit.open_port("tcp", 8080)` | [`model.unit().open_port(PortRange::tcp(8080))?`](Unit::open_port) |
//! | `StoredState` | [`model.state()`](Model::state) |
//! | `event.relation`, `event.unit`, `event.defer()` | [`model.event()`](Model::event): [`relation()`](Event::relation), [`remote_unit()`](Event::remote_unit), [`defer()`](Event::defer) |
//!
//! # Actions
//!
//! - Read params with [`Action::params`] (typed, through serde) or
//!   [`Action::param`] (one dotted path).
//! - Report with [`Action::log`], [`Action::set_results`] /
//!   [`Action::set_result`] and [`Action::fail`].
//! - Returning `Err` fails the action with the error, its context chain
//!   included (`"reading config: file not found"`).
//! - What the handler prints to stdout and stderr is captured by the host and
//!   returned with the results.
//!
//! `Cargo.toml`:
//!
//! ```toml
//! [package]
//! name = "hello"
//! version = "0.1.0"
//! edition = "2021"
//!
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! charmbox-sdk = "0.1"
//! log = "0.4"
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! ```
//!
//! `src/lib.rs`:
//!
//! ```no_run
//! use charmbox_sdk::{bail, Action, Result};
//! use serde::{Deserialize, Serialize};
//!
//! // Exports `greet` and `check-disk`, the names in charmcraft.yaml.
//! charmbox_sdk::charm!(greet, check_disk);
//!
//! #[derive(Deserialize)]
//! struct GreetParams {
//!     name: String,
//!     // Optional params default here too, so the handler does not depend on
//!     // the host filling in the schema's defaults.
//!     #[serde(default)]
//!     uppercase: bool,
//! }
//!
//! #[derive(Serialize)]
//! struct Greeting {
//!     text: String,
//!     length: usize,
//! }
//!
//! fn greet(action: &Action) -> Result<()> {
//!     let params: GreetParams = action.params()?;
//!     action.log(format!("greeting {}", params.name));
//!     let mut text = format!("Hello, {}!", params.name);
//!     if params.uppercase {
//!         text = text.to_uppercase();
//!     }
//!     let length = text.chars().count();
//!     // Sets `greeting.text` and `greeting.length`.
//!     action.set_results(&serde_json::json!({
//!         "greeting": Greeting { text, length },
//!     }))
//! }
//!
//! fn check_disk(action: &Action) -> Result<()> {
//!     let Some(path) = action.param::<String>("path")? else {
//!         bail!("path is required");
//!     };
//!     if path.is_empty() {
//!         // Fails the action with this message.
//!         bail!("path must not be empty");
//!     }
//!     action.set_result("path", path)
//! }
//! # fn main() {}
//! ```
//!
//! Build with `cargo build --release --target wasm32-wasip2`; the component
//! is `target/wasm32-wasip2/release/hello.wasm`. It imports
//! `juju:charm/action@0.2.0` and exports one `func() -> result<_, string>`
//! per action.
//!
//! # The model
//!
//! [`Action::model`] gives the [`Model`]: this [`Unit`] and its [`App`],
//! config, relations, secrets, the unit's [`State`], the [`Event`] and the
//! debug log. Each call is one of Juju's hook tools, with Juju's rules:
//! when Juju refuses (this unit is not the leader, no such relation,
//! permission denied), the call returns an [`Error`] that says what was
//! being done and Juju's reason —
//! `cannot set the application's status to active: ready: this unit is not
//! the leader` — and the handler decides what to do; with `?` the action
//! fails with that message.
//!
//! A component imports only the interfaces its code calls, and `charmbox
//! check` lists them in words ("reads config; reads and writes relation
//! data; …"): a charm that never touches secrets cannot reach them.
//!
//! ## Config
//!
//! [`Model::config`] reads the whole config into a serde struct, one field
//! per option of `charmcraft.yaml`'s `config:`; [`Model::config_option`]
//! reads one. An error names the option that did not fit.
//!
//! ```no_run
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "kebab-case")]
//! struct Config {
//!     port: u16,              // type: int
//!     tls: bool,              // type: boolean
//!     admin_user: String,     // type: string
//!     backup_bucket: Option<String>, // no default: absent until set
//! }
//!
//! # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
//! let config: Config = model.config()?;
//! # Ok(()) }
//! ```
//!
//! ## Leadership and status
//!
//! [`Unit::is_leader`]; [`Status`] is an enum, `Status::Active("ready")`,
//! set on the unit ([`Unit::set_status`]) or, by the leader, on the
//! application ([`App::set_status`]); [`Unit::set_workload_version`].
//!
//! ```no_run
//! use charmbox_sdk::Status;
//! # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
//! let unit = model.unit();
//! unit.set_status(Status::Maintenance("configuring"))?;
//! if unit.is_leader()? {
//!     model.app().set_status(Status::Active(""))?;
//! }
//! unit.set_status(Status::Active("ready"))?;
//! # Ok(()) }
//! ```
//!
//! ## The debug log
//!
//! The SDK installs a logger for the [`log`](https://docs.rs/log) crate
//! before the first handler runs, so `log::info!` and friends write to
//! Juju's debug log (`juju-log`; `juju debug-log` shows it) — as `ops`
//! installs a handler for Python's `logging`:
//!
//! ```no_run
//! # fn f(model: &charmbox_sdk::Model) {
//! log::info!("configured {} workers", 4);
//! log::warn!("option {:?} is deprecated", "tls-mode");
//! # }
//! ```
//!
//! Why the `log` crate and no macro of the SDK's own: it is Rust's common
//! logging facade, so the crates a charm uses log to Juju too, with no
//! second set of macros to learn; and an SDK macro could do nothing the
//! facade does not. `log`'s levels map onto Juju's (`warn!` is `WARNING`);
//! for `CRITICAL`, which `log` lacks, call [`Model::juju_log`]. The
//! logger starts at `debug`, as `ops` does: every line is a host call,
//! counted against the run's bound on model calls, so `trace` is yours to
//! turn on (`log::set_max_level(log::LevelFilter::Trace)`). `log` is
//! re-exported as `charmbox_sdk::log` for charms that do not depend on it.
//!
//! [`Action::log`] is something else: progress the operator sees with the
//! action's results.
//!
//! ## Unit state
//!
//! [`Model::state`] is this unit's key/value store, kept by Juju between
//! hooks: typed [`get`](State::get)/[`set`](State::set) of single values,
//! or [`load`](State::load)/[`save`](State::save) of a whole struct.
//!
//! ```no_run
//! # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
//! let state = model.state();
//! let restarts: u32 = state.get("restarts")?.unwrap_or(0);
//! state.set("restarts", &(restarts + 1))?;
//! # Ok(()) }
//! ```
//!
//! ## Relations
//!
//! [`Model::relations`] lists an endpoint's relations, [`Model::relation`]
//! gives the one there is (a peer relation). A [`Relation`] has remote
//! [`units`](Relation::units) and a [`remote_app`](Relation::remote_app),
//! and a databag per member: this unit's and this application's are
//! [`LocalDatabag`]s (read and write; the application's by the leader),
//! the remote ones [`Databag`]s (read only). Read a bag into a serde struct
//! with [`load`](Databag::load); write pairs with
//! [`set`](LocalDatabag::set) or a struct with
//! [`save`](LocalDatabag::save). An empty value deletes its key.
//!
//! ```no_run
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! #[serde(rename_all = "kebab-case")]
//! struct Cluster { primary: String, members: Vec<String> }
//!
//! # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
//! if let Some(peers) = model.relation("cluster")? {
//!     let mut members = peers.units()?;
//!     members.push(model.unit().name().to_owned());
//!     if model.unit().is_leader()? {
//!         let primary = model.unit().name().to_owned();
//!         peers.app_data().save(&Cluster { primary, members })?;
//!     }
//!     let cluster: Cluster = peers.app_data().load()?;
//! }
//! # Ok(()) }
//! ```
//!
//! ## Secrets
//!
//! A [`Secret`] by [id](Model::secret_by_id) or
//! [label](Model::secret_by_label); its content as a map
//! ([`get_content`](Secret::get_content)) or a serde struct
//! ([`load`](Secret::load)), of the revision the [`ReadMode`] picks
//! (tracked, peek, refresh). [`App::add_secret`] and [`Unit::add_secret`]
//! create one, with [`SecretOptions`] (label, description, expiry,
//! rotation); the owner [sets a new revision](Secret::set_content),
//! changes its [options](Secret::set_info), reads its
//! [info](Secret::info), [grants](Secret::grant) and
//! [revokes](Secret::revoke) it to a relation or one of its units, and
//! [removes](Secret::remove_all_revisions) it.
//!
//! ```no_run
//! use std::collections::BTreeMap;
//! use charmbox_sdk::{bail, ReadMode, RotatePolicy, SecretOptions};
//! # fn f(model: &charmbox_sdk::Model, new_password: String) -> charmbox_sdk::Result<()> {
//! let Some(peers) = model.relation("peers")? else { bail!("no peer relation yet") };
//! let content = BTreeMap::from([("password", new_password)]);
//! // The leader keeps the secret's id in the peer relation's application bag.
//! match peers.app_data().get::<String>("secret-id")? {
//!     Some(id) => model.secret_by_id(&id).set_content(&content)?,
//!     None => {
//!         let options = SecretOptions::new().label("admin").rotate(RotatePolicy::Monthly);
//!         let secret = model.app().add_secret(&content, options)?;
//!         peers.app_data().set("secret-id", secret.id().unwrap_or_default())?;
//!     }
//! }
//! // Any unit reads it; Refresh moves it on to the newest revision.
//! let current = model.secret_by_label("admin").get_content(ReadMode::Refresh)?;
//! # Ok(()) }
//! ```
//!
//! ## Ports
//!
//! [`Unit::open_port`], [`Unit::close_port`] and [`Unit::opened_ports`],
//! with a [`PortRange`]: `PortRange::tcp(8080)`, `PortRange::udp_range(…)`,
//! `PortRange::icmp()`.
//!
//! ## The event
//!
//! [`Model::event`] is what the handler runs for: its name and, for a
//! hook, the relation, the remote unit and application, the departing
//! unit, the secret and its revision, the storage, the workload. An
//! action's event has only its name. [`Event::defer`] defers a hook; in an
//! action it is an error, as actions cannot be deferred.
//!
//! ## Values in databags, state and secrets
//!
//! Juju keeps relation data, a unit's state and a secret's content as maps
//! of strings. The SDK reads and writes typed values in them by one rule:
//! a string is kept as it is (`host: 10.0.0.1`), so charms written with
//! other SDKs read what they expect; a number or a boolean as its text
//! (`port: 5432`, `tls: true`); a list, a map, a nested struct or an enum
//! with data as JSON (`members: ["a/0","a/1"]`); a unit enum variant as
//! its name (`mode: fast`); `None` as no value (writing it removes the
//! key). Reading is led by the type asked for: a `String` takes the text as
//! it is, a `u16` parses it, a `Vec` reads it as JSON. Booleans are `true`
//! and `false` only (not Python's `True`).
//!
//! Juju deletes a databag key set to the empty string, so an empty
//! `String` field does not read back: give it `#[serde(default)]` or make
//! it an `Option`.
//!
//! # Features
//!
//! - `log` (on by default): the logger for the `log` crate described
//!   above. A charm built without it (`default-features = false`) imports
//!   `juju:charm/log` only if it calls [`Model::juju_log`].
//!
//! [Juju]: https://juju.is

#![warn(missing_docs)]

mod action;
mod bindings;
mod config;
mod event;
mod flatten;
mod json;
mod juju_log;
mod model;
mod ports;
mod relation;
mod secret;
mod state;
mod status;
mod unit;
mod values;

pub use action::Action;
pub use anyhow::{anyhow, bail, ensure, Context, Error, Result};
pub use event::Event;
pub use juju_log::LogLevel;
#[cfg(feature = "log")]
#[doc(no_inline)]
pub use log;
pub use model::Model;
pub use ports::{PortRange, Protocol};
pub use relation::{Databag, LocalDatabag, Relation, RelationId};
pub use secret::{ReadMode, RotatePolicy, Secret, SecretInfo, SecretOptions, SecretOwner};
pub use state::State;
pub use status::Status;
pub use unit::{App, Unit};

/// Exports action and hook handlers as the charm's actions and hooks.
///
/// Invoke it once, at module level (normally the crate root), with the
/// handlers, each a path to a `fn(&Action) -> Result<(), E>` (an action)
/// or a `fn(&Event) -> Result<(), E>` (a hook: `install`,
/// `config-changed`, `db-relation-changed`…, named as Juju names it),
/// where `E` converts into [`Error`] (any `std::error::Error + Send +
/// Sync`, or [`Error`] itself):
///
/// ```no_run
/// use charmbox_sdk::{Action, Event, Result, Status};
///
/// fn get_password(action: &Action) -> Result<()> { Ok(()) }
///
/// // A hook: the event says what it concerns; `event.defer()` runs it
/// // again before the next event.
/// fn db_relation_changed(event: &Event) -> Result<()> {
///     let Some(unit) = event.remote_unit() else { return Ok(()) };
///     event.model().unit().set_status(Status::Active(&format!("serving {unit}")))
/// }
///
/// charmbox_sdk::charm!(get_password, db_relation_changed);
/// # fn main() {}
/// ```
///
/// Exports of both kinds:
///
/// ```no_run
/// # use charmbox_sdk::{Action, Result};
/// # fn greet(_: &Action) -> Result<()> { Ok(()) }
/// # fn restore_snapshot(_: &Action) -> Result<()> { Ok(()) }
/// # mod handlers {
/// #     pub fn snapshot_database(_: &charmbox_sdk::Action) -> std::io::Result<()> { Ok(()) }
/// # }
/// // Exports `greet`, `snapshot-database` and `restore`.
/// charmbox_sdk::charm!(greet, handlers::snapshot_database, "restore" => restore_snapshot);
/// # fn main() {}
/// ```
///
/// An action is exported under the function's name with `_` turned into `-`
/// (`snapshot_database` → `snapshot-database`), or under the name given with
/// `"name" => path`. Names must be valid Juju action names that are also
/// component export names: lowercase letters, digits and hyphens, starting
/// with a letter, not ending with a hyphen, no `--`, and each hyphen-separated
/// word starting with a letter; and not `memory`, which the core module's
/// memory export takes. Bad or duplicate names are compile errors.
///
/// ```compile_fail
/// # fn greet(_: &charmbox_sdk::Action) -> charmbox_sdk::Result<()> { Ok(()) }
/// // error: invalid action name "Greet": it contains 'G'; only lowercase
/// // letters, digits and hyphens are allowed
/// charmbox_sdk::charm!("Greet" => greet);
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # fn greet(_: &charmbox_sdk::Action) -> charmbox_sdk::Result<()> { Ok(()) }
/// // error: duplicate action name "greet": each action is exported once
/// charmbox_sdk::charm!(greet, "greet" => greet);
/// # fn main() {}
/// ```
///
/// When the host calls an action, the SDK builds its [`Action`], runs the
/// handler and, if it returns `Err(e)`, fails the action with `e` and its
/// context chain (`format!("{e:#}")`). A panic aborts the component: the
/// host reports the action as failed.
pub use charmbox_sdk_macros::charm;

/// Support for the code [`charm!`] generates. Not public API: it may change
/// in any release.
#[doc(hidden)]
pub mod __private {
    pub use wit_bindgen;

    use crate::{Action, Error, Event, Model};

    /// Marks a handler of an action: a `fn(&Action) -> Result<(), E>`.
    pub struct ActionKind;
    /// Marks a handler of a hook: a `fn(&Event) -> Result<(), E>`.
    pub struct HookKind;

    /// A handler [`charm!`](crate::charm) exports: of an action or of a
    /// hook, told apart by the type of its argument.
    pub trait Handler<Kind, E> {
        /// Runs it for the export `export_name`.
        fn call(self, export_name: &'static str) -> Result<(), E>;
    }

    impl<F, E> Handler<ActionKind, E> for F
    where
        F: FnOnce(&Action) -> Result<(), E>,
    {
        fn call(self, export_name: &'static str) -> Result<(), E> {
            self(&Action::new(export_name))
        }
    }

    impl<F, E> Handler<HookKind, E> for F
    where
        F: FnOnce(&Event) -> Result<(), E>,
    {
        fn call(self, _export_name: &'static str) -> Result<(), E> {
            self(&Event::new(Model::new()))
        }
    }

    /// Runs one handler: builds its [`Action`] (or, for a hook, its
    /// [`Event`]) and turns an error into the `string` the host expects,
    /// context chain included.
    pub fn run_handler<K, E, H>(export_name: &'static str, handler: H) -> Result<(), String>
    where
        H: Handler<K, E>,
        E: Into<Error>,
    {
        crate::juju_log::install_logger();
        handler
            .call(export_name)
            .map_err(|e| format!("{:#}", e.into()))
    }

    #[cfg(test)]
    mod tests {
        use super::run_handler;
        use crate::{bail, Action, Context, Result};

        fn ok(_: &Action) -> Result<()> {
            Ok(())
        }

        fn chained(_: &Action) -> Result<()> {
            Err(crate::anyhow!("disk full")).context("writing snapshot")
        }

        fn plain(_: &Action) -> Result<()> {
            bail!("path must not be empty")
        }

        fn io_error(_: &Action) -> Result<(), std::io::Error> {
            Err(std::io::Error::other("permission denied"))
        }

        #[test]
        fn ok_is_ok() {
            assert_eq!(run_handler("ok", ok), Ok(()));
        }

        #[test]
        fn errors_keep_their_context_chain() {
            assert_eq!(
                run_handler("snap", chained),
                Err("writing snapshot: disk full".to_owned())
            );
            assert_eq!(
                run_handler("check", plain),
                Err("path must not be empty".to_owned())
            );
            assert_eq!(
                run_handler("io", io_error),
                Err("permission denied".to_owned())
            );
        }

        #[test]
        fn action_name_falls_back_to_the_export_name() {
            let seen = run_handler("fallback-name", |a: &Action| -> Result<()> {
                let expected = std::env::var("JUJU_ACTION_NAME")
                    .unwrap_or_else(|_| "fallback-name".to_owned());
                crate::ensure!(a.name() == expected, "name {}", a.name());
                Ok(())
            });
            assert_eq!(seen, Ok(()));
        }
    }
}
