//! Juju, in one place: everything charmbox does on a real Juju unit.
//!
//! - [`tools`]: running Juju's hook tools as processes, each call bounded;
//! - [`backend`]: the [`crate::action::ActionBackend`] that carries an
//!   action's calls to those tools;
//! - [`model`]: the [`crate::model::ModelBackend`] that carries the rest of
//!   the model (config, status, relations, secrets, ...) to them, and
//!   [`read_cache`], which makes each of its reads once per run;
//! - [`context`]: the `JUJU_*` environment a charm process is given;
//! - [`dispatch`]: what a packed charm's `dispatch` runs for each hook and
//!   action;
//! - [`pack`]: laying out a charm directory Juju can deploy.
//!
//! The rest of the library knows nothing of Juju's processes: a run talks to
//! a backend, and this module supplies the one that talks to Juju.

pub mod backend;
pub mod context;
pub mod dispatch;
pub mod model;
pub mod pack;
pub mod read_cache;
pub mod tools;

pub use backend::JujuBackend;
pub use context::{JujuContext, JujuContextError};
pub use dispatch::{dispatch, DispatchOptions, DispatchOutcome, DispatchPath};
pub use model::JujuModel;
pub use pack::{pack, PackError, PackOptions, PackReport};
pub use read_cache::ReadCache;
pub use tools::{HookToolError, HookTools, LogLevel, ToolOutput, DEFAULT_TOOL_TIMEOUT};
