//! # charmbox
//!
//! Runs Juju charm actions compiled to WebAssembly components, each run in a
//! fresh sandbox, with Juju's action semantics (`action-get`, `action-set`,
//! `action-log`, `action-fail`) as the component's imports.
//!
//! The pieces, per process and per run:
//! - [`engine::Engine`]: one per process; the wasmtime engine and the linker
//!   that wires every host import.
//! - [`charm::CharmComponent`]: a compiled, linked component and the action
//!   handlers it exports.
//! - [`run::run_action`]: one run in a fresh [`sandbox`], reporting through an
//!   [`action::ActionBackend`]; [`run::run_local`] returns a [`task::Task`].
//!
//! # Example
//!
//! ```no_run
//! use charmbox::{charm::CharmComponent, engine::Engine, run};
//!
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::new()?;
//! let charm = CharmComponent::load(&engine, "hello.wasm".as_ref())?;
//! let task = run::run_local(
//!     &charm,
//!     run::LocalRun {
//!         request: run::RunRequest {
//!             action: "greet".into(),
//!             unit: "hello/0".parse()?,
//!             action_uuid: "1".into(),
//!             data_dir: None,
//!             limits: Default::default(),
//!         },
//!         params: serde_json::json!({"name": "Ada"}).into(),
//!         task_id: "1".into(),
//!         enqueued: std::time::SystemTime::now(),
//!     },
//!     |entry| eprintln!("{}", entry.message),
//! )?;
//! println!("{}", task.to_juju_value());
//! # Ok(())
//! # }
//! ```

pub mod action;
mod bindings;
pub mod cache;
pub mod charm;
pub mod cli;
pub mod dispatch;
pub mod engine;
pub mod operation;
pub mod pack;
pub mod paths;
pub mod run;
pub mod sandbox;
pub mod store;
mod sync;
pub mod task;
pub mod testing;
pub mod time;
pub mod unit;
mod unit_lock;
