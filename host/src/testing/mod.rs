//! Testing charms, in the manner of `ops.testing`: load a built charm, run
//! its actions with params, and assert on what they reported.
//!
//! ```no_run
//! use charmbox::testing::{Context, TestError};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), TestError> {
//! // Builds the crate to wasm32-wasip2 (cargo caches it) and loads it with the
//! // charmcraft.yaml beside its Cargo.toml.
//! let ctx = Context::for_crate(env!("CARGO_MANIFEST_DIR"))?;
//!
//! let out = ctx.run("greet", json!({"name": "Ada"}))?;
//! assert_eq!(out.results["greeting"]["text"], "Hello, Ada!");
//! assert_eq!(out.log_messages(), ["greeting Ada in en"]);
//!
//! // A failed action is an error carrying everything it reported.
//! let failed = ctx.run_failing("restore-snapshot", json!({"filename": "x.tar"}))?;
//! assert!(failed.message.starts_with("cannot restore x.tar"));
//! assert_eq!(failed.output.results["checked"]["valid"], "false");
//! # Ok(())
//! # }
//! ```
//!
//! Params are validated against the action's schema and defaults filled in,
//! exactly as `charmbox run` does. The component is compiled once per
//! process; each [`Context::run`] is a fresh sandbox whose `/data` is the
//! context's own temporary [`Context::data_dir`].
//!
//! The pieces: [`Context`] loads a charm and runs its actions
//! ([`context`]); what a run reports is an [`ActionOutput`], or an
//! [`ActionFailed`] inside a [`TestError`] ([`output`], [`error`]); a charm
//! crate is built to `wasm32-wasip2` by [`build_crate`] ([`build`]), which
//! charmbox's own tests and benchmarks use too.

pub mod build;
mod context;
pub mod error;
mod load;
pub mod output;
mod tempdir;

pub use build::{build_crate, BuildError, CrateBuild, BUILD_SUBDIR, WASM_TARGET};
pub use context::Context;
pub use error::{InvalidParams, TestError};
pub use output::{ActionFailed, ActionOutput};

/// How the testing API says to raise a limit a run hit.
pub(crate) const LIMIT_HINTS: crate::run::LimitHints = crate::run::LimitHints {
    timeout: "raise the limit with `Context::with_limits`",
    memory: "raise it with `Context::with_limits`",
    disk: "raise it with `Context::with_limits`",
};

#[cfg(test)]
mod tests;
