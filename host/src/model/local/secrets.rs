//! Secrets as the local model keeps them, and Juju's names for them.
//!
//! A secret (juju/juju `core/secrets`, `state/secrets.go`) has an owner
//! (an application, a unit, or for a user's secret the model), the owner's
//! label, a description, a rotation policy, revisions (numbered from 1,
//! the latest number never going down) each with its content and expiry,
//! a consumer record per reading unit (the revision it tracks, and its own
//! label for the secret), and grants: one per subject (an application or a
//! unit) in the scope of a relation, or of the model for a user's secret.
//!
//! Its URI is `secret:<id>`, or with the model it lives in,
//! `secret://<model-uuid>/<id>` (what `secret-add` prints since Juju 3.6);
//! the ID is 12 random bytes in lowercase base32hex, 20 characters.

use std::fmt;
use std::time::SystemTime;

use rusqlite::{params, OptionalExtension};

use super::db::LocalResult;
use super::records::Rows;
use crate::model::{Bag, RelationId, RotatePolicy};
use crate::time::to_micros;

/// Who owns a secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretOwnership {
    /// An application (its leader manages it; any of its units reads it).
    Application(String),
    /// A unit, alone.
    Unit(String),
    /// The model: a user's secret (`charmbox add-secret`), which charms
    /// read once granted.
    Model,
}

impl SecretOwnership {
    fn kind(&self) -> &'static str {
        match self {
            Self::Application(_) => "application",
            Self::Unit(_) => "unit",
            Self::Model => "model",
        }
    }

    fn name(&self) -> &str {
        match self {
            Self::Application(name) | Self::Unit(name) => name,
            Self::Model => "",
        }
    }
}

/// A secret's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    /// Its ID.
    pub id: String,
    /// Its owner.
    pub owner: SecretOwnership,
    /// The owner's label for it (a user secret's name).
    pub label: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// How often its owner is asked to rotate it.
    pub rotate: RotatePolicy,
    /// When it next rotates.
    pub next_rotation: Option<SystemTime>,
    /// Its newest revision's number.
    pub latest_revision: u32,
    /// When it was made.
    pub created: SystemTime,
    /// When it last changed.
    pub updated: SystemTime,
}

/// One revision of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionRecord {
    /// Its number.
    pub revision: u32,
    /// Its content.
    pub content: Bag,
    /// When it expires.
    pub expiry: Option<SystemTime>,
    /// When it was made.
    pub created: SystemTime,
}

impl SecretRecord {
    /// Its URI as charms and `juju secrets` show it: a user's secret as
    /// `secret:ID`, a charm's with the model it lives in.
    pub fn uri(&self, model_uuid: &str) -> SecretUri {
        SecretUri {
            source: (self.owner != SecretOwnership::Model).then(|| model_uuid.to_owned()),
            id: self.id.clone(),
        }
    }
}

/// What a unit reading a secret tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRecord {
    /// The unit.
    pub unit: String,
    /// The revision it reads unless it peeks or refreshes.
    pub revision: u32,
    /// Its own label for the secret.
    pub label: Option<String>,
}

/// Who else may read a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// An application's or a unit's name.
    pub subject: String,
    /// The relation it is granted in; `None` for the whole model.
    pub relation: Option<RelationId>,
    /// `view`.
    pub role: String,
}

/// A secret's URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretUri {
    /// The UUID of the model it lives in, when the URI names one.
    pub source: Option<String>,
    /// The ID.
    pub id: String,
}

impl SecretUri {
    /// Reads `text` as Juju's `ParseURI` does: `secret:ID`,
    /// `secret://MODEL-UUID/ID` or a bare ID; Juju's messages otherwise.
    pub fn parse(text: &str) -> Result<Self, String> {
        let not_valid = || format!("secret URI {text:?} not valid");
        let (scheme, rest) = match text.split_once(':') {
            Some((scheme, rest))
                if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
            {
                (scheme.to_ascii_lowercase(), rest)
            }
            Some(("", _)) => return Err(format!("parse {text:?}: missing protocol scheme")),
            _ => ("secret".to_owned(), text),
        };
        if scheme != "secret" {
            return Err(format!("secret URI scheme {scheme:?} not valid"));
        }
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (host, path) = match rest.strip_prefix("//") {
            Some(after) => match after.split_once('/') {
                Some((host, path)) => (host, path),
                None => (after, ""),
            },
            None => ("", rest.trim_start_matches('/')),
        };
        if !host.is_empty() && !is_uuid(host) {
            return Err(format!("host controller UUID {host:?} not valid"));
        }
        let (source, id) = match path.split_once('/') {
            Some((source, id)) if is_uuid(source) => (Some(source), id),
            Some(_) => return Err(not_valid()),
            None => (None, path),
        };
        if !is_secret_id(id) {
            return Err(not_valid());
        }
        let source = source.or((!host.is_empty()).then_some(host));
        Ok(Self {
            source: source.map(str::to_owned),
            id: id.to_owned(),
        })
    }

    /// A new secret's URI in the model `model_uuid`.
    pub fn new(model_uuid: &str) -> Self {
        Self {
            source: Some(model_uuid.to_owned()),
            id: new_id(),
        }
    }
}

impl fmt::Display for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "secret://{source}/{}", self.id),
            None => write!(f, "secret:{}", self.id),
        }
    }
}

const XID_ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// A new secret ID: 12 random bytes in lowercase base32hex (Juju's
/// `NewURI`).
fn new_id() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the system has a source of randomness");
    let mut id = String::with_capacity(20);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            id.push(XID_ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    id.push(XID_ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    id
}

/// Whether `id` is a secret ID: 20 base32hex characters whose last carries
/// no stray bits (rs/xid's `FromString`).
fn is_secret_id(id: &str) -> bool {
    id.len() == 20
        && id.bytes().all(|b| XID_ALPHABET.contains(&b))
        && matches!(id.as_bytes()[19], b'0' | b'g')
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

impl Rows<'_> {
    /// The secret with ID `id`.
    pub(crate) fn secret(&self, id: &str) -> LocalResult<Option<SecretRecord>> {
        let row = self
            .conn
            .query_row(&secret_select("id = ?1"), [id], secret_row)
            .optional()
            .map_err(self.err())?;
        row.map(|row| self.secret_record(row)).transpose()
    }

    /// Every secret, by ID.
    pub(crate) fn all_secrets(&self) -> LocalResult<Vec<SecretRecord>> {
        let rows = self.query_all(&secret_select("1 = 1 ORDER BY created, id"), [], secret_row)?;
        rows.into_iter()
            .map(|row| self.secret_record(row))
            .collect()
    }

    /// The secret `owner` labelled `label`.
    pub(crate) fn secret_by_label(
        &self,
        owner: &SecretOwnership,
        label: &str,
    ) -> LocalResult<Option<SecretRecord>> {
        let row = self
            .conn
            .query_row(
                &secret_select("owner_kind = ?1 AND owner = ?2 AND label = ?3"),
                params![owner.kind(), owner.name(), label],
                secret_row,
            )
            .optional()
            .map_err(self.err())?;
        row.map(|row| self.secret_record(row)).transpose()
    }

    /// The secrets owned by `unit` or its application.
    pub(crate) fn secrets_owned_by(
        &self,
        unit: &str,
        application: &str,
    ) -> LocalResult<Vec<SecretRecord>> {
        let rows = self.query_all(
&secret_select(
                "(owner_kind = 'unit' AND owner = ?1) OR (owner_kind = 'application' AND owner = ?2)
                 ORDER BY created, id",
            ),
params![unit, application],
secret_row,
)?;
        rows.into_iter()
            .map(|row| self.secret_record(row))
            .collect()
    }

    fn secret_record(&self, row: SecretRow) -> LocalResult<SecretRecord> {
        let record = || format!("secret {}", row.id);
        let owner = match row.owner_kind.as_str() {
            "application" => SecretOwnership::Application(row.owner),
            "unit" => SecretOwnership::Unit(row.owner),
            "model" => SecretOwnership::Model,
            other => return Err(self.bad(record(), "owner", format!("kind {other:?}"))),
        };
        let rotate = RotatePolicy::parse(&row.rotate_policy).ok_or_else(|| {
            self.bad(
                record(),
                "rotation policy",
                format!("{:?}", row.rotate_policy),
            )
        })?;
        let latest_revision = u32::try_from(row.latest_revision)
            .map_err(|_| self.bad(record(), "latest revision", row.latest_revision.to_string()))?;
        let next_rotation = self.optional_time(&record(), "next rotation", row.next_rotation)?;
        let created = self.time(&record(), "creation time", row.created)?;
        let updated = self.time(&record(), "update time", row.updated)?;
        Ok(SecretRecord {
            id: row.id,
            owner,
            label: row.label,
            description: row.description,
            rotate,
            next_rotation,
            latest_revision,
            created,
            updated,
        })
    }

    /// Revision `revision` of secret `id`.
    pub(crate) fn secret_revision(
        &self,
        id: &str,
        revision: u32,
    ) -> LocalResult<Option<RevisionRecord>> {
        Ok(self.revisions_where(id, Some(revision))?.into_iter().next())
    }

    /// Every revision of secret `id`, oldest first.
    pub(crate) fn secret_revisions(&self, id: &str) -> LocalResult<Vec<RevisionRecord>> {
        self.revisions_where(id, None)
    }

    fn revisions_where(&self, id: &str, revision: Option<u32>) -> LocalResult<Vec<RevisionRecord>> {
        let rows = self.query_all(
            "SELECT revision, content, expiry, created FROM secret_revisions
                 WHERE secret = ?1 AND (?2 IS NULL OR revision = ?2) ORDER BY revision",
            params![id, revision],
            |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(revision, content, expiry, created)| {
                let content = serde_json::from_str(&content).map_err(|e| {
                    self.bad(
                        format!("secret {id} revision {revision}"),
                        "content",
                        e.to_string(),
                    )
                })?;
                let record = format!("secret {id} revision {revision}");
                Ok(RevisionRecord {
                    revision,
                    content,
                    expiry: self.optional_time(&record, "expiry", expiry)?,
                    created: self.time(&record, "creation time", created)?,
                })
            })
            .collect()
    }

    /// What `unit` tracks of secret `id`.
    pub(crate) fn consumer(&self, id: &str, unit: &str) -> LocalResult<Option<ConsumerRecord>> {
        self.conn
            .query_row(
                "SELECT unit, revision, label FROM secret_consumers WHERE secret = ?1 AND unit = ?2",
                params![id, unit],
                |r| {
                    Ok(ConsumerRecord {
                        unit: r.get(0)?,
                        revision: r.get(1)?,
                        label: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Every reader of secret `id`.
    pub(crate) fn consumers(&self, id: &str) -> LocalResult<Vec<ConsumerRecord>> {
        let rows = self.query_all(
            "SELECT unit, revision, label FROM secret_consumers WHERE secret = ?1 ORDER BY unit",
            [id],
            |r| {
                Ok(ConsumerRecord {
                    unit: r.get(0)?,
                    revision: r.get(1)?,
                    label: r.get(2)?,
                })
            },
        )?;
        Ok(rows)
    }

    /// The secret `unit` labelled `label` for itself.
    pub(crate) fn secret_by_consumer_label(
        &self,
        unit: &str,
        label: &str,
    ) -> LocalResult<Option<String>> {
        self.conn
            .query_row(
                "SELECT secret FROM secret_consumers WHERE unit = ?1 AND label = ?2",
                params![unit, label],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }

    /// Records what `unit` tracks of secret `id` (a label given replaces
    /// its own; another unit's use of that label is dropped, as a consumer
    /// label names one secret).
    pub(crate) fn save_consumer(
        &self,
        id: &str,
        unit: &str,
        revision: u32,
        label: Option<&str>,
    ) -> LocalResult<()> {
        let err = self.err();
        if let Some(label) = label {
            self.conn
                .execute(
                    "UPDATE secret_consumers SET label = NULL
                     WHERE unit = ?1 AND label = ?2 AND secret <> ?3",
                    params![unit, label, id],
                )
                .map_err(err)?;
        }
        self.conn
            .execute(
                "INSERT INTO secret_consumers (secret, unit, revision, label) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (secret, unit) DO UPDATE SET revision = excluded.revision,
                     label = COALESCE(excluded.label, secret_consumers.label)",
                params![id, unit, revision, label],
            )
            .map_err(err)?;
        Ok(())
    }

    /// Who else may read secret `id`.
    pub(crate) fn secret_grants(&self, id: &str) -> LocalResult<Vec<GrantRecord>> {
        let rows = self.query_all(
            "SELECT subject, relation, role FROM secret_grants WHERE secret = ?1 ORDER BY subject",
            [id],
            |r| {
                Ok(GrantRecord {
                    subject: r.get(0)?,
                    relation: r.get::<_, Option<u32>>(1)?.map(RelationId),
                    role: r.get(2)?,
                })
            },
        )?;
        Ok(rows)
    }

    /// Stores a new secret with its first revision.
    pub(crate) fn insert_secret(
        &self,
        secret: &SecretRecord,
        content: &Bag,
        expiry: Option<SystemTime>,
    ) -> LocalResult<()> {
        let err = self.err();
        self.conn
            .execute(
                "INSERT INTO secrets (id, owner_kind, owner, label, description, rotate_policy,
                     next_rotation, latest_revision, created, updated)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                params![
                    secret.id,
                    secret.owner.kind(),
                    secret.owner.name(),
                    secret.label,
                    secret.description,
                    secret.rotate.as_str(),
                    secret.next_rotation.map(to_micros),
                    secret.latest_revision,
                    to_micros(secret.created),
                ],
            )
            .map_err(err)?;
        self.add_secret_revision(&secret.id, secret.latest_revision, content, expiry)
    }

    /// Stores a revision's content.
    pub(crate) fn add_secret_revision(
        &self,
        id: &str,
        revision: u32,
        content: &Bag,
        expiry: Option<SystemTime>,
    ) -> LocalResult<()> {
        let content = serde_json::to_string(content).expect("a map of strings serialises");
        self.conn
            .execute(
                "INSERT INTO secret_revisions (secret, revision, content, expiry, created)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    id,
                    revision,
                    content,
                    expiry.map(to_micros),
                    to_micros(SystemTime::now())
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Writes a secret's metadata back.
    pub(crate) fn update_secret(&self, secret: &SecretRecord) -> LocalResult<()> {
        self.conn
            .execute(
                "UPDATE secrets SET label = ?2, description = ?3, rotate_policy = ?4,
                     next_rotation = ?5, latest_revision = ?6, updated = ?7
                 WHERE id = ?1",
                params![
                    secret.id,
                    secret.label,
                    secret.description,
                    secret.rotate.as_str(),
                    secret.next_rotation.map(to_micros),
                    secret.latest_revision,
                    to_micros(SystemTime::now()),
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Sets a revision's expiry.
    pub(crate) fn set_revision_expiry(
        &self,
        id: &str,
        revision: u32,
        expiry: Option<SystemTime>,
    ) -> LocalResult<()> {
        self.conn
            .execute(
                "UPDATE secret_revisions SET expiry = ?3 WHERE secret = ?1 AND revision = ?2",
                params![id, revision, expiry.map(to_micros)],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Removes one revision (`Some`), or the whole secret; a secret left
    /// with no revision is removed too. Returns whether the secret is gone.
    pub(crate) fn remove_secret(&self, id: &str, revision: Option<u32>) -> LocalResult<bool> {
        let err = self.err();
        if let Some(revision) = revision {
            self.conn
                .execute(
                    "DELETE FROM secret_revisions WHERE secret = ?1 AND revision = ?2",
                    params![id, revision],
                )
                .map_err(err)?;
            let left: i64 = self
                .conn
                .query_row(
                    "SELECT COUNT(*) FROM secret_revisions WHERE secret = ?1",
                    [id],
                    |r| r.get(0),
                )
                .map_err(err)?;
            if left > 0 {
                return Ok(false);
            }
        }
        self.conn
            .execute("DELETE FROM secrets WHERE id = ?1", [id])
            .map_err(err)?;
        Ok(true)
    }

    /// Grants `subject` view of secret `id` in `relation`'s scope (the
    /// model's with `None`).
    pub(crate) fn grant_secret(
        &self,
        id: &str,
        subject: &str,
        relation: Option<RelationId>,
    ) -> LocalResult<()> {
        self.conn
            .execute(
                "INSERT INTO secret_grants (secret, subject, relation, role)
                 VALUES (?1, ?2, ?3, 'view')
                 ON CONFLICT (secret, subject) DO UPDATE SET role = excluded.role",
                params![id, subject, relation.map(|r| r.0)],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Takes `subject`'s access to secret `id` away.
    pub(crate) fn revoke_secret(&self, id: &str, subject: &str) -> LocalResult<()> {
        self.conn
            .execute(
                "DELETE FROM secret_grants WHERE secret = ?1 AND subject = ?2",
                params![id, subject],
            )
            .map_err(self.err())?;
        Ok(())
    }
}

fn secret_select(condition: &str) -> String {
    format!(
        "SELECT id, owner_kind, owner, label, description, rotate_policy, next_rotation,
                latest_revision, created, updated
         FROM secrets WHERE {condition}"
    )
}

struct SecretRow {
    id: String,
    owner_kind: String,
    owner: String,
    label: Option<String>,
    description: Option<String>,
    rotate_policy: String,
    next_rotation: Option<i64>,
    latest_revision: i64,
    created: i64,
    updated: i64,
}

fn secret_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SecretRow> {
    Ok(SecretRow {
        id: r.get(0)?,
        owner_kind: r.get(1)?,
        owner: r.get(2)?,
        label: r.get(3)?,
        description: r.get(4)?,
        rotate_policy: r.get(5)?,
        next_rotation: r.get(6)?,
        latest_revision: r.get(7)?,
        created: r.get(8)?,
        updated: r.get(9)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "deadbeef-0bad-400d-8000-4b1d0d06f00d";

    #[test]
    fn uris_parse_as_juju_parses_them() {
        let uri = SecretUri::new(UUID);
        assert!(is_secret_id(&uri.id), "{}", uri.id);
        assert_eq!(uri.to_string(), format!("secret://{UUID}/{}", uri.id));
        assert_eq!(SecretUri::parse(&uri.to_string()), Ok(uri.clone()));
        let bare = SecretUri::parse(&format!("secret:{}", uri.id)).unwrap();
        assert_eq!((bare.source, bare.id.as_str()), (None, uri.id.as_str()));
        assert_eq!(SecretUri::parse(&uri.id).unwrap().id, uri.id);
        assert_eq!(
            SecretUri::parse("secret:nope"),
            Err(r#"secret URI "secret:nope" not valid"#.into())
        );
        assert_eq!(
            SecretUri::parse("http://x/y"),
            Err(r#"secret URI scheme "http" not valid"#.into())
        );
        assert_eq!(
            SecretUri::parse(&format!("secret://host/{}", uri.id)),
            Err(r#"host controller UUID "host" not valid"#.into())
        );
        // The last character carries one bit and four zeros.
        assert!(SecretUri::parse("cq3rldnmp25c7bvnhim1").is_err());
    }

    #[test]
    fn ids_are_random() {
        assert_ne!(new_id(), new_id());
    }
}
