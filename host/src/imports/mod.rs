//! Where a guest's calls land: the host side of every import a charm
//! component may use, each interface in its own file, reaching the run's
//! state through [`HostView`].
//!
//! - [`bindings`]: what `bindgen!` generates from `wit/` (nothing
//!   hand-written);
//! - [`action`]: `juju:charm/action`, served by the run's
//!   [`ActionContext`], which validates every call the same way whichever
//!   backend carries it;
//! - WASI 0.2 (wasmtime-wasi), with some calls replaced by guarded ones:
//!   creating a symbolic link that could lead out of the unit's data
//!   directory ([`symlinks`]); waiting on a clock past the run's deadline
//!   ([`clocks`]); growing the data directory past its budget and opening
//!   descriptors past the run's cap ([`filesystem`]).

mod action;
pub(crate) mod bindings;
mod clocks;
mod filesystem;
mod symlinks;

use wasmtime::component::{HasSelf, Linker};
use wasmtime_wasi::WasiView;

use crate::action::ActionContext;
use crate::sandbox::guards::Guards;

/// How the host's imports reach a run's state: the WASI context (through
/// [`WasiView`]) and the action API's per-run context.
pub trait HostView: WasiView + 'static {
    /// The run's action context.
    fn action(&mut self) -> &mut ActionContext;
    /// The run's guards on waits, disk and descriptors.
    fn guards(&mut self) -> &mut Guards;
}

/// Links every import the host provides into `linker`.
pub(crate) fn add_to_linker<T: HostView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    // No link out of a unit's data directory, even one never followed.
    symlinks::guard_symlinks(linker)?;
    // No wait past the deadline, no disk or descriptors past the budgets.
    clocks::bound_waits(linker)?;
    filesystem::guard_filesystem(linker)?;
    bindings::juju::charm::action::add_to_linker::<T, HasSelf<ActionContext>>(linker, T::action)?;
    Ok(())
}
