//! `juju:charm/action`: the guest's `action-get`, `action-set`, `action-log`
//! and `action-fail` calls, served by the run's [`ActionContext`].

use super::bindings::juju::charm::action::Host;
use crate::action::ActionContext;

impl Host for ActionContext {
    fn action_get(&mut self, key: Option<String>) -> Option<String> {
        self.get(key.as_deref())
    }

    fn action_set(&mut self, results: Vec<(String, String)>) -> Result<(), String> {
        self.set(results)
    }

    fn action_log(&mut self, message: String) {
        self.log(message)
    }

    fn action_fail(&mut self, message: String) {
        self.fail(message)
    }
}
