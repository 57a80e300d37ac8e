//! The `juju:charm/action` imports, implemented over [`super::ActionContext`].

use crate::bindings::juju::charm::action::Host;
use crate::sandbox::RunState;

impl Host for RunState {
    fn action_get(&mut self, key: Option<String>) -> Option<String> {
        self.action.get(key.as_deref())
    }

    fn action_set(&mut self, results: Vec<(String, String)>) -> Result<(), String> {
        self.action.set(results)
    }

    fn action_log(&mut self, message: String) {
        self.action.log(message)
    }

    fn action_fail(&mut self, message: String) {
        self.action.fail(message)
    }
}
