//! The watchdog: the last word on a run that outlives its deadline.
//!
//! A deadline stops a guest in wasm code (epoch interruption) and in its
//! waits (the bounded clocks of `crate::imports::clocks`). What is left is
//! a host call that blocks on something else: a Juju hook tool that hangs
//! (each call has its own deadline, a minute by default, but a guest makes
//! many), a filesystem that stops answering. The run's thread cannot be
//! taken back from such a call, so a front end that must not wait for it
//! (`dispatch`, whose process holds Juju's queue of hooks for the unit)
//! registers what to do ([`on_overrun`]): when a run is still in its
//! handler [`GRACE`] after its deadline, the handler is told, on the
//! watchdog's own thread, and typically reports and ends the process.
//!
//! Without a registered handler (the library on its own, the testing API)
//! runs are not watched: nothing is armed and nothing costs.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::unit::UnitName;

/// How long past its deadline a run may stay in its handler before the
/// watchdog acts. Deadlines are enforced to within a tick (5 ms) where the
/// guest can be stopped; this is for where it cannot.
pub const GRACE: Duration = Duration::from_secs(5);

/// A run that outlived its deadline by [`GRACE`].
#[derive(Debug, Clone)]
pub struct Overrun {
    /// The handler, as messages name it (`action "backup"`, `hook "install"`).
    pub handler: String,
    /// The unit it ran on.
    pub unit: UnitName,
    /// Its deadline.
    pub limit: Duration,
}

impl Overrun {
    /// What happened, for a message.
    pub fn describe(&self) -> String {
        format!(
            "{} on {} did not stop within {} of its {} deadline (it is blocked in a \
             call to the host that the deadline cannot interrupt)",
            self.handler,
            self.unit,
            humantime::format_duration(GRACE),
            humantime::format_duration(self.limit)
        )
    }
}

type Handler = Arc<dyn Fn(&Overrun) + Send + Sync>;

/// Watches runs' deadlines; see the module documentation.
pub struct Watchdog {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    handler: Option<Handler>,
    next: u64,
    /// Armed runs by id: when each overruns, and what it is.
    armed: BTreeMap<u64, (Instant, Overrun)>,
    thread: bool,
    /// When the thread wakes next by itself (`None`: only when told). A
    /// run armed to overrun later needs no wake-up: with one deadline for
    /// every run of an operation, that is nearly every run, and telling
    /// the thread of each cost a context switch a run.
    wakes_at: Option<Instant>,
}

/// A run being watched; dropped, it is not.
pub struct Armed {
    shared: Option<Arc<Shared>>,
    id: u64,
}

impl Drop for Armed {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            crate::sync::lock(&shared.state).armed.remove(&self.id);
        }
    }
}

impl Default for Watchdog {
    fn default() -> Self {
        Self::new()
    }
}

impl Watchdog {
    /// A watchdog with no handler: it watches nothing until given one.
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                changed: Condvar::new(),
            }),
        }
    }

    /// Calls `handler` for each run that overruns from now on.
    pub fn on_overrun(&self, handler: impl Fn(&Overrun) + Send + Sync + 'static) {
        crate::sync::lock(&self.shared.state).handler = Some(Arc::new(handler));
    }

    /// Watches the run `overrun` describes, which must end by `deadline`
    /// plus [`GRACE`], until the returned guard is dropped. `overrun` is
    /// called only when there is a handler to tell: an unwatched run pays
    /// for no description.
    pub fn arm(&self, overrun: impl FnOnce() -> Overrun, deadline: Instant) -> Armed {
        let mut state = crate::sync::lock(&self.shared.state);
        if state.handler.is_none() {
            return Armed {
                shared: None,
                id: 0,
            };
        }
        let overrun = overrun();
        let id = state.next;
        state.next += 1;
        let overruns_at = deadline + GRACE;
        state.armed.insert(id, (overruns_at, overrun));
        if !state.thread {
            let shared = Arc::clone(&self.shared);
            state.thread = std::thread::Builder::new()
                .name("charmbox-watchdog".into())
                .spawn(move || shared.watch())
                .is_ok();
        }
        if state.wakes_at.is_none_or(|at| overruns_at < at) {
            self.shared.changed.notify_one();
        }
        Armed {
            shared: Some(Arc::clone(&self.shared)),
            id,
        }
    }
}

impl Shared {
    fn watch(&self) {
        let mut state = crate::sync::lock(&self.state);
        loop {
            let now = Instant::now();
            let due: Vec<u64> = state
                .armed
                .iter()
                .filter(|(_, (at, _))| *at <= now)
                .map(|(id, _)| *id)
                .collect();
            for id in due {
                let Some((_, overrun)) = state.armed.remove(&id) else {
                    continue;
                };
                let handler = state.handler.clone();
                drop(state);
                if let Some(handler) = handler {
                    handler(&overrun);
                }
                state = crate::sync::lock(&self.state);
            }
            let next = state.armed.values().map(|(at, _)| *at).min();
            state.wakes_at = next;
            state = match next {
                Some(at) => {
                    let wait = at.saturating_duration_since(Instant::now());
                    self.changed
                        .wait_timeout(state, wait)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0
                }
                None => self
                    .changed
                    .wait(state)
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            };
        }
    }
}

/// The process's watchdog, which [`super::run_action`] arms for every run
/// with a deadline.
pub fn global() -> &'static Watchdog {
    static GLOBAL: OnceLock<Watchdog> = OnceLock::new();
    GLOBAL.get_or_init(Watchdog::new)
}

/// Calls `handler` (on the watchdog's thread) for each run of this process
/// still in its handler [`GRACE`] after its deadline. A front end that
/// must not outlive a stuck run ends the process from it.
pub fn on_overrun(handler: impl Fn(&Overrun) + Send + Sync + 'static) {
    global().on_overrun(handler);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn overrun(handler: &str) -> Overrun {
        Overrun {
            handler: handler.into(),
            unit: "app/0".parse().unwrap(),
            limit: Duration::from_millis(10),
        }
    }

    #[test]
    fn an_overrun_is_reported_and_a_run_that_ends_is_not() {
        let watchdog = Watchdog::new();
        // No handler: nothing is watched.
        drop(watchdog.arm(|| overrun("unwatched"), Instant::now()));
        let (told, heard) = mpsc::channel();
        let told = Mutex::new(told);
        watchdog.on_overrun(move |o| {
            let _ = crate::sync::lock(&told).send(o.handler.clone());
        });
        let past = Instant::now() - GRACE;
        let ended = watchdog.arm(
            || overrun("ended"),
            Instant::now() + Duration::from_secs(3600),
        );
        drop(ended);
        let _stuck = watchdog.arm(|| overrun("stuck"), past);
        let handler = heard.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(handler, "stuck");
        assert!(heard.recv_timeout(Duration::from_millis(200)).is_err());
        assert!(overrun("x").describe().contains("did not stop within 5s"));
    }
}
