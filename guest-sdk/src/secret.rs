//! Juju secrets (`secret-get`, `secret-add`, `secret-set`, `secret-ids`,
//! `secret-info-get`, `secret-grant`, `secret-revoke`, `secret-remove`): a
//! [`Secret`] by id or label, its content as a map or a struct, the options
//! it is created and changed with, and its metadata.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::bindings::secret as host;
use crate::model::refused;
use crate::values::{decode_map, encode_map};
use crate::{anyhow, Model, Relation, Result};

impl Model {
    /// The secret with URI `id` (`secret:cq3rldnmp25c7bvnhim0`, or
    /// `secret://<model-uuid>/<id>` as Juju 3.6 writes it):
    /// `self.model.get_secret(id=...)` in `ops`. Nothing is read until you
    /// ask for its content or info.
    ///
    /// An id usually comes from a relation's databag (a provider shares
    /// one with [`Secret::grant`]), a `secret` config option, or an earlier
    /// [`App::add_secret`](crate::App::add_secret).
    ///
    /// ```no_run
    /// use charmbox_sdk::ReadMode;
    /// # fn f(model: &charmbox_sdk::Model, relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// if let Some(id) = relation.remote_app_data()?.get::<String>("secret-user")? {
    ///     let user = model.secret_by_id(&id).get_content(ReadMode::Tracked)?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn secret_by_id(&self, id: &str) -> Secret {
        Secret::known(Some(id.to_owned()), None)
    }

    /// The secret labelled `label`: by its owner (the label given to
    /// [`SecretOptions::label`]) or, for a consumer, the label given with
    /// [`Secret::with_label`] on an earlier read:
    /// `self.model.get_secret(label=...)` in `ops`.
    ///
    /// ```no_run
    /// use charmbox_sdk::ReadMode;
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// let admin = model.secret_by_label("admin-password");
    /// let password = admin.get_content(ReadMode::Refresh)?.remove("password");
    /// # Ok(()) }
    /// ```
    pub fn secret_by_label(&self, label: &str) -> Secret {
        Secret::known(None, Some(label.to_owned()))
    }

    /// The secrets this unit owns and, if it is the leader, those its
    /// application owns (`secret-ids`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// for secret in model.owned_secrets()? {
    ///     let info = secret.info()?;
    ///     log::info!("{} is at revision {}", info.id, info.revision);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn owned_secrets(&self) -> Result<Vec<Secret>> {
        let ids = host::secret_ids().map_err(refused("list the secrets this unit owns"))?;
        Ok(ids
            .into_iter()
            .map(|id| Secret::known(Some(id), None))
            .collect())
    }
}

/// Which revision of a secret a read gets. Juju tracks, for each unit that
/// reads a secret (its owner's units too), the revision it has seen: a new
/// revision is not read until the unit asks for it.
///
/// ```no_run
/// use charmbox_sdk::ReadMode;
/// # fn f(secret: &charmbox_sdk::Secret) -> charmbox_sdk::Result<()> {
/// // In secret-changed: move on to the new revision.
/// let content = secret.get_content(ReadMode::Refresh)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReadMode {
    /// The revision this unit tracks (the newest, the first time it reads).
    #[default]
    Tracked,
    /// The newest revision, still tracking the old one (`--peek`;
    /// `peek_content()` in `ops`).
    Peek,
    /// The newest revision, tracking it from now on (`--refresh`;
    /// `get_content(refresh=True)` in `ops`).
    Refresh,
}

/// How often Juju asks a secret's owner to rotate it (the `secret-rotate`
/// hook).
///
/// It deserialises from Juju's names (`"monthly"`), so a config option can
/// hold one:
///
/// ```
/// use charmbox_sdk::{RotatePolicy, SecretOptions};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Config { rotation: RotatePolicy }
///
/// let config: Config = serde_json::from_str(r#"{"rotation": "weekly"}"#).unwrap();
/// let options = SecretOptions::new().rotate(config.rotation);
/// assert_eq!(config.rotation, RotatePolicy::Weekly);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)] // The names say it.
pub enum RotatePolicy {
    Never,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl RotatePolicy {
    /// Juju's name for it: `never`, `hourly`, … `yearly`.
    ///
    /// ```
    /// # use charmbox_sdk::RotatePolicy;
    /// assert_eq!(RotatePolicy::Quarterly.as_str(), "quarterly");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            RotatePolicy::Never => "never",
            RotatePolicy::Hourly => "hourly",
            RotatePolicy::Daily => "daily",
            RotatePolicy::Weekly => "weekly",
            RotatePolicy::Monthly => "monthly",
            RotatePolicy::Quarterly => "quarterly",
            RotatePolicy::Yearly => "yearly",
        }
    }
}

impl fmt::Display for RotatePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Who owns a secret.
///
/// ```no_run
/// use charmbox_sdk::SecretOwner;
/// # fn f(secret: &charmbox_sdk::Secret) -> charmbox_sdk::Result<()> {
/// if secret.info()?.owner == SecretOwner::Application {
///     log::info!("shared by every unit");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretOwner {
    /// The application: every unit reads it, the leader manages it.
    Application,
    /// One unit alone.
    Unit,
}

/// What a secret is created with besides its content, or what
/// [`Secret::set_info`] changes: a label, a description, when it expires
/// and how often it rotates. Unset options are left as they are (or, on
/// creation, not set).
///
/// ```
/// use std::time::Duration;
/// use charmbox_sdk::{RotatePolicy, SecretOptions};
///
/// let options = SecretOptions::new()
///     .label("admin-password")
///     .description("the admin user's password")
///     .expire_after(Duration::from_secs(90 * 24 * 3600))
///     .rotate(RotatePolicy::Monthly);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretOptions {
    label: Option<String>,
    description: Option<String>,
    expire: Option<Expire>,
    rotate: Option<RotatePolicy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expire {
    After(Duration),
    At(SystemTime),
}

impl SecretOptions {
    /// No options.
    ///
    /// ```
    /// # use charmbox_sdk::SecretOptions;
    /// assert_eq!(SecretOptions::new(), SecretOptions::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The owner's label for the secret, to find it again with
    /// [`Model::secret_by_label`]; unique among the owner's secrets.
    ///
    /// ```
    /// # use charmbox_sdk::SecretOptions;
    /// let options = SecretOptions::new().label("tls");
    /// ```
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// A description, shown by `juju secrets`.
    ///
    /// ```
    /// # use charmbox_sdk::SecretOptions;
    /// let options = SecretOptions::new().description("the replication user");
    /// ```
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Expires `duration` from now (Juju fires `secret-expired` then).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use charmbox_sdk::SecretOptions;
    /// let options = SecretOptions::new().expire_after(Duration::from_secs(24 * 3600));
    /// ```
    pub fn expire_after(mut self, duration: Duration) -> Self {
        self.expire = Some(Expire::After(duration));
        self
    }

    /// Expires at `time`.
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use charmbox_sdk::SecretOptions;
    /// let new_year = UNIX_EPOCH + Duration::from_secs(1_798_761_600); // 2027-01-01
    /// let options = SecretOptions::new().expire_at(new_year);
    /// ```
    pub fn expire_at(mut self, time: SystemTime) -> Self {
        self.expire = Some(Expire::At(time));
        self
    }

    /// How often Juju asks the owner to rotate it.
    ///
    /// ```
    /// # use charmbox_sdk::{RotatePolicy, SecretOptions};
    /// let options = SecretOptions::new().rotate(RotatePolicy::Weekly);
    /// ```
    pub fn rotate(mut self, policy: RotatePolicy) -> Self {
        self.rotate = Some(policy);
        self
    }

    /// The label this sets, if any.
    fn label_given(&self) -> Option<&str> {
        self.label.as_deref()
    }
}

/// The contract's `secret-options` for `options`.
fn contract_options(options: &SecretOptions) -> Result<host::SecretOptions, String> {
    let expire = match options.expire {
        None => None,
        Some(Expire::After(duration)) => Some(go_duration(duration)?),
        Some(Expire::At(time)) => Some(rfc3339(time)?),
    };
    Ok(host::SecretOptions {
        label: options.label.clone(),
        description: options.description.clone(),
        expire,
        rotate: options.rotate.map(contract_policy),
    })
}

fn contract_policy(policy: RotatePolicy) -> host::RotatePolicy {
    match policy {
        RotatePolicy::Never => host::RotatePolicy::Never,
        RotatePolicy::Hourly => host::RotatePolicy::Hourly,
        RotatePolicy::Daily => host::RotatePolicy::Daily,
        RotatePolicy::Weekly => host::RotatePolicy::Weekly,
        RotatePolicy::Monthly => host::RotatePolicy::Monthly,
        RotatePolicy::Quarterly => host::RotatePolicy::Quarterly,
        RotatePolicy::Yearly => host::RotatePolicy::Yearly,
    }
}

fn sdk_policy(policy: host::RotatePolicy) -> RotatePolicy {
    match policy {
        host::RotatePolicy::Never => RotatePolicy::Never,
        host::RotatePolicy::Hourly => RotatePolicy::Hourly,
        host::RotatePolicy::Daily => RotatePolicy::Daily,
        host::RotatePolicy::Weekly => RotatePolicy::Weekly,
        host::RotatePolicy::Monthly => RotatePolicy::Monthly,
        host::RotatePolicy::Quarterly => RotatePolicy::Quarterly,
        host::RotatePolicy::Yearly => RotatePolicy::Yearly,
    }
}

/// A duration as Go's `time.ParseDuration` reads it (`secret-add
/// --expire`): whole seconds, `86400s`, or with a fraction, `1.5s`.
fn go_duration(duration: Duration) -> Result<String, String> {
    if duration.is_zero() {
        return Err("a secret cannot expire after no time: give a duration over zero".into());
    }
    let (secs, nanos) = (duration.as_secs(), duration.subsec_nanos());
    Ok(if nanos == 0 {
        format!("{secs}s")
    } else {
        let fraction = format!("{nanos:09}");
        format!("{secs}.{}s", fraction.trim_end_matches('0'))
    })
}

/// `time` in RFC 3339, UTC, to the second: `2027-01-01T00:00:00Z`.
fn rfc3339(time: SystemTime) -> Result<String, String> {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "a secret's expiry must be after 1970".to_owned())?
        .as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    ))
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// A secret's metadata, as its owner sees it ([`Secret::info`];
/// `get_info()` in `ops`).
///
/// ```no_run
/// use charmbox_sdk::RotatePolicy;
/// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
/// let info = model.secret_by_label("tls").info()?;
/// if info.rotation.unwrap_or(RotatePolicy::Never) == RotatePolicy::Never {
///     log::warn!("{} never rotates", info.id);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// Its id.
    pub id: String,
    /// The owner's label for it.
    pub label: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its newest revision.
    pub revision: u32,
    /// How often it rotates.
    pub rotation: Option<RotatePolicy>,
    /// When its newest revision expires (RFC 3339), if it does.
    pub expiry: Option<String>,
    /// Who owns it.
    pub owner: SecretOwner,
}

fn sdk_info(info: host::SecretInfo) -> Result<SecretInfo, String> {
    let owner = match info.owner.as_str() {
        "application" => SecretOwner::Application,
        "unit" => SecretOwner::Unit,
        other => {
            return Err(format!(
                "the host reported the owner {other:?}, which is neither \"application\" nor \
                 \"unit\""
            ))
        }
    };
    Ok(SecretInfo {
        id: info.id,
        label: info.label,
        description: info.description,
        revision: info.revision,
        rotation: info.rotation.map(sdk_policy),
        expiry: info.expiry,
        owner,
    })
}

/// A Juju secret, by its id or by a label — `ops.Secret`. A handle:
/// nothing is read until asked for.
///
/// Get one with [`Model::secret_by_id`], [`Model::secret_by_label`],
/// [`Model::owned_secrets`], [`App::add_secret`](crate::App::add_secret),
/// [`Unit::add_secret`](crate::Unit::add_secret) or, in a secret hook,
/// [`Event::secret`](crate::Event::secret).
///
/// A consumer reads content it was [granted](Self::grant); an owner reads
/// and [changes](Self::set_content) it. Content is keys to strings; read
/// it as a map ([`get_content`](Self::get_content)) or a struct
/// ([`load`](Self::load)).
///
/// ```no_run
/// use charmbox_sdk::{ReadMode, SecretOptions};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Credentials { username: String, password: String }
///
/// # fn f(model: &charmbox_sdk::Model, relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
/// // The owner (the leader of a database charm):
/// let secret = model.app().add_secret(
///     &Credentials { username: "app".into(), password: "s3cret-xyz".into() },
///     SecretOptions::new().label("app-user"),
/// )?;
/// secret.grant(relation)?;
/// relation.app_data().set("secret-user", secret.id().unwrap_or_default())?;
///
/// // A consumer, given the id through the relation:
/// let id: String = relation.remote_app_data()?.get("secret-user")?.unwrap_or_default();
/// let credentials: Credentials = model.secret_by_id(&id).load(ReadMode::Tracked)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    id: Option<String>,
    label: Option<String>,
}

impl Secret {
    /// A handle by id, by label, or both.
    pub(crate) fn known(id: Option<String>, label: Option<String>) -> Self {
        debug_assert!(id.is_some() || label.is_some());
        Secret { id, label }
    }

    /// Its id, when known: always, except for a handle made by label.
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) {
    /// assert_eq!(model.secret_by_id("secret:abc").id(), Some("secret:abc"));
    /// # }
    /// ```
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Its label, when known.
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) {
    /// assert_eq!(model.secret_by_label("tls").label(), Some("tls"));
    /// # }
    /// ```
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The same secret, to be labelled `label` for this unit by the next
    /// read of its content: a consumer then finds it with
    /// [`Model::secret_by_label`]; for its owner, the owner's label changes
    /// (`ops`: `get_secret(id=..., label=...)`).
    ///
    /// ```no_run
    /// use charmbox_sdk::ReadMode;
    /// # fn f(model: &charmbox_sdk::Model, id: &str) -> charmbox_sdk::Result<()> {
    /// // First sight of a granted secret: label it…
    /// model.secret_by_id(id).with_label("db-credentials").get_content(ReadMode::Tracked)?;
    /// // …and find it by label from then on.
    /// let content = model.secret_by_label("db-credentials").get_content(ReadMode::Tracked)?;
    /// # Ok(()) }
    /// ```
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The contract's reference: the id when known, else the label.
    fn reference(&self) -> host::SecretRef {
        match (&self.id, &self.label) {
            (Some(id), _) => host::SecretRef::Id(id.clone()),
            (None, Some(label)) => host::SecretRef::Label(label.clone()),
            (None, None) => host::SecretRef::Label(String::new()),
        }
    }

    /// The label to give on a read: only when reading by id.
    fn label_to_give(&self) -> Option<&str> {
        self.id.as_ref().and(self.label.as_deref())
    }

    /// The content, keys to values (`secret-get`), of the revision `mode`
    /// picks.
    ///
    /// ```no_run
    /// use charmbox_sdk::{bail, ReadMode};
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// let mut content = model.secret_by_label("admin").get_content(ReadMode::Tracked)?;
    /// let Some(password) = content.remove("password") else {
    ///     bail!("the admin secret has no password");
    /// };
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If there is no such secret, this unit may not read it
    /// (`permission denied`), or no such revision.
    pub fn get_content(&self, mode: ReadMode) -> Result<BTreeMap<String, String>> {
        let mode_wire = match mode {
            ReadMode::Tracked => host::ReadMode::Tracked,
            ReadMode::Peek => host::ReadMode::Peek,
            ReadMode::Refresh => host::ReadMode::Refresh,
        };
        let pairs = host::secret_get(&self.reference(), mode_wire, self.label_to_give())
            .map_err(refused(format_args!("read {self}")))?;
        Ok(pairs.into_iter().collect())
    }

    /// The content as a `T`, a `#[derive(Deserialize)]` struct with a
    /// field per key (values follow the [rule for string
    /// maps](crate#values-in-databags-state-and-secrets)).
    ///
    /// ```no_run
    /// use charmbox_sdk::ReadMode;
    /// use serde::Deserialize;
    ///
    /// #[derive(Deserialize)]
    /// #[serde(rename_all = "kebab-case")]
    /// struct Tls { certificate: String, private_key: String }
    ///
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// let tls: Tls = model.secret_by_label("tls").load(ReadMode::Tracked)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get_content`](Self::get_content), or if the content does not
    /// fit `T` (the message names the key).
    pub fn load<T: DeserializeOwned>(&self, mode: ReadMode) -> Result<T> {
        decode_map(&self.get_content(mode)?).map_err(|e| {
            if e.path.is_empty() {
                anyhow!("content of {self}: {}", e.reason)
            } else {
                anyhow!("key {:?} of {self}: {}", e.path, e.reason)
            }
        })
    }

    /// Replaces the content with `content`, a map or a struct, as a new
    /// revision (`secret-set`); keys absent from it are gone from the new
    /// revision. Consumers go on reading the revision they track until they
    /// refresh (Juju tells them with `secret-changed`). Owner only: for an
    /// application's secret, the leader.
    ///
    /// Content equal to the newest revision's makes no new revision.
    ///
    /// ```no_run
    /// use std::collections::BTreeMap;
    /// # fn f(model: &charmbox_sdk::Model, password: String) -> charmbox_sdk::Result<()> {
    /// model
    ///     .secret_by_label("admin-password")
    ///     .set_content(&BTreeMap::from([("password", password)]))?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If `content` is empty or not a map or struct, a key is not valid, or
    /// the host refuses. Juju checks that this unit manages the secret
    /// when the hook ends: a secret it does not manage fails the hook then.
    pub fn set_content<T: Serialize + ?Sized>(&self, content: &T) -> Result<()> {
        let doing = || format!("set the content of {self}");
        let pairs = content_pairs(content).map_err(|e| anyhow!("cannot {}: {e}", doing()))?;
        host::secret_set(&self.reference(), Some(&pairs), &empty_options())
            .map_err(refused(doing()))
    }

    /// Changes the secret's label, description, expiry or rotation
    /// (`secret-set` without content); what `options` does not set is left
    /// as it is. An expiry applies to the newest revision. Owner only.
    ///
    /// ```no_run
    /// use charmbox_sdk::{RotatePolicy, SecretOptions};
    /// # fn f(secret: &charmbox_sdk::Secret) -> charmbox_sdk::Result<()> {
    /// secret.set_info(SecretOptions::new().rotate(RotatePolicy::Weekly))?;
    /// # Ok(()) }
    /// ```
    pub fn set_info(&self, options: SecretOptions) -> Result<()> {
        let doing = || format!("change the options of {self}");
        let wire = contract_options(&options).map_err(|e| anyhow!("cannot {}: {e}", doing()))?;
        host::secret_set(&self.reference(), None, &wire).map_err(refused(doing()))
    }

    /// The secret's metadata (`secret-info-get`). Owner only: for an
    /// application's secret, the leader.
    ///
    /// ```no_run
    /// # fn f(secret: &charmbox_sdk::Secret) -> charmbox_sdk::Result<()> {
    /// let info = secret.info()?;
    /// log::info!("{} is at revision {}", info.id, info.revision);
    /// # Ok(()) }
    /// ```
    pub fn info(&self) -> Result<SecretInfo> {
        let info = host::secret_info_get(&self.reference())
            .map_err(refused(format_args!("read the info of {self}")))?;
        sdk_info(info).map_err(|e| anyhow!("cannot read the info of {self}: {e}"))
    }

    /// Lets the remote application of `relation` read the secret
    /// (`secret-grant -r ID`). Owner only.
    ///
    /// ```no_run
    /// # fn f(secret: &charmbox_sdk::Secret, relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// secret.grant(relation)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If a unit of that application has a grant of its own: revoke it
    /// first.
    pub fn grant(&self, relation: &Relation) -> Result<()> {
        host::secret_grant(&self.reference(), relation.id().get(), None).map_err(refused(
            format_args!("grant {self} to the remote application of relation {relation}"),
        ))
    }

    /// Lets one remote unit of `relation` read the secret (`secret-grant
    /// -r ID --unit UNIT`). Owner only.
    ///
    /// ```no_run
    /// # fn f(secret: &charmbox_sdk::Secret, relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// secret.grant_unit(relation, "mysql/0")?;
    /// # Ok(()) }
    /// ```
    pub fn grant_unit(&self, relation: &Relation, unit: &str) -> Result<()> {
        host::secret_grant(&self.reference(), relation.id().get(), Some(unit)).map_err(refused(
            format_args!("grant {self} to {unit} in relation {relation}"),
        ))
    }

    /// Takes back what [`grant`](Self::grant) gave (`secret-revoke`).
    ///
    /// ```no_run
    /// # fn f(secret: &charmbox_sdk::Secret, relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// secret.revoke(relation)?;
    /// # Ok(()) }
    /// ```
    pub fn revoke(&self, relation: &Relation) -> Result<()> {
        host::secret_revoke(&self.reference(), relation.id().get(), None).map_err(refused(
            format_args!("revoke {self} from the remote application of relation {relation}"),
        ))
    }

    /// Takes back what [`grant_unit`](Self::grant_unit) gave.
    ///
    /// ```no_run
    /// # fn f(secret: &charmbox_sdk::Secret, relation: &charmbox_sdk::Relation) -> charmbox_sdk::Result<()> {
    /// secret.revoke_unit(relation, "mysql/0")?;
    /// # Ok(()) }
    /// ```
    pub fn revoke_unit(&self, relation: &Relation, unit: &str) -> Result<()> {
        host::secret_revoke(&self.reference(), relation.id().get(), Some(unit)).map_err(refused(
            format_args!("revoke {self} from {unit} in relation {relation}"),
        ))
    }

    /// Removes one revision (`secret-remove --revision N`), typically in
    /// `secret-remove` once no consumer tracks it; removing the last one
    /// removes the secret. Owner only.
    ///
    /// ```no_run
    /// # fn f(secret: &charmbox_sdk::Secret) -> charmbox_sdk::Result<()> {
    /// secret.remove_revision(3)?;
    /// # Ok(()) }
    /// ```
    pub fn remove_revision(&self, revision: u32) -> Result<()> {
        host::secret_remove(&self.reference(), Some(revision)).map_err(refused(format_args!(
            "remove revision {revision} of {self}"
        )))
    }

    /// Removes the secret, every revision (`secret-remove`). Owner only.
    ///
    /// ```no_run
    /// # fn f(secret: &charmbox_sdk::Secret) -> charmbox_sdk::Result<()> {
    /// secret.remove_all_revisions()?;
    /// # Ok(()) }
    /// ```
    pub fn remove_all_revisions(&self) -> Result<()> {
        host::secret_remove(&self.reference(), None).map_err(refused(format_args!("remove {self}")))
    }
}

impl fmt::Display for Secret {
    /// `secret secret:abc` or `the secret labelled "tls"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.id, &self.label) {
            (Some(id), _) => write!(f, "secret {id}"),
            (None, Some(label)) => write!(f, "the secret labelled {label:?}"),
            (None, None) => f.write_str("a secret"),
        }
    }
}

fn empty_options() -> host::SecretOptions {
    host::SecretOptions {
        label: None,
        description: None,
        expire: None,
        rotate: None,
    }
}

/// A secret's content as pairs; `None` entries are left out.
fn content_pairs<T: Serialize + ?Sized>(content: &T) -> Result<Vec<(String, String)>, String> {
    Ok(encode_map(content)?
        .into_iter()
        .filter_map(|(key, text)| Some((key, text?)))
        .collect())
}

/// `secret-add`, owned by this unit (`owner_unit`) or its application.
pub(crate) fn add_secret<T: Serialize + ?Sized>(
    content: &T,
    options: SecretOptions,
    owner_unit: bool,
) -> Result<Secret> {
    let owner = if owner_unit { "unit" } else { "application" };
    let doing = || format!("add a secret owned by this {owner}");
    let pairs = content_pairs(content).map_err(|e| anyhow!("cannot {}: {e}", doing()))?;
    let wire = contract_options(&options).map_err(|e| anyhow!("cannot {}: {e}", doing()))?;
    let id = host::secret_add(&pairs, &wire, owner_unit).map_err(refused(doing()))?;
    Ok(Secret::known(
        Some(id),
        options.label_given().map(str::to_owned),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_map_onto_the_contract() {
        let wire = contract_options(
            &SecretOptions::new()
                .label("tls")
                .description("the key")
                .expire_after(Duration::from_secs(86_400))
                .rotate(RotatePolicy::Quarterly),
        )
        .unwrap();
        assert_eq!(wire.label.as_deref(), Some("tls"));
        assert_eq!(wire.description.as_deref(), Some("the key"));
        assert_eq!(wire.expire.as_deref(), Some("86400s"));
        assert!(matches!(wire.rotate, Some(host::RotatePolicy::Quarterly)));

        let none = contract_options(&SecretOptions::new()).unwrap();
        assert_eq!(
            (none.label, none.description, none.expire),
            (None, None, None)
        );
        assert!(none.rotate.is_none());
    }

    #[test]
    fn policies_read_and_write_juju_s_names() {
        let policy: RotatePolicy = serde_json::from_str("\"quarterly\"").unwrap();
        assert_eq!(policy, RotatePolicy::Quarterly);
        assert_eq!(
            serde_json::to_string(&RotatePolicy::Hourly).unwrap(),
            format!("\"{}\"", RotatePolicy::Hourly.as_str())
        );
        assert!(serde_json::from_str::<RotatePolicy>("\"fortnightly\"").is_err());
    }

    #[test]
    fn every_policy_crosses_the_contract_and_back() {
        for policy in [
            RotatePolicy::Never,
            RotatePolicy::Hourly,
            RotatePolicy::Daily,
            RotatePolicy::Weekly,
            RotatePolicy::Monthly,
            RotatePolicy::Quarterly,
            RotatePolicy::Yearly,
        ] {
            assert_eq!(sdk_policy(contract_policy(policy)), policy);
        }
    }

    #[test]
    fn durations_are_written_as_go_reads_them() {
        assert_eq!(go_duration(Duration::from_secs(3600)).unwrap(), "3600s");
        assert_eq!(go_duration(Duration::from_millis(1500)).unwrap(), "1.5s");
        assert_eq!(
            go_duration(Duration::from_nanos(1)).unwrap(),
            "0.000000001s"
        );
        assert!(go_duration(Duration::ZERO)
            .unwrap_err()
            .contains("over zero"));
    }

    #[test]
    fn times_are_written_in_rfc_3339() {
        let at = |secs| rfc3339(UNIX_EPOCH + Duration::from_secs(secs)).unwrap();
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(at(1_798_761_599), "2026-12-31T23:59:59Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
        // Sub-second parts are dropped, as Juju rounds expiry to the second.
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(1_500)).unwrap(),
            "1970-01-01T00:00:01Z"
        );
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert!(rfc3339(before).unwrap_err().contains("after 1970"));
    }

    #[test]
    fn reads_by_id_pass_the_label_reads_by_label_do_not() {
        let by_id = Secret::known(Some("secret:abc".into()), None).with_label("db");
        assert!(matches!(by_id.reference(), host::SecretRef::Id(id) if id == "secret:abc"));
        assert_eq!(by_id.label_to_give(), Some("db"));

        let by_label = Secret::known(None, Some("db".into()));
        assert!(matches!(by_label.reference(), host::SecretRef::Label(l) if l == "db"));
        assert_eq!(by_label.label_to_give(), None);
    }

    #[test]
    fn content_leaves_out_none_and_refuses_what_is_not_a_map() {
        #[derive(Serialize)]
        struct Content<'a> {
            username: &'a str,
            password: &'a str,
            note: Option<&'a str>,
        }
        let pairs = content_pairs(&Content {
            username: "app",
            password: "pw",
            note: None,
        })
        .unwrap();
        assert_eq!(
            pairs,
            vec![
                ("username".to_owned(), "app".to_owned()),
                ("password".to_owned(), "pw".to_owned())
            ]
        );
        assert!(content_pairs("just text").is_err());
    }

    #[test]
    fn info_reads_the_owner() {
        let info = |owner: &str| host::SecretInfo {
            id: "secret:abc".into(),
            label: Some("tls".into()),
            description: None,
            revision: 3,
            rotation: Some(host::RotatePolicy::Monthly),
            expiry: None,
            owner: owner.into(),
        };
        let read = sdk_info(info("application")).unwrap();
        assert_eq!(read.owner, SecretOwner::Application);
        assert_eq!(read.revision, 3);
        assert_eq!(read.rotation, Some(RotatePolicy::Monthly));
        assert_eq!(sdk_info(info("unit")).unwrap().owner, SecretOwner::Unit);
        assert!(sdk_info(info("model")).unwrap_err().contains("\"model\""));
    }

    #[test]
    fn secrets_say_which_they_are() {
        assert_eq!(
            Secret::known(Some("secret:abc".into()), Some("x".into())).to_string(),
            "secret secret:abc"
        );
        assert_eq!(
            Secret::known(None, Some("tls".into())).to_string(),
            "the secret labelled \"tls\""
        );
    }
}
