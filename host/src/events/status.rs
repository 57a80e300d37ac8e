//! What the hook record adds to `juju status`: each unit's last hook and
//! when it ended (its agent's `since`), a failed hook shown as Juju shows
//! it (workload `error`, `hook failed: "NAME"`, the agent `idle`), and
//! `dying` for a unit whose removal waits for `resolve`, and an application
//! whose status is derived from its units' in `error` when one is. One place for the
//! rule, for every format `status` prints.

use super::log::{HookLog, HookLogError};
use crate::model::local::views::{format_since, ModelStatus, StatusView};
use crate::model::Status;
use crate::unit::UnitName;

/// Adds what `log` records to `status`'s units.
pub fn add_hook_record(status: &mut ModelStatus, log: &HookLog) -> Result<(), HookLogError> {
    let last = log.last_runs()?;
    let dying = log.dying_units()?;
    for application in status.applications.values_mut() {
        for (name, unit) in application.units.iter_mut() {
            let Ok(unit_name) = name.parse::<UnitName>() else {
                continue;
            };
            if let Some(run) = last.iter().find(|r| r.unit == unit_name) {
                unit.last_hook = Some(run.event.name.clone());
                unit.juju_status.since = Some(format_since(run.completed));
            }
            if let Some(error) = log.error_of(&unit_name)? {
                let failed = log
                    .runs(Some(&unit_name))?
                    .into_iter()
                    .find(|r| r.id == error.run);
                unit.workload_status = StatusView {
                    current: Status::Error,
                    message: format!("hook failed: {:?}", error.event.name),
                    since: failed.map(|r| format_since(r.completed)),
                };
            }
            if dying.contains(&unit_name) {
                unit.juju_status.life = Some("dying");
            }
        }
        // A derived application status is its units' most significant, and
        // `error` is the most significant of all.
        if application.status_derived {
            if let Some(failed) = application
                .units
                .values()
                .find(|u| u.workload_status.current == Status::Error)
            {
                application.status = failed.workload_status.clone();
            }
        }
    }
    Ok(())
}
