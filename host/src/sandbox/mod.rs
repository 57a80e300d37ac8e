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
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::action::{ActionContext, ActionLimits};
use crate::model::{ModelContext, ModelLimits, UnitContext};

pub use guards::descriptors::DEFAULT_MAX_DESCRIPTORS;
pub use guards::disk::{DiskLimits, Usage};
pub use guards::memory::{
    MemoryLimiter, MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES, TABLE_ELEMENT_BYTES,
};
use guards::{DescriptorCount, DiskBudget, Guards, WaitBound};
pub use output::{CapturedOutput, GuestOutput, OutputCapture};

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

/// The guest's environment: only what Juju sets for the handler (the
/// unit, and the action and its id or the hook), nothing of the host's.
/// It is written out when the guest asks for it (`wasi:cli/environment`,
/// served in `crate::imports`), not for every run: most handlers never read
/// it.
#[derive(Debug, Clone)]
pub struct GuestEnvironment {
    context: Arc<UnitContext>,
    action_id: String,
}

impl GuestEnvironment {
    /// The environment of a run of `context`'s event on its unit; for an
    /// action, `action_id` is its task's id (a hook's guest sees none).
    pub fn new(context: Arc<UnitContext>, action_id: String) -> Self {
        Self { context, action_id }
    }

    /// The variables, in the order the guest sees them: `JUJU_ACTION_NAME`
    /// and `JUJU_ACTION_UUID` for an action, `JUJU_HOOK_NAME` for a hook,
    /// then `JUJU_UNIT_NAME`.
    pub fn variables(&self) -> Vec<(String, String)> {
        let event = &self.context.event;
        let mut variables = Vec::with_capacity(3);
        if event.is_action {
            variables.push(("JUJU_ACTION_NAME".to_owned(), event.name.clone()));
            variables.push(("JUJU_ACTION_UUID".to_owned(), self.action_id.clone()));
        } else {
            variables.push(("JUJU_HOOK_NAME".to_owned(), event.name.clone()));
        }
        variables.push((
            "JUJU_UNIT_NAME".to_owned(),
            self.context.unit.as_str().to_owned(),
        ));
        variables
    }
}

/// The state a run's store holds.
pub struct RunState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) action: ActionContext,
    pub(crate) model: ModelContext,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) guards: Guards,
    pub(crate) environment: GuestEnvironment,
    pub(crate) output: GuestOutput,
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

    fn environment(&self) -> &GuestEnvironment {
        &self.environment
    }

    fn output(&mut self) -> &mut GuestOutput {
        &mut self.output
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
    /// The guest's environment.
    pub environment: GuestEnvironment,
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
        spec: SandboxSpec<'_>,
        action: ActionContext,
        model: ModelContext,
    ) -> anyhow::Result<Self> {
        let mut wasi = WasiCtxBuilder::new();
        // Nothing of the host's environment, output (the guest's own are
        // served apart: `GuestEnvironment`, `GuestOutput`), network or
        // filesystem: only the unit's own data directory.
        wasi.allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
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
                waits: spec.waits,
                disk: spec
                    .data_dir
                    .map(|dir| DiskBudget::new(dir, spec.limits.disk)),
                descriptors: DescriptorCount::new(spec.limits.descriptors),
            },
            environment: spec.environment,
            output: GuestOutput::new(spec.limits.output_bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventInfo, ModelIdentity};

    fn environment(event: EventInfo, action_id: &str) -> Vec<(String, String)> {
        let context =
            UnitContext::local("db/3".parse().unwrap(), &ModelIdentity::ephemeral(), event);
        GuestEnvironment::new(context.into(), action_id.into()).variables()
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_action_sees_its_name_id_and_unit_as_juju_sets_them() {
        assert_eq!(
            environment(EventInfo::action("backup"), "42"),
            pairs(&[
                ("JUJU_ACTION_NAME", "backup"),
                ("JUJU_ACTION_UUID", "42"),
                ("JUJU_UNIT_NAME", "db/3"),
            ])
        );
    }

    #[test]
    fn a_hook_sees_its_name_and_unit_and_no_action() {
        let hook = EventInfo {
            name: "config-changed".into(),
            ..EventInfo::default()
        };
        assert_eq!(
            environment(hook, ""),
            pairs(&[
                ("JUJU_HOOK_NAME", "config-changed"),
                ("JUJU_UNIT_NAME", "db/3")
            ])
        );
    }
}
