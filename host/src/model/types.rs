//! The model's vocabulary, as Juju names it: relations and their ids,
//! workload statuses, log levels, secrets and their options, port ranges,
//! and the event a handler runs for. The host's own types, so that a
//! backend depends on no contract version's bindings.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A databag: a relation member's settings, keys to string values.
pub type Bag = BTreeMap<String, String>;

/// A relation's id, the number Juju gives it (`7` in `db:7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RelationId(pub u32);

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A relation as Juju names it: `db:7` is endpoint `db`, id 7.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Relation {
    /// The charm's endpoint the relation is on.
    pub endpoint: String,
    /// Its id.
    pub id: RelationId,
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.endpoint, self.id)
    }
}

/// `db:7` that is not a relation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a relation: expected ENDPOINT:ID, such as db:7")]
pub struct RelationError(pub String);

impl FromStr for Relation {
    type Err = RelationError;

    fn from_str(s: &str) -> Result<Self, RelationError> {
        let err = || RelationError(s.to_owned());
        let (endpoint, id) = s.rsplit_once(':').ok_or_else(err)?;
        if endpoint.is_empty() || id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        Ok(Self {
            endpoint: endpoint.to_owned(),
            id: RelationId(id.parse().map_err(|_| err())?),
        })
    }
}

/// A workload status, as `juju status` shows it. A charm may set the
/// first four ([`Status::is_settable`]); Juju sets the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The charm is doing something that takes a while.
    Maintenance,
    /// The charm needs an operator to act.
    Blocked,
    /// The charm waits for something outside its control.
    Waiting,
    /// Ready.
    Active,
    /// No status has been set yet.
    Unknown,
    /// A hook failed (`juju resolve` retries it).
    Error,
}

impl Status {
    /// Every status, in Juju's order.
    pub const ALL: [Status; 6] = [
        Self::Maintenance,
        Self::Blocked,
        Self::Waiting,
        Self::Active,
        Self::Unknown,
        Self::Error,
    ];

    /// Juju's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Maintenance => "maintenance",
            Self::Blocked => "blocked",
            Self::Waiting => "waiting",
            Self::Active => "active",
            Self::Unknown => "unknown",
            Self::Error => "error",
        }
    }

    /// The status Juju names `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether a charm may set it with `status-set`.
    pub fn is_settable(self) -> bool {
        matches!(
            self,
            Self::Maintenance | Self::Blocked | Self::Waiting | Self::Active
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A status and its message, as `status-get` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusInfo {
    /// The status.
    pub status: Status,
    /// Its message (may be empty).
    pub message: String,
}

impl Default for StatusInfo {
    fn default() -> Self {
        Self {
            status: Status::Unknown,
            message: String::new(),
        }
    }
}

/// Whose status: the unit's, or (leader only) its application's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusTarget {
    /// This unit.
    Unit,
    /// This unit's application.
    Application,
}

/// A `juju-log` level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    /// `TRACE`.
    Trace,
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `WARNING`.
    Warning,
    /// `ERROR`.
    Error,
    /// `CRITICAL`.
    Critical,
}

impl LogLevel {
    /// The level `name` names, as Juju's loggo reads it: any case, `WARN`
    /// for `WARNING`.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_uppercase().as_str() {
            "TRACE" => Self::Trace,
            "DEBUG" => Self::Debug,
            "INFO" => Self::Info,
            "WARN" | "WARNING" => Self::Warning,
            "ERROR" => Self::Error,
            "CRITICAL" => Self::Critical,
            _ => return None,
        })
    }

    /// Juju's name for it, as `juju-log --log-level` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "TRACE",
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
            Self::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A secret, by its URI (`secret:cq3rldnmp25c7bvnhim0`) or by the label its
/// owner or a consumer gave it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretRef {
    /// By URI.
    Id(String),
    /// By label.
    Label(String),
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => f.write_str(id),
            Self::Label(label) => write!(f, "label {label:?}"),
        }
    }
}

/// Which revision `secret-get` reads for a consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadMode {
    /// The revision it tracks.
    Tracked,
    /// The newest, without tracking it (`--peek`).
    Peek,
    /// The newest, tracking it from now on (`--refresh`).
    Refresh,
}

/// How often a secret's owner is asked to rotate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RotatePolicy {
    /// Never.
    Never,
    /// Hourly.
    Hourly,
    /// Daily.
    Daily,
    /// Weekly.
    Weekly,
    /// Monthly.
    Monthly,
    /// Quarterly.
    Quarterly,
    /// Yearly.
    Yearly,
}

impl RotatePolicy {
    /// Juju's name for it (`secret-add --rotate`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Hourly => "hourly",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
            Self::Yearly => "yearly",
        }
    }

    /// The policy Juju names `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Never,
            Self::Hourly,
            Self::Daily,
            Self::Weekly,
            Self::Monthly,
            Self::Quarterly,
            Self::Yearly,
        ]
        .into_iter()
        .find(|p| p.as_str() == name)
    }
}

/// What `secret-add` and `secret-set` may set besides the content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretOptions {
    /// A label for the owner to find it by.
    pub label: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// When it expires: an RFC 3339 time or a duration (`24h`).
    pub expire: Option<String>,
    /// How often to rotate it.
    pub rotate: Option<RotatePolicy>,
}

/// Who owns a new secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretOwner {
    /// The application (any leader may manage it).
    Application,
    /// This unit alone.
    Unit,
}

/// A secret's metadata, for its owner (`secret-info-get`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInfo {
    /// Its URI.
    pub id: String,
    /// The owner's label for it.
    pub label: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its newest revision.
    pub revision: u32,
    /// Its rotation policy.
    pub rotation: Option<RotatePolicy>,
    /// When it expires.
    pub expiry: Option<String>,
    /// Its owner: `application` or `unit`.
    pub owner: SecretOwner,
}

/// A port's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP (no ports).
    Icmp,
}

/// A port or a range of ports, as `open-port` takes it; `icmp` has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PortRange {
    /// The protocol.
    pub protocol: Protocol,
    /// The first port (0 for `icmp`).
    pub from: u16,
    /// The last port (0 for `icmp`).
    pub to: u16,
}

impl PortRange {
    /// Checks Juju's rules (core/network `PortRange.Validate`), in its
    /// words: `from` ≤ `to`, and no ports for `icmp`.
    pub fn validate(&self) -> Result<(), String> {
        match self.protocol {
            Protocol::Icmp if self.from != 0 || self.to != 0 => Err(format!(
                "protocol \"icmp\" doesn't support any ports; got \"{}\"",
                self.from
            )),
            Protocol::Icmp => Ok(()),
            _ if self.from > self.to => Err(format!("invalid port range {self}")),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for PortRange {
    /// As `opened-ports` prints it: `80/tcp`, `1000-2000/udp`, `icmp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let protocol = match self.protocol {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => return f.write_str("icmp"),
        };
        if self.from == self.to {
            write!(f, "{}/{protocol}", self.from)
        } else {
            write!(f, "{}-{}/{protocol}", self.from, self.to)
        }
    }
}

/// The running handler and what Juju says about its event: the
/// `context.event` a guest reads, from `JUJU_*` under Juju.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventInfo {
    /// The action's or the hook's name, as exported.
    pub name: String,
    /// Whether it is an action (else a hook).
    pub is_action: bool,
    /// For a relation hook: the relation.
    pub relation: Option<Relation>,
    /// For a relation hook: the remote unit it concerns, if any.
    pub remote_unit: Option<String>,
    /// For a relation hook: the remote application.
    pub remote_app: Option<String>,
    /// For `-relation-departed`: the unit leaving.
    pub departing_unit: Option<String>,
    /// For a secret hook: the secret's URI.
    pub secret_id: Option<String>,
    /// For a secret hook: its label.
    pub secret_label: Option<String>,
    /// For a secret hook: its revision.
    pub secret_revision: Option<u32>,
    /// For a storage hook: the storage instance (`data/0`).
    pub storage_id: Option<String>,
    /// For a workload (Pebble) hook: the container's name.
    pub workload: Option<String>,
}

impl EventInfo {
    /// The event of running action `name`.
    pub fn action(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            is_action: true,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_read_and_print_as_juju_names_them() {
        let relation: Relation = "db:7".parse().unwrap();
        assert_eq!(relation.endpoint, "db");
        assert_eq!(relation.id, RelationId(7));
        assert_eq!(relation.to_string(), "db:7");
        for bad in ["db", "db:", ":7", "db:x", "db:-1"] {
            assert!(bad.parse::<Relation>().is_err(), "{bad}");
        }
    }

    #[test]
    fn port_ranges_follow_juju_rules_and_print_as_opened_ports_does() {
        let tcp = |from, to| PortRange {
            protocol: Protocol::Tcp,
            from,
            to,
        };
        assert_eq!(tcp(80, 80).to_string(), "80/tcp");
        assert_eq!(tcp(1000, 2000).to_string(), "1000-2000/tcp");
        assert!(tcp(80, 80).validate().is_ok());
        // Juju's bounds are 0 to 65535.
        assert!(tcp(0, 80).validate().is_ok());
        assert_eq!(
            tcp(90, 80).validate(),
            Err("invalid port range 90-80/tcp".into())
        );
        let icmp = PortRange {
            protocol: Protocol::Icmp,
            from: 0,
            to: 0,
        };
        assert_eq!(icmp.to_string(), "icmp");
        assert!(icmp.validate().is_ok());
    }

    #[test]
    fn only_four_statuses_are_the_charms_to_set() {
        let settable: Vec<_> = Status::ALL
            .into_iter()
            .filter(|s| s.is_settable())
            .collect();
        assert_eq!(
            settable,
            [
                Status::Maintenance,
                Status::Blocked,
                Status::Waiting,
                Status::Active
            ]
        );
        assert_eq!(Status::parse("error"), Some(Status::Error));
    }
}
