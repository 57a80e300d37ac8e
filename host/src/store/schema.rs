//! The task store's schema, as numbered migrations. `PRAGMA user_version`
//! records how many have been applied; a store is brought up to date when
//! opened, in one transaction.

/// Each entry migrates from version `index` to `index + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: operations, tasks, task logs, and the id sequence they share (Juju
    // numbers operations and tasks from one sequence).
    r#"
    CREATE TABLE sequence (next INTEGER NOT NULL);
    INSERT INTO sequence (next) VALUES (1);
    CREATE TABLE operations (
        id        INTEGER PRIMARY KEY,
        action    TEXT NOT NULL,
        charm     TEXT NOT NULL,
        params    TEXT NOT NULL,
        enqueued  INTEGER NOT NULL
    );
    CREATE TABLE tasks (
        id         INTEGER PRIMARY KEY,
        operation  INTEGER NOT NULL REFERENCES operations(id),
        unit       TEXT NOT NULL,
        action     TEXT NOT NULL,
        params     TEXT NOT NULL,
        status     TEXT NOT NULL,
        message    TEXT,
        results    TEXT NOT NULL DEFAULT '{}',
        enqueued   INTEGER NOT NULL,
        started    INTEGER,
        completed  INTEGER,
        owner      TEXT NOT NULL
    );
    CREATE INDEX tasks_by_operation ON tasks(operation);
    CREATE INDEX tasks_by_status ON tasks(status);
    CREATE TABLE task_logs (
        task       INTEGER NOT NULL REFERENCES tasks(id),
        seq        INTEGER NOT NULL,
        timestamp  INTEGER NOT NULL,
        message    TEXT NOT NULL,
        PRIMARY KEY (task, seq)
    );
    "#,
    // 2: the status index only where it is needed. Every task passes
    // through three statuses, and a full index on status was updated on
    // each change; what needs an index is finding unfinished tasks (crash
    // recovery, at every start), so index only those, by owner.
    r#"
    DROP INDEX tasks_by_status;
    CREATE INDEX tasks_unfinished ON tasks(owner) WHERE status IN ('pending', 'running');
    "#,
    // 3: a task's log in its own row, as a JSON array of
    // `[timestamp, message]` pairs in order, as Juju keeps an action's
    // messages in its record. A log is written once, when its task ends,
    // and always read whole with it: a row per line cost two more B-tree
    // inserts (the table and its primary key) and a foreign-key check per
    // line.
    r#"
    ALTER TABLE tasks ADD COLUMN log TEXT NOT NULL DEFAULT '[]';
    UPDATE tasks SET log = (
        SELECT json_group_array(json_array(l.timestamp, l.message) ORDER BY l.seq)
        FROM task_logs l WHERE l.task = tasks.id
    ) WHERE id IN (SELECT task FROM task_logs);
    DROP TABLE task_logs;
    "#,
    // 4: each operation's sandbox limits, so a worker that runs it in
    // another process (`run --background`) holds its tasks to the limits
    // it was queued with. Operations recorded before kept charmbox's
    // defaults of the time: 5 minutes and 256 MiB.
    r#"
    ALTER TABLE operations ADD COLUMN timeout_ms INTEGER DEFAULT 300000;
    ALTER TABLE operations ADD COLUMN memory_bytes INTEGER NOT NULL DEFAULT 268435456;
    "#,
    // 5: each operation's data directory budget (bytes and inodes) for the
    // same reason. Operations recorded before had none; they get today's
    // defaults, 1 GiB and 100,000 inodes.
    r#"
    ALTER TABLE operations ADD COLUMN disk_bytes INTEGER NOT NULL DEFAULT 1073741824;
    ALTER TABLE operations ADD COLUMN disk_inodes INTEGER NOT NULL DEFAULT 100000;
    "#,
];

/// The schema version this build writes.
pub(super) fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}
