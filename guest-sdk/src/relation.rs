//! Relations (`relation-ids`, `relation-list`, `relation-get`,
//! `relation-set`): a [`Relation`] on one of the charm's endpoints, its
//! remote units and application, and the databags of each member — a
//! [`Databag`] to read anyone's, a [`LocalDatabag`] to write this unit's
//! and (as leader) this application's.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::bindings::relation as host;
use crate::model::refused;
use crate::values::{decode_map, decode_value, encode_map, encode_value};
use crate::{anyhow, bail, Model, Result};

/// A relation's id, the number Juju gives it (`7` in `db:7`).
///
/// ```no_run
/// # fn f(relation: &charmbox_sdk::Relation) {
/// log::info!("relation id {}", relation.id());
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelationId(pub(crate) u32);

impl RelationId {
    /// The number.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) {
    /// let n: u32 = relation.id().get();
    /// # }
    /// ```
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Model {
    /// The relations on one of the charm's endpoints (`relation-ids`):
    /// `self.model.relations["db"]` in `ops`. Empty when nothing is related
    /// there.
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// for relation in model.relations("db")? {
    ///     let app = relation.remote_app()?;
    ///     log::info!("{relation} is to {app}");
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the charm has no such endpoint.
    pub fn relations(&self, endpoint: &str) -> Result<Vec<Relation>> {
        let relations = host::relation_ids(endpoint).map_err(refused(format_args!(
            "list the relations on endpoint {endpoint:?}"
        )))?;
        Ok(relations
            .into_iter()
            .map(|r| Relation::new(self.clone(), r.endpoint, RelationId(r.id)))
            .collect())
    }

    /// The relation on `endpoint`, if there is one:
    /// `self.model.get_relation("db")` in `ops`. Suits an endpoint with at
    /// most one relation, such as a peer relation (Juju creates it when the
    /// application is deployed) or a `limit: 1` endpoint.
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// let Some(peers) = model.relation("cluster")? else {
    ///     charmbox_sdk::bail!("the peer relation is not there yet");
    /// };
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the endpoint has more than one relation (use
    /// [`relations`](Self::relations)), or the charm has no such endpoint.
    pub fn relation(&self, endpoint: &str) -> Result<Option<Relation>> {
        let mut relations = self.relations(endpoint)?;
        match relations.len() {
            0 | 1 => Ok(relations.pop()),
            _ => {
                let names: Vec<String> = relations.iter().map(|r| r.to_string()).collect();
                bail!(
                    "endpoint {endpoint:?} has {} relations ({}): use Model::relations to \
                     choose one",
                    relations.len(),
                    names.join(", ")
                )
            }
        }
    }
}

/// A relation this unit takes part in: `db:7`, endpoint `db`, id 7.
///
/// Get one with [`Model::relations`], [`Model::relation`] or, in a
/// relation hook, [`Event::relation`](crate::Event::relation). Its data is
/// in databags, one per unit and one per application on each side:
///
/// | bag | method | read | write |
/// |---|---|---|---|
/// | this unit's | [`unit_data`](Self::unit_data) | yes | yes |
/// | this application's | [`app_data`](Self::app_data) | leader (any unit in a peer relation) | leader |
/// | a remote unit's | [`remote_unit_data`](Self::remote_unit_data) | yes | no |
/// | the remote application's | [`remote_app_data`](Self::remote_app_data) | yes | no |
///
/// ```no_run
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Endpoint { host: String, port: u16 }
///
/// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
/// for relation in model.relations("db")? {
///     let remote: Option<Endpoint> = relation.remote_app_data()?.load().ok();
///     relation.unit_data().save(&Endpoint { host: "10.0.0.4".into(), port: 5432 })?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Relation {
    model: Model,
    endpoint: String,
    id: RelationId,
    remote_app: OnceCell<String>,
}

impl Relation {
    pub(crate) fn new(model: Model, endpoint: String, id: RelationId) -> Self {
        Relation {
            model,
            endpoint,
            id,
            remote_app: OnceCell::new(),
        }
    }

    /// The same relation, its remote application already known (from the
    /// event).
    pub(crate) fn with_remote_app(self, app: String) -> Self {
        let _ = self.remote_app.set(app);
        self
    }

    /// The charm's endpoint the relation is on.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) {
    /// assert_eq!(relation.endpoint(), "db");
    /// # }
    /// ```
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Its id.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) {
    /// let id = relation.id();
    /// # }
    /// ```
    pub fn id(&self) -> RelationId {
        self.id
    }

    /// The remote application (`relation-list --app`); in a peer relation,
    /// this application.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// let app: String = relation.remote_app()?;
    /// # Ok(()) }
    /// ```
    pub fn remote_app(&self) -> Result<String> {
        if let Some(app) = self.remote_app.get() {
            return Ok(app.clone());
        }
        let app = host::relation_app(self.id.0).map_err(refused(format_args!(
            "find the remote application of relation {self}"
        )))?;
        Ok(self.remote_app.get_or_init(|| app).clone())
    }

    /// The remote units now in the relation (`relation-list`), sorted; in a
    /// peer relation, this application's other units.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// for unit in relation.units()? {
    ///     let address: Option<String> = relation.remote_unit_data(&unit).get("address")?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn units(&self) -> Result<Vec<String>> {
        host::relation_list(self.id.0)
            .map_err(refused(format_args!("list the units of relation {self}")))
    }

    /// This unit's databag: readable and writable.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// relation.unit_data().set("address", "10.0.0.4")?;
    /// # Ok(()) }
    /// ```
    pub fn unit_data(&self) -> LocalDatabag {
        LocalDatabag {
            bag: Databag::new(self, self.model.unit_name().to_owned(), false),
        }
    }

    /// This application's databag: only the leader writes it; only the
    /// leader reads it, except in a peer relation, where every unit does.
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model, relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// if model.unit().is_leader()? {
    ///     relation.app_data().set("database", "orders")?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn app_data(&self) -> LocalDatabag {
        LocalDatabag {
            bag: Databag::new(self, self.model.app_name().to_owned(), true),
        }
    }

    /// A remote unit's databag, read-only: `unit` is one of
    /// [`units`](Self::units), or a unit that has left (its bag stays
    /// readable for the life of the relation).
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// let host: Option<String> = relation.remote_unit_data("mysql/0").get("host")?;
    /// # Ok(()) }
    /// ```
    pub fn remote_unit_data(&self, unit: &str) -> Databag {
        Databag::new(self, unit.to_owned(), false)
    }

    /// The remote application's databag, read-only.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// let bag = relation.remote_app_data()?;
    /// let password: Option<String> = bag.get("password")?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the remote application cannot be found out.
    pub fn remote_app_data(&self) -> Result<Databag> {
        Ok(Databag::new(self, self.remote_app()?, true))
    }
}

impl fmt::Display for Relation {
    /// As Juju names it: `db:7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.endpoint, self.id)
    }
}

/// One member's databag in a relation, to read: a unit's or an
/// application's settings, keys to string values.
///
/// Read it whole as a map ([`get_all`](Self::get_all)) or a struct
/// ([`load`](Self::load)), or one key ([`get`](Self::get)). Values are
/// strings in Juju; typed reads follow the SDK's [rule for string
/// maps](crate#values-in-databags-state-and-secrets) (a `String` as it is,
/// a number or a list parsed). Each read asks the host afresh.
///
/// ```no_run
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Credentials {
///     username: String,
///     password: String,
///     endpoints: String,
///     #[serde(default)]
///     read_only: bool,
/// }
///
/// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
/// let credentials: Credentials = relation.remote_app_data()?.load()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Databag {
    relation: RelationId,
    relation_name: String,
    member: String,
    app: bool,
}

impl Databag {
    fn new(relation: &Relation, member: String, app: bool) -> Self {
        Databag {
            relation: relation.id,
            relation_name: relation.to_string(),
            member,
            app,
        }
    }

    /// Whose bag it is: a unit's name or an application's.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) {
    /// assert_eq!(relation.remote_unit_data("mysql/0").member(), "mysql/0");
    /// # }
    /// ```
    pub fn member(&self) -> &str {
        &self.member
    }

    /// Every key and value (`relation-get -r ID - MEMBER`).
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// for (key, value) in relation.remote_app_data()?.get_all()? {
    ///     log::debug!("{key}={value}");
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the host refuses: this application's bag read by a non-leader in
    /// a relation that is not a peer relation, a unit that never joined.
    pub fn get_all(&self) -> Result<BTreeMap<String, String>> {
        let pairs = host::relation_get(self.relation.0, &self.member, self.app)
            .map_err(refused(format_args!("read {self}")))?;
        Ok(pairs.into_iter().collect())
    }

    /// The value at `key` as a `T` (`String` for the text as it is), or
    /// `None` when the key is absent.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// let bag = relation.remote_unit_data("mysql/0");
    /// let host: Option<String> = bag.get("host")?;
    /// let port: Option<u16> = bag.get("port")?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the bag cannot be read, or the value does not fit `T` (the
    /// message names the key).
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let mut all = self.get_all()?;
        all.remove(key)
            .map(|text| decode_value(&text))
            .transpose()
            .map_err(|e| anyhow!("key {key:?} of {self}: {e}"))
    }

    /// The whole bag as a `T`: a `#[derive(Deserialize)]` struct with a
    /// field per key (give absent keys `Option` or `#[serde(default)]`), or
    /// a map.
    ///
    /// ```no_run
    /// use serde::Deserialize;
    /// #[derive(Deserialize)]
    /// #[serde(rename_all = "kebab-case")]
    /// struct Peer { address: String, joined_at: Option<String> }
    /// # fn f(relation: &charmbox_sdk::Relation, unit: &str) -> charmbox_sdk::Result<()> {
    /// let peer: Peer = relation.remote_unit_data(unit).load()?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the bag cannot be read, or does not fit `T`; the message names
    /// the key: `key "port" of the databag of mysql/0 in relation db:7:
    /// "fivefour" is not a number`.
    pub fn load<T: DeserializeOwned>(&self) -> Result<T> {
        decode_map(&self.get_all()?).map_err(|e| {
            if e.path.is_empty() {
                anyhow!("{self}: {}", e.reason)
            } else {
                anyhow!("key {:?} of {self}: {}", e.path, e.reason)
            }
        })
    }
}

impl fmt::Display for Databag {
    /// `the databag of mysql/0 in relation db:7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.app { "application " } else { "" };
        write!(
            f,
            "the {kind}databag of {} in relation {}",
            self.member, self.relation_name
        )
    }
}

/// This unit's or this application's databag in a relation: a
/// [`Databag`] that can also be written (`relation-set`).
///
/// Writes follow Juju: an empty value removes its key, every write of one
/// call is made or none is, and this application's bag is written only by
/// the leader. Typed writes follow the SDK's [rule for string
/// maps](crate#values-in-databags-state-and-secrets): a string as it is, a
/// number or a boolean as its text, a list or a map as JSON, `None` removes
/// the key.
///
/// ```no_run
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// #[serde(rename_all = "kebab-case")]
/// struct Offer<'a> { host: &'a str, port: u16, secret_id: Option<&'a str> }
///
/// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
/// relation.app_data().save(&Offer { host: "10.0.0.4", port: 5432, secret_id: None })?;
/// // host=10.0.0.4, port=5432; secret-id removed.
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct LocalDatabag {
    bag: Databag,
}

impl LocalDatabag {
    /// Whose bag it is: this unit's name or this application's.
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model, relation: &charmbox_sdk::Relation) {
    /// assert_eq!(relation.unit_data().member(), model.unit().name());
    /// # }
    /// ```
    pub fn member(&self) -> &str {
        self.bag.member()
    }

    /// Every key and value; see [`Databag::get_all`].
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// let mine = relation.unit_data().get_all()?;
    /// # Ok(()) }
    /// ```
    pub fn get_all(&self) -> Result<BTreeMap<String, String>> {
        self.bag.get_all()
    }

    /// The value at `key`; see [`Databag::get`].
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// let secret_id: Option<String> = relation.app_data().get("secret-id")?;
    /// # Ok(()) }
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.bag.get(key)
    }

    /// The whole bag as a `T`; see [`Databag::load`].
    ///
    /// ```no_run
    /// use std::collections::BTreeMap;
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// let ports: BTreeMap<String, u16> = relation.unit_data().load()?;
    /// # Ok(()) }
    /// ```
    pub fn load<T: DeserializeOwned>(&self) -> Result<T> {
        self.bag.load()
    }

    /// Sets `key` to `value` as the rule for string maps writes it
    /// (`"10.0.0.4"`, `5432`, `true`, `vec!["a", "b"]`); an empty string
    /// or `None` removes the key.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// let bag = relation.unit_data();
    /// bag.set("host", "10.0.0.4")?;
    /// bag.set("port", &5432)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the key is empty, the host refuses (this application's bag
    /// written by a non-leader), or `value` cannot be serialised.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        let text = encode_value(value)
            .map_err(|e| anyhow!("cannot write key {key:?} to {}: {e}", self.bag))?;
        self.write(vec![(key.to_owned(), text.unwrap_or_default())])
    }

    /// Removes `key` (sets it empty, as Juju deletes); removing an absent
    /// key does nothing.
    ///
    /// ```no_run
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// relation.unit_data().remove("host")?;
    /// # Ok(()) }
    /// ```
    pub fn remove(&self, key: &str) -> Result<()> {
        self.write(vec![(key.to_owned(), String::new())])
    }

    /// Writes every entry of `values`, a struct or a map, in one call: each
    /// field sets its key, `None` (and an empty string) removes it; keys
    /// `values` does not have are left as they are.
    ///
    /// ```no_run
    /// use std::collections::BTreeMap;
    /// # fn f(relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// relation.unit_data().save(&BTreeMap::from([("host", "10.0.0.4"), ("zone", "a")]))?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If `values` is not a struct or a map, a key is empty, or the host
    /// refuses; then nothing is written.
    pub fn save<T: Serialize + ?Sized>(&self, values: &T) -> Result<()> {
        let pairs = encode_map(values).map_err(|e| anyhow!("cannot write {}: {e}", self.bag))?;
        let pairs = pairs
            .into_iter()
            .map(|(key, text)| (key, text.unwrap_or_default()))
            .collect();
        self.write(pairs)
    }

    fn write(&self, pairs: Vec<(String, String)>) -> Result<()> {
        if pairs.is_empty() {
            return Ok(());
        }
        host::relation_set(self.bag.relation.0, self.bag.app, &pairs)
            .map_err(refused(format_args!("write {}", self.bag)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relation() -> Relation {
        let model = Model::with_context("pg/0", Default::default());
        Relation::new(model, "db".into(), RelationId(7))
    }

    #[test]
    fn this_unit_s_and_this_app_s_bags_are_theirs() {
        let r = relation();
        assert_eq!(r.unit_data().member(), "pg/0");
        assert_eq!(
            r.unit_data().bag.to_string(),
            "the databag of pg/0 in relation db:7"
        );
        assert_eq!(r.app_data().member(), "pg");
        assert!(r.app_data().bag.app);
        assert!(!r.unit_data().bag.app);
    }

    #[test]
    fn relations_are_named_as_juju_names_them() {
        assert_eq!(relation().to_string(), "db:7");
        assert_eq!(relation().id().get(), 7);
    }

    #[test]
    fn databags_say_whose_they_are() {
        let r = relation();
        assert_eq!(
            r.remote_unit_data("mysql/0").to_string(),
            "the databag of mysql/0 in relation db:7"
        );
        let app = Databag::new(&r, "mysql".into(), true);
        assert_eq!(
            app.to_string(),
            "the application databag of mysql in relation db:7"
        );
    }

    #[test]
    fn a_known_remote_app_needs_no_call() {
        let r = relation().with_remote_app("mysql".into());
        assert_eq!(r.remote_app().unwrap(), "mysql");
        assert_eq!(r.remote_app_data().unwrap().member(), "mysql");
    }
}
