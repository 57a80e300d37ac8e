//! Reads of the model made once per run: [`ReadCache`] keeps what a
//! [`ModelBackend`] answered and answers again from it, as `ops` caches its
//! reads within one dispatch and as Juju's own hook context holds a hook's
//! config, relation members and databags for the hook's life. Under
//! `dispatch` each read it saves is a hook-tool process not started.
//!
//! What is kept, and how the run's own writes keep it true:
//!
//! | read                            | kept until                                             |
//! |---------------------------------|--------------------------------------------------------|
//! | config                          | the run ends (Juju fixes a hook's config when it starts) |
//! | leadership                      | 30 s after it was asked (Juju's lease; `ops` keeps it as long), then asked again |
//! | unit and application status     | the run ends; `status-set` replaces it                  |
//! | the state (every key)           | the run ends; `state-set` and `state-delete` update it, a refused one drops it (Juju may have applied part) |
//! | an endpoint's relations         | the run ends                                           |
//! | a relation's units, its remote application | the run ends                                |
//! | a databag                       | the run ends; `relation-set` on it updates it (an empty value deletes) |
//! | a secret's content (`tracked`)  | the run ends; `secret-get --refresh` (which moves what is tracked), `secret-set` and `secret-remove` drop every secret's; `--peek` and `--refresh` always ask |
//! | a secret's metadata             | `secret-set`, `secret-remove`, or a relabelling `secret-get`, which drop every secret's |
//! | the secret ids                  | `secret-add` or `secret-remove`                        |
//! | the opened ports                | `open-port` or `close-port`                            |
//!
//! A write that would change nothing the run knows is not sent: `state-set`
//! of the values the state holds, `relation-set` of what this unit's bag
//! holds, or of what the application's bag holds while the unit is known to
//! lead (a non-leader's is sent, for Juju to refuse). Juju would keep what
//! it has, and charms often write the same settings every time they run.
//!
//! Refusals are not kept: asking again asks again. A write by label that
//! needs the secret's URI ([`JujuModel`](super::JujuModel) finds it with
//! `secret-info-get`) finds it through the kept metadata.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::action::BackendError;
use crate::model::{
    Bag, LogLevel, ModelBackend, ModelResult, PortRange, ReadMode, Relation, RelationId,
    SecretInfo, SecretOptions, SecretOwner, SecretRef, StatusInfo, StatusTarget,
};
use crate::unit::UnitName;

/// How long a leadership answer is kept: Juju guarantees a leader its
/// leadership for 30 s after `is-leader` says so (`ops`'
/// `LEASE_RENEWAL_PERIOD`).
pub const LEADER_LEASE: Duration = Duration::from_secs(30);

/// A [`ModelBackend`] that answers each read once from `B` and then from
/// what it kept (the module doc says what, and for how long).
pub struct ReadCache<B> {
    inner: B,
    unit: UnitName,
    leader_lease: Duration,
    config: Option<serde_json::Map<String, serde_json::Value>>,
    leader: Option<(bool, Instant)>,
    unit_status: Option<StatusInfo>,
    application_status: Option<StatusInfo>,
    state: Option<Bag>,
    relation_ids: HashMap<String, Vec<Relation>>,
    relation_units: HashMap<RelationId, Vec<String>>,
    relation_apps: HashMap<RelationId, String>,
    bags: HashMap<BagKey, Bag>,
    secret_content: HashMap<(SecretRef, Option<String>), Bag>,
    secret_info: HashMap<SecretRef, SecretInfo>,
    secret_ids: Option<Vec<String>>,
    opened_ports: Option<Vec<PortRange>>,
}

/// Whose databag, in which relation: `(relation, member, is an
/// application's)`.
type BagKey = (RelationId, String, bool);

impl<B: ModelBackend> ReadCache<B> {
    /// Reads of `inner` for a run of `unit` (whose own databags its
    /// `relation-set` writes).
    pub fn new(inner: B, unit: UnitName) -> Self {
        Self {
            inner,
            unit,
            leader_lease: LEADER_LEASE,
            config: None,
            leader: None,
            unit_status: None,
            application_status: None,
            state: None,
            relation_ids: HashMap::new(),
            relation_units: HashMap::new(),
            relation_apps: HashMap::new(),
            bags: HashMap::new(),
            secret_content: HashMap::new(),
            secret_info: HashMap::new(),
            secret_ids: None,
            opened_ports: None,
        }
    }

    /// Sets how long a leadership answer is kept (default [`LEADER_LEASE`]).
    pub fn with_leader_lease(mut self, lease: Duration) -> Self {
        self.leader_lease = lease;
        self
    }

    /// The backend it reads.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// `secret`, by URI when it is a label this run has already resolved.
    fn known_uri(&mut self, secret: &SecretRef) -> ModelResult<SecretRef> {
        match secret {
            SecretRef::Id(_) => Ok(secret.clone()),
            SecretRef::Label(_) => Ok(SecretRef::Id(self.secret_info_get(secret)?.id)),
        }
    }

    /// Forgets every secret's content and metadata (a write may have
    /// relabelled one, and a label may name another secret now).
    fn forget_secrets(&mut self) {
        self.secret_content.clear();
        self.secret_info.clear();
    }
}

/// `cached`'s value, or `fetch`'s, which is kept.
fn kept<T: Clone>(
    cached: &mut Option<T>,
    fetch: impl FnOnce() -> ModelResult<T>,
) -> ModelResult<T> {
    if let Some(value) = cached {
        return Ok(value.clone());
    }
    let value = fetch()?;
    *cached = Some(value.clone());
    Ok(value)
}

/// `map[key]`, or `fetch`'s value, which is kept.
fn kept_in<K: std::hash::Hash + Eq, T: Clone>(
    map: &mut HashMap<K, T>,
    key: K,
    fetch: impl FnOnce() -> ModelResult<T>,
) -> ModelResult<T> {
    if let Some(value) = map.get(&key) {
        return Ok(value.clone());
    }
    let value = fetch()?;
    map.insert(key, value.clone());
    Ok(value)
}

impl<B: ModelBackend> ModelBackend for ReadCache<B> {
    fn config_get(&mut self) -> ModelResult<serde_json::Map<String, serde_json::Value>> {
        kept(&mut self.config, || self.inner.config_get())
    }

    fn is_leader(&mut self) -> ModelResult<bool> {
        if let Some((leader, asked)) = self.leader {
            if asked.elapsed() < self.leader_lease {
                return Ok(leader);
            }
        }
        // The time before asking: the lease runs from the question.
        let asked = Instant::now();
        let leader = self.inner.is_leader()?;
        self.leader = Some((leader, asked));
        Ok(leader)
    }

    fn status_set(&mut self, target: StatusTarget, status: StatusInfo) -> ModelResult<()> {
        let result = self.inner.status_set(target, status.clone());
        let kept = match target {
            StatusTarget::Unit => &mut self.unit_status,
            StatusTarget::Application => &mut self.application_status,
        };
        *kept = result.is_ok().then_some(status);
        result
    }

    fn status_get(&mut self, target: StatusTarget) -> ModelResult<StatusInfo> {
        match target {
            StatusTarget::Unit => kept(&mut self.unit_status, || self.inner.status_get(target)),
            StatusTarget::Application => kept(&mut self.application_status, || {
                self.inner.status_get(target)
            }),
        }
    }

    fn application_version_set(&mut self, version: &str) -> ModelResult<()> {
        self.inner.application_version_set(version)
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> ModelResult<()> {
        self.inner.juju_log(level, message)
    }

    fn state_get(&mut self, key: &str) -> ModelResult<Option<String>> {
        Ok(self.state_list()?.get(key).cloned())
    }

    fn state_list(&mut self) -> ModelResult<Bag> {
        kept(&mut self.state, || self.inner.state_list())
    }

    fn state_set(&mut self, pairs: &[(String, String)]) -> ModelResult<()> {
        if let Some(state) = &self.state {
            if pairs.iter().all(|(k, v)| state.get(k) == Some(v)) {
                // Juju would store what it holds: nothing to send.
                return Ok(());
            }
        }
        let result = self.inner.state_set(pairs);
        match (&result, &mut self.state) {
            (Ok(()), Some(state)) => state.extend(pairs.iter().cloned()),
            (Ok(()), None) => {}
            (Err(_), state) => *state = None,
        }
        result
    }

    fn state_delete(&mut self, key: &str) -> ModelResult<()> {
        let result = self.inner.state_delete(key);
        match (&result, &mut self.state) {
            (Ok(()), Some(state)) => {
                state.remove(key);
            }
            (Ok(()), None) => {}
            (Err(_), state) => *state = None,
        }
        result
    }

    fn relation_ids(&mut self, endpoint: &str) -> ModelResult<Vec<Relation>> {
        kept_in(&mut self.relation_ids, endpoint.to_owned(), || {
            self.inner.relation_ids(endpoint)
        })
    }

    fn relation_list(&mut self, relation: RelationId) -> ModelResult<Vec<String>> {
        kept_in(&mut self.relation_units, relation, || {
            self.inner.relation_list(relation)
        })
    }

    fn relation_app(&mut self, relation: RelationId) -> ModelResult<String> {
        kept_in(&mut self.relation_apps, relation, || {
            self.inner.relation_app(relation)
        })
    }

    fn relation_get(&mut self, relation: RelationId, member: &str, app: bool) -> ModelResult<Bag> {
        kept_in(&mut self.bags, (relation, member.to_owned(), app), || {
            self.inner.relation_get(relation, member, app)
        })
    }

    fn relation_set(
        &mut self,
        relation: RelationId,
        app: bool,
        pairs: &[(String, String)],
    ) -> ModelResult<()> {
        let member = if app {
            self.unit.application().to_owned()
        } else {
            self.unit.to_string()
        };
        let key = (relation, member, app);
        // A write that changes nothing in a bag the run knows is not sent:
        // a unit may always write its own bag, and the application's while
        // it leads (a non-leader's write is sent, for Juju to refuse).
        let may_write = !app
            || matches!(self.leader, Some((true, asked)) if asked.elapsed() < self.leader_lease);
        if let (true, Some(bag)) = (may_write, self.bags.get(&key)) {
            let unchanged = pairs.iter().all(|(k, v)| match bag.get(k) {
                Some(held) => held == v,
                None => v.is_empty(),
            });
            if unchanged {
                return Ok(());
            }
        }
        let result = self.inner.relation_set(relation, app, pairs);
        match &result {
            Ok(()) => {
                if let Some(bag) = self.bags.get_mut(&key) {
                    for (k, v) in pairs {
                        if v.is_empty() {
                            bag.remove(k);
                        } else {
                            bag.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            Err(_) => {
                self.bags.remove(&key);
            }
        }
        result
    }

    fn secret_get(
        &mut self,
        secret: &SecretRef,
        mode: ReadMode,
        label: Option<&str>,
    ) -> ModelResult<Bag> {
        let key = (secret.clone(), label.map(str::to_owned));
        if mode == ReadMode::Tracked {
            if let Some(content) = self.secret_content.get(&key) {
                return Ok(content.clone());
            }
        }
        let result = self.inner.secret_get(secret, mode, label);
        if label.is_some() {
            // An owner's `--label` relabels the secret.
            self.secret_info.clear();
        }
        match (mode, &result) {
            (ReadMode::Tracked, Ok(content)) => {
                self.secret_content.insert(key, content.clone());
            }
            // What is tracked is now the newest revision.
            (ReadMode::Refresh, _) => self.secret_content.clear(),
            _ => {}
        }
        result
    }

    fn secret_add(
        &mut self,
        content: &Bag,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> ModelResult<String> {
        let result = self.inner.secret_add(content, options, owner);
        self.secret_ids = None;
        result
    }

    fn secret_set(
        &mut self,
        secret: &SecretRef,
        content: Option<&Bag>,
        options: &SecretOptions,
    ) -> ModelResult<()> {
        let secret = self.known_uri(secret)?;
        let result = self.inner.secret_set(&secret, content, options);
        self.forget_secrets();
        result
    }

    fn secret_ids(&mut self) -> ModelResult<Vec<String>> {
        kept(&mut self.secret_ids, || self.inner.secret_ids())
    }

    fn secret_info_get(&mut self, secret: &SecretRef) -> ModelResult<SecretInfo> {
        kept_in(&mut self.secret_info, secret.clone(), || {
            self.inner.secret_info_get(secret)
        })
    }

    fn secret_grant(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> ModelResult<()> {
        let secret = self.known_uri(secret)?;
        self.inner.secret_grant(&secret, relation, unit)
    }

    fn secret_revoke(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> ModelResult<()> {
        let secret = self.known_uri(secret)?;
        self.inner.secret_revoke(&secret, relation, unit)
    }

    fn secret_remove(&mut self, secret: &SecretRef, revision: Option<u32>) -> ModelResult<()> {
        let secret = self.known_uri(secret)?;
        let result = self.inner.secret_remove(&secret, revision);
        self.forget_secrets();
        self.secret_ids = None;
        result
    }

    fn open_port(&mut self, ports: PortRange) -> ModelResult<()> {
        self.opened_ports = None;
        self.inner.open_port(ports)
    }

    fn close_port(&mut self, ports: PortRange) -> ModelResult<()> {
        self.opened_ports = None;
        self.inner.close_port(ports)
    }

    fn opened_ports(&mut self) -> ModelResult<Vec<PortRange>> {
        kept(&mut self.opened_ports, || self.inner.opened_ports())
    }

    fn finish(&mut self, committed: bool) -> Result<(), BackendError> {
        self.inner.finish(committed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ModelError, Protocol, Status};

    /// A model in memory that counts the calls it is asked.
    #[derive(Default)]
    struct Counted {
        calls: Vec<&'static str>,
        leader: bool,
        state: Bag,
        bags: HashMap<BagKey, Bag>,
        secret_revision: u32,
    }

    impl Counted {
        fn count(&self, call: &str) -> usize {
            self.calls.iter().filter(|c| **c == call).count()
        }
    }

    fn info(id: &str, revision: u32) -> SecretInfo {
        SecretInfo {
            id: id.into(),
            label: Some("password".into()),
            description: None,
            revision,
            rotation: None,
            expiry: None,
            owner: SecretOwner::Application,
        }
    }

    impl ModelBackend for Counted {
        fn config_get(&mut self) -> ModelResult<serde_json::Map<String, serde_json::Value>> {
            self.calls.push("config-get");
            let mut config = serde_json::Map::new();
            config.insert("name".into(), "x".into());
            Ok(config)
        }
        fn is_leader(&mut self) -> ModelResult<bool> {
            self.calls.push("is-leader");
            Ok(self.leader)
        }
        fn status_set(&mut self, target: StatusTarget, _: StatusInfo) -> ModelResult<()> {
            self.calls.push("status-set");
            if target == StatusTarget::Application && !self.leader {
                return Err(ModelError::Refused("this unit is not the leader".into()));
            }
            Ok(())
        }
        fn status_get(&mut self, _: StatusTarget) -> ModelResult<StatusInfo> {
            self.calls.push("status-get");
            Ok(StatusInfo::default())
        }
        fn application_version_set(&mut self, _: &str) -> ModelResult<()> {
            self.calls.push("application-version-set");
            Ok(())
        }
        fn juju_log(&mut self, _: LogLevel, _: &str) -> ModelResult<()> {
            self.calls.push("juju-log");
            Ok(())
        }
        fn state_get(&mut self, key: &str) -> ModelResult<Option<String>> {
            self.calls.push("state-get KEY");
            Ok(self.state.get(key).cloned())
        }
        fn state_list(&mut self) -> ModelResult<Bag> {
            self.calls.push("state-get");
            Ok(self.state.clone())
        }
        fn state_set(&mut self, pairs: &[(String, String)]) -> ModelResult<()> {
            self.calls.push("state-set");
            if pairs.iter().any(|(_, v)| v.len() > 4) {
                self.state.insert("partial".into(), "yes".into());
                return Err(ModelError::Refused(
                    "max allowed value length exceeded".into(),
                ));
            }
            self.state.extend(pairs.iter().cloned());
            Ok(())
        }
        fn state_delete(&mut self, key: &str) -> ModelResult<()> {
            self.calls.push("state-delete");
            self.state.remove(key);
            Ok(())
        }
        fn relation_ids(&mut self, endpoint: &str) -> ModelResult<Vec<Relation>> {
            self.calls.push("relation-ids");
            Ok(vec![Relation {
                endpoint: endpoint.into(),
                id: RelationId(1),
            }])
        }
        fn relation_list(&mut self, _: RelationId) -> ModelResult<Vec<String>> {
            self.calls.push("relation-list");
            Ok(vec!["db/0".into()])
        }
        fn relation_app(&mut self, _: RelationId) -> ModelResult<String> {
            self.calls.push("relation-list --app");
            Ok("db".into())
        }
        fn relation_get(&mut self, id: RelationId, member: &str, app: bool) -> ModelResult<Bag> {
            self.calls.push("relation-get");
            Ok(self
                .bags
                .get(&(id, member.to_owned(), app))
                .cloned()
                .unwrap_or_default())
        }
        fn relation_set(
            &mut self,
            id: RelationId,
            app: bool,
            pairs: &[(String, String)],
        ) -> ModelResult<()> {
            self.calls.push("relation-set");
            if app && !self.leader {
                return Err(ModelError::Refused("cannot write relation settings".into()));
            }
            let member = if app { "app" } else { "app/0" };
            let bag = self.bags.entry((id, member.into(), app)).or_default();
            for (k, v) in pairs {
                if v.is_empty() {
                    bag.remove(k);
                } else {
                    bag.insert(k.clone(), v.clone());
                }
            }
            Ok(())
        }
        fn secret_get(
            &mut self,
            _: &SecretRef,
            mode: ReadMode,
            _: Option<&str>,
        ) -> ModelResult<Bag> {
            self.calls.push(match mode {
                ReadMode::Tracked => "secret-get",
                ReadMode::Peek => "secret-get --peek",
                ReadMode::Refresh => "secret-get --refresh",
            });
            Ok(Bag::from([(
                "password".to_owned(),
                format!("rev{}", self.secret_revision),
            )]))
        }
        fn secret_add(
            &mut self,
            _: &Bag,
            _: &SecretOptions,
            _: SecretOwner,
        ) -> ModelResult<String> {
            self.calls.push("secret-add");
            Ok("secret:new".into())
        }
        fn secret_set(
            &mut self,
            secret: &SecretRef,
            _: Option<&Bag>,
            _: &SecretOptions,
        ) -> ModelResult<()> {
            self.calls.push("secret-set");
            assert!(
                matches!(secret, SecretRef::Id(_)),
                "writes go by URI: {secret:?}"
            );
            self.secret_revision += 1;
            Ok(())
        }
        fn secret_ids(&mut self) -> ModelResult<Vec<String>> {
            self.calls.push("secret-ids");
            Ok(vec!["secret:one".into()])
        }
        fn secret_info_get(&mut self, _: &SecretRef) -> ModelResult<SecretInfo> {
            self.calls.push("secret-info-get");
            Ok(info("secret:one", self.secret_revision))
        }
        fn secret_grant(
            &mut self,
            _: &SecretRef,
            _: RelationId,
            _: Option<&str>,
        ) -> ModelResult<()> {
            self.calls.push("secret-grant");
            Ok(())
        }
        fn secret_revoke(
            &mut self,
            _: &SecretRef,
            _: RelationId,
            _: Option<&str>,
        ) -> ModelResult<()> {
            self.calls.push("secret-revoke");
            Ok(())
        }
        fn secret_remove(&mut self, _: &SecretRef, _: Option<u32>) -> ModelResult<()> {
            self.calls.push("secret-remove");
            Ok(())
        }
        fn open_port(&mut self, _: PortRange) -> ModelResult<()> {
            self.calls.push("open-port");
            Ok(())
        }
        fn close_port(&mut self, _: PortRange) -> ModelResult<()> {
            self.calls.push("close-port");
            Ok(())
        }
        fn opened_ports(&mut self) -> ModelResult<Vec<PortRange>> {
            self.calls.push("opened-ports");
            Ok(Vec::new())
        }
    }

    fn cache(leader: bool) -> ReadCache<Counted> {
        ReadCache::new(
            Counted {
                leader,
                ..Counted::default()
            },
            "app/0".parse().unwrap(),
        )
    }

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_read_is_made_once() {
        let mut model = cache(true);
        let id = SecretRef::Id("secret:one".into());
        for _ in 0..3 {
            model.config_get().unwrap();
            assert!(model.is_leader().unwrap());
            model.status_get(StatusTarget::Unit).unwrap();
            model.state_get("a").unwrap();
            model.state_list().unwrap();
            model.relation_ids("db").unwrap();
            model.relation_list(RelationId(1)).unwrap();
            model.relation_app(RelationId(1)).unwrap();
            model.relation_get(RelationId(1), "db/0", false).unwrap();
            model.secret_get(&id, ReadMode::Tracked, None).unwrap();
            model.secret_info_get(&id).unwrap();
            model.secret_ids().unwrap();
            model.opened_ports().unwrap();
        }
        let calls = &model.inner().calls;
        assert_eq!(calls.len(), 12, "{calls:?}");
        assert_eq!(
            model.inner().count("state-get"),
            1,
            "one read serves every key"
        );
        assert_eq!(model.inner().count("state-get KEY"), 0);
    }

    #[test]
    fn the_runs_own_writes_keep_what_is_kept_true() {
        let mut model = cache(true);
        let own = (RelationId(1), "app/0");
        model.relation_get(own.0, own.1, false).unwrap();
        model
            .relation_set(own.0, false, &pairs(&[("host", "h1"), ("port", "1")]))
            .unwrap();
        model
            .relation_set(own.0, false, &pairs(&[("port", "")]))
            .unwrap();
        let bag = model.relation_get(own.0, own.1, false).unwrap();
        assert_eq!(bag, Bag::from([("host".to_owned(), "h1".to_owned())]));
        model.relation_get(own.0, "app", true).unwrap();
        model
            .relation_set(own.0, true, &pairs(&[("k", "v")]))
            .unwrap();
        assert_eq!(model.relation_get(own.0, "app", true).unwrap()["k"], "v");

        model.state_list().unwrap();
        model.state_set(&pairs(&[("a", "1"), ("b", "")])).unwrap();
        model.state_delete("a").unwrap();
        assert_eq!(
            model.state_list().unwrap(),
            Bag::from([("b".to_owned(), String::new())])
        );
        // A refused state-set may have applied part: the state is read again.
        model.state_set(&pairs(&[("big", "too long")])).unwrap_err();
        assert_eq!(model.state_get("partial").unwrap().as_deref(), Some("yes"));

        model
            .status_set(
                StatusTarget::Unit,
                StatusInfo {
                    status: Status::Active,
                    message: "ready".into(),
                },
            )
            .unwrap();
        assert_eq!(
            model.status_get(StatusTarget::Unit).unwrap().message,
            "ready"
        );

        model.opened_ports().unwrap();
        model
            .open_port(PortRange {
                protocol: Protocol::Tcp,
                from: 80,
                to: 80,
            })
            .unwrap();
        model.opened_ports().unwrap();

        // Writes of what is held already are not sent; to the
        // application's bag, only once the unit is known to lead.
        model
            .relation_set(own.0, false, &pairs(&[("host", "h1"), ("gone", "")]))
            .unwrap();
        model.state_set(&pairs(&[("partial", "yes")])).unwrap();
        model
            .relation_set(own.0, true, &pairs(&[("k", "v")]))
            .unwrap();
        assert!(model.is_leader().unwrap());
        model
            .relation_set(own.0, true, &pairs(&[("k", "v")]))
            .unwrap();

        let calls = model.inner().calls.clone();
        assert_eq!(
            calls,
            [
                "relation-get",
                "relation-set",
                "relation-set",
                "relation-get",
                "relation-set",
                "state-get",
                "state-set",
                "state-delete",
                "state-set",
                "state-get",
                "status-set",
                "opened-ports",
                "open-port",
                "opened-ports",
                "relation-set",
                "is-leader",
            ]
        );
    }

    #[test]
    fn secrets_are_read_again_once_the_run_changes_them() {
        let mut model = cache(true);
        let label = SecretRef::Label("password".into());
        assert_eq!(
            model.secret_get(&label, ReadMode::Tracked, None).unwrap()["password"],
            "rev0"
        );
        // A write by label goes by the URI found once.
        model.secret_info_get(&label).unwrap();
        model.secret_grant(&label, RelationId(1), None).unwrap();
        model
            .secret_set(&label, None, &SecretOptions::default())
            .unwrap();
        assert_eq!(model.secret_info_get(&label).unwrap().revision, 1);
        // Peek and refresh always ask; refresh moves what is tracked.
        assert_eq!(
            model.secret_get(&label, ReadMode::Peek, None).unwrap()["password"],
            "rev1"
        );
        model.secret_get(&label, ReadMode::Refresh, None).unwrap();
        model.secret_get(&label, ReadMode::Tracked, None).unwrap();
        model.secret_ids().unwrap();
        model
            .secret_add(&Bag::new(), &SecretOptions::default(), SecretOwner::Unit)
            .unwrap();
        model.secret_ids().unwrap();
        assert_eq!(
            model.inner().calls,
            [
                "secret-get",
                "secret-info-get",
                "secret-grant",
                "secret-set",
                "secret-info-get",
                "secret-get --peek",
                "secret-get --refresh",
                "secret-get",
                "secret-ids",
                "secret-add",
                "secret-ids",
            ]
        );
    }

    #[test]
    fn leadership_is_asked_again_after_its_lease_and_refusals_are_not_kept() {
        let mut model = cache(false).with_leader_lease(Duration::ZERO);
        assert!(!model.is_leader().unwrap());
        assert!(!model.is_leader().unwrap());
        assert_eq!(model.inner().count("is-leader"), 2);

        let mut model = cache(false);
        let refused = model.relation_set(RelationId(1), true, &pairs(&[("k", "v")]));
        assert!(matches!(refused, Err(ModelError::Refused(_))));
        let refused = model.status_set(StatusTarget::Application, StatusInfo::default());
        assert!(matches!(refused, Err(ModelError::Refused(_))));
        model.status_get(StatusTarget::Application).unwrap();
        assert_eq!(model.inner().count("status-get"), 1);
    }
}
