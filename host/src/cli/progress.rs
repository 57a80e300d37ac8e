//! Live progress on stderr while tasks run: each action-log line as it
//! happens, prefixed by its unit; for several units, a bar in an interactive
//! terminal and a plain line per finished task when piped.

use std::io::{IsTerminal as _, Write as _};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::action::LogEntry;
use crate::operation::Progress;
use crate::task::Task;
use crate::time::format_clock;

/// Progress printed to stderr.
pub struct TerminalProgress {
    bar: Option<ProgressBar>,
    multi: bool,
    // Keeps lines from different units whole.
    lock: Mutex<()>,
}

impl TerminalProgress {
    /// Progress for `tasks` tasks.
    pub fn new(tasks: usize) -> Self {
        let multi = tasks > 1;
        let bar = (multi && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(tasks as u64);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} tasks {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Self {
            bar,
            multi,
            lock: Mutex::new(()),
        }
    }

    /// Clears the bar.
    pub fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn line(&self, mut text: String) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => {
                // One write per line: stderr is unbuffered, and `writeln!`
                // would make the newline a second system call.
                text.push('\n');
                let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }
        }
    }
}

impl Progress for TerminalProgress {
    fn log(&self, task: &Task, entry: &LogEntry) {
        self.line(format!(
            "{} {}: {}",
            format_clock(entry.timestamp),
            task.unit,
            entry.message
        ));
    }

    fn finished(&self, task: &Task) {
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(format!("({} {})", task.unit, task.status));
            }
            None if self.multi => self.line(format!(
                "task {} on {}: {}",
                task.id, task.unit, task.status
            )),
            None => {}
        }
    }
}
