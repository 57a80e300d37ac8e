//! `wasi:cli/environment`'s variables: the run's
//! [`GuestEnvironment`](crate::sandbox::GuestEnvironment), written out
//! when the guest asks for them rather than copied into every run's WASI
//! context (most handlers never read them).

use wasmtime::component::Linker;
use wasmtime::StoreContextMut;

use super::HostView;

/// The interface, as wasmtime-wasi names it.
const ENVIRONMENT: &str = "wasi:cli/environment@0.2.12";

/// Replaces `get-environment` in `linker` (which must already hold WASI's
/// CLI interfaces) by one that answers with the run's environment.
pub(crate) fn serve_environment<T: HostView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    super::replacing(linker, |linker| {
        linker.instance(ENVIRONMENT)?.func_wrap(
            "get-environment",
            |store: StoreContextMut<'_, T>, (): ()| Ok((store.data().environment().variables(),)),
        )
    })
}
