//! Unit locks: a unit runs one action at a time, whether the runs come from
//! one charmbox process or several.
//!
//! On Linux every unit of a state directory is one byte of a single file,
//! `units.lock`, locked with open file description locks (`F_OFD_SETLKW`):
//! a task locks its unit's byte exclusively, or, for a `parallel` action,
//! shared (beside other parallel actions, never beside an exclusive one),
//! and with an `execution-group` also the byte of that group on that unit,
//! exclusively. The kernel drops a descriptor's locks when it is closed, so
//! a process that dies frees its units. Bytes are placed by a stable hash of
//! the name: two names sharing a byte (one chance in 2^62) would only make
//! their runs wait for each other, never run together when they must not.
//!
//! Each worker thread opens the file once and locks every task's unit
//! through that descriptor: taking and freeing a unit are two system calls,
//! where a lock file per unit cost an open and a close besides (about a
//! tenth of a task's time in a 1000-unit run). OFD locks belong to the
//! descriptor, not the process, so two workers of one process exclude each
//! other as two processes do; one descriptor never serves two tasks at once.
//!
//! Elsewhere (no OFD locks), each unit has a lock file taken with `flock`.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use crate::charm::ActionSpec;
use crate::unit::UnitName;

/// How an action shares its unit with other actions, from its metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Concurrency {
    /// `parallel: true`: may run beside other parallel actions.
    pub parallel: bool,
    /// `execution-group`: parallel actions of one group run one at a time.
    pub execution_group: Option<String>,
}

impl Concurrency {
    /// How the action declared by `spec` shares its unit; an action with no
    /// declaration (a bare component's) runs alone, as Juju's default.
    pub fn of(spec: Option<&ActionSpec>) -> Self {
        Self {
            parallel: spec.is_some_and(|s| s.parallel),
            execution_group: spec.and_then(|s| s.execution_group.clone()),
        }
    }
}

/// A unit taken for a task before it is enqueued, so the task can be
/// recorded as started at once; dropped, it frees the unit.
pub(crate) struct UnitClaim(pub(crate) UnitLocks);

impl UnitClaim {
    /// Takes `unit` for an action sharing it as `concurrency` says, if that
    /// is possible without waiting; `None` when another run holds it.
    pub(crate) fn try_take(
        state_dir: &Path,
        unit: &UnitName,
        concurrency: &Concurrency,
    ) -> std::io::Result<Option<Self>> {
        match UnitLocker::open(state_dir)?.lock(unit, concurrency, Wait::No) {
            Ok(locks) => Ok(Some(Self(locks))),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Whether taking a lock waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Wait until the lock is free.
    Yes,
    /// Fail with [`std::io::ErrorKind::WouldBlock`] when it is held.
    No,
}

/// One descriptor to take unit locks through; share it with [`Arc`] among
/// the tasks of one thread, never between threads.
pub(crate) struct UnitLocker {
    #[cfg(target_os = "linux")]
    file: File,
    #[cfg(not(target_os = "linux"))]
    state_dir: std::path::PathBuf,
}

/// The locks a task holds on its unit; dropped, they free it.
pub(crate) struct UnitLocks {
    locker: Arc<UnitLocker>,
    #[cfg(target_os = "linux")]
    bytes: Vec<i64>,
    #[cfg(not(target_os = "linux"))]
    _files: Vec<File>,
}

/// The file holding every unit's lock byte, in the state directory.
#[cfg(target_os = "linux")]
const LOCK_FILE: &str = "units.lock";

impl UnitLocker {
    /// Opens the lock file of `state_dir` (making it if need be).
    pub(crate) fn open(state_dir: &Path) -> std::io::Result<Arc<Self>> {
        #[cfg(target_os = "linux")]
        {
            // Shared locks need it open for reading, exclusive for writing.
            let file = crate::paths::private_file_options()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(state_dir.join(LOCK_FILE))?;
            Ok(Arc::new(Self { file }))
        }
        #[cfg(not(target_os = "linux"))]
        Ok(Arc::new(Self {
            state_dir: state_dir.to_owned(),
        }))
    }

    /// Takes `unit` for an action sharing it as `concurrency` says; with
    /// [`Wait::No`], fails with `WouldBlock` (holding nothing) when another
    /// run holds it.
    pub(crate) fn lock(
        self: &Arc<Self>,
        unit: &UnitName,
        concurrency: &Concurrency,
        wait: Wait,
    ) -> std::io::Result<UnitLocks> {
        let group = concurrency
            .execution_group
            .as_deref()
            .filter(|_| concurrency.parallel);
        #[cfg(target_os = "linux")]
        {
            let unit_name = unit.as_str();
            let mut locks = UnitLocks {
                locker: Arc::clone(self),
                bytes: Vec::with_capacity(2),
            };
            let unit_byte = byte_of(&["unit", unit_name]);
            let kind = if concurrency.parallel {
                ofd::Kind::Shared
            } else {
                ofd::Kind::Exclusive
            };
            ofd::set(&self.file, kind, unit_byte, wait)?;
            locks.bytes.push(unit_byte);
            if let Some(group) = group {
                let group_byte = byte_of(&["group", unit_name, group]);
                // Dropping `locks` on an error frees the unit's byte.
                ofd::set(&self.file, ofd::Kind::Exclusive, group_byte, wait)?;
                locks.bytes.push(group_byte);
            }
            Ok(locks)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let dir = unit
                .data_dir(&self.state_dir)
                .parent()
                .expect("a data dir has a parent")
                .to_owned();
            crate::paths::create_private_dir_all(&dir)?;
            let unit_lock = open_lock_file(&dir.join("unit.lock"))?;
            let mut files = Vec::with_capacity(2);
            flock(&unit_lock, concurrency.parallel, wait)?;
            files.push(unit_lock);
            if let Some(group) = group {
                let name: String = group
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let file = open_lock_file(&dir.join(format!("group-{name}.lock")))?;
                flock(&file, false, wait)?;
                files.push(file);
            }
            Ok(UnitLocks {
                locker: Arc::clone(self),
                _files: files,
            })
        }
    }
}

impl Drop for UnitLocks {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        for byte in self.bytes.drain(..).rev() {
            // Unlocking only fails on a descriptor that is not open, whose
            // locks are then gone already.
            let _ = ofd::unlock(&self.locker.file, byte);
        }
        #[cfg(not(target_os = "linux"))]
        let _ = &self.locker;
    }
}

/// Where `parts` lock: a byte offset from a stable hash (FNV-1a, 64 bits;
/// every charmbox build must agree on it), kept below 2^62 so the offset
/// is a positive `off_t` with room after it.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn byte_of(parts: &[&str]) -> i64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET_BASIS;
    for part in parts {
        // A separator no name holds keeps ("a", "bc") apart from ("ab", "c").
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    (hash >> 2) as i64
}

#[cfg(target_os = "linux")]
mod ofd {
    //! The two `fcntl` calls unit locks need.

    use std::fs::File;
    use std::os::fd::AsRawFd as _;

    use super::Wait;

    /// How a byte is held.
    #[derive(Clone, Copy)]
    pub(super) enum Kind {
        Shared,
        Exclusive,
    }

    /// Locks `byte` of `file` as `kind`, waiting for it or not.
    pub(super) fn set(file: &File, kind: Kind, byte: i64, wait: Wait) -> std::io::Result<()> {
        let kind = match kind {
            Kind::Shared => libc::F_RDLCK,
            Kind::Exclusive => libc::F_WRLCK,
        };
        let command = match wait {
            Wait::Yes => libc::F_OFD_SETLKW,
            Wait::No => libc::F_OFD_SETLK,
        };
        match fcntl_lock(file, command, kind, byte) {
            Err(e) if wait == Wait::No && is_held_elsewhere(&e) => {
                Err(std::io::ErrorKind::WouldBlock.into())
            }
            result => result,
        }
    }

    /// Frees `byte` of `file`.
    pub(super) fn unlock(file: &File, byte: i64) -> std::io::Result<()> {
        fcntl_lock(file, libc::F_OFD_SETLK, libc::F_UNLCK, byte)
    }

    fn is_held_elsewhere(error: &std::io::Error) -> bool {
        matches!(error.raw_os_error(), Some(libc::EAGAIN | libc::EACCES))
    }

    fn fcntl_lock(
        file: &File,
        command: libc::c_int,
        kind: libc::c_int,
        byte: i64,
    ) -> std::io::Result<()> {
        // SAFETY: `flock` is plain data, for which all-zero bytes are valid
        // (and OFD locks require `l_pid` to be zero).
        let mut lock: libc::flock = unsafe { std::mem::zeroed() };
        lock.l_type = kind as libc::c_short;
        lock.l_whence = libc::SEEK_SET as libc::c_short;
        lock.l_start = byte as libc::off_t;
        lock.l_len = 1;
        loop {
            // SAFETY: the descriptor is open while `file` is borrowed, and
            // a lock command only reads (or, for F_OFD_GETLK, writes) the
            // `flock` it is given, which outlives the call.
            let result = unsafe { libc::fcntl(file.as_raw_fd(), command, &mut lock) };
            if result != -1 {
                return Ok(());
            }
            let error = std::io::Error::last_os_error();
            // A signal while waiting: wait again.
            if error.raw_os_error() != Some(libc::EINTR) {
                return Err(error);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn open_lock_file(path: &Path) -> std::io::Result<File> {
    crate::paths::private_file_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

#[cfg(not(target_os = "linux"))]
fn flock(file: &File, shared: bool, wait: Wait) -> std::io::Result<()> {
    match (shared, wait) {
        (true, Wait::Yes) => file.lock_shared(),
        (false, Wait::Yes) => file.lock(),
        (true, Wait::No) => file.try_lock_shared().map_err(std::io::Error::from),
        (false, Wait::No) => file.try_lock().map_err(std::io::Error::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exclusive() -> Concurrency {
        Concurrency::default()
    }

    fn parallel(group: Option<&str>) -> Concurrency {
        Concurrency {
            parallel: true,
            execution_group: group.map(str::to_owned),
        }
    }

    fn unit(name: &str) -> UnitName {
        name.parse().unwrap()
    }

    fn is_busy(result: std::io::Result<UnitLocks>) -> bool {
        match result {
            Ok(_) => false,
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock, "{e}");
                true
            }
        }
    }

    #[test]
    fn a_unit_runs_one_exclusive_action_at_a_time_across_descriptors() {
        let state = tempfile::tempdir().unwrap();
        // Two descriptors: two worker threads, or two processes.
        let first = UnitLocker::open(state.path()).unwrap();
        let second = UnitLocker::open(state.path()).unwrap();
        let held = first.lock(&unit("a/0"), &exclusive(), Wait::No).unwrap();
        assert!(is_busy(second.lock(&unit("a/0"), &exclusive(), Wait::No)));
        assert!(is_busy(second.lock(
            &unit("a/0"),
            &parallel(None),
            Wait::No
        )));
        // Other units are free.
        let other = second.lock(&unit("a/1"), &exclusive(), Wait::No).unwrap();
        drop(held);
        drop(other);
        second.lock(&unit("a/0"), &exclusive(), Wait::No).unwrap();
    }

    #[test]
    fn parallel_actions_share_a_unit_and_an_execution_group_is_one_at_a_time() {
        let state = tempfile::tempdir().unwrap();
        let first = UnitLocker::open(state.path()).unwrap();
        let second = UnitLocker::open(state.path()).unwrap();
        let _a = first.lock(&unit("a/0"), &parallel(None), Wait::No).unwrap();
        let _b = second
            .lock(&unit("a/0"), &parallel(None), Wait::No)
            .unwrap();
        assert!(is_busy(second.lock(&unit("a/0"), &exclusive(), Wait::No)));

        let third = UnitLocker::open(state.path()).unwrap();
        let _g = first
            .lock(&unit("a/0"), &parallel(Some("db")), Wait::No)
            .unwrap();
        assert!(is_busy(third.lock(
            &unit("a/0"),
            &parallel(Some("db")),
            Wait::No
        )));
        // The same group on another unit, and another group, are free.
        let _h = third
            .lock(&unit("a/1"), &parallel(Some("db")), Wait::No)
            .unwrap();
        let _i = third
            .lock(&unit("a/0"), &parallel(Some("web")), Wait::No)
            .unwrap();
    }

    #[test]
    fn a_waiting_lock_is_granted_when_the_holder_lets_go() {
        let state = tempfile::tempdir().unwrap();
        let first = UnitLocker::open(state.path()).unwrap();
        let held = first.lock(&unit("a/0"), &exclusive(), Wait::No).unwrap();
        let released = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let waiter = {
            let path = state.path().to_owned();
            let released = Arc::clone(&released);
            std::thread::spawn(move || {
                let second = UnitLocker::open(&path).unwrap();
                let _locks = second.lock(&unit("a/0"), &exclusive(), Wait::Yes).unwrap();
                released.load(std::sync::atomic::Ordering::SeqCst)
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        released.store(true, std::sync::atomic::Ordering::SeqCst);
        drop(held);
        assert!(
            waiter.join().unwrap(),
            "the waiter got the unit before it was freed"
        );
    }

    #[test]
    fn lock_bytes_are_stable_and_tell_names_apart() {
        // Every charmbox build must put a unit at the same byte.
        assert_eq!(byte_of(&["unit", "a/0"]), byte_of(&["unit", "a/0"]));
        assert_eq!(byte_of(&[]), (0xcbf2_9ce4_8422_2325u64 >> 2) as i64);
        assert_ne!(
            byte_of(&["group", "a/0", "b"]),
            byte_of(&["group", "a/0b", ""])
        );
        assert_ne!(byte_of(&["unit", "a/0"]), byte_of(&["unit", "a/1"]));
        assert!(byte_of(&["unit", "x/9"]) >= 0);
    }
}
