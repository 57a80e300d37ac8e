//! Write [Juju] charm actions in plain Rust and run them under charmbox as
//! WebAssembly components: no WIT, no `unsafe`.
//!
//! A charm is a `cdylib` crate built with `cargo build --target wasm32-wasip2`.
//! Each action is a function taking an [`Action`] and returning a
//! [`Result`]; the [`charm!`] macro exports them under their action names.
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
//! # Example
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
//! [Juju]: https://juju.is

#![warn(missing_docs)]

mod action;
mod bindings;
mod flatten;

pub use action::Action;
pub use anyhow::{anyhow, bail, ensure, Context, Error, Result};

/// Exports action handlers as the charm's actions.
///
/// Invoke it once, at module level (normally the crate root), with the
/// handlers, each a path to a `fn(&Action) -> Result<(), E>` where `E`
/// converts into [`Error`] (any `std::error::Error + Send + Sync`, or
/// [`Error`] itself):
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

    use crate::{Action, Error};

    /// Runs one action handler: builds its [`Action`] and turns an error into
    /// the `string` the host expects, context chain included.
    pub fn run_handler<F, E>(export_name: &'static str, handler: F) -> Result<(), String>
    where
        F: FnOnce(&Action) -> Result<(), E>,
        E: Into<Error>,
    {
        let action = Action::new(export_name);
        handler(&action).map_err(|e| format!("{:#}", e.into()))
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
