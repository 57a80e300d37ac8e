//! Live progress on stderr while tasks run: each action-log line as it
//! happens, prefixed by its unit; for several units, a bar in an interactive
//! terminal and a plain line per finished task when piped.

use std::io::{IsTerminal as _, Write};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use charmbox::action::LogEntry;
use charmbox::operation::Progress;

use charmbox::task::Task;
use charmbox::time::format_clock;

use super::terminal::escape_controls;

/// Locks `mutex`, poisoned or not: progress lines stay whole if a thread
/// panicked while writing one.
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Progress printed to stderr.
pub struct TerminalProgress {
    bar: Option<ProgressBar>,
    multi: bool,
    /// Without a bar, for several units: lines gathered and written a few
    /// at a time.
    piped: Option<CoalescedLines>,
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
        // Many units log and finish thousands of lines a second: a write
        // each cost a 1000-unit run ~10 ms of CPU (see CoalescedLines).
        let piped = (multi && bar.is_none()).then(|| CoalescedLines::new(std::io::stderr()));
        Self {
            bar,
            multi,
            piped,
            lock: Mutex::new(()),
        }
    }

    /// Clears the bar, or writes what lines are still gathered.
    pub fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if let Some(piped) = &self.piped {
            piped.finish();
        }
    }

    fn line(&self, mut text: String) {
        match (&self.bar, &self.piped) {
            (Some(bar), _) => bar.println(text),
            (None, Some(piped)) => piped.push(text),
            (None, None) => {
                // One write per line: stderr is unbuffered, and `writeln!`
                // would make the newline a second system call.
                text.push('\n');
                let _guard = lock(&self.lock);
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }
        }
    }
}

impl Progress for TerminalProgress {
    fn log(&self, task: &Task, entry: &LogEntry) {
        // The guest's words, shown, never obeyed (see `terminal`).
        self.line(format!(
            "{} {}: {}",
            format_clock(entry.timestamp),
            task.unit,
            escape_controls(&entry.message)
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

/// Lines for a pipe or a file, written together: the first line after a
/// quiet spell wakes a thread that waits [`COALESCE_WINDOW`] for more, then
/// writes them all in one call. No line waits longer than the window, and
/// lines keep their order.
struct CoalescedLines {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

type Sink = Box<dyn Write + Send>;

/// How long a line may wait for others to be written with it.
const COALESCE_WINDOW: Duration = Duration::from_millis(20);

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    /// Written by the thread; by `push` itself once finishing.
    sink: Mutex<Sink>,
}

#[derive(Default)]
struct Pending {
    text: String,
    finishing: bool,
}

impl CoalescedLines {
    fn new(sink: impl Write + Send + 'static) -> Self {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            sink: Mutex::new(Box::new(sink)),
        });
        let writer_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("charmbox-progress".into())
            .spawn(move || writer_shared.write_loop())
            .ok();
        if thread.is_none() {
            // No thread: each push writes at once (see `push`).
            lock(&shared.pending).finishing = true;
        }
        Self {
            shared,
            thread: Mutex::new(thread),
        }
    }

    /// Queues `line` (without its newline).
    fn push(&self, line: String) {
        let mut pending = lock(&self.shared.pending);
        if pending.finishing {
            // After `finish` (or with no thread): write through, still
            // under the lock that keeps the lines in order.
            let mut sink = lock(&self.shared.sink);
            let _ = sink.write_all(format!("{line}\n").as_bytes());
            let _ = sink.flush();
            return;
        }
        let was_empty = pending.text.is_empty();
        pending.text.push_str(&line);
        pending.text.push('\n');
        if was_empty {
            self.shared.wake.notify_one();
        }
    }

    /// Writes what is queued and stops the thread.
    fn finish(&self) {
        lock(&self.shared.pending).finishing = true;
        self.shared.wake.notify_one();
        if let Some(thread) = lock(&self.thread).take() {
            let _ = thread.join();
        }
    }
}

impl Drop for CoalescedLines {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Shared {
    fn write_loop(&self) {
        loop {
            let mut pending = lock(&self.pending);
            while pending.text.is_empty() && !pending.finishing {
                pending = self
                    .wake
                    .wait(pending)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if !pending.finishing {
                // Let the lines that follow this one join it (`finish` ends
                // the wait early).
                pending = self
                    .wake
                    .wait_timeout_while(pending, COALESCE_WINDOW, |p| !p.finishing)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            let text = std::mem::take(&mut pending.text);
            let finishing = pending.finishing;
            // Taken before `pending` is let go: a later line cannot
            // overtake these.
            let mut sink = lock(&self.sink);
            drop(pending);
            let _ = sink.write_all(text.as_bytes());
            let _ = sink.flush();
            drop(sink);
            if finishing {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// A sink the test can read while the writer thread owns it.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().concat()).unwrap()
        }
        fn writes(&self) -> usize {
            self.0.lock().unwrap().len()
        }
    }

    #[test]
    fn many_lines_are_written_in_order_in_few_writes() {
        let sink = Captured::default();
        let lines = CoalescedLines::new(sink.clone());
        for n in 0..1000 {
            lines.push(format!("line {n}"));
        }
        lines.finish();
        let expected: String = (0..1000).map(|n| format!("line {n}\n")).collect();
        assert_eq!(sink.text(), expected);
        assert!(sink.writes() < 10, "{} writes", sink.writes());
    }

    #[test]
    fn a_lone_line_appears_without_waiting_for_more() {
        let sink = Captured::default();
        let lines = CoalescedLines::new(sink.clone());
        lines.push("only line".into());
        let deadline = Instant::now() + Duration::from_secs(5);
        while sink.text().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Written by the thread while the operation is still going.
        assert_eq!(sink.text(), "only line\n");
        lines.push("second".into());
        drop(lines);
        assert_eq!(sink.text(), "only line\nsecond\n");
    }

    #[test]
    fn lines_after_finish_are_written_at_once() {
        let sink = Captured::default();
        let lines = CoalescedLines::new(sink.clone());
        lines.push("before".into());
        lines.finish();
        lines.push("after".into());
        assert_eq!(sink.text(), "before\nafter\n");
    }
}
