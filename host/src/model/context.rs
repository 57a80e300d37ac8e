//! Per-run model state: the checks every backend shares. A guest's model
//! calls land here (through [`crate::imports`]), are bounded, and go to the
//! run's [`ModelBackend`]; what the backend refuses comes back to the guest
//! as the call's error, and a backend that fails fails the run.

use std::sync::Arc;

use super::{
    Bag, EventInfo, LogLevel, ModelBackend, ModelError, ModelResult, PortRange, ReadMode, Relation,
    RelationId, SecretInfo, SecretOptions, SecretOwner, SecretRef, StatusInfo, StatusTarget,
};
use crate::action::{truncate, BackendError};
use crate::unit::UnitName;

/// Where a run happens and what for: Juju's `JUJU_*` environment, typed
/// (the guest's `context` interface).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitContext {
    /// This unit.
    pub unit: UnitName,
    /// The model's name.
    pub model_name: String,
    /// The model's UUID.
    pub model_uuid: String,
    /// The Juju version the unit agent runs (or, locally, the one charmbox
    /// behaves as).
    pub juju_version: String,
    /// The running handler's event.
    pub event: EventInfo,
}

impl UnitContext {
    /// `unit` of the model `model`, running `event`, as the local model
    /// (charmbox's own Juju) runs it.
    pub fn local(unit: UnitName, model: &super::ModelIdentity, event: EventInfo) -> Self {
        Self {
            unit,
            model_name: model.name.clone(),
            model_uuid: model.uuid.clone(),
            juju_version: super::LOCAL_JUJU_VERSION.into(),
            event,
        }
    }
}

/// Refuses the unit-state key charmbox keeps deferred events under: a
/// charm that overwrote it would lose them.
fn reserved_state_key(key: &str) -> Result<(), String> {
    if key == crate::deferred::DEFERRED_STATE_KEY {
        return Err(format!(
            "state key {key:?} is charmbox's own (it keeps the unit's deferred events there): \
             choose another key"
        ));
    }
    Ok(())
}

/// Bounds on one run's model calls. Each field documents its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    /// Most model calls a run may make; later ones are refused. Default
    /// 10,000.
    pub max_calls: usize,
    /// Most bytes of keys and values one call may carry (a databag write, a
    /// secret's content, a state write). Default 1 MiB.
    pub max_call_bytes: usize,
    /// Longest `juju-log` message kept, in bytes; longer ones are cut with a
    /// marker. Default 4 KiB.
    pub max_log_message_bytes: usize,
}

impl Default for ModelLimits {
    fn default() -> Self {
        Self {
            max_calls: 10_000,
            max_call_bytes: 1024 * 1024,
            max_log_message_bytes: 4 * 1024,
        }
    }
}

/// What a run did to the model, beyond what its backend carried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelRecord {
    /// Whether the hook deferred its event (`context.defer`).
    pub deferred: bool,
    /// The databags the run wrote, when its changes stand: each relation
    /// and whether it was the application's bag (else the unit's), in the
    /// order first written. Juju fires `-relation-changed` on the other
    /// side's units for each.
    pub relations_written: Vec<(RelationId, bool)>,
    /// Whether the run, its changes standing, changed what a secret's
    /// readers see or track (a new revision, a `--refresh`, a removal):
    /// the local model then fires the secret hooks that follows.
    pub secrets_changed: bool,
    /// The first backend failure, if any: the run fails with it.
    pub backend_error: Option<String>,
}

/// The model API's state for one run.
pub struct ModelContext {
    backend: Box<dyn ModelBackend>,
    unit: Arc<UnitContext>,
    limits: ModelLimits,
    calls: usize,
    deferred: bool,
    relations_written: Vec<(RelationId, bool)>,
    secrets_changed: bool,
    backend_error: Option<String>,
}

impl ModelContext {
    /// A run's model state: `unit` says where and what for, `backend` where
    /// the model lives.
    pub fn new(
        unit: Arc<UnitContext>,
        backend: Box<dyn ModelBackend>,
        limits: ModelLimits,
    ) -> Self {
        Self {
            backend,
            unit,
            limits,
            calls: 0,
            deferred: false,
            relations_written: Vec::new(),
            secrets_changed: false,
            backend_error: None,
        }
    }

    /// Where the run happens and what for.
    pub fn unit(&self) -> &UnitContext {
        &self.unit
    }

    /// `context.defer`: keeps a hook's event to run again before the next
    /// handler on this unit. Actions cannot be deferred.
    pub fn defer(&mut self) -> Result<(), String> {
        if self.unit.event.is_action {
            return Err(format!(
                "cannot defer action {:?}: only hooks' events can be deferred (as in ops)",
                self.unit.event.name
            ));
        }
        self.deferred = true;
        Ok(())
    }

    /// Ends the run's model state: tells the backend whether the run's
    /// changes stand, and returns what it recorded.
    pub fn finish(mut self, committed: bool) -> ModelRecord {
        if let Err(e) = self.backend.finish(committed) {
            self.backend_error.get_or_insert(e.0);
        }
        if !committed {
            self.relations_written.clear();
            self.secrets_changed = false;
        }
        ModelRecord {
            deferred: self.deferred,
            relations_written: self.relations_written,
            secrets_changed: self.secrets_changed,
            backend_error: self.backend_error,
        }
    }

    /// Counts a call, or refuses it past [`ModelLimits::max_calls`].
    fn admit(&mut self, payload_bytes: usize) -> Result<(), String> {
        self.calls += 1;
        if self.calls > self.limits.max_calls {
            return Err(format!(
                "too many model calls: at most {} are allowed in one run",
                self.limits.max_calls
            ));
        }
        if payload_bytes > self.limits.max_call_bytes {
            return Err(format!(
                "too much data in one call: {payload_bytes} bytes of keys and values, at most \
                 {} are allowed",
                self.limits.max_call_bytes
            ));
        }
        Ok(())
    }

    /// Runs one backend call after [`admit`](Self::admit), turning its
    /// failure into the guest's error and remembering a broken backend.
    fn call<T>(
        &mut self,
        payload_bytes: usize,
        call: impl FnOnce(&mut dyn ModelBackend) -> ModelResult<T>,
    ) -> Result<T, String> {
        self.admit(payload_bytes)?;
        call(&mut *self.backend).map_err(|error| match error {
            ModelError::Refused(message) => message,
            ModelError::Failed(BackendError(message)) => {
                self.backend_error.get_or_insert(message.clone());
                message
            }
        })
    }

    /// `config-get`: every option with a value as a JSON object, or one
    /// option's value as JSON (`None` when it has none).
    pub fn config_get(&mut self, key: Option<&str>) -> Result<Option<String>, String> {
        let config = self.call(0, |b| b.config_get())?;
        let json = |value: &serde_json::Value| {
            serde_json::to_string(value).expect("a JSON value always serialises")
        };
        Ok(match key {
            None => Some(json(&serde_json::Value::Object(config))),
            Some(key) => config.get(key).map(json),
        })
    }

    /// `is-leader`.
    pub fn is_leader(&mut self) -> Result<bool, String> {
        self.call(0, |b| b.is_leader())
    }

    /// `status-set`.
    pub fn status_set(&mut self, target: StatusTarget, status: StatusInfo) -> Result<(), String> {
        let bytes = status.message.len();
        self.call(bytes, |b| b.status_set(target, status))
    }

    /// `status-get`.
    pub fn status_get(&mut self, target: StatusTarget) -> Result<StatusInfo, String> {
        self.call(0, |b| b.status_get(target))
    }

    /// `application-version-set`.
    pub fn application_version_set(&mut self, version: &str) -> Result<(), String> {
        self.call(version.len(), |b| b.application_version_set(version))
    }

    /// `juju-log`: a line of the debug log, cut to
    /// [`ModelLimits::max_log_message_bytes`]. The call returns nothing to
    /// the guest: a refused line is dropped, and a broken backend (a
    /// `juju-log` that cannot run) fails the run, as any broken backend does.
    pub fn juju_log(&mut self, level: LogLevel, message: String) {
        let message = truncate(message, self.limits.max_log_message_bytes);
        let _ = self.call(0, |b| b.juju_log(level, &message));
    }

    /// `state-get KEY`.
    pub fn state_get(&mut self, key: &str) -> Result<Option<String>, String> {
        reserved_state_key(key)?;
        self.call(key.len(), |b| b.state_get(key))
    }

    /// `state-get`, every key and value (but charmbox's own).
    pub fn state_list(&mut self) -> Result<Vec<(String, String)>, String> {
        Ok(self
            .call(0, |b| b.state_list())?
            .into_iter()
            .filter(|(key, _)| key != crate::deferred::DEFERRED_STATE_KEY)
            .collect())
    }

    /// `state-set`, all or nothing.
    pub fn state_set(&mut self, pairs: Vec<(String, String)>) -> Result<(), String> {
        if let Some((key, _)) = pairs.iter().find(|(key, _)| key.is_empty()) {
            return Err(format!("invalid state key {key:?}: a key may not be empty"));
        }
        for (key, _) in &pairs {
            reserved_state_key(key)?;
        }
        self.call(pair_bytes(&pairs), |b| b.state_set(&pairs))
    }

    /// `state-delete`.
    pub fn state_delete(&mut self, key: &str) -> Result<(), String> {
        reserved_state_key(key)?;
        self.call(key.len(), |b| b.state_delete(key))
    }

    /// `relation-ids`.
    pub fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<Relation>, String> {
        self.call(endpoint.len(), |b| b.relation_ids(endpoint))
    }

    /// `relation-list -r ID`.
    pub fn relation_list(&mut self, relation: RelationId) -> Result<Vec<String>, String> {
        self.call(0, |b| b.relation_list(relation))
    }

    /// `relation-list -r ID --app`.
    pub fn relation_app(&mut self, relation: RelationId) -> Result<String, String> {
        self.call(0, |b| b.relation_app(relation))
    }

    /// `relation-get -r ID - MEMBER [--app]`.
    pub fn relation_get(
        &mut self,
        relation: RelationId,
        member: &str,
        app: bool,
    ) -> Result<Vec<(String, String)>, String> {
        let bag = self.call(member.len(), |b| b.relation_get(relation, member, app))?;
        Ok(bag.into_iter().collect())
    }

    /// `relation-set -r ID [--app]`, all or nothing.
    pub fn relation_set(
        &mut self,
        relation: RelationId,
        app: bool,
        pairs: Vec<(String, String)>,
    ) -> Result<(), String> {
        if let Some((key, _)) = pairs.iter().find(|(key, _)| key.is_empty()) {
            return Err(format!(
                "invalid relation setting key {key:?}: a key may not be empty"
            ));
        }
        self.call(pair_bytes(&pairs), |b| {
            b.relation_set(relation, app, &pairs)
        })?;
        if !self.relations_written.contains(&(relation, app)) {
            self.relations_written.push((relation, app));
        }
        Ok(())
    }

    /// `secret-get`.
    pub fn secret_get(
        &mut self,
        secret: &SecretRef,
        mode: ReadMode,
        label: Option<&str>,
    ) -> Result<Vec<(String, String)>, String> {
        let bag = self.call(0, |b| b.secret_get(secret, mode, label))?;
        self.secrets_changed |= mode == ReadMode::Refresh;
        Ok(bag.into_iter().collect())
    }

    /// `secret-add`.
    pub fn secret_add(
        &mut self,
        content: Vec<(String, String)>,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> Result<String, String> {
        let bytes = pair_bytes(&content);
        let content = secret_content(content)?;
        self.call(bytes, |b| b.secret_add(&content, options, owner))
    }

    /// `secret-set`.
    pub fn secret_set(
        &mut self,
        secret: &SecretRef,
        content: Option<Vec<(String, String)>>,
        options: &SecretOptions,
    ) -> Result<(), String> {
        let bytes = content.as_deref().map_or(0, pair_bytes);
        let content = content.map(secret_content).transpose()?;
        self.call(bytes, |b| b.secret_set(secret, content.as_ref(), options))?;
        self.secrets_changed |= content.is_some();
        Ok(())
    }

    /// `secret-ids`.
    pub fn secret_ids(&mut self) -> Result<Vec<String>, String> {
        self.call(0, |b| b.secret_ids())
    }

    /// `secret-info-get`.
    pub fn secret_info_get(&mut self, secret: &SecretRef) -> Result<SecretInfo, String> {
        self.call(0, |b| b.secret_info_get(secret))
    }

    /// `secret-grant`.
    pub fn secret_grant(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> Result<(), String> {
        self.call(0, |b| b.secret_grant(secret, relation, unit))
    }

    /// `secret-revoke`.
    pub fn secret_revoke(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> Result<(), String> {
        self.call(0, |b| b.secret_revoke(secret, relation, unit))
    }

    /// `secret-remove`.
    pub fn secret_remove(
        &mut self,
        secret: &SecretRef,
        revision: Option<u32>,
    ) -> Result<(), String> {
        self.call(0, |b| b.secret_remove(secret, revision))?;
        self.secrets_changed = true;
        Ok(())
    }

    /// `open-port`.
    pub fn open_port(&mut self, ports: PortRange) -> Result<(), String> {
        ports.validate()?;
        self.call(0, |b| b.open_port(ports))
    }

    /// `close-port`.
    pub fn close_port(&mut self, ports: PortRange) -> Result<(), String> {
        ports.validate()?;
        self.call(0, |b| b.close_port(ports))
    }

    /// `opened-ports`.
    pub fn opened_ports(&mut self) -> Result<Vec<PortRange>, String> {
        self.call(0, |b| b.opened_ports())
    }
}

/// The bytes of keys and values in `pairs`.
fn pair_bytes(pairs: &[(String, String)]) -> usize {
    pairs.iter().map(|(k, v)| k.len() + v.len()).sum()
}

/// A secret's content as a map: Juju's key rule for secret content (keys of
/// at least three characters, lowercase letters, digits and hyphens,
/// starting with a letter and not ending with a hyphen), and no key twice.
fn secret_content(pairs: Vec<(String, String)>) -> Result<Bag, String> {
    if pairs.is_empty() {
        return Err("a secret needs content: at least one key and value".into());
    }
    let mut content = Bag::new();
    for (key, value) in pairs {
        if !is_secret_key(&key) {
            return Err(format!(
                "invalid secret key {key:?}: keys are at least 3 characters, lowercase letters, \
                 digits and hyphens, starting with a letter and not ending with a hyphen"
            ));
        }
        if content.insert(key.clone(), value).is_some() {
            return Err(format!("secret key {key:?} is given twice"));
        }
    }
    Ok(content)
}

/// Juju's secret content key rule: `^([a-z](?:-?[a-z0-9]){2,})$`.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    bytes.len() >= 3
        && bytes[0].is_ascii_lowercase()
        && !key.ends_with('-')
        && !key.contains("--")
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NoModel;

    fn context(event: EventInfo) -> ModelContext {
        ModelContext::new(
            UnitContext {
                unit: "app/0".parse().unwrap(),
                model_name: "m".into(),
                model_uuid: "u".into(),
                juju_version: "3.6.0".into(),
                event,
            }
            .into(),
            Box::new(NoModel),
            ModelLimits {
                max_calls: 2,
                ..ModelLimits::default()
            },
        )
    }

    #[test]
    fn actions_cannot_be_deferred_hooks_can() {
        let mut action = context(EventInfo::action("backup"));
        let err = action.defer().unwrap_err();
        assert!(err.contains("cannot defer action \"backup\""), "{err}");
        assert!(!action.finish(true).deferred);
        let mut hook = context(EventInfo {
            name: "update-status".into(),
            ..EventInfo::default()
        });
        hook.defer().unwrap();
        assert!(hook.finish(true).deferred);
    }

    #[test]
    fn calls_are_bounded_and_refusals_reach_the_guest() {
        let mut ctx = context(EventInfo::action("x"));
        let refused = ctx.is_leader().unwrap_err();
        assert!(refused.contains("is-leader is not available"), "{refused}");
        ctx.is_leader().unwrap_err();
        let bounded = ctx.is_leader().unwrap_err();
        assert!(bounded.contains("too many model calls"), "{bounded}");
        // Refusals are the guest's to handle: the run does not fail for them.
        assert_eq!(ctx.finish(true).backend_error, None);
    }

    #[test]
    fn secret_keys_follow_juju_rule() {
        for good in ["password", "tls-key", "a1b"] {
            assert!(is_secret_key(good), "{good}");
        }
        for bad in ["pw", "1abc", "abc-", "a--b", "Pass", "pass_word", ""] {
            assert!(!is_secret_key(bad), "{bad}");
        }
        assert!(secret_content(vec![]).is_err());
        let twice = vec![("abc".into(), "1".into()), ("abc".into(), "2".into())];
        assert!(secret_content(twice).unwrap_err().contains("twice"));
    }
}
