//! # charmbox
//!
//! Runs Juju charm actions compiled to WebAssembly components, each run in a
//! fresh sandbox, with Juju's action semantics (`action-get`, `action-set`,
//! `action-log`, `action-fail`) as the component's imports.
//!
//! This crate is the whole of charmbox but its command line (the
//! `charmbox-cli` crate, which parses, calls one function here, and prints).
//! The pieces, per process and per run:
//!
//! - [`engine::Engine`]: one per process; the wasmtime engine and the linker
//!   that wires every host import ([`imports`]), with the compiled-component
//!   [`cache`].
//! - [`charm::Charm`]: metadata and a compiled, linked component.
//! - [`run::run_handler`]: one run of an action or hook in a fresh
//!   [`sandbox`], its calls carried by an [`action::ActionBackend`] and a
//!   [`model::ModelBackend`].
//! - [`operation::Operations`]: one action on many units, recorded as
//!   [`task`]s in the [`store`].
//! - [`deferred`]: deferred events, re-run before the next handler on their
//!   unit, as `ops` re-emits them.
//! - [`events`]: the local model fires hooks as Juju would (`deploy`,
//!   `config`, `integrate`, relation writes), each run recorded.
//! - [`juju`]: running on a Juju unit (`dispatch`, the hook tools, `pack`).
//! - [`testing`]: charm authors' tests, in the manner of `ops.testing`.
//!
//! # Example
//!
//! ```no_run
//! use charmbox::action::local::LocalBackend;
//! use charmbox::charm::Charm;
//! use charmbox::engine::Engine;
//! use charmbox::model::{EventInfo, ModelIdentity, NoModel, UnitContext};
//! use charmbox::run::{run_handler, Backends, RunRequest};
//!
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::new()?;
//! let charm = Charm::load(&engine, "examples/hello".as_ref())?;
//! let request = RunRequest {
//!     context: UnitContext::local(
//!         charm.default_unit()?,
//!         &ModelIdentity::ephemeral(),
//!         EventInfo::action("greet"),
//!     ).into(),
//!     action_id: "1".into(),
//!     data_dir: None,
//!     limits: Default::default(),
//!     stop: None,
//! };
//! let params = charm.prepare_params("greet", serde_json::json!({"name": "Ada"}))?;
//! let backends = Backends {
//!     action: Some(Box::new(LocalBackend::new(params))),
//!     model: Box::new(NoModel),
//! };
//! let report = run_handler(&charm.component, &request, backends)?;
//! println!("{:?}: {}", report.end, serde_json::Value::Object(report.juju_results()));
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod action;
pub mod cache;
pub mod charm;
pub mod deferred;
pub mod engine;
pub mod events;
pub mod imports;
pub mod juju;
pub mod model;
pub mod operation;
pub mod paths;
pub mod project;
pub mod run;
pub mod sandbox;
mod sqlite;
pub mod store;
mod sync;
pub mod task;
pub mod testing;
pub mod time;
pub mod unit;
pub mod yaml11;
