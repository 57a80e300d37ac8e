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
        LocalModelError::Refused(message)
            if message.starts_with("application ") && message.ends_with(" not found") =>
        {
            anyhow!(
                "{message}: an application appears in the model on its units' first run \
                 (`charmbox run CHARM ACTION`); `charmbox status` lists those there are"
            )
        }
        LocalModelError::Refused(message)
            if message.starts_with("unit ") && message.ends_with(" not found") =>
        {
            anyhow!("{message}: `charmbox status` lists the units there are")
        }
        _ => error.into(),
    }
}
