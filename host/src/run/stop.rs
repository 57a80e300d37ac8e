//! Stopping a run before it ends: at its deadline, or when someone cancels
//! it ([`StopHandle::cancel`], from any thread).
//!
//! Both reach the guest through epoch interruption: the engine's ticker
//! advances the epoch every [`crate::engine::EPOCH_TICK`], and the store's
//! deadline callback decides, at a tick, whether the guest goes on. A run
//! with a [`StopHandle`] is looked at every tick; one without only when its
//! deadline comes. [`Deadline`] tells host code how long the guest may
//! still wait in a host call.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A handle that cancels a run; clones share it.
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// A handle nobody has used yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the run: its guest is stopped at the next epoch tick, and the
    /// run ends [`super::RunEnd::Cancelled`].
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// When a run must end, if it must (by default, never), and the timeout
/// it was set from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deadline(Option<DeadlineBound>);

/// A deadline that exists: when it passes, and the timeout it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineBound {
    /// When it passes.
    pub at: Instant,
    /// The timeout it was set from.
    pub timeout: Duration,
}

impl Deadline {
    /// `timeout` from now; `None` for no deadline.
    pub fn after(timeout: Option<Duration>) -> Self {
        Self(timeout.map(|timeout| DeadlineBound {
            at: Instant::now() + timeout,
            timeout,
        }))
    }

    /// When it passes and the timeout it ends; `None` for no deadline.
    pub fn bound(&self) -> Option<DeadlineBound> {
        self.0
    }

    /// How long is left (zero once it has passed); `None` for no deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.0
            .map(|bound| bound.at.saturating_duration_since(Instant::now()))
    }

    /// Whether it has passed.
    pub fn has_passed(&self) -> bool {
        self.remaining().is_some_and(|left| left.is_zero())
    }
}

/// The error a stopped guest's call returns when it was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the run was cancelled")]
pub(crate) struct Cancelled;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_counts_down_and_none_never_passes() {
        let none = Deadline::after(None);
        assert_eq!(none.remaining(), None);
        assert!(!none.has_passed());
        let past = Deadline::after(Some(Duration::ZERO));
        assert!(past.has_passed());
        let later = Deadline::after(Some(Duration::from_secs(60)));
        assert!(!later.has_passed());
        assert_eq!(later.bound().unwrap().timeout, Duration::from_secs(60));
        assert!(later.remaining().unwrap() > Duration::from_secs(59));
    }

    #[test]
    fn clones_share_the_cancel() {
        let stop = StopHandle::new();
        let other = stop.clone();
        assert!(!other.is_cancelled());
        stop.cancel();
        assert!(other.is_cancelled());
    }
}
