//! `juju:charm/config`: `config-get`.

use super::bindings::v0_2_0::juju::charm::config::Host;
use crate::model::ModelContext;

impl Host for ModelContext {
    fn config_get(&mut self, key: Option<String>) -> Result<Option<String>, String> {
        ModelContext::config_get(self, key.as_deref())
    }
}
