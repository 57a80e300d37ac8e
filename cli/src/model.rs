//! What the model commands share: opening the state directory's local
//! model, and telling a user what to do about its refusals.

use std::path::PathBuf;

use anyhow::anyhow;
use charmbox::model::local::{LocalModel, LocalModelError};

/// The state directory's local model.
pub fn open_model(state_dir: Option<PathBuf>) -> anyhow::Result<LocalModel> {
    let state_dir = super::run::require_state_dir(state_dir)?;
    Ok(LocalModel::open(&state_dir)?)
}

/// A model error, with what to do about it where the CLI knows.
pub fn explain(error: LocalModelError) -> anyhow::Error {
    match &error {
        LocalModelError::ApplicationNotFound(_) => anyhow!(
            "{error}: an application appears in the model on its units' first run \
             (`charmbox run CHARM ACTION`); `charmbox status` lists those there are"
        ),
        LocalModelError::SecretNotFound(_) => {
            anyhow!("{error}: `charmbox secrets` lists the secrets there are")
        }
        LocalModelError::UnitNotFound(_) => {
            anyhow!("{error}: `charmbox status` lists the units there are")
        }
        _ => error.into(),
    }
}
