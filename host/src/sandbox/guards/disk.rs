//! A unit's `/data` budget: bytes and inodes.
//!
//! A guest could fill the host's disk through `/data` (1 GiB in 1.3 s), and
//! a sparse file of 15 TiB cost it nothing to make (and a backup much to
//! copy). The host side of every WASI call that can grow the directory
//! (`crate::imports::filesystem`) asks this budget first, and the call is
//! refused with `insufficient-space` (`ENOSPC`, as on a full disk) when it
//! would pass it:
//!
//! - **bytes** are files' sizes as `ls -l` shows them, not blocks
//!   allocated, so a sparse file counts for its whole size; a write grows
//!   the count by what it extends the file by, `set-size` and a truncating
//!   open shrink it at once;
//! - **inodes** are the directory's entries: files, directories, links.
//!
//! What the directory holds is measured once per run, when the guest first
//! changes it (a run that only reads pays nothing); growth is then counted
//! as it happens. A file deleted while no descriptor of the run holds it
//! open gives its bytes and inode back at once; one still held open gives
//! them back at the next run's measurement, since its blocks stay in use
//! until it is closed. Two runs of one unit at once (`parallel` actions)
//! each count from what they measured, so together they may pass the budget
//! by what each adds.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The budget of a unit's data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskLimits {
    /// Most bytes of file content.
    pub bytes: u64,
    /// Most entries (files, directories, links).
    pub inodes: u64,
}

impl Default for DiskLimits {
    fn default() -> Self {
        Self {
            bytes: 1 << 30,
            inodes: 100_000,
        }
    }
}

/// Which part of the budget a refused call would have passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exhausted {
    /// The bytes.
    Bytes,
    /// The inodes.
    Inodes,
}

/// What a data directory holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Bytes of file content (sizes, not blocks).
    pub bytes: u64,
    /// Entries below the directory.
    pub inodes: u64,
}

/// One run's view of its data directory's budget; clones share it (the
/// run's state and the write streams it hands out).
#[derive(Debug, Clone)]
pub struct DiskBudget(Arc<Mutex<State>>);

#[derive(Debug)]
struct State {
    root: PathBuf,
    limits: DiskLimits,
    /// Measured at the first change.
    usage: Option<Usage>,
    exhausted: Option<Exhausted>,
}

impl DiskBudget {
    /// The budget `limits` for the data directory at `root`.
    pub fn new(root: impl Into<PathBuf>, limits: DiskLimits) -> Self {
        Self(Arc::new(Mutex::new(State {
            root: root.into(),
            limits,
            usage: None,
            exhausted: None,
        })))
    }

    /// The limits.
    pub fn limits(&self) -> DiskLimits {
        crate::sync::lock(&self.0).limits
    }

    /// What the directory holds by this run's count (measuring it if the
    /// run has not yet changed it).
    pub fn usage(&self) -> Usage {
        self.with(|usage, _| *usage)
    }

    /// The part of the budget a call was refused for, if one was.
    pub fn exhausted(&self) -> Option<Exhausted> {
        crate::sync::lock(&self.0).exhausted
    }

    fn with<R>(&self, f: impl FnOnce(&mut Usage, DiskLimits) -> R) -> R {
        let mut state = crate::sync::lock(&self.0);
        let state = &mut *state;
        let usage = state.usage.get_or_insert_with(|| measure(&state.root));
        f(usage, state.limits)
    }

    /// Counts `bytes` more, unless that would pass the budget.
    pub(crate) fn grow(&self, bytes: u64) -> Result<(), Exhausted> {
        if bytes == 0 {
            return Ok(());
        }
        let granted = self.with(|usage, limits| {
            let total = usage.bytes.saturating_add(bytes);
            let fits = total <= limits.bytes;
            if fits {
                usage.bytes = total;
            }
            fits
        });
        self.refused_unless(granted, Exhausted::Bytes)
    }

    /// Replaces a growth of `counted` bytes, counted before a call, by the
    /// `actual` growth the call made.
    pub(crate) fn settle(&self, counted: u64, actual: u64) {
        if counted != actual {
            self.with(|usage, _| {
                usage.bytes = usage.bytes.saturating_sub(counted).saturating_add(actual);
            });
        }
    }

    /// Counts `bytes` fewer.
    pub(crate) fn free(&self, bytes: u64) {
        if bytes > 0 {
            self.with(|usage, _| usage.bytes = usage.bytes.saturating_sub(bytes));
        }
    }

    /// Counts one more entry, unless that would pass the budget.
    pub(crate) fn add_inode(&self) -> Result<(), Exhausted> {
        let granted = self.with(|usage, limits| {
            let fits = usage.inodes < limits.inodes;
            if fits {
                usage.inodes += 1;
            }
            fits
        });
        self.refused_unless(granted, Exhausted::Inodes)
    }

    /// Counts one entry fewer.
    pub(crate) fn remove_inode(&self) {
        self.with(|usage, _| usage.inodes = usage.inodes.saturating_sub(1));
    }

    /// Makes sure the directory is measured before a call changes it (so
    /// that the call's change is counted once).
    pub(crate) fn measure_now(&self) {
        self.with(|_, _| ());
    }

    fn refused_unless(&self, granted: bool, part: Exhausted) -> Result<(), Exhausted> {
        if granted {
            return Ok(());
        }
        crate::sync::lock(&self.0).exhausted = Some(part);
        Err(part)
    }
}

/// What the directory at `root` holds: each entry below it once, each
/// regular file by its size. Symbolic links are counted, not followed;
/// entries that cannot be read are skipped (the guest cannot make any).
/// No recursion: a deep tree costs heap, not stack.
pub fn measure(root: &Path) -> Usage {
    let mut usage = Usage::default();
    let mut dirs = vec![root.to_owned()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            usage.inodes += 1;
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                dirs.push(entry.path());
            } else if kind.is_file() {
                if let Ok(meta) = entry.metadata() {
                    usage.bytes = usage.bytes.saturating_add(meta.len());
                }
            }
        }
    }
    usage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_sizes_not_blocks_and_counts_every_entry() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "12345").unwrap();
        std::fs::create_dir_all(dir.path().join("d/e")).unwrap();
        let sparse = std::fs::File::create(dir.path().join("d/e/sparse")).unwrap();
        sparse.set_len(1 << 40).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("a", dir.path().join("link")).unwrap();
        let usage = measure(dir.path());
        assert_eq!(usage.bytes, 5 + (1 << 40));
        assert_eq!(usage.inodes, if cfg!(unix) { 5 } else { 4 });
    }

    #[test]
    fn growth_is_refused_past_the_budget_and_remembered() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kept"), vec![0u8; 600]).unwrap();
        let budget = DiskBudget::new(
            dir.path(),
            DiskLimits {
                bytes: 1000,
                inodes: 2,
            },
        );
        assert_eq!(budget.grow(400), Ok(()));
        assert_eq!(budget.grow(1), Err(Exhausted::Bytes));
        budget.free(100);
        assert_eq!(budget.grow(100), Ok(()));
        budget.settle(100, 40);
        assert_eq!(budget.usage().bytes, 940);
        assert_eq!(budget.add_inode(), Ok(()));
        assert_eq!(budget.add_inode(), Err(Exhausted::Inodes));
        assert_eq!(budget.exhausted(), Some(Exhausted::Inodes));
        budget.remove_inode();
        assert_eq!(budget.add_inode(), Ok(()));
    }
}
