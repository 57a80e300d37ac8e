//! The guard on waits: the monotonic clock's subscriptions, replaced by
//! ones that end at the run's deadline, and `wasi:io/poll`'s waits, which
//! then stop the guest.
//!
//! A guest's sleep (`std::thread::sleep`, `poll` with a timeout,
//! `pollable.block` on a clock) is a subscription to the monotonic clock,
//! waited on in `wasi:io/poll`. wasmtime-wasi's own subscription waits as
//! long as the guest asked, deadline or not; these wait at most until the
//! run's deadline, or its cancellation (see
//! [`crate::sandbox::guards::waits`]). A wait that ends past the deadline
//! (or cancelled) does not return to the guest, which would take its sleep
//! for done: `poll` and `block` stop it there, as the epoch would. So does a
//! subscription asked for once the run is past its deadline.

use std::time::Duration;

use wasmtime::component::{Linker, Resource};
use wasmtime::StoreContextMut;
use wasmtime_wasi::clocks::WasiClocksView as _;
use wasmtime_wasi::p2::bindings::clocks::monotonic_clock::Host as _;
use wasmtime_wasi::p2::bindings::sync::io::poll;
use wasmtime_wasi::p2::DynPollable;

use super::HostView;

/// The interface the subscriptions belong to, as wasmtime-wasi names it.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";
/// The interface of the waits.
const POLL: &str = "wasi:io/poll@0.2.12";

/// Replaces `subscribe-duration` and `subscribe-instant` in `linker` (which
/// must already hold WASI's clocks) by bounded ones.
pub(crate) fn bound_waits<T: HostView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    super::replacing(linker, |linker| {
        let mut clock = linker.instance(MONOTONIC_CLOCK)?;
        clock.func_wrap(
            "subscribe-duration",
            |mut store: StoreContextMut<'_, T>, (nanos,): (u64,)| {
                subscribe(store.data_mut(), Duration::from_nanos(nanos)).map(|p| (p,))
            },
        )?;
        clock.func_wrap(
            "subscribe-instant",
            |mut store: StoreContextMut<'_, T>, (when,): (u64,)| {
                let state = store.data_mut();
                let now = state.clocks().now()?;
                let wait = Duration::from_nanos(when.saturating_sub(now));
                subscribe(state, wait).map(|p| (p,))
            },
        )?;
        let mut poll = linker.instance(POLL)?;
        poll.func_wrap(
            "poll",
            |mut store: StoreContextMut<'_, T>, (pollables,): (Vec<Resource<DynPollable>>,)| {
                let state = store.data_mut();
                stop_if_over(state)?;
                let ready = poll::Host::poll(state.ctx().table, pollables)?;
                stop_if_over(state)?;
                Ok((ready,))
            },
        )?;
        poll.func_wrap(
            "[method]pollable.block",
            |mut store: StoreContextMut<'_, T>, (pollable,): (Resource<DynPollable>,)| {
                let state = store.data_mut();
                stop_if_over(state)?;
                poll::HostPollable::block(state.ctx().table, pollable)?;
                stop_if_over(state)
            },
        )
    })
}

/// Stops the guest (an error from the host call) if its run is past its
/// deadline or cancelled.
fn stop_if_over<T: HostView>(state: &mut T) -> wasmtime::Result<()> {
    match state.guards().waits.refusal() {
        Some(stop) => Err(stop),
        None => Ok(()),
    }
}

/// A pollable for a wait of `wait`, bounded by the run; an error (stopping
/// the guest) when the run may not wait any more.
fn subscribe<T: HostView>(
    state: &mut T,
    wait: Duration,
) -> wasmtime::Result<Resource<DynPollable>> {
    stop_if_over(state)?;
    let sleep = state.guards().waits.sleep(wait);
    let table = state.ctx().table;
    let sleep = table.push(sleep)?;
    wasmtime_wasi::p2::subscribe(table, sleep)
}
