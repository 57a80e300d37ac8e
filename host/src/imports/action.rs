//! `juju:charm/action`: the guest's `action-get`, `action-set`, `action-log`
//! and `action-fail` calls, served by the run's [`ActionContext`]. The
//! interface is the same in 0.1.0 and 0.2.0: 0.2.0's impl holds the calls,
//! 0.1.0's maps onto it.

use super::bindings::{v0_1_0, v0_2_0};
use crate::action::ActionContext;

use v0_2_0::juju::charm::action::Host as Latest;

impl Latest for ActionContext {
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

impl v0_1_0::juju::charm::action::Host for ActionContext {
    fn action_get(&mut self, key: Option<String>) -> Option<String> {
        Latest::action_get(self, key)
    }

    fn action_set(&mut self, results: Vec<(String, String)>) -> Result<(), String> {
        Latest::action_set(self, results)
    }

    fn action_log(&mut self, message: String) {
        Latest::action_log(self, message)
    }

    fn action_fail(&mut self, message: String) {
        Latest::action_fail(self, message)
    }
}
