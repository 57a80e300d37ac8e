//! The sandbox one action run executes in: its store state, its WASI context
//! (environment, captured output, the unit's data directory and nothing else
//! of the host), and the limits on time, memory and output.
//!
//! Per-process things (engine, linker, compiled charms) live in
//! [`crate::engine`] and [`crate::charm`]; everything here is made fresh for
//! each run and dropped with it, so nothing leaks from one run to the next.

pub mod guards;
mod output;

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::action::{ActionContext, ActionLimits};
use crate::model::{ModelContext, ModelLimits};

pub use guards::descriptors::DEFAULT_MAX_DESCRIPTORS;
pub use guards::disk::{DiskLimits, Usage};
pub use guards::memory::{
    MemoryLimiter, MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES, TABLE_ELEMENT_BYTES,
};
use guards::{DescriptorCount, DiskBudget, Guards, WaitBound};
pub use output::{CapturedOutput, OutputCapture};

/// Where the unit's data directory appears inside the guest.
pub const GUEST_DATA_DIR: &str = "/data";

/// Every bound a run is held to. Each field documents its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxLimits {
    /// Wall-clock deadline for the handler; `None` for none. Default 5 minutes.
    pub timeout: Option<Duration>,
    /// Most linear memory (all memories together), in bytes. Default 256 MiB.
    pub memory_bytes: usize,
    /// Most bytes of stdout, and separately of stderr, kept. Default 64 KiB.
    pub output_bytes: usize,
    /// Bounds on results, log and failure messages.
    pub action: ActionLimits,
    /// Bounds on model calls.
    pub model: ModelLimits,
    /// The unit's data directory budget. Default 1 GiB and 100,000 inodes.
    pub disk: DiskLimits,
    /// Most files and directories open at once. Default
    /// [`DEFAULT_MAX_DESCRIPTORS`].
    pub descriptors: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            timeout: Some(Duration::from_secs(300)),
            memory_bytes: 256 * 1024 * 1024,
            output_bytes: 64 * 1024,
            action: ActionLimits::default(),
            model: ModelLimits::default(),
            disk: DiskLimits::default(),
            descriptors: DEFAULT_MAX_DESCRIPTORS,
        }
    }
}

/// Who the guest is running as: what Juju puts in the hook environment,
/// borrowed from the run's request (the WASI context copies what it keeps).
#[derive(Debug, Clone, Copy)]
pub struct GuestIdentity<'a> {
    /// `JUJU_UNIT_NAME`.
    pub unit: &'a str,
    /// What runs: an action and its id, or a hook.
    pub handler: HandlerIdentity<'a>,
}

/// The handler part of a [`GuestIdentity`].
#[derive(Debug, Clone, Copy)]
pub enum HandlerIdentity<'a> {
    /// An action: `JUJU_ACTION_NAME`, and `JUJU_ACTION_UUID` (the task's id).
    Action {
        /// The action's name.
        name: &'a str,
        /// Its task's id.
        id: &'a str,
    },
    /// A hook: `JUJU_HOOK_NAME`.
    Hook {
        /// The hook's name.
        name: &'a str,
    },
}

/// The state a run's store holds.
pub struct RunState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) action: ActionContext,
    pub(crate) model: ModelContext,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) guards: Guards,
}

impl crate::imports::HostView for RunState {
    fn action(&mut self) -> &mut ActionContext {
        &mut self.action
    }

    fn model(&mut self) -> &mut ModelContext {
        &mut self.model
    }

    fn guards(&mut self) -> &mut Guards {
        &mut self.guards
    }
}

impl WasiView for RunState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// What a new run's state is made from.
pub struct SandboxSpec<'a> {
    /// Environment identity.
    pub identity: GuestIdentity<'a>,
    /// The unit's data directory on the host, preopened at [`GUEST_DATA_DIR`].
    pub data_dir: Option<&'a Path>,
    /// Limits.
    pub limits: SandboxLimits,
    /// What bounds the guest's waits (the run's deadline, its stop handle).
    pub waits: WaitBound,
}

impl RunState {
    /// Builds a run's state: a WASI context with only what the spec grants.
    pub fn new(
        spec: &SandboxSpec<'_>,
        action: ActionContext,
        model: ModelContext,
        stdout: &OutputCapture,
        stderr: &OutputCapture,
    ) -> anyhow::Result<Self> {
        let mut wasi = WasiCtxBuilder::new();
        // Nothing of the host's environment, network or filesystem: only what
        // Juju would set for the handler, and the unit's own data directory.
        match &spec.identity.handler {
            HandlerIdentity::Action { name, id } => {
                wasi.env("JUJU_ACTION_NAME", name)
                    .env("JUJU_ACTION_UUID", id);
            }
            HandlerIdentity::Hook { name } => {
                wasi.env("JUJU_HOOK_NAME", name);
            }
        }
        wasi.env("JUJU_UNIT_NAME", spec.identity.unit)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .stdout(stdout.clone())
            .stderr(stderr.clone());
        if let Some(dir) = spec.data_dir {
            // Created on a unit's first run only: most runs find it there.
            if wasi
                .preopened_dir(dir, GUEST_DATA_DIR, FsPerms::ReadWrite)
                .is_err()
            {
                crate::paths::create_private_dir_all(dir).with_context(|| {
                    format!("cannot create the unit's data directory {}", dir.display())
                })?;
                wasi.preopened_dir(dir, GUEST_DATA_DIR, FsPerms::ReadWrite)
                    .map_err(anyhow::Error::from)
                    .with_context(|| {
                        format!("cannot open the unit's data directory {}", dir.display())
                    })?;
            }
        }
        Ok(Self {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            action,
            model,
            limiter: MemoryLimiter::new(spec.limits.memory_bytes),
            guards: Guards {
                waits: spec.waits.clone(),
                disk: spec
                    .data_dir
                    .map(|dir| DiskBudget::new(dir, spec.limits.disk)),
                descriptors: DescriptorCount::new(spec.limits.descriptors),
            },
        })
    }
}
