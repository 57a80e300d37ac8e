//! The model's debug log (`juju-log`): [`Model::juju_log`], and the logger
//! the SDK installs so that the `log` crate's macros write to it.

use crate::bindings::log as host;
use crate::Model;

/// A `juju-log` level.
///
/// ```no_run
/// use charmbox_sdk::LogLevel;
/// # fn f(model: &charmbox_sdk::Model) {
/// model.juju_log(LogLevel::Critical, "the data directory is gone");
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)] // Juju's names.
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

impl Model {
    /// Writes `message` to the model's debug log at `level` (`juju-log`;
    /// `juju debug-log` shows it).
    ///
    /// The `log` crate's macros do the same without a [`Model`] at hand
    /// (the SDK installs a logger for them; see the [crate
    /// docs](crate#the-debug-log)); this is for a level they do not have,
    /// `Critical`.
    ///
    /// ```no_run
    /// use charmbox_sdk::LogLevel;
    /// # fn f(model: &charmbox_sdk::Model) {
    /// model.juju_log(LogLevel::Warning, "config option \"port\" is deprecated");
    /// # }
    /// ```
    pub fn juju_log(&self, level: LogLevel, message: &str) {
        host::juju_log(contract_level(level), message);
    }
}

fn contract_level(level: LogLevel) -> host::Level {
    match level {
        LogLevel::Trace => host::Level::Trace,
        LogLevel::Debug => host::Level::Debug,
        LogLevel::Info => host::Level::Info,
        LogLevel::Warning => host::Level::Warning,
        LogLevel::Error => host::Level::Error,
        LogLevel::Critical => host::Level::Critical,
    }
}

/// The `log` crate's levels as Juju's.
#[cfg(feature = "log")]
fn juju_level(level: log::Level) -> LogLevel {
    match level {
        log::Level::Error => LogLevel::Error,
        log::Level::Warn => LogLevel::Warning,
        log::Level::Info => LogLevel::Info,
        log::Level::Debug => LogLevel::Debug,
        log::Level::Trace => LogLevel::Trace,
    }
}

/// Sends the `log` crate's records to `juju-log`.
#[cfg(feature = "log")]
struct JujuLogger;

#[cfg(feature = "log")]
impl log::Log for JujuLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        // As ops's JujuLogHandler: the message alone; Juju adds the unit,
        // the time and the level.
        let message = match record.args().as_str() {
            Some(text) => std::borrow::Cow::Borrowed(text),
            None => std::borrow::Cow::Owned(record.args().to_string()),
        };
        host::juju_log(contract_level(juju_level(record.level())), &message);
    }

    fn flush(&self) {}
}

/// Installs the logger before the first handler runs, at `debug` (as `ops`
/// sets its root logger): each record is a host call, counted against the
/// run's bound on model calls, so `trace` is the author's to turn on
/// (`log::set_max_level(log::LevelFilter::Trace)`). An author's own logger,
/// installed earlier, is left in place.
#[cfg(feature = "log")]
pub(crate) fn install_logger() {
    static LOGGER: JujuLogger = JujuLogger;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Debug);
    }
}

/// Without the `log` feature there is no logger to install.
#[cfg(not(feature = "log"))]
pub(crate) fn install_logger() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_maps_onto_the_contract() {
        let pairs = [
            (LogLevel::Trace, host::Level::Trace),
            (LogLevel::Debug, host::Level::Debug),
            (LogLevel::Info, host::Level::Info),
            (LogLevel::Warning, host::Level::Warning),
            (LogLevel::Error, host::Level::Error),
            (LogLevel::Critical, host::Level::Critical),
        ];
        for (level, wire) in pairs {
            assert_eq!(contract_level(level) as u8, wire as u8, "{level:?}");
        }
    }

    #[cfg(feature = "log")]
    #[test]
    fn log_crate_levels_are_juju_s() {
        assert_eq!(juju_level(log::Level::Warn), LogLevel::Warning);
        assert_eq!(juju_level(log::Level::Error), LogLevel::Error);
        assert_eq!(juju_level(log::Level::Info), LogLevel::Info);
        assert_eq!(juju_level(log::Level::Debug), LogLevel::Debug);
        assert_eq!(juju_level(log::Level::Trace), LogLevel::Trace);
    }
}
