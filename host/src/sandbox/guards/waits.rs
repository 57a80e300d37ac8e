//! Waits in host calls, bounded by the run's deadline.
//!
//! Epoch interruption stops a guest only while it runs wasm code; a guest
//! asleep in a host call held its thread (and its unit) for as long as it
//! asked: `--timeout 2s` with a 20 s sleep took 20 s. Every wait a sandbox
//! can make is on a clock (it has no sockets, and its stdin is closed), so
//! the host's clock subscriptions are replaced (see
//! `crate::imports::clocks`) by [`BoundedSleep`], which ends at whichever
//! comes first: the time the guest asked for, the run's deadline, or a
//! cancellation. Back in wasm, the guest is then interrupted at the next
//! epoch tick.

use std::time::{Duration, Instant};

use wasmtime_wasi::p2::Pollable;

use crate::run::{Deadline, StopHandle};

/// How often a wait looks at a run's stop handle.
const CANCEL_CHECK: Duration = Duration::from_millis(10);

/// What bounds a run's waits: its deadline and its stop handle.
#[derive(Debug, Clone, Default)]
pub struct WaitBound {
    deadline: Deadline,
    stop: Option<StopHandle>,
}

impl WaitBound {
    /// Waits bounded by `deadline`, and cut short by `stop` when there is one.
    pub fn new(deadline: Deadline, stop: Option<StopHandle>) -> Self {
        Self { deadline, stop }
    }

    /// Why a new wait must not start: the run is past its deadline
    /// (a [`wasmtime::Trap::Interrupt`], as the epoch gives) or cancelled.
    pub(crate) fn refusal(&self) -> Option<wasmtime::Error> {
        if self.stop.as_ref().is_some_and(StopHandle::is_cancelled) {
            return Some(crate::run::Cancelled.into());
        }
        self.deadline
            .has_passed()
            .then(|| wasmtime::Trap::Interrupt.into())
    }

    /// A wait of `wait` from now, within these bounds.
    pub(crate) fn sleep(&self, wait: Duration) -> BoundedSleep {
        BoundedSleep {
            until: Instant::now().checked_add(wait),
            bound: self.clone(),
            yielded: false,
        }
    }
}

/// A clock subscription that ends at the time asked for, at the run's
/// deadline, or when the run is cancelled, whichever comes first.
pub(crate) struct BoundedSleep {
    /// `None`: further away than the host's clock reaches; never.
    until: Option<Instant>,
    bound: WaitBound,
    yielded: bool,
}

impl BoundedSleep {
    /// How long this wait may still last: `Some(ZERO)` when it is over,
    /// `None` when nothing ends it.
    fn left(&self) -> Option<Duration> {
        if self
            .bound
            .stop
            .as_ref()
            .is_some_and(StopHandle::is_cancelled)
        {
            return Some(Duration::ZERO);
        }
        let now = Instant::now();
        let asked = self.until.map(|until| until.saturating_duration_since(now));
        match (asked, self.bound.deadline.remaining()) {
            (Some(a), Some(d)) => Some(a.min(d)),
            (a, d) => a.or(d),
        }
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for BoundedSleep {
    async fn ready(&mut self) {
        loop {
            let step = match (self.left(), &self.bound.stop) {
                (Some(left), _) if left.is_zero() => {
                    // As wasmtime-wasi's own clock does: a ready clock
                    // yields once, so a guest polling in a loop does not
                    // starve the runtime.
                    if !std::mem::replace(&mut self.yielded, true) {
                        tokio::task::yield_now().await;
                    }
                    return;
                }
                (Some(left), None) => left,
                (Some(left), Some(_)) => left.min(CANCEL_CHECK),
                (None, Some(_)) => CANCEL_CHECK,
                // No deadline, no way to cancel, and a wait beyond the
                // clock's reach: what the guest asked for.
                (None, None) => return std::future::pending().await,
            };
            tokio::time::sleep(step).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(sleep: &mut BoundedSleep) -> Duration {
        let started = Instant::now();
        wasmtime_wasi::runtime::in_tokio(sleep.ready());
        started.elapsed()
    }

    #[test]
    fn a_wait_ends_at_the_deadline_or_when_asked_whichever_is_first() {
        let bound = WaitBound::new(Deadline::after(Some(Duration::from_millis(50))), None);
        let took = wait(&mut bound.sleep(Duration::from_secs(3600)));
        assert!(took >= Duration::from_millis(40), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert!(bound.refusal().is_some(), "past the deadline, no new wait");

        let bound = WaitBound::new(Deadline::after(Some(Duration::from_secs(3600))), None);
        let took = wait(&mut bound.sleep(Duration::from_millis(20)));
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert!(bound.refusal().is_none());
    }

    #[test]
    fn a_cancelled_run_stops_waiting() {
        let stop = StopHandle::new();
        let bound = WaitBound::new(Deadline::after(None), Some(stop.clone()));
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            stop.cancel();
        });
        let took = wait(&mut bound.sleep(Duration::from_secs(3600)));
        canceller.join().unwrap();
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert!(bound.refusal().is_some());
    }
}
