use std::time::SystemTime;

use serde_json::json;

use super::*;
use crate::action::LogEntry;
use crate::sandbox::SandboxLimits;
use crate::task::{Task, TaskStatus};
use crate::time::from_micros;
use rusqlite::Connection;

fn new_op(units: &[&str]) -> NewOperation {
    NewOperation {
        action: "greet".into(),
        charm: PathBuf::from("/charms/hello"),
        params: json!({"name": "Ada"}),
        units: units.iter().map(|u| u.parse().unwrap()).collect(),
        limits: SandboxLimits::default(),
    }
}

fn tid(n: u64) -> TaskId {
    TaskId::new(n).unwrap()
}

fn finish(task: &mut Task, status: TaskStatus) {
    task.status = status;
    task.timing.started = Some(SystemTime::now());
    task.timing.completed = Some(SystemTime::now());
    task.results.insert("done".into(), json!("yes"));
    task.log.push(LogEntry {
        timestamp: SystemTime::now(),
        message: "one".into(),
    });
    task.log.push(LogEntry {
        timestamp: SystemTime::now(),
        message: "two".into(),
    });
}

#[test]
fn operations_and_tasks_share_one_id_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TaskStore::open(dir.path()).unwrap();
    let (op, tasks) = store.enqueue(&new_op(&["a/0", "a/1"])).unwrap();
    assert_eq!(op.get(), 1);
    let ids: Vec<String> = tasks.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(ids, ["2", "3"]);
    let (op, tasks) = store.enqueue(&new_op(&["a/0"])).unwrap();
    assert_eq!((op.get(), tasks[0].id.get()), (4, 5));
    assert_eq!(store.task(tid(2)).unwrap().status, TaskStatus::Pending);
}

#[test]
fn the_writer_records_results_logs_and_timing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TaskStore::open(dir.path()).unwrap();
    let (_, mut tasks) = store.enqueue(&new_op(&["a/0"])).unwrap();
    let writer = store.writer().unwrap();
    writer.started(&tasks[0], SystemTime::now());
    writer.flush();
    assert_eq!(store.task(tid(2)).unwrap().status, TaskStatus::Running);
    finish(&mut tasks[0], TaskStatus::Completed);
    writer.finished(&tasks[0]);
    writer.finish().unwrap();
    let task = store.task(tid(2)).unwrap();
    assert_eq!(task.status, TaskStatus::Completed);
    assert_eq!(task.results["done"], "yes");
    let messages: Vec<_> = task.log.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["one", "two"]);
    assert!(task.timing.completed.is_some());
    assert_eq!(task.operation.get(), 1);
}

#[test]
fn a_lone_task_is_written_at_once_and_its_store_kept_until_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TaskStore::open(dir.path()).unwrap();
    let (_, mut tasks) = store.enqueue(&new_op(&["a/0"])).unwrap();
    let writer = store.into_writer(tasks.len()).unwrap();
    // Another process sees each write as soon as it is made, with no flush.
    let other = TaskStore::open(dir.path()).unwrap();
    writer.started(&tasks[0], SystemTime::now());
    assert_eq!(other.task(tid(2)).unwrap().status, TaskStatus::Running);
    finish(&mut tasks[0], TaskStatus::Completed);
    writer.finished(&tasks[0]);
    let task = other.task(tid(2)).unwrap();
    assert_eq!(task.status, TaskStatus::Completed);
    assert_eq!(task.log.len(), 2);
    // The writer still holds the store's claim on the task: not an orphan.
    assert_eq!(other.abort_orphans().unwrap(), 0);
    writer.finish().unwrap();
}

#[test]
fn many_tasks_keep_their_store_while_the_writer_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TaskStore::open(dir.path()).unwrap();
    let (_, tasks) = store.enqueue(&new_op(&["a/0", "a/1"])).unwrap();
    let writer = store.into_writer(tasks.len()).unwrap();
    let other = TaskStore::open(dir.path()).unwrap();
    // The enqueuing store was moved into the writer, not dropped: its
    // pending tasks are not taken for a dead process's.
    assert_eq!(other.abort_orphans().unwrap(), 0);
    writer.started(&tasks[0], SystemTime::now());
    writer.flush();
    assert_eq!(other.task(tasks[0].id).unwrap().status, TaskStatus::Running);
    writer.finish().unwrap();
}

#[test]
fn finish_returns_with_every_record_committed_and_the_checkpoint_follows() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TaskStore::open(dir.path()).unwrap();
    let units: Vec<String> = (0..40).map(|n| format!("a/{n}")).collect();
    let units: Vec<&str> = units.iter().map(String::as_str).collect();
    let (_, tasks) = store.enqueue(&new_op(&units)).unwrap();
    let db = dir.path().join("tasks.db");
    let before = std::fs::metadata(&db).unwrap().len();
    let writer = store.writer().unwrap();
    for mut task in tasks {
        finish(&mut task, TaskStatus::Completed);
        writer.finished(&task);
    }
    let checkpoint = writer.finish().unwrap();
    // Another process reads every record while the checkpoint may run.
    let other = TaskStore::open(dir.path()).unwrap();
    let done = other
        .operations(&OperationFilter::default())
        .map(|page| page.operations)
        .unwrap()
        .into_iter()
        .flat_map(|op| op.tasks)
        .filter(|t| t.status == TaskStatus::Completed && t.log.len() == 2)
        .count();
    assert_eq!(done, 40);
    checkpoint.wait();
    // The checkpoint copied the WAL, where the operation went, into the
    // database file.
    let after = std::fs::metadata(&db).unwrap().len();
    assert!(after > before, "database file {before} -> {after} bytes");
}

#[test]
fn unknown_task_ids_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = TaskStore::open(dir.path()).unwrap();
    let err = store.task(tid(42)).unwrap_err().to_string();
    assert!(err.contains("task 42 not found"), "{err}");
}

#[test]
fn an_operation_id_asked_for_as_a_task_says_which_command_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TaskStore::open(dir.path()).unwrap();
    let (op, tasks) = store.enqueue(&new_op(&["a/0"])).unwrap();
    let as_task = TaskId::new(op.get()).unwrap();
    let err = store.task(as_task).unwrap_err();
    assert!(
        matches!(err, StoreError::OperationNotTask(o) if o == op),
        "{err}"
    );
    assert!(
        err.to_string().contains("`charmbox show-operation 1`"),
        "{err}"
    );
    assert!(matches!(
        store.request_cancel(as_task),
        Err(StoreError::OperationNotTask(_))
    ));
    let as_operation = OperationId::new(tasks[0].id.get()).unwrap();
    let err = store.existing_operation(as_operation).unwrap_err();
    assert!(
        matches!(err, StoreError::TaskNotOperation(t) if t == tasks[0].id),
        "{err}"
    );
    assert!(err.to_string().contains("`charmbox show-task 2`"), "{err}");
    assert!(matches!(
        store.existing_operation(OperationId::new(9).unwrap()),
        Err(StoreError::UnknownOperation(_))
    ));
    assert_eq!(store.existing_operation(op).unwrap().id, op);
}

#[test]
fn a_record_that_cannot_be_read_back_is_an_error_never_a_default() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TaskStore::open(dir.path()).unwrap();
    let (_, tasks) = store.enqueue(&new_op(&["a/0"])).unwrap();
    // Results nested past what JSON readers take (129 levels and more).
    let deep = format!("{}\"x\"{}", "{\"a\":".repeat(200), "}".repeat(200));
    // The first microsecond of the year 10000, which formatting panicked on.
    let past_9999 = "253402300800000000";
    let log_past_9999 = format!("[[{past_9999}, \"late\"]]");
    for (column, value, field) in [
        ("results", "{not json", "results"),
        ("results", deep.as_str(), "results"),
        ("status", "sleeping", "status"),
        ("log", "[[1]]", "log"),
        ("log", log_past_9999.as_str(), "log"),
        ("unit", "Not A Unit", "unit"),
        ("enqueued", past_9999, "enqueued time"),
        ("started", past_9999, "start time"),
        ("completed", "-5", "completion time"),
    ] {
        let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        let good: rusqlite::types::Value = conn
            .query_row(
                &format!("SELECT {column} FROM tasks WHERE id = 2"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        conn.execute(
            &format!("UPDATE tasks SET {column} = ?1 WHERE id = 2"),
            [value],
        )
        .unwrap();
        let err = store.task(tasks[0].id).unwrap_err();
        assert!(
            matches!(&err, StoreError::BadRecord { field: f, .. } if *f == field),
            "{column}: {err}"
        );
        assert!(err.to_string().contains("task 2"), "{err}");
        conn.execute(
            &format!("UPDATE tasks SET {column} = ?1 WHERE id = 2"),
            [&good],
        )
        .unwrap();
    }
    assert_eq!(store.task(tasks[0].id).unwrap().status, TaskStatus::Pending);
}

#[test]
fn a_task_enqueued_started_is_running_at_once_and_aborted_if_its_owner_dies() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let mut store = TaskStore::open(dir.path()).unwrap();
        let (_, tasks) = store.enqueue_started(&new_op(&["a/0"])).unwrap();
        let task = &tasks[0];
        assert_eq!(task.status, TaskStatus::Running);
        assert!(task.timing.started.is_some());
        assert_eq!(task.timing.started, task.timing.enqueued);
        // Another process sees it running, since its enqueue time.
        let other = TaskStore::open(dir.path()).unwrap();
        let seen = other.task(task.id).unwrap();
        assert_eq!(seen.status, TaskStatus::Running);
        assert_eq!(
            seen.timing.started.map(crate::time::to_micros),
            task.timing.started.map(crate::time::to_micros)
        );
        task.id
    };
    // Its process is gone before it finished.
    let store = TaskStore::open(dir.path()).unwrap();
    assert_eq!(store.task(id).unwrap().status, TaskStatus::Aborted);
}

#[test]
fn tasks_of_a_dead_owner_are_aborted_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let dead_task = {
        let mut dead = TaskStore::open(dir.path()).unwrap();
        let (_, tasks) = dead.enqueue(&new_op(&["a/0"])).unwrap();
        tasks[0].id
    };
    // The first store is dropped: its owner lock is gone, as if it died.
    let mut live = TaskStore::open(dir.path()).unwrap();
    let aborted = live.task(dead_task).unwrap();
    assert_eq!(aborted.status, TaskStatus::Aborted);
    assert!(aborted
        .message
        .unwrap()
        .contains("stopped before it finished"));
    // Tasks of a process that is alive are left alone.
    let (_, tasks) = live.enqueue(&new_op(&["a/1"])).unwrap();
    let other = TaskStore::open(dir.path()).unwrap();
    assert_eq!(other.task(tasks[0].id).unwrap().status, TaskStatus::Pending);
}

#[test]
fn operations_are_filtered_and_paged_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TaskStore::open(dir.path()).unwrap();
    store.enqueue(&new_op(&["a/0"])).unwrap();
    let mut other = new_op(&["b/0", "b/1"]);
    other.action = "backup".into();
    let (_, mut tasks) = store.enqueue(&other).unwrap();
    let writer = store.writer().unwrap();
    finish(&mut tasks[0], TaskStatus::Completed);
    finish(&mut tasks[1], TaskStatus::Failed);
    writer.finished(&tasks[0]);
    writer.finished(&tasks[1]);
    writer.finish().unwrap();
    store.enqueue(&new_op(&["a/1"])).unwrap();

    let list = |filter: OperationFilter| -> (Vec<u64>, bool) {
        let page = store.operations(&filter).unwrap();
        let ids = page.operations.iter().map(|o| o.id.get()).collect();
        (ids, page.truncated)
    };
    assert_eq!(list(OperationFilter::default()), (vec![1, 3, 6], false));
    let actions = |names: &[&str]| OperationFilter {
        actions: names.iter().map(|n| n.to_string()).collect(),
        ..Default::default()
    };
    assert_eq!(list(actions(&["backup"])).0, [3]);
    assert_eq!(list(actions(&["backup", "greet"])).0, [1, 3, 6]);
    let units = OperationFilter {
        units: vec!["a/0".parse().unwrap(), "b/1".parse().unwrap()],
        ..Default::default()
    };
    assert_eq!(list(units.clone()).0, [1, 3]);
    // An operation shows its matching tasks only, as in Juju.
    let page = store.operations(&units).unwrap();
    let shown: Vec<String> = page.operations[1]
        .tasks
        .iter()
        .map(|t| t.unit.to_string())
        .collect();
    assert_eq!(shown, ["b/1"]);
    let apps = OperationFilter {
        applications: vec!["a".into()],
        actions: vec!["greet".into()],
        ..Default::default()
    };
    assert_eq!(list(apps).0, [1, 6]);
    // The operation's status, not a task's: 3 has a failed task.
    let failed = OperationFilter {
        statuses: vec![TaskStatus::Failed],
        ..Default::default()
    };
    assert_eq!(list(failed).0, [3]);
    let pending = OperationFilter {
        statuses: vec![TaskStatus::Pending, TaskStatus::Running],
        ..Default::default()
    };
    assert_eq!(list(pending).0, [1, 6]);
    // Pages: the first two, truncated; then the rest.
    let page = |offset, limit| OperationFilter {
        offset,
        limit: Some(limit),
        ..Default::default()
    };
    assert_eq!(list(page(0, 2)), (vec![1, 3], true));
    assert_eq!(list(page(2, 2)), (vec![6], false));
    assert_eq!(list(page(5, 2)), (vec![], false));
    // An application name stands for the charm it last ran.
    assert_eq!(
        store.charm_of_application("b").unwrap(),
        Some(PathBuf::from("/charms/hello"))
    );
    assert_eq!(store.charm_of_application("c").unwrap(), None);
}

#[test]
fn reopening_does_not_migrate_again_and_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(TaskStore::open(dir.path()).unwrap());
    drop(TaskStore::open(dir.path()).unwrap());
    let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    let err = TaskStore::open(dir.path()).err().unwrap().to_string();
    assert!(err.contains("schema version 99"), "{err}");
}

#[test]
fn a_version_1_store_is_migrated_with_its_records_and_orphans_still_found() {
    let dir = tempfile::tempdir().unwrap();
    // A store as the first schema left it, holding one finished task with
    // its log (a row per line) and one pending task of a process that has
    // gone.
    {
        let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO operations VALUES (1, 'greet', '/charms/hello', '{}', 0);
             INSERT INTO tasks (id, operation, unit, action, params, status, results, enqueued, owner)
               VALUES (2, 1, 'a/0', 'greet', '{}', 'completed', '{\"done\":\"yes\"}', 0, 'gone');
             INSERT INTO tasks (id, operation, unit, action, params, status, enqueued, owner)
               VALUES (3, 1, 'a/1', 'greet', '{}', 'pending', 0, 'gone');
             INSERT INTO task_logs VALUES (2, 1, 2000000, 'second, \"quoted\"');
             INSERT INTO task_logs VALUES (2, 0, 1000000, 'first');
             UPDATE sequence SET next = 4;",
        )
        .unwrap();
    }
    let store = TaskStore::open(dir.path()).unwrap();
    let version: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema::current_version());
    let done = store.task(tid(2)).unwrap();
    assert_eq!(done.status, TaskStatus::Completed);
    assert_eq!(done.results.get("done"), Some(&json!("yes")));
    let log: Vec<_> = done
        .log
        .iter()
        .map(|e| (e.timestamp, e.message.as_str()))
        .collect();
    assert_eq!(
        log,
        [
            (from_micros(1_000_000).unwrap(), "first"),
            (from_micros(2_000_000).unwrap(), "second, \"quoted\"")
        ]
    );
    assert_eq!(store.task(tid(3)).unwrap().status, TaskStatus::Aborted);
    assert!(store.task(tid(3)).unwrap().log.is_empty());
    // The orphan query is served by the new partial index.
    let plan: String = store
        .conn
        .query_row(
            &format!(
                "EXPLAIN QUERY PLAN SELECT DISTINCT owner FROM tasks WHERE status IN {}",
                schema::UNFINISHED
            ),
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("tasks_unfinished"), "{plan}");
}

fn entry(message: &str) -> LogEntry {
    LogEntry {
        timestamp: SystemTime::now(),
        message: message.into(),
    }
}

/// The log another connection sees for task `id`.
fn stored_log(dir: &Path, id: TaskId) -> Vec<String> {
    let store = TaskStore::open(dir).unwrap();
    store
        .task(id)
        .unwrap()
        .log
        .into_iter()
        .map(|e| e.message)
        .collect()
}

#[test]
fn a_running_tasks_log_lines_are_stored_as_they_come() {
    for tasks in [1, 2] {
        let dir = tempfile::tempdir().unwrap();
        let mut store = TaskStore::open(dir.path()).unwrap();
        let units: Vec<String> = (0..tasks).map(|n| format!("a/{n}")).collect();
        let units: Vec<&str> = units.iter().map(String::as_str).collect();
        let (_, mut all) = store.enqueue(&new_op(&units)).unwrap();
        let writer = store.into_writer(tasks).unwrap();
        let task = &mut all[0];
        writer.started(task, SystemTime::now());
        let sink = writer.log_sink();
        sink.log(task.id, &entry("one"));
        sink.log(task.id, &entry("two"));
        // Within the flush interval (and the batch linger), both are in.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while stored_log(dir.path(), task.id).len() < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(LOG_FLUSH_INTERVAL / 2);
        }
        assert_eq!(
            stored_log(dir.path(), task.id),
            ["one", "two"],
            "{tasks} tasks"
        );
        // The finished row holds the whole log, as the run kept it.
        drop(sink);
        finish(task, TaskStatus::Completed);
        writer.finished(task);
        writer.finish().unwrap();
        assert_eq!(stored_log(dir.path(), task.id), ["one", "two"]);
    }
}

#[test]
fn a_late_log_line_never_touches_a_finished_task() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TaskStore::open(dir.path()).unwrap();
    let (_, mut tasks) = store.enqueue(&new_op(&["a/0", "a/1"])).unwrap();
    let writer = store.into_writer(2).unwrap();
    finish(&mut tasks[0], TaskStatus::Completed);
    writer.finished(&tasks[0]);
    writer.flush();
    writer.log_sink().log(tasks[0].id, &entry("late"));
    writer.finish().unwrap();
    assert_eq!(stored_log(dir.path(), tasks[0].id), ["one", "two"]);
}

#[test]
fn a_cancel_request_reaches_the_tasks_owner_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut owner = TaskStore::open(dir.path()).unwrap();
    let (_, tasks) = owner.enqueue(&new_op(&["a/0", "a/1"])).unwrap();
    let mut requests = owner.cancel_requests();
    assert!(requests.unhandled().unwrap().is_empty());

    // Another process asks.
    let canceller = TaskStore::open(dir.path()).unwrap();
    assert_eq!(
        canceller.request_cancel(tasks[0].id).unwrap(),
        CancelRequest::Requested
    );
    assert_eq!(
        canceller.request_cancel(tasks[1].id).unwrap(),
        CancelRequest::Requested
    );
    let asked = requests.unhandled().unwrap();
    assert_eq!(asked, [tasks[0].id, tasks[1].id]);
    assert!(requests.unhandled().unwrap().is_empty(), "each once");

    // The owner acts: one had not started, one was running.
    requests.mark_cancelled(tasks[0].id).unwrap();
    requests.mark_aborting(tasks[1].id).unwrap();
    let pending = canceller.task(tasks[0].id).unwrap();
    assert_eq!(pending.status, TaskStatus::Cancelled);
    assert_eq!(
        pending.message.as_deref(),
        Some("action cancelled via the API")
    );
    assert!(pending.timing.completed.is_some());
    assert_eq!(
        canceller.task(tasks[1].id).unwrap().status,
        TaskStatus::Aborting
    );
    // A finished task cannot be cancelled; it says how it finished.
    assert_eq!(
        canceller.request_cancel(tasks[0].id).unwrap(),
        CancelRequest::AlreadyFinished(TaskStatus::Cancelled)
    );
    assert!(matches!(
        canceller.request_cancel(tid(999)),
        Err(StoreError::UnknownTask(_))
    ));
}

#[test]
fn an_aborting_task_of_a_dead_process_is_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let mut owner = TaskStore::open(dir.path()).unwrap();
        let (_, tasks) = owner.enqueue(&new_op(&["a/0"])).unwrap();
        owner.request_cancel(tasks[0].id).unwrap();
        owner.cancel_requests().mark_aborting(tasks[0].id).unwrap();
        tasks[0].id
    };
    let store = TaskStore::open(dir.path()).unwrap();
    assert_eq!(store.task(id).unwrap().status, TaskStatus::Aborted);
}

#[cfg(unix)]
#[test]
fn the_store_is_private_to_its_user_and_an_older_one_is_narrowed() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut store = TaskStore::open(&state).unwrap();
    store.enqueue(&new_op(&["a/0"])).unwrap();
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&state.join("owners")), 0o700);
    for file in [DATABASE_FILE, "tasks.db-wal", "tasks.db-shm"] {
        assert_eq!(mode(&state.join(file)), 0o600, "{file}");
    }
    drop(store);
    // As an earlier charmbox left it.
    for file in [DATABASE_FILE, "tasks.db-wal", "tasks.db-shm"] {
        std::fs::set_permissions(state.join(file), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let _store = TaskStore::open(&state).unwrap();
    for file in [DATABASE_FILE, "tasks.db-wal", "tasks.db-shm"] {
        assert_eq!(mode(&state.join(file)), 0o600, "{file}");
    }
}
