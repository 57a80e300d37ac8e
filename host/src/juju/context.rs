//! The environment Juju gives a charm process (`JUJU_*`), read once and
//! typed.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::unit::UnitName;

/// The environment Juju gives a charm process, as far as charmbox uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JujuContext {
    /// `JUJU_DISPATCH_PATH`: what to run (`actions/<name>`, `hooks/<name>`).
    pub dispatch_path: String,
    /// `JUJU_UNIT_NAME`.
    pub unit: UnitName,
    /// `JUJU_CHARM_DIR`: the deployed charm directory.
    pub charm_dir: PathBuf,
    /// `JUJU_ACTION_NAME`, set when running an action.
    pub action_name: Option<String>,
    /// `JUJU_ACTION_UUID`, set when running an action.
    pub action_uuid: Option<String>,
    /// `JUJU_MODEL_NAME`.
    pub model_name: Option<String>,
    /// `JUJU_MODEL_UUID`.
    pub model_uuid: Option<String>,
    /// `JUJU_VERSION`.
    pub juju_version: Option<String>,
}

/// The Juju environment is missing or wrong: charmbox is not running under
/// Juju, or not as Juju runs a charm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JujuContextError {
    /// A variable Juju always sets is not set.
    #[error(
        "{0} is not set: `charmbox dispatch` runs inside a Juju hook or action, through the \
         charm's `dispatch` file; to run an action yourself use `charmbox run`"
    )]
    Missing(&'static str),
    /// A variable holds something unusable.
    #[error("{name} is {value:?}, which is not valid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: String,
    },
}

impl JujuContext {
    /// Reads the context from this process's environment.
    pub fn from_env() -> Result<Self, JujuContextError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads the context through `lookup` (a variable's value, if set).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Self, JujuContextError> {
        let text = |name: &'static str| -> Result<Option<String>, JujuContextError> {
            match lookup(name) {
                None => Ok(None),
                Some(value) if value.is_empty() => Ok(None),
                Some(value) => {
                    value
                        .into_string()
                        .map(Some)
                        .map_err(|value| JujuContextError::Invalid {
                            name,
                            value: value.to_string_lossy().into_owned(),
                            reason: "it is not UTF-8".into(),
                        })
                }
            }
        };
        let required = |name: &'static str| text(name)?.ok_or(JujuContextError::Missing(name));
        let dispatch_path = required("JUJU_DISPATCH_PATH")?;
        let unit_text = required("JUJU_UNIT_NAME")?;
        let unit = unit_text.parse().map_err(|e: crate::unit::UnitNameError| {
            JujuContextError::Invalid {
                name: "JUJU_UNIT_NAME",
                value: unit_text.clone(),
                reason: e.to_string(),
            }
        })?;
        let charm_dir = lookup("JUJU_CHARM_DIR")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .ok_or(JujuContextError::Missing("JUJU_CHARM_DIR"))?;
        Ok(Self {
            dispatch_path,
            unit,
            charm_dir,
            action_name: text("JUJU_ACTION_NAME")?,
            action_uuid: text("JUJU_ACTION_UUID")?,
            model_name: text("JUJU_MODEL_NAME")?,
            model_uuid: text("JUJU_MODEL_UUID")?,
            juju_version: text("JUJU_VERSION")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn reads_the_context_juju_sets() {
        let env: HashMap<&str, &str> = [
            ("JUJU_DISPATCH_PATH", "actions/greet"),
            ("JUJU_UNIT_NAME", "hello/3"),
            ("JUJU_CHARM_DIR", "/var/lib/juju/agents/unit-hello-3/charm"),
            ("JUJU_ACTION_NAME", "greet"),
            ("JUJU_ACTION_UUID", "42"),
        ]
        .into_iter()
        .collect();
        let context = JujuContext::from_lookup(|n| env.get(n).map(OsString::from)).unwrap();
        assert_eq!(context.unit.to_string(), "hello/3");
        assert_eq!(context.action_name.as_deref(), Some("greet"));
        assert_eq!(context.action_uuid.as_deref(), Some("42"));

        let err = JujuContext::from_lookup(|n| {
            (n != "JUJU_CHARM_DIR")
                .then(|| env.get(n).map(OsString::from))
                .flatten()
        })
        .unwrap_err();
        assert_eq!(err, JujuContextError::Missing("JUJU_CHARM_DIR"));
        let err = JujuContext::from_lookup(|n| match n {
            "JUJU_UNIT_NAME" => Some("Hello".into()),
            _ => env.get(n).map(OsString::from),
        })
        .unwrap_err();
        assert!(err.to_string().contains("JUJU_UNIT_NAME"), "{err}");
    }
}
