//! `wasi:cli/stdout` and `wasi:cli/stderr`: the run's bounded captures
//! ([`GuestOutput`](crate::sandbox::GuestOutput)), made when the guest
//! first asks for a stream rather than for every run (most handlers print
//! nothing).

use wasmtime::component::{Linker, Resource};
use wasmtime::StoreContextMut;
use wasmtime_wasi::p2::DynOutputStream;

use super::HostView;
use crate::sandbox::{GuestOutput, OutputCapture};

/// The interfaces, as wasmtime-wasi names them.
const STDOUT: &str = "wasi:cli/stdout@0.2.12";
const STDERR: &str = "wasi:cli/stderr@0.2.12";

/// Replaces `get-stdout` and `get-stderr` in `linker` (which must already
/// hold WASI's CLI interfaces) by ones that hand out the run's captures.
pub(crate) fn serve_output<T: HostView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    super::replacing(linker, |linker| {
        linker.instance(STDOUT)?.func_wrap(
            "get-stdout",
            |mut store: StoreContextMut<'_, T>, (): ()| {
                hand_out(store.data_mut(), GuestOutput::stdout)
            },
        )?;
        linker.instance(STDERR)?.func_wrap(
            "get-stderr",
            |mut store: StoreContextMut<'_, T>, (): ()| {
                hand_out(store.data_mut(), GuestOutput::stderr)
            },
        )
    })
}

/// Gives the guest a stream writing to the run's `stream`, as WASI's own
/// `get-stdout` gives one writing to its context's.
fn hand_out<T: HostView>(
    state: &mut T,
    stream: fn(&mut GuestOutput) -> OutputCapture,
) -> wasmtime::Result<(Resource<DynOutputStream>,)> {
    let stream: DynOutputStream = Box::new(stream(state.output()));
    Ok((state.ctx().table.push(stream)?,))
}
