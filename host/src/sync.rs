//! Locks that outlive a panic.
//!
//! Every mutex in charmbox guards data that stays whole if a thread panics
//! while holding it: a task's slot, captured output, a batch of store writes
//! (each one transaction, committed or not), progress lines. So a poisoned
//! lock is taken as it was left, and one panicking thread cannot stop the
//! other units' runs or their records.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Waits on `condvar` with `guard`, poisoned or not.
pub(crate) fn wait<'a, T>(
    condvar: &std::sync::Condvar,
    guard: MutexGuard<'a, T>,
) -> MutexGuard<'a, T> {
    condvar.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

/// Locks `mutex`, poisoned or not.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes the data out of `mutex`, poisoned or not.
pub(crate) fn into_inner<T>(mutex: Mutex<T>) -> T {
    mutex.into_inner().unwrap_or_else(PoisonError::into_inner)
}
