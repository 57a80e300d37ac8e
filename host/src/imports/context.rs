//! `juju:charm/context`: where the run happens and what for (Juju's
//! `JUJU_*` environment), and `defer`.

use super::bindings::v0_2_0::juju::charm::context::{self as wit, Host};
use crate::model::{EventInfo, ModelContext, Relation};

impl Host for ModelContext {
    fn unit_name(&mut self) -> String {
        self.unit().unit.as_str().to_owned()
    }

    fn model_name(&mut self) -> String {
        self.unit().model_name.clone()
    }

    fn model_uuid(&mut self) -> String {
        self.unit().model_uuid.clone()
    }

    fn juju_version(&mut self) -> String {
        self.unit().juju_version.clone()
    }

    fn event(&mut self) -> wit::EventInfo {
        event_info(&self.unit().event)
    }

    fn defer(&mut self) -> Result<(), String> {
        ModelContext::defer(self)
    }
}

/// A relation as the contract types it.
pub(super) fn relation(relation: &Relation) -> wit::Relation {
    wit::Relation {
        endpoint: relation.endpoint.clone(),
        id: relation.id.0,
    }
}

fn event_info(event: &EventInfo) -> wit::EventInfo {
    wit::EventInfo {
        name: event.name.clone(),
        is_action: event.is_action,
        relation: event.relation.as_ref().map(relation),
        remote_unit: event.remote_unit.clone(),
        remote_app: event.remote_app.clone(),
        departing_unit: event.departing_unit.clone(),
        secret_id: event.secret_id.clone(),
        secret_label: event.secret_label.clone(),
        secret_revision: event.secret_revision,
        storage_id: event.storage_id.clone(),
        workload: event.workload.clone(),
    }
}
