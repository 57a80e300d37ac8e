//! Room for the task store on a full disk.
//!
//! A unit's data directory has a budget (see
//! [`crate::sandbox::guards::disk`]), but the disk may still fill: many
//! units, another program, a budget larger than the disk. On a full disk
//! SQLite cannot write, and the records of the tasks running then would be
//! lost: the host could record no task at all. So the store keeps a
//! reserve, a file of [`RESERVE_BYTES`] allocated in the state directory
//! when a store is opened (where there is room). A write that fails for
//! want of space gives the reserve back and is tried once more: that is
//! room for many records (a finished task's is at most a few MiB). Once
//! given back, the reserve is allocated again by the next store opened with
//! room for it.
//!
//! Reading (`show-task`, `operations`) needs no room; the one write it
//! makes, marking tasks of dead processes aborted, is skipped on a full
//! disk rather than failing the read.

use std::path::Path;

use super::StoreError;

/// The reserve's file in the state directory.
pub const RESERVE_FILE: &str = "tasks.reserve";

/// The reserve's size.
pub const RESERVE_BYTES: u64 = 16 << 20;

/// Makes sure the reserve is there; without room for it, leaves it out.
pub(super) fn ensure(state_dir: &Path) {
    let path = state_dir.join(RESERVE_FILE);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == RESERVE_BYTES) {
        return;
    }
    let made = crate::paths::private_file_options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .and_then(|file| allocate(&file, RESERVE_BYTES));
    if made.is_err() {
        let _ = std::fs::remove_file(&path);
    }
}

/// Gives the reserve back; whether there was one to give.
pub(super) fn release(state_dir: &Path) -> bool {
    let released = std::fs::remove_file(state_dir.join(RESERVE_FILE)).is_ok();
    if released {
        tracing::warn!(
            "the disk holding {} is full: the task store used its reserve to write its records; \
             free some space",
            state_dir.display()
        );
    }
    released
}

/// Whether `error` is SQLite saying the disk is full.
pub(super) fn is_disk_full(error: &StoreError) -> bool {
    match error {
        StoreError::Sqlite { source, .. } => {
            source.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
        }
        StoreError::Io { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
        _ => false,
    }
}

/// Runs `write`; if it fails for want of space, gives the reserve back and
/// runs it once more.
pub(super) fn with_room<T>(
    state_dir: &Path,
    mut write: impl FnMut() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    match write() {
        Err(e) if is_disk_full(&e) && release(state_dir) => write(),
        other => other,
    }
}

/// Allocates `len` bytes of real blocks for `file` (not a sparse file,
/// which would give nothing back).
fn allocate(file: &std::fs::File, len: u64) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        let len = libc::off_t::try_from(len).map_err(std::io::Error::other)?;
        // SAFETY: a valid descriptor, a range within off_t.
        match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) } {
            0 => Ok(()),
            code => Err(std::io::Error::from_raw_os_error(code)),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        use std::io::Write as _;
        let chunk = vec![0u8; 1 << 20];
        let mut file = file;
        for _ in 0..len.div_ceil(chunk.len() as u64) {
            file.write_all(&chunk)?;
        }
        file.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_is_made_given_back_once_and_made_again() {
        let dir = tempfile::tempdir().unwrap();
        ensure(dir.path());
        let path = dir.path().join(RESERVE_FILE);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), RESERVE_BYTES);
        let full = || StoreError::Io {
            path: path.clone(),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        };
        let mut tries = 0;
        let result = with_room(dir.path(), || {
            tries += 1;
            if tries == 1 {
                Err(full())
            } else {
                Ok(tries)
            }
        });
        assert_eq!(result.unwrap(), 2);
        assert!(!path.exists(), "given back");
        // Nothing left to give: the error stands.
        assert!(with_room(dir.path(), || Err::<(), _>(full())).is_err());
        ensure(dir.path());
        assert!(path.exists());
    }
}
