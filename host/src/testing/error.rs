//! Why a test did not get the run it asked for: [`TestError`], and
//! [`InvalidParams`] for params that do not fit the action's schema.

use std::fmt;
use std::path::PathBuf;

use serde_json::Value;

use super::build::BuildError;
use super::output::{ActionFailed, ActionOutput};
use crate::charm::schema::{write_violations, Violation};
use crate::charm::ParamsError;

/// Params that do not fit the action's schema: nothing ran.
#[derive(Clone, PartialEq, Eq)]
pub struct InvalidParams {
    /// The action.
    pub action: String,
    /// The params as given.
    pub params: Value,
    /// Each way they break the schema.
    pub violations: Vec<Violation>,
}

impl InvalidParams {
    pub(super) fn from_error(error: ParamsError, params: Value) -> Self {
        Self {
            action: error.action,
            params,
            violations: error.violations,
        }
    }

    pub(super) fn whole(action: &str, params: Value, problem: String) -> Self {
        Self {
            action: action.to_owned(),
            params,
            violations: vec![Violation {
                param: "(params)".into(),
                problem,
            }],
        }
    }

    /// The names of the params that broke the schema (`(params)` for the
    /// whole map), in order.
    pub fn params_at_fault(&self) -> Vec<&str> {
        self.violations.iter().map(|v| v.param.as_str()).collect()
    }
}

impl fmt::Display for InvalidParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid params for action {:?}: {} does not fit its schema:",
            self.action, self.params
        )?;
        write_violations(f, &self.violations)
    }
}

impl fmt::Debug for InvalidParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for InvalidParams {}

/// Why a test's charm could not be built or loaded, or an action did not
/// complete. `Debug` reads as `Display`, so `?` and `unwrap` in a test print
/// the whole story.
#[derive(thiserror::Error)]
pub enum TestError {
    /// The charm crate did not build.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The engine could not start.
    #[error("cannot start the WebAssembly engine: {0}")]
    Engine(String),
    /// The charm could not be loaded, or does not pass `charmbox check`.
    #[error("cannot load the charm {}: {message}", .path.display())]
    Load {
        /// The charm, component or metadata directory.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The params do not fit the action's schema.
    #[error(transparent)]
    InvalidParams(Box<InvalidParams>),
    /// The action could not be started (no such action, an import the host
    /// lacks, no unit name).
    #[error("cannot run action {action:?} with params {params}: {message}")]
    CannotRun {
        /// The action.
        action: String,
        /// The params as given.
        params: Box<Value>,
        /// Why.
        message: String,
    },
    /// The action ran and failed.
    #[error(transparent)]
    ActionFailed(#[from] ActionFailed),
    /// [`Context::run_failing`]: the action was expected to fail, and
    /// completed.
    #[error("{}", completed_message(.0))]
    Completed(Box<ActionOutput>),
}

fn completed_message(out: &ActionOutput) -> String {
    struct Describe<'a>(&'a ActionOutput);
    impl fmt::Display for Describe<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.describe(f)
        }
    }
    format!(
        "action {:?} with params {} completed, expected it to fail\n{}",
        out.action,
        out.params,
        Describe(out)
    )
}

impl From<InvalidParams> for TestError {
    fn from(invalid: InvalidParams) -> Self {
        Self::InvalidParams(Box::new(invalid))
    }
}

impl fmt::Debug for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl TestError {
    /// The failure, when the action ran and failed.
    pub fn action_failed(&self) -> Option<&ActionFailed> {
        match self {
            Self::ActionFailed(failed) => Some(failed),
            _ => None,
        }
    }

    /// The violations, when the params did not fit the schema.
    pub fn invalid_params(&self) -> Option<&InvalidParams> {
        match self {
            Self::InvalidParams(invalid) => Some(invalid),
            _ => None,
        }
    }
}
