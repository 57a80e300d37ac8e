//! The guard on symbolic links a guest creates.
//!
//! WASI resolves every path inside the preopened directory, so a guest can
//! never follow a link out of `/data`. But it could still *create* one:
//! `/data/up -> ../../../../etc` is refused only when followed from inside,
//! and is left in the unit's data directory on the host, where anything
//! outside the sandbox that walks the state directory (a backup, `cp -rL`,
//! an operator's shell) would follow it to the host's `/etc`. So the host
//! refuses to create a link whose target could leave the directory it is
//! in: an absolute target, or one with a `..` component. Links within the
//! data directory (`current -> v2/app`) still work.

use wasmtime::component::{Linker, Resource};
use wasmtime::StoreContextMut;
use wasmtime_wasi::filesystem::WasiFilesystemView as _;
use wasmtime_wasi::p2::bindings::sync::filesystem::types::{
    Descriptor, ErrorCode, HostDescriptor as _,
};

use super::filesystem::{with_new_inode, FILESYSTEM_TYPES};
use super::HostView;

/// Replaces `descriptor.symlink-at` in `linker` (which must already hold the
/// WASI filesystem) by one that refuses targets that could lead out of the
/// link's directory, with `not-permitted`, and otherwise does what WASI does
/// (the link counting as an inode of the unit's data budget).
pub(crate) fn guard_symlinks<T: HostView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    super::replacing(linker, |linker| {
        linker.instance(FILESYSTEM_TYPES)?.func_wrap(
            "[method]descriptor.symlink-at",
            |mut store: StoreContextMut<'_, T>,
             (dir, target, link): (Resource<Descriptor>, String, String)| {
                if !stays_inside(&target) {
                    return Ok((Err(ErrorCode::NotPermitted),));
                }
                let state = store.data_mut();
                let budget = state.guards().disk.clone();
                let mut view = state.filesystem();
                with_new_inode(&mut view, budget.as_ref(), |view| {
                    view.symlink_at(dir, target, link)
                })
            },
        )
    })
}

/// Whether a link to `target` can only lead to its own directory or below:
/// not absolute, and no `..` anywhere (a `..`-free link, followed through
/// other `..`-free links, never climbs).
fn stays_inside(target: &str) -> bool {
    !target.is_empty() && !target.starts_with('/') && !target.split('/').any(|part| part == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_links_that_cannot_climb_are_allowed() {
        for inside in ["v2", "v2/app", "./x", "a/./b", "..x", "x.."] {
            assert!(stays_inside(inside), "{inside}");
        }
        for outside in ["", "/etc", "..", "../x", "a/../../etc", "a/..", "a//../b"] {
            assert!(!stays_inside(outside), "{outside}");
        }
    }
}
