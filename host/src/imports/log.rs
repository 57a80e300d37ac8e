//! `juju:charm/log`: `juju-log`.

use super::bindings::v0_2_0::juju::charm::log::{Host, Level};
use crate::model::{LogLevel, ModelContext};

impl Host for ModelContext {
    fn juju_log(&mut self, level: Level, message: String) {
        let level = match level {
            Level::Trace => LogLevel::Trace,
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warning => LogLevel::Warning,
            Level::Error => LogLevel::Error,
            Level::Critical => LogLevel::Critical,
        };
        ModelContext::juju_log(self, level, message)
    }
}
