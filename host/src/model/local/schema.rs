//! The local model's schema, as numbered migrations (applied by
//! [`crate::sqlite::migrate`] when the model is opened).
//!
//! Names follow Juju's: an application runs a charm (a stand-in remote
//! application, described by the operator, runs none); a unit belongs to an
//! application; a relation joins one endpoint of each of two applications
//! (one, for a peer relation); a relation's data is one bag per unit and
//! per application, keyed by the holder's name (a unit's name has a `/`,
//! an application's never does). Times are microseconds since the epoch.

/// Each entry migrates from version `index` to `index + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the model.
    r#"
    CREATE TABLE sequences (name TEXT PRIMARY KEY, next INTEGER NOT NULL) WITHOUT ROWID;

    CREATE TABLE applications (
        name            TEXT PRIMARY KEY,
        -- The charm it runs (its path); NULL for a stand-in remote
        -- application, which the operator describes and no charm runs.
        charm           TEXT,
        charm_name      TEXT NOT NULL,
        -- The unit that leads it, if any.
        leader          TEXT,
        status          TEXT NOT NULL DEFAULT 'unknown',
        status_message  TEXT NOT NULL DEFAULT '',
        status_since    INTEGER,
        created         INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- Config values the operator set (defaults stay with the charm).
    CREATE TABLE config (
        application  TEXT NOT NULL REFERENCES applications(name) ON DELETE CASCADE,
        key          TEXT NOT NULL,
        -- JSON: a string, a number or a boolean.
        value        TEXT NOT NULL,
        PRIMARY KEY (application, key)
    ) WITHOUT ROWID;

    CREATE TABLE units (
        name                    TEXT PRIMARY KEY,
        application             TEXT NOT NULL REFERENCES applications(name) ON DELETE CASCADE,
        number                  INTEGER NOT NULL,
        status                  TEXT NOT NULL DEFAULT 'unknown',
        status_message          TEXT NOT NULL DEFAULT '',
        status_since            INTEGER,
        workload_version        TEXT NOT NULL DEFAULT '',
        workload_version_since  INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX units_by_application ON units(application, number);

    -- A unit's own key/value state (state-set).
    CREATE TABLE unit_state (
        unit   TEXT NOT NULL REFERENCES units(name) ON DELETE CASCADE,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (unit, key)
    ) WITHOUT ROWID;

    -- A unit's open ports; endpoint '' is every endpoint.
    CREATE TABLE opened_ports (
        unit       TEXT NOT NULL REFERENCES units(name) ON DELETE CASCADE,
        endpoint   TEXT NOT NULL,
        protocol   TEXT NOT NULL,
        from_port  INTEGER NOT NULL,
        to_port    INTEGER NOT NULL,
        PRIMARY KEY (unit, endpoint, protocol, from_port, to_port)
    ) WITHOUT ROWID;

    CREATE TABLE relations (
        id       INTEGER PRIMARY KEY,
        created  INTEGER NOT NULL
    );
    -- Each side of a relation: one row for a peer relation, else two.
    CREATE TABLE relation_endpoints (
        relation     INTEGER NOT NULL REFERENCES relations(id) ON DELETE CASCADE,
        application  TEXT NOT NULL REFERENCES applications(name) ON DELETE CASCADE,
        endpoint     TEXT NOT NULL,
        role         TEXT NOT NULL,
        interface    TEXT NOT NULL,
        PRIMARY KEY (relation, application)
    ) WITHOUT ROWID;
    CREATE INDEX relation_endpoints_by_application ON relation_endpoints(application);
    -- Every databag: `holder` is a unit's name (its unit bag) or an
    -- application's (its application bag).
    CREATE TABLE relation_data (
        relation  INTEGER NOT NULL REFERENCES relations(id) ON DELETE CASCADE,
        holder    TEXT NOT NULL,
        key       TEXT NOT NULL,
        value     TEXT NOT NULL,
        PRIMARY KEY (relation, holder, key)
    ) WITHOUT ROWID;

    CREATE TABLE secrets (
        -- The 20-character ID of its URI.
        id               TEXT PRIMARY KEY,
        -- 'application', 'unit', or 'model' for a user's secret.
        owner_kind       TEXT NOT NULL,
        -- The owning application's or unit's name ('' for the model).
        owner            TEXT NOT NULL,
        -- The owner's label (a user secret's name).
        label            TEXT,
        description      TEXT,
        rotate_policy    TEXT NOT NULL DEFAULT 'never',
        next_rotation    INTEGER,
        -- Never goes down, even when revisions are removed.
        latest_revision  INTEGER NOT NULL,
        created          INTEGER NOT NULL,
        updated          INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX secrets_by_owner_label ON secrets(owner_kind, owner, label)
        WHERE label IS NOT NULL;
    CREATE TABLE secret_revisions (
        secret    TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
        revision  INTEGER NOT NULL,
        -- JSON: a map of keys to values.
        content   TEXT NOT NULL,
        expiry    INTEGER,
        created   INTEGER NOT NULL,
        PRIMARY KEY (secret, revision)
    ) WITHOUT ROWID;
    -- The revision each reader (owners too, as since Juju 3.1.7) tracks,
    -- and the label a consumer gave the secret.
    CREATE TABLE secret_consumers (
        secret    TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
        unit      TEXT NOT NULL,
        revision  INTEGER NOT NULL,
        label     TEXT,
        PRIMARY KEY (secret, unit)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX secret_consumer_labels ON secret_consumers(unit, label)
        WHERE label IS NOT NULL;
    -- Who may read a secret besides its owner: an application or a unit,
    -- in the scope of a relation (NULL: the whole model, as for a user's
    -- secret granted with grant-secret). One grant per subject, as Juju
    -- keeps one permission per subject.
    CREATE TABLE secret_grants (
        secret    TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
        subject   TEXT NOT NULL,
        relation  INTEGER REFERENCES relations(id) ON DELETE CASCADE,
        role      TEXT NOT NULL,
        PRIMARY KEY (secret, subject)
    ) WITHOUT ROWID;

    -- juju-log lines, for every unit, in order.
    CREATE TABLE debug_log (
        seq      INTEGER PRIMARY KEY,
        time     INTEGER NOT NULL,
        unit     TEXT NOT NULL,
        level    TEXT NOT NULL,
        message  TEXT NOT NULL
    );
    "#,
];
