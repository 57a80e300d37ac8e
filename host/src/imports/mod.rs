//! Where a guest's calls land: the host side of every import a charm
//! component may use, each interface in its own file, reaching the run's
//! state through [`HostView`].
//!
//! - [`bindings`]: what `bindgen!` generates from `wit/`, one module per
//!   released contract version (nothing hand-written);
//! - `action.rs`: `juju:charm/action`, served by the run's
//!   [`ActionContext`], which validates every call the same way whichever
//!   backend carries it; 0.1.0's interface maps onto 0.2.0's;
//! - `context.rs`, `config.rs`, `status.rs`, `log.rs`, `state.rs`,
//!   `relation.rs`, `secret.rs`, `ports.rs`: the rest of contract 0.2.0,
//!   served by the run's [`ModelContext`];
//! - WASI 0.2 (wasmtime-wasi), with some calls replaced by guarded ones:
//!   creating a symbolic link that could lead out of the unit's data
//!   directory ([`symlinks`]); reading the environment, which is the
//!   run's ([`environment`]); stdout and stderr, the run's bounded
//!   captures ([`stdio`]); waiting on a clock past the run's deadline
//!   ([`clocks`]); growing the data directory past its budget and opening
//!   descriptors past the run's cap ([`filesystem`]).
//!
//! A component links against whichever contract versions it imports; one
//! process runs 0.1.0 and 0.2.0 charms side by side.

mod action;
pub(crate) mod bindings;
mod clocks;
mod config;
mod context;
mod environment;
mod filesystem;
mod log;
mod ports;
mod relation;
mod secret;
mod state;
mod status;
mod stdio;
mod symlinks;

use wasmtime::component::{HasSelf, Linker};
use wasmtime_wasi::WasiView;

use crate::action::ActionContext;
use crate::model::ModelContext;
use crate::sandbox::guards::Guards;
use crate::sandbox::{GuestEnvironment, GuestOutput};
use bindings::{v0_1_0, v0_2_0};

/// How the host's imports reach a run's state: the WASI context (through
/// [`WasiView`]), the action API's and the model's per-run contexts.
pub trait HostView: WasiView + 'static {
    /// The run's action context.
    fn action(&mut self) -> &mut ActionContext;
    /// The run's model context.
    fn model(&mut self) -> &mut ModelContext;
    /// The run's guards on waits, disk and descriptors.
    fn guards(&mut self) -> &mut Guards;
    /// What the guest's environment holds.
    fn environment(&self) -> &GuestEnvironment;
    /// Where the guest's stdout and stderr go.
    fn output(&mut self) -> &mut GuestOutput;
}

/// Runs `replace`, which replaces some of WASI's own definitions in
/// `linker` by guarded ones, with shadowing allowed for it alone: a second
/// definition anywhere else is still an error.
fn replacing<T>(
    linker: &mut Linker<T>,
    replace: impl FnOnce(&mut Linker<T>) -> wasmtime::Result<()>,
) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let result = replace(linker);
    linker.allow_shadowing(false);
    result
}

/// Links every import the host provides into `linker`.
pub(crate) fn add_to_linker<T: HostView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    // The environment is the run's, written out only when asked for.
    environment::serve_environment(linker)?;
    // So are stdout and stderr, made only when reached for.
    stdio::serve_output(linker)?;
    // No link out of a unit's data directory, even one never followed.
    symlinks::guard_symlinks(linker)?;
    // No wait past the deadline, no disk or descriptors past the budgets.
    clocks::bound_waits(linker)?;
    filesystem::guard_filesystem(linker)?;
    v0_1_0::juju::charm::action::add_to_linker::<T, HasSelf<ActionContext>>(linker, T::action)?;
    use v0_2_0::juju::charm as latest;
    latest::action::add_to_linker::<T, HasSelf<ActionContext>>(linker, T::action)?;
    latest::context::add_to_linker::<T, HasSelf<ModelContext>>(linker, T::model)?;
    latest::config::add_to_linker::<T, HasSelf<ModelContext>>(linker, T::model)?;
    latest::status::add_to_linker::<T, HasSelf<ModelContext>>(linker, T::model)?;
    latest::log::add_to_linker::<T, HasSelf<ModelContext>>(linker, T::model)?;
    latest::state::add_to_linker::<T, HasSelf<ModelContext>>(linker, T::model)?;
    latest::relation::add_to_linker::<T, HasSelf<ModelContext>>(linker, T::model)?;
    latest::secret::add_to_linker::<T, HasSelf<ModelContext>>(linker, T::model)?;
    latest::ports::add_to_linker::<T, HasSelf<ModelContext>>(linker, T::model)?;
    Ok(())
}
