//! The task store's record decoding: any row, never a panic, and a task it
//! decodes prints (YAML and JSON, as `show-task` prints it) without one.
#![no_main]

use charmbox::store::{decode_stored, StoredTask};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Row {
    id: i64,
    operation: i64,
    unit: String,
    action: String,
    params: String,
    status: String,
    message: Option<String>,
    results: String,
    enqueued: i64,
    started: Option<i64>,
    completed: Option<i64>,
    log: String,
}

fuzz_target!(|row: Row| {
    let task = decode_stored(StoredTask {
        id: row.id,
        operation: row.operation,
        unit: row.unit,
        action: row.action,
        params: row.params,
        status: row.status,
        message: row.message,
        results: row.results,
        enqueued: row.enqueued,
        started: row.started,
        completed: row.completed,
        log: row.log,
    });
    if let Ok(task) = task {
        let value = task.to_juju_value();
        serde_norway::to_string(&value).unwrap();
        serde_json::to_string_pretty(&task.juju_view()).unwrap();
    }
});
