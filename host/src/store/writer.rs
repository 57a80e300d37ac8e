//! Batched task writes: runs on many threads send their updates here; one
//! thread applies everything queued in a single transaction, so concurrency
//! costs few commits while every record is still written before the run
//! that produced it is reported.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use rusqlite::{params, Connection};

use super::records::log_to_json;
use super::{StoreError, TaskStore};
use crate::sync::{get_mut, into_inner, lock};
use crate::task::Task;
use crate::time::to_micros;

enum Write {
    Started { id: i64, at: SystemTime },
    Finished(Box<FinishedRow>),
    Flush(mpsc::SyncSender<()>),
}

/// What a finished task's record is updated with: taken from the task on
/// the thread that ran it, so the task itself need not be copied.
struct FinishedRow {
    id: i64,
    status: &'static str,
    message: Option<String>,
    results: String,
    started: Option<i64>,
    completed: Option<i64>,
    /// The whole log, as the `log` column keeps it.
    log: String,
}

impl FinishedRow {
    fn of(task: &Task) -> Self {
        Self {
            id: task.id.to_sql(),
            status: task.status.as_str(),
            message: task.message.clone(),
            results: serde_json::to_string(&task.results)
                .expect("a map with string keys always serialises"),
            started: task.timing.started.map(to_micros),
            completed: task.timing.completed.map(to_micros),
            log: log_to_json(&task.log),
        }
    }
}

/// Writes task updates: in batches on a thread of its own, or, for a lone
/// task, at once on the calling thread. Share it by reference between the
/// threads running tasks; [`TaskWriter::finish`] waits for every write.
pub struct TaskWriter(Sink);

enum Sink {
    /// A thread with its own connection commits what queues up together.
    Batched {
        thread: WriterThread,
        /// For a writer made by [`TaskStore::into_writer`]: the store,
        /// whose claim on its tasks must outlive every write (dropped after
        /// the thread has stopped). In a Mutex only to keep the writer
        /// `Sync`: it is never locked.
        _kept: Option<Mutex<TaskStore>>,
    },
    /// Each write committed at once through the store's own connection: a
    /// single task gains nothing from batching, and a second connection
    /// and a thread cost a one-task run about half a millisecond.
    Inline(Mutex<InlineStore>),
}

/// A batching thread with its own connection, and the way to reach it.
struct WriterThread {
    sender: Option<mpsc::Sender<Write>>,
    /// Answers once, when everything sent is committed or a write failed.
    /// In a Mutex only to keep the writer `Sync`: it is never locked.
    committed: Option<Mutex<mpsc::Receiver<Result<(), StoreError>>>>,
    handle: Option<JoinHandle<()>>,
}

/// The checkpoint a batching writer makes after a large operation, which
/// goes on after [`TaskWriter::finish`] has returned: every record is
/// committed by then, and copying the WAL into the database (with its
/// fsyncs, a few milliseconds after 1000 tasks) need not delay reporting
/// the results. Dropping it waits for the checkpoint to end, so a process
/// that keeps it until its output is written never cuts one short.
#[derive(Debug)]
pub struct Checkpoint(Option<JoinHandle<()>>);

impl Checkpoint {
    /// Waits for the checkpoint to end (as dropping it does).
    pub fn wait(self) {}
}

impl Drop for Checkpoint {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            // The thread reports its own failures; a panic has nothing left
            // to lose: every record was committed before it checkpoints.
            let _ = handle.join();
        }
    }
}

/// The store an inline writer writes through, and its first error.
struct InlineStore {
    store: TaskStore,
    error: Option<StoreError>,
}

impl TaskWriter {
    /// Starts a batching thread on `conn`, the store at `path`, keeping
    /// `store` (if any) until the thread has stopped.
    pub(super) fn batched(
        conn: Connection,
        path: PathBuf,
        store: Option<TaskStore>,
    ) -> Result<Self, StoreError> {
        let (sender, receiver) = mpsc::channel();
        let (committed_sender, committed) = mpsc::sync_channel(1);
        let handle = std::thread::Builder::new()
            .name("charmbox-store".into())
            .spawn(move || write_loop(conn, path, receiver, committed_sender))
            .map_err(|source| StoreError::Io {
                path: PathBuf::from("(task store writer thread)"),
                source,
            })?;
        Ok(Self(Sink::Batched {
            thread: WriterThread {
                sender: Some(sender),
                committed: Some(Mutex::new(committed)),
                handle: Some(handle),
            },
            _kept: store.map(Mutex::new),
        }))
    }

    /// A writer that commits each write at once through `store`'s own
    /// connection, keeping the store (and its claim on its tasks) until
    /// [`finish`](Self::finish).
    pub(super) fn inline(store: TaskStore) -> Self {
        Self(Sink::Inline(Mutex::new(InlineStore { store, error: None })))
    }

    /// Records that `task` started running.
    pub fn started(&self, task: &Task, at: SystemTime) {
        self.send(Write::Started {
            id: task.id.to_sql(),
            at,
        });
    }

    /// Records `task`'s final status, message, results, log and timing.
    pub fn finished(&self, task: &Task) {
        self.send(Write::Finished(Box::new(FinishedRow::of(task))));
    }

    /// Waits until every write sent so far is committed.
    pub fn flush(&self) {
        if let Sink::Batched { thread, .. } = &self.0 {
            let (done, wait) = mpsc::sync_channel(1);
            self.send(Write::Flush(done));
            thread.wake();
            let _ = wait.recv();
        }
    }

    /// Commits what is queued and reports the first error any write had;
    /// returns the checkpoint the writer may go on to make (see
    /// [`Checkpoint`]), which the caller keeps until its output is out.
    pub fn finish(mut self) -> Result<Checkpoint, StoreError> {
        match &mut self.0 {
            Sink::Batched { thread, .. } => {
                thread.commit_all()?;
                Ok(Checkpoint(thread.handle.take()))
            }
            Sink::Inline(inline) => match get_mut(inline).error.take() {
                Some(e) => Err(e),
                None => Ok(Checkpoint(None)),
            },
        }
    }

    fn send(&self, write: Write) {
        match &self.0 {
            Sink::Batched { thread, .. } => {
                // A send fails only when the thread has stopped on an error,
                // which `finish` reports.
                if let Some(sender) = &thread.sender {
                    let _ = sender.send(write);
                }
            }
            Sink::Inline(inline) => {
                let mut inline = lock(inline);
                // After an error, later writes are dropped, as the thread
                // drops them; `finish` reports the first.
                if inline.error.is_none() {
                    let store = &mut inline.store;
                    let state_dir = store.state_dir.clone();
                    let path = store.path.clone();
                    let applied = super::reserve::with_room(&state_dir, || {
                        apply(&mut store.conn, std::slice::from_ref(&write)).map_err(|source| {
                            StoreError::Sqlite {
                                path: path.clone(),
                                source,
                            }
                        })
                    });
                    if let Err(e) = applied {
                        inline.error = Some(e);
                    }
                }
            }
        }
    }
}

impl Drop for TaskWriter {
    fn drop(&mut self) {
        // Every write is committed before the kept store (dropped after
        // this) goes; an unfinished writer also waits for its checkpoint.
        if let Sink::Batched { thread, .. } = &mut self.0 {
            let _ = thread.commit_all();
            drop(Checkpoint(thread.handle.take()));
        }
    }
}

impl WriterThread {
    /// Closes the queue, waits for the thread to commit what is in it and
    /// returns the outcome (once; later calls return `Ok`).
    fn commit_all(&mut self) -> Result<(), StoreError> {
        self.sender.take();
        self.wake();
        match self
            .committed
            .take()
            .map(|committed| into_inner(committed).recv())
        {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(StoreError::Io {
                path: PathBuf::from("(task store writer thread)"),
                source: std::io::Error::other("the writer thread panicked"),
            }),
            None => Ok(()),
        }
    }

    /// Ends the thread's linger (see [`gather`]) so it takes what is queued
    /// at once.
    fn wake(&self) {
        if let Some(handle) = &self.handle {
            handle.thread().unpark();
        }
    }
}

/// The writer thread: commits batches until the queue closes, tells
/// `committed` how that went, then checkpoints after a large operation.
fn write_loop(
    mut conn: Connection,
    path: PathBuf,
    receiver: mpsc::Receiver<Write>,
    committed: mpsc::SyncSender<Result<(), StoreError>>,
) {
    let tasks_written = match commit_batches(&mut conn, &path, &receiver) {
        Ok(tasks_written) => {
            let _ = committed.send(Ok(()));
            tasks_written
        }
        Err(e) => {
            let _ = committed.send(Err(e));
            return;
        }
    };
    if tasks_written > CHECKPOINT_AFTER_TASKS {
        // PASSIVE: never waits for readers; what it cannot copy now the
        // next checkpoint will. (TRUNCATE would also spare the next process
        // reading the checkpointed WAL back, ~3.8 ms after 1000 units, but
        // truncating and regrowing the file cost a 1000-unit run ~8 ms.)
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            // Nothing is lost: the records are in the WAL, which the next
            // checkpoint copies.
            tracing::warn!("task store {}: checkpoint failed: {e}", path.display());
        }
    }
}

/// Applies batches until the queue closes; returns how many tasks finished.
fn commit_batches(
    conn: &mut Connection,
    path: &Path,
    receiver: &mpsc::Receiver<Write>,
) -> Result<usize, StoreError> {
    let err = |source| StoreError::Sqlite {
        path: path.to_owned(),
        source,
    };
    // Many tasks write many pages: checkpointing every 64 of them (see
    // `open_connection`) would fsync a hundred times in a 1000-unit run.
    // Checkpoint at SQLite's default while busy, and once at the end.
    conn.pragma_update(None, "wal_autocheckpoint", BULK_AUTOCHECKPOINT_PAGES)
        .map_err(err)?;
    let mut tasks_written = 0;
    let mut busy = false;
    while let Ok(first) = receiver.recv() {
        let batch = gather(first, receiver, busy);
        busy = batch.len() >= BUSY_BATCH;
        tasks_written += batch
            .iter()
            .filter(|w| matches!(w, Write::Finished(_)))
            .count();
        let state_dir = path.parent().unwrap_or(path);
        super::reserve::with_room(state_dir, || apply(conn, &batch).map_err(err))?;
    }
    Ok(tasks_written)
}

/// Commits `batch` in one transaction, then answers its flushes.
fn apply(conn: &mut Connection, batch: &[Write]) -> Result<(), rusqlite::Error> {
    // A task that started and finished within one batch needs only its
    // final row: the finished update sets the start time too.
    let skip_started: HashSet<i64> = batch
        .iter()
        .filter_map(|write| match write {
            Write::Finished(row) => Some(row.id),
            _ => None,
        })
        .collect();
    let mut flushes = Vec::new();
    let tx = conn.transaction()?;
    {
        let mut started = tx.prepare_cached(
            "UPDATE tasks SET status = 'running', started = ?2 \
             WHERE id = ?1 AND status = 'pending'",
        )?;
        let mut finished = tx.prepare_cached(
            "UPDATE tasks SET status = ?2, message = ?3, results = ?4, started = ?5, \
             completed = ?6, log = ?7 WHERE id = ?1",
        )?;
        for write in batch {
            match write {
                Write::Started { id, .. } if skip_started.contains(id) => {}
                Write::Started { id, at } => {
                    started.execute(params![id, to_micros(*at)])?;
                }
                Write::Finished(row) => {
                    finished.execute(params![
                        row.id,
                        row.status,
                        row.message,
                        row.results,
                        row.started,
                        row.completed,
                        row.log,
                    ])?;
                }
                Write::Flush(done) => flushes.push(done),
            }
        }
    }
    tx.commit()?;
    for done in flushes {
        let _ = done.send(());
    }
    Ok(())
}

/// The writes to commit together: `first`, then whatever arrives within
/// [`BATCH_LINGER`] (up to [`BATCH_MAX`]). Many units finishing at once
/// then cost a few commits, not one each; a flush, or the last sender
/// going, ends the wait at once, so a lone run is never held up.
///
/// While `busy` (the last batch was large: many units are running), the
/// writer sleeps through the linger and then takes what queued up, rather
/// than waiting on the channel: a waiting receiver is woken by every send,
/// two system calls and a context switch per write on the running units'
/// cores. A flush or the end of the writes cuts the sleep short
/// ([`WriterThread::wake`]): the last writes of an operation wait for
/// nothing.
fn gather(first: Write, receiver: &mpsc::Receiver<Write>, busy: bool) -> Vec<Write> {
    let deadline = Instant::now() + BATCH_LINGER;
    let mut batch = vec![first];
    let ends_batch = |batch: &Vec<Write>| {
        batch.len() >= BATCH_MAX || matches!(batch.last(), Some(Write::Flush(_)))
    };
    if busy && !ends_batch(&batch) {
        // A stray wake-up only makes this batch smaller.
        std::thread::park_timeout(BATCH_LINGER);
        while !ends_batch(&batch) {
            match receiver.try_recv() {
                Ok(write) => batch.push(write),
                Err(_) => break,
            }
        }
        return batch;
    }
    while !ends_batch(&batch) {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        match receiver.recv_timeout(deadline - now) {
            Ok(write) => batch.push(write),
            Err(_) => break,
        }
    }
    batch
}

/// How long the writer waits for more writes to commit with the first.
const BATCH_LINGER: Duration = Duration::from_millis(2);
/// Most writes committed together.
const BATCH_MAX: usize = 512;
/// A batch this large means many units are running: gather the next one by
/// sleeping (see [`gather`]).
const BUSY_BATCH: usize = 16;

/// The writer's auto-checkpoint, in WAL pages (SQLite's default).
const BULK_AUTOCHECKPOINT_PAGES: i64 = 1000;
/// A writer that recorded more tasks than this checkpoints when it stops,
/// leaving a short WAL for the next process to read back.
const CHECKPOINT_AFTER_TASKS: usize = 4;
