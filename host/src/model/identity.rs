//! Which model a run is in: its name and UUID. A local model is named
//! `local` and gets its UUID once, when its state directory is first used,
//! kept in `model-uuid` there; under Juju both come from `JUJU_MODEL_*`.

use std::io::Write as _;
use std::path::Path;

/// The Juju version charmbox's local model behaves as (`context.juju-version`).
pub const LOCAL_JUJU_VERSION: &str = "3.6.0";

/// The name of every local model.
pub const LOCAL_MODEL_NAME: &str = "local";

/// The file in a state directory holding its model's UUID.
const UUID_FILE: &str = "model-uuid";

/// A model's name and UUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelIdentity {
    /// The model's name.
    pub name: String,
    /// The model's UUID.
    pub uuid: String,
}

impl ModelIdentity {
    /// A new local model, never stored (the testing API's).
    pub fn ephemeral() -> Self {
        Self {
            name: LOCAL_MODEL_NAME.into(),
            uuid: uuid::Uuid::new_v4().to_string(),
        }
    }

    /// The local model of `state_dir`: its UUID read, or made and kept on
    /// first use (two processes racing to make it agree on the first).
    pub fn of_state_dir(state_dir: &Path) -> std::io::Result<Self> {
        let path = state_dir.join(UUID_FILE);
        let read = |path: &Path| -> std::io::Result<Option<String>> {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    let uuid = text.trim();
                    if uuid::Uuid::parse_str(uuid).is_err() {
                        return Err(std::io::Error::other(format!(
                            "{} holds {uuid:?}, which is not a UUID; remove it to give the \
                             model a new one",
                            path.display()
                        )));
                    }
                    Ok(Some(uuid.to_owned()))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        };
        let uuid = match read(&path)? {
            Some(uuid) => uuid,
            None => {
                std::fs::create_dir_all(state_dir)?;
                let fresh = uuid::Uuid::new_v4().to_string();
                // Made aside and linked in: a reader never sees half a UUID,
                // and of two racing processes the first link wins.
                let aside = state_dir.join(format!(".{UUID_FILE}.{fresh}"));
                std::fs::File::create(&aside)?.write_all(fresh.as_bytes())?;
                let linked = std::fs::hard_link(&aside, &path);
                let _ = std::fs::remove_file(&aside);
                match linked {
                    Ok(()) => fresh,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path)?
                        .ok_or_else(|| std::io::Error::other("the model's UUID vanished"))?,
                    Err(e) => return Err(e),
                }
            }
        };
        Ok(Self {
            name: LOCAL_MODEL_NAME.into(),
            uuid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_dir_keeps_its_model_uuid() {
        let dir = tempfile::tempdir().unwrap();
        let first = ModelIdentity::of_state_dir(dir.path()).unwrap();
        let again = ModelIdentity::of_state_dir(dir.path()).unwrap();
        assert_eq!(first, again);
        assert_eq!(first.name, "local");
        std::fs::write(dir.path().join(UUID_FILE), "nonsense").unwrap();
        let err = ModelIdentity::of_state_dir(dir.path()).unwrap_err();
        assert!(err.to_string().contains("not a UUID"), "{err}");
    }
}
