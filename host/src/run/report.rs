//! What one run produced: how it ended ([`RunEnd`], typed: which limit, at
//! what value), what the guest reported, its captured output, and the
//! results as Juju shows them.
//!
//! Messages here never name a front end's flags: a caller that can say how
//! to raise a limit passes [`LimitHints`] to [`RunReport::message_with`].

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use serde_json::{json, Map, Value};
use wasmtime::Trap;

use crate::action::ActionRecord;
use crate::model::ModelRecord;
use crate::sandbox::CapturedOutput;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// The handler returned normally and nothing failed it.
    Completed,
    /// The handler called `action-fail` (and then returned normally).
    ActionFailed,
    /// The handler returned `err(message)`.
    HandlerError,
    /// The guest hit its deadline.
    TimedOut {
        /// The deadline it was held to.
        limit: Duration,
    },
    /// The guest needed more memory than its cap.
    OutOfMemory {
        /// The size a refused growth asked for, in bytes.
        wanted: usize,
        /// The cap, in bytes.
        limit: usize,
    },
    /// The guest trapped (panic, `unreachable`, stack overflow, …).
    Trapped,
    /// A backend operation (such as a Juju hook tool) failed.
    BackendFailed,
    /// Someone cancelled the run while it ran ([`super::StopHandle`]).
    Cancelled,
}

impl RunEnd {
    /// Whether the run completed.
    pub fn is_completed(&self) -> bool {
        matches!(self, Self::Completed)
    }

    /// A few words on how it ended, for messages (`it timed out`).
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::ActionFailed => "it called action-fail",
            Self::HandlerError => "its handler returned an error",
            Self::TimedOut { .. } => "it timed out",
            Self::OutOfMemory { .. } => "it ran out of memory",
            Self::Trapped => "it trapped",
            Self::BackendFailed => "a hook tool failed",
            Self::Cancelled => "it was cancelled",
        }
    }
}

/// How a front end tells its user to raise a limit, appended to the
/// message of a run that hit it: the CLI names its flags, the testing API
/// its builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitHints {
    /// For a run that timed out (`raise the limit with --timeout`).
    pub timeout: &'static str,
    /// For a run that ran out of memory (`raise it with --memory`).
    pub memory: &'static str,
    /// For a run whose data directory filled its budget (`raise it with
    /// --disk or --inodes`).
    pub disk: &'static str,
}

/// A guard of the sandbox that refused the guest something during the run
/// (the guest saw an error and may have carried on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardHit {
    /// The unit's data directory reached its budget.
    Disk {
        /// The budget.
        limits: crate::sandbox::DiskLimits,
        /// Which part of it.
        exhausted: crate::sandbox::guards::disk::Exhausted,
    },
    /// The run held as many descriptors open as it may.
    Descriptors {
        /// The cap.
        max: usize,
    },
}

impl GuardHit {
    /// What happened, for a failed run's message.
    fn describe(&self) -> String {
        use crate::sandbox::guards::disk::Exhausted;
        match self {
            Self::Disk {
                limits,
                exhausted: Exhausted::Bytes,
            } => format!(
                "the unit's data directory reached its budget of {} of files, and writes past it \
                 were refused",
                format_bytes(usize::try_from(limits.bytes).unwrap_or(usize::MAX))
            ),
            Self::Disk {
                limits,
                exhausted: Exhausted::Inodes,
            } => format!(
                "the unit's data directory reached its budget of {} files and directories, and \
                 creating more was refused",
                limits.inodes
            ),
            Self::Descriptors { max } => format!(
                "the action held {max} files and directories open, as many as a sandbox may, \
                 and opening more was refused"
            ),
        }
    }
}

/// What one run produced.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// How it ended.
    pub end: RunEnd,
    /// Why it did not complete, in words that name no front end's flags
    /// (see [`Self::message_with`]).
    pub message: Option<String>,
    /// What it reported through the action API.
    pub record: ActionRecord,
    /// What it did to the model beyond its backend's calls (deferring).
    pub model: ModelRecord,
    /// Captured stdout.
    pub stdout: CapturedOutput,
    /// Captured stderr.
    pub stderr: CapturedOutput,
    /// When the sandbox started.
    pub started: SystemTime,
    /// When the run ended.
    pub completed: SystemTime,
    /// A guard that refused the guest something, if one did.
    pub guard_hit: Option<GuardHit>,
}

impl RunReport {
    /// The exit code a Juju charm process would have had: 0 unless the handler
    /// errored or the guest was stopped.
    pub fn return_code(&self) -> i32 {
        match self.end {
            RunEnd::Completed | RunEnd::ActionFailed => 0,
            _ => 1,
        }
    }

    /// [`Self::message`], with `hints` saying how to raise the limit the run
    /// hit, if it hit one.
    /// A run that failed after a guard refused it something says so (it
    /// most likely failed because of it), with the hint for a disk budget.
    pub fn message_with(&self, hints: &LimitHints) -> Option<String> {
        let message = self.message.clone()?;
        let hint = match self.end {
            RunEnd::TimedOut { .. } => hints.timeout,
            RunEnd::OutOfMemory { .. } => hints.memory,
            RunEnd::HandlerError | RunEnd::Trapped => {
                return Some(match &self.guard_hit {
                    Some(hit @ GuardHit::Disk { .. }) => {
                        format!("{message} (note: {}; {})", hit.describe(), hints.disk)
                    }
                    Some(hit) => format!("{message} (note: {})", hit.describe()),
                    None => message,
                })
            }
            _ => return Some(message),
        };
        Some(format!("{message} ({hint})"))
    }

    /// The results as Juju reports them: what the charm set, plus
    /// `return-code` and the captured `stdout`/`stderr` (base64 with an
    /// `-encoding` key when not UTF-8), each omitted when empty.
    pub fn juju_results(&self) -> Map<String, Value> {
        let mut results = self.record.results.clone();
        self.add_output(&mut results);
        results
    }

    /// [`Self::juju_results`], taking the charm's own results out of the
    /// report rather than copying them.
    pub fn take_juju_results(&mut self) -> Map<String, Value> {
        let mut results = std::mem::take(&mut self.record.results);
        self.add_output(&mut results);
        results
    }

    fn add_output(&self, results: &mut Map<String, Value>) {
        for (key, output) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            insert_output(results, key, output);
        }
        results.insert("return-code".into(), json!(self.return_code()));
    }
}

fn insert_output(results: &mut Map<String, Value>, key: &str, output: &CapturedOutput) {
    if output.bytes.is_empty() && output.dropped == 0 {
        return;
    }
    let text = match std::str::from_utf8(&output.bytes) {
        Ok(text) if output.dropped > 0 => format!(
            "{text}\n[charmbox: {} more bytes of {key} dropped; at most {} are kept]",
            output.dropped,
            output.bytes.len()
        ),
        Ok(text) => text.to_owned(),
        // Not text: encode it as Juju does; a marker would spoil the encoding,
        // so a cut is told by `<key>-truncated` instead.
        Err(_) => {
            results.insert(format!("{key}-encoding"), json!("base64"));
            if output.dropped > 0 {
                results.insert(
                    format!("{key}-truncated"),
                    json!(output.dropped.to_string()),
                );
            }
            base64::engine::general_purpose::STANDARD.encode(&output.bytes)
        }
    };
    results.insert(key.into(), json!(text));
}

/// How a call that ended in a wasmtime error ended: a deadline, refused
/// memory growth (a guest usually aborts right after), or a trap.
pub(super) fn classify_trap(
    handler: &str,
    error: &wasmtime::Error,
    timeout: Option<Duration>,
    refused_memory: Option<usize>,
    memory_cap: usize,
) -> (RunEnd, String) {
    let trap = error.downcast_ref::<Trap>().copied();
    match (trap, refused_memory, timeout) {
        (Some(Trap::Interrupt), _, Some(limit)) => (
            RunEnd::TimedOut { limit },
            format!(
                "{handler} timed out after {} and was stopped",
                humantime::format_duration(limit)
            ),
        ),
        (_, Some(wanted), _) => (
            RunEnd::OutOfMemory {
                wanted,
                limit: memory_cap,
            },
            format!(
                "{handler} ran out of memory: it tried to grow to {} but the limit is {}",
                format_bytes(wanted),
                format_bytes(memory_cap)
            ),
        ),
        (Some(Trap::StackOverflow), _, _) => (
            RunEnd::Trapped,
            format!("{handler} trapped: stack overflow (unbounded recursion?)"),
        ),
        // Rust and C guests keep their stack in linear memory, below the
        // data: overflowing it runs off the bottom of memory long before the
        // engine's own stack limit, so a deep recursion ends up here.
        (Some(Trap::MemoryOutOfBounds), _, _) => (
            RunEnd::Trapped,
            format!(
                "{handler} trapped: out-of-bounds memory access (in a charm written in \
                 Rust or C this is usually a stack overflow from unbounded recursion; otherwise \
                 a bug in the charm)"
            ),
        ),
        (Some(Trap::UnreachableCodeReached), _, _) => (
            RunEnd::Trapped,
            format!(
                "{handler} trapped: wasm `unreachable` executed (a panic or abort in the \
                 charm; its stderr may say more)"
            ),
        ),
        (Some(trap), _, _) => (RunEnd::Trapped, format!("{handler} trapped: {trap}")),
        (None, None, _) => (
            RunEnd::Trapped,
            format!("{handler} failed in the sandbox: {error:#}"),
        ),
    }
}

/// The message of a run whose component could not be instantiated in the
/// sandbox for a reason other than a trap, a deadline or the memory budget:
/// most likely it makes more instances, memories or tables than a sandbox
/// allows (wasmtime's error names which).
pub(super) fn instantiation_message(
    handler: &str,
    error: &wasmtime::Error,
    memory_cap: usize,
) -> String {
    use crate::sandbox::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES};
    format!(
        "{handler} could not start in the sandbox: {error:#} (a sandbox holds at most \
         {MAX_INSTANCES} instances, {MAX_MEMORIES} memories and {MAX_TABLES} tables, and {} of \
         memories and tables together)",
        format_bytes(memory_cap)
    )
}

/// `1536` → `1.5 KiB`, for messages.
pub fn format_bytes(bytes: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_byte_counts() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(256 * 1024 * 1024), "256 MiB");
    }

    #[test]
    fn an_out_of_bounds_trap_suggests_a_stack_overflow() {
        let error = wasmtime::Error::from(Trap::MemoryOutOfBounds);
        let (end, message) = classify_trap("action \"recurse\"", &error, None, None, 1 << 20);
        assert_eq!(end, RunEnd::Trapped);
        assert!(message.contains("out-of-bounds"), "{message}");
        assert!(message.contains("stack overflow"), "{message}");
    }

    #[test]
    fn a_limit_is_typed_and_hinted_only_by_the_caller() {
        let error = wasmtime::Error::from(Trap::Interrupt);
        let limit = Duration::from_secs(2);
        let (end, message) = classify_trap("action \"spin\"", &error, Some(limit), None, 1 << 20);
        assert_eq!(end, RunEnd::TimedOut { limit });
        assert_eq!(
            message,
            "action \"spin\" timed out after 2s and was stopped"
        );
        let report = RunReport {
            end,
            message: Some(message),
            record: ActionRecord::default(),
            model: ModelRecord::default(),
            stdout: CapturedOutput::default(),
            stderr: CapturedOutput::default(),
            started: SystemTime::now(),
            completed: SystemTime::now(),
            guard_hit: None,
        };
        let hints = LimitHints {
            timeout: "raise it with --timeout",
            memory: "raise it with --memory",
            disk: "raise it with --disk",
        };
        assert_eq!(
            report.message_with(&hints).unwrap(),
            "action \"spin\" timed out after 2s and was stopped (raise it with --timeout)"
        );
    }
}
