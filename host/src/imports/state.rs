//! `juju:charm/state`: `state-get`, `state-set`, `state-delete`.

use super::bindings::v0_2_0::juju::charm::state::Host;
use crate::model::ModelContext;

impl Host for ModelContext {
    fn state_get(&mut self, key: String) -> Result<Option<String>, String> {
        ModelContext::state_get(self, &key)
    }

    fn state_list(&mut self) -> Result<Vec<(String, String)>, String> {
        ModelContext::state_list(self)
    }

    fn state_set(&mut self, pairs: Vec<(String, String)>) -> Result<(), String> {
        ModelContext::state_set(self, pairs)
    }

    fn state_delete(&mut self, key: String) -> Result<(), String> {
        ModelContext::state_delete(self, &key)
    }
}
