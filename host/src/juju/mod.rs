//! Juju, in one place: everything charmbox does on a real Juju unit.
//!
//! - [`tools`]: running Juju's hook tools as processes, each call bounded;
//! - [`backend`]: the [`crate::action::ActionBackend`] that carries an
//!   action's calls to those tools;
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
pub mod pack;
pub mod tools;

pub use backend::JujuBackend;
pub use context::{JujuContext, JujuContextError};
pub use dispatch::{dispatch, DispatchOptions, DispatchOutcome, DispatchPath};
pub use pack::{pack, PackError, PackOptions, PackReport};
pub use tools::{HookToolError, HookTools, LogLevel, DEFAULT_TOOL_TIMEOUT};
