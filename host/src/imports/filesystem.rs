//! The guards on `wasi:filesystem`: every call that can grow a unit's data
//! directory asks its budget first ([`crate::sandbox::guards::disk`]), and
//! every call that opens a descriptor asks the run's descriptor cap
//! ([`crate::sandbox::guards::descriptors`]). What passes is then done by
//! wasmtime-wasi as before, so path resolution (and its refusal of `..` and
//! links out of `/data`) is untouched.
//!
//! | call | counted |
//! |---|---|
//! | `write`, `set-size` | the bytes the file grows by (shrinking gives them back) |
//! | `write-via-stream`, `append-via-stream` | a stream that counts each write ([`BudgetedStream`]) |
//! | `open-at` | a descriptor; an inode when it creates; a truncation gives bytes back |
//! | `create-directory-at`, `link-at`, `symlink-at` | an inode |
//! | `unlink-file-at`, `remove-directory-at` | gives back what the entry held, unless still open |
//!
//! A call that would pass the budget fails with `insufficient-space`
//! (`ENOSPC`, what a full disk gives); an open past the descriptor cap with
//! `insufficient-memory`.

use std::mem::ManuallyDrop;
use std::sync::Arc;

use bytes::Bytes;
use wasmtime::component::{Linker, Resource};
use wasmtime::StoreContextMut;
use wasmtime_wasi::filesystem::WasiFilesystemView as _;
use wasmtime_wasi::filesystem::{Descriptor as HostFile, WasiFilesystemCtxView};
use wasmtime_wasi::p2::bindings::sync::filesystem::types::{
    self as fs, Descriptor, DescriptorFlags, ErrorCode, Filesize, HostDescriptor as _, OpenFlags,
    PathFlags,
};
use wasmtime_wasi::p2::{
    DynOutputStream, FsResult, OutputStream, Pollable, StreamError, StreamResult,
};

use super::HostView;
use crate::sandbox::guards::DiskBudget;

/// The interface these calls belong to, as wasmtime-wasi's bindings name it.
pub(crate) const FILESYSTEM_TYPES: &str = "wasi:filesystem/types@0.2.12";

/// Most bytes a budgeted stream takes in one write.
const STREAM_CHUNK: usize = 64 * 1024;

/// Replaces the calls in the table above in `linker` (which must already
/// hold the WASI filesystem) by guarded ones.
pub(crate) fn guard_filesystem<T: HostView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    super::replacing(linker, |linker| {
        add_guards::<T>(&mut linker.instance(FILESYSTEM_TYPES)?)
    })
}

type Store<'a, T> = StoreContextMut<'a, T>;

fn add_guards<T: HostView>(
    types: &mut wasmtime::component::LinkerInstance<'_, T>,
) -> wasmtime::Result<()> {
    types.func_wrap(
        "[method]descriptor.write",
        |mut store: Store<'_, T>,
         (fd, buffer, offset): (Resource<Descriptor>, Vec<u8>, Filesize)| {
            let state = store.data_mut();
            let budget = state.guards().disk.clone();
            let mut view = state.filesystem();
            let Some((budget, file)) = budget.zip(file_of(&view, &fd)) else {
                let result = view.write(fd, buffer, offset);
                return answer(&mut view, result);
            };
            let before = size(&file);
            let growth = offset
                .saturating_add(buffer.len() as u64)
                .saturating_sub(before);
            if budget.grow(growth).is_err() {
                return Ok((Err(ErrorCode::InsufficientSpace),));
            }
            let result = view.write(fd, buffer, offset);
            settle(&budget, growth, before, size(&file));
            answer(&mut view, result)
        },
    )?;

    types.func_wrap(
        "[method]descriptor.set-size",
        |mut store: Store<'_, T>, (fd, new_size): (Resource<Descriptor>, Filesize)| {
            let state = store.data_mut();
            let budget = state.guards().disk.clone();
            let mut view = state.filesystem();
            let Some((budget, file)) = budget.zip(file_of(&view, &fd)) else {
                let result = view.set_size(fd, new_size);
                return answer(&mut view, result);
            };
            budget.measure_now();
            let before = size(&file);
            let growth = new_size.saturating_sub(before);
            if budget.grow(growth).is_err() {
                return Ok((Err(ErrorCode::InsufficientSpace),));
            }
            let result = view.set_size(fd, new_size);
            settle(&budget, growth, before, size(&file));
            answer(&mut view, result)
        },
    )?;

    types.func_wrap(
        "[method]descriptor.write-via-stream",
        |mut store: Store<'_, T>, (fd, offset): (Resource<Descriptor>, Filesize)| {
            budgeted_stream(store.data_mut(), fd, Position::At(offset))
        },
    )?;
    types.func_wrap(
        "[method]descriptor.append-via-stream",
        |mut store: Store<'_, T>, (fd,): (Resource<Descriptor>,)| {
            budgeted_stream(store.data_mut(), fd, Position::End)
        },
    )?;

    types.func_wrap(
        "[method]descriptor.open-at",
        |mut store: Store<'_, T>,
         (dir, path_flags, path, open_flags, flags): (
            Resource<Descriptor>,
            PathFlags,
            String,
            OpenFlags,
            DescriptorFlags,
        )| {
            let state = store.data_mut();
            if !state.guards().descriptors.may_open() {
                return Ok((Err(ErrorCode::InsufficientMemory),));
            }
            let budget = state.guards().disk.clone();
            let mut view = state.filesystem();
            let changes = open_flags.intersects(OpenFlags::CREATE | OpenFlags::TRUNCATE);
            let before = match (&budget, changes) {
                (Some(budget), true) => {
                    budget.measure_now();
                    Some(entry_at(
                        &view,
                        &dir,
                        &path,
                        path_flags.contains(PathFlags::SYMLINK_FOLLOW),
                    ))
                }
                _ => None,
            };
            let creates =
                open_flags.contains(OpenFlags::CREATE) && matches!(before, Some(Entry::Missing));
            if let (Some(budget), true) = (&budget, creates) {
                if budget.add_inode().is_err() {
                    return Ok((Err(ErrorCode::InsufficientSpace),));
                }
            }
            let result = view.open_at(dir, path_flags, path, open_flags, flags);
            let opened = result
                .as_ref()
                .ok()
                .and_then(|fd| view.table.get(fd).ok())
                .map(host_file_of);
            match (&budget, &opened, before) {
                (Some(budget), None, _) if creates => budget.remove_inode(),
                (Some(budget), Some(_), Some(Entry::File { size, .. }))
                    if open_flags.contains(OpenFlags::TRUNCATE) =>
                {
                    budget.free(size)
                }
                _ => {}
            }
            let answer = answer(&mut view, result);
            if let Some(file) = opened {
                store.data_mut().guards().descriptors.opened(&file);
            }
            answer
        },
    )?;

    types.func_wrap(
        "[method]descriptor.create-directory-at",
        |mut store: Store<'_, T>, (dir, path): (Resource<Descriptor>, String)| {
            let state = store.data_mut();
            let budget = state.guards().disk.clone();
            let mut view = state.filesystem();
            with_new_inode(&mut view, budget.as_ref(), |view| {
                view.create_directory_at(dir, path)
            })
        },
    )?;

    types.func_wrap(
        "[method]descriptor.link-at",
        |mut store: Store<'_, T>,
         (dir, old_flags, old_path, new_dir, new_path): (
            Resource<Descriptor>,
            PathFlags,
            String,
            Resource<Descriptor>,
            String,
        )| {
            let state = store.data_mut();
            let budget = state.guards().disk.clone();
            let mut view = state.filesystem();
            with_new_inode(&mut view, budget.as_ref(), |view| {
                view.link_at(dir, old_flags, old_path, new_dir, new_path)
            })
        },
    )?;

    types.func_wrap(
        "[method]descriptor.unlink-file-at",
        |mut store: Store<'_, T>, (dir, path): (Resource<Descriptor>, String)| {
            let state = store.data_mut();
            let budget = state.guards().disk.clone();
            let Some(budget) = budget else {
                let mut view = state.filesystem();
                let result = view.unlink_file_at(dir, path);
                return answer(&mut view, result);
            };
            budget.measure_now();
            let entry = entry_at(&state.filesystem(), &dir, &path, false);
            // The bytes of a file still open somewhere in this run stay in
            // use until it is closed: those come back at the next run.
            let freed = match entry {
                Entry::File { size, links: 1, id } if !state.guards().descriptors.is_open(id) => {
                    size
                }
                _ => 0,
            };
            let mut view = state.filesystem();
            let result = view.unlink_file_at(dir, path);
            if result.is_ok() && !matches!(entry, Entry::Missing | Entry::Unknown) {
                budget.free(freed);
                budget.remove_inode();
            }
            answer(&mut view, result)
        },
    )?;

    types.func_wrap(
        "[method]descriptor.remove-directory-at",
        |mut store: Store<'_, T>, (dir, path): (Resource<Descriptor>, String)| {
            let state = store.data_mut();
            let budget = state.guards().disk.clone();
            let mut view = state.filesystem();
            if let Some(budget) = &budget {
                budget.measure_now();
            }
            let result = view.remove_directory_at(dir, path);
            if let (Some(budget), Ok(())) = (&budget, &result) {
                budget.remove_inode();
            }
            answer(&mut view, result)
        },
    )?;
    Ok(())
}

/// `result` as the guest's `result<_, error-code>` (a trap stays a trap).
fn answer<R>(
    view: &mut WasiFilesystemCtxView<'_>,
    result: FsResult<R>,
) -> wasmtime::Result<(Result<R, ErrorCode>,)> {
    match result {
        Ok(value) => Ok((Ok(value),)),
        Err(e) => Ok((Err(fs::Host::convert_error_code(view, e)?),)),
    }
}

/// Runs `op`, which makes one entry, within `budget`'s inodes.
pub(crate) fn with_new_inode<R>(
    view: &mut WasiFilesystemCtxView<'_>,
    budget: Option<&DiskBudget>,
    op: impl FnOnce(&mut WasiFilesystemCtxView<'_>) -> FsResult<R>,
) -> wasmtime::Result<(Result<R, ErrorCode>,)> {
    if let Some(budget) = budget {
        if budget.add_inode().is_err() {
            return Ok((Err(ErrorCode::InsufficientSpace),));
        }
    }
    let result = op(view);
    if let (Some(budget), Err(_)) = (budget, &result) {
        budget.remove_inode();
    }
    answer(view, result)
}

/// Counts what a call that grew a file by at most `counted` bytes did: the
/// file was `before` bytes and is `after`.
fn settle(budget: &DiskBudget, counted: u64, before: u64, after: u64) {
    budget.settle(counted, after.saturating_sub(before));
    budget.free(before.saturating_sub(after));
}

/// The host file behind a descriptor (a file or a directory).
fn host_file_of(descriptor: &HostFile) -> Arc<std::fs::File> {
    match descriptor {
        HostFile::File(file) => Arc::clone(&file.file),
        HostFile::Dir(dir) => Arc::clone(&dir.dir),
    }
}

/// The open file behind `fd`, when it is a file.
fn file_of(
    view: &WasiFilesystemCtxView<'_>,
    fd: &Resource<Descriptor>,
) -> Option<Arc<std::fs::File>> {
    match view.table.get(fd).ok()? {
        HostFile::File(file) => Some(Arc::clone(&file.file)),
        HostFile::Dir(_) => None,
    }
}

/// A file's size now (0 if it cannot be read: a failed call grew nothing).
fn size(file: &std::fs::File) -> u64 {
    file.metadata().map(|m| m.len()).unwrap_or(0)
}

/// Which file an entry is: its device and inode.
pub(crate) type FileId = (u64, u64);

/// What a path names, as the budget needs to know it.
#[derive(Debug, Clone, Copy)]
enum Entry {
    /// Nothing.
    Missing,
    /// A regular file.
    File { size: u64, links: u64, id: FileId },
    /// Something else (a directory, a link).
    Other,
    /// It could not be looked at (the call itself will say why).
    Unknown,
}

/// What `path` names under the directory `dir`, resolved as WASI resolves
/// it (never outside the directory).
fn entry_at(
    view: &WasiFilesystemCtxView<'_>,
    dir: &Resource<Descriptor>,
    path: &str,
    follow: bool,
) -> Entry {
    use cap_std::fs::MetadataExt as _;
    let Ok(HostFile::Dir(dir)) = view.table.get(dir) else {
        return Entry::Unknown;
    };
    let dir = borrowed_dir(&dir.dir);
    let meta = if follow {
        dir.metadata(path)
    } else {
        dir.symlink_metadata(path)
    };
    match meta {
        Ok(meta) if meta.is_file() => Entry::File {
            size: meta.len(),
            links: meta.nlink(),
            id: (meta.dev(), meta.ino()),
        },
        Ok(_) => Entry::Other,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Entry::Missing,
        Err(_) => Entry::Unknown,
    }
}

/// The directory open as `file`, as a cap-std directory that resolves
/// paths within it, without a second descriptor.
fn borrowed_dir(file: &Arc<std::fs::File>) -> ManuallyDrop<cap_std::fs::Dir> {
    use std::os::fd::{AsRawFd as _, FromRawFd as _};
    // SAFETY: the descriptor stays open while `file` lives, which outlives
    // the borrow; `ManuallyDrop` keeps the `Dir` from closing it.
    ManuallyDrop::new(unsafe { cap_std::fs::Dir::from_raw_fd(file.as_raw_fd()) })
}

/// A `write-via-stream` / `append-via-stream` whose writes the budget counts.
fn budgeted_stream<T: HostView>(
    state: &mut T,
    fd: Resource<Descriptor>,
    position: Position,
) -> wasmtime::Result<(Result<Resource<DynOutputStream>, ErrorCode>,)> {
    let budget = state.guards().disk.clone();
    let mut view = state.filesystem();
    let file = match (budget, view.table.get(&fd)?) {
        (Some(budget), HostFile::File(file)) => {
            if file.perms.write_not_permitted() {
                return Ok((Err(ErrorCode::NotPermitted),));
            }
            Some((budget, Arc::clone(&file.file)))
        }
        _ => None,
    };
    let Some((budget, file)) = file else {
        let result = match position {
            Position::At(offset) => view.write_via_stream(fd, offset),
            Position::End => view.append_via_stream(fd),
        };
        return answer(&mut view, result);
    };
    let stream: DynOutputStream = Box::new(BudgetedStream {
        file,
        position,
        budget,
    });
    Ok((Ok(view.table.push(stream)?),))
}

/// Where a budgeted stream writes next.
#[derive(Debug, Clone, Copy)]
enum Position {
    /// At this offset.
    At(u64),
    /// At the file's end, whatever it is by then.
    End,
}

/// An output stream to a file in `/data` whose every write the unit's
/// budget counts: the bytes it extends the file by, from the file's size
/// at that moment (another descriptor may have changed it).
struct BudgetedStream {
    file: Arc<std::fs::File>,
    position: Position,
    budget: DiskBudget,
}

impl OutputStream for BudgetedStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        use std::os::unix::fs::FileExt as _;
        let before = size(&self.file);
        let at = match self.position {
            Position::At(offset) => offset,
            Position::End => before,
        };
        let growth = at.saturating_add(bytes.len() as u64).saturating_sub(before);
        if self.budget.grow(growth).is_err() {
            return Err(StreamError::LastOperationFailed(disk_full().into()));
        }
        let written = self.file.write_all_at(&bytes, at);
        settle(&self.budget, growth, before, size(&self.file));
        written.map_err(|e| StreamError::LastOperationFailed(e.into()))?;
        if let Position::At(offset) = &mut self.position {
            *offset = at + bytes.len() as u64;
        }
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        // Writes go straight to the file.
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(STREAM_CHUNK)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for BudgetedStream {
    async fn ready(&mut self) {}
}

/// The error of a write to a full disk, carrying its `errno` so that the
/// guest's `filesystem-error-code` says `insufficient-space`.
fn disk_full() -> std::io::Error {
    #[cfg(target_os = "linux")]
    {
        std::io::Error::from_raw_os_error(libc::ENOSPC)
    }
    #[cfg(not(target_os = "linux"))]
    {
        std::io::Error::from(std::io::ErrorKind::StorageFull)
    }
}
