//! `juju:charm/status`: `is-leader`, `status-set`, `status-get`,
//! `application-version-set`.

use super::bindings::v0_2_0::juju::charm::status::{self as wit, Host};
use crate::model::{ModelContext, Status, StatusInfo, StatusTarget};

impl Host for ModelContext {
    fn is_leader(&mut self) -> Result<bool, String> {
        ModelContext::is_leader(self)
    }

    fn status_set(
        &mut self,
        status: wit::StatusKind,
        message: String,
        application: bool,
    ) -> Result<(), String> {
        let status = match status {
            wit::StatusKind::Maintenance => Status::Maintenance,
            wit::StatusKind::Blocked => Status::Blocked,
            wit::StatusKind::Waiting => Status::Waiting,
            wit::StatusKind::Active => Status::Active,
        };
        ModelContext::status_set(self, target(application), StatusInfo { status, message })
    }

    fn status_get(&mut self, application: bool) -> Result<wit::StatusInfo, String> {
        let info = ModelContext::status_get(self, target(application))?;
        Ok(wit::StatusInfo {
            status: info.status.as_str().to_owned(),
            message: info.message,
        })
    }

    fn application_version_set(&mut self, version: String) -> Result<(), String> {
        ModelContext::application_version_set(self, &version)
    }
}

fn target(application: bool) -> StatusTarget {
    if application {
        StatusTarget::Application
    } else {
        StatusTarget::Unit
    }
}
