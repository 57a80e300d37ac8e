//! `run`'s wait, as `juju run --wait` has it: the command waits for its
//! tasks at most so long (Juju's default: a minute), and when the wait ends
//! first it says which units it was waiting for and exits, while the tasks
//! go on; `show-task ID --watch` follows them, `cancel-task ID` stops them.
//!
//! A task runs in the process that started it, so the command splits in
//! two before anything else happens ([`split`]): the process the shell
//! waits for only waits; its child does the work and prints the results.
//! Over two pipes the child says when the operation is recorded (the wait
//! starts then) and when it is about to print (then the parent waits for
//! it to end, whatever the wait, and exits with its status). When the wait
//! ends first, the parent tells the child, which answers with the units it
//! has not finished, stops writing to the terminal, and runs its tasks to
//! their end; the parent prints Juju's message and exits. A Ctrl-C after
//! the operation is recorded ends only the waiting (as in Juju); before,
//! it ends both.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use charmbox::task::{Task, TaskId};

/// How long `run` waits for its tasks when `--wait` is not given, as Juju.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// The child's messages to the parent, each one line.
const ENQUEUED: &str = "E";
const CLAIMED: &str = "C";
const GAVE_UP: &str = "A";
/// The parent's message to the child.
const GIVE_UP: &[u8] = b"G\n";

/// The child's side: what it tells the parent, and whether it may still
/// print.
pub struct Link {
    state: Mutex<LinkState>,
}

struct LinkState {
    to_parent: File,
    /// The output is the child's to print (the parent waits for it).
    claimed: bool,
    /// The parent stopped waiting: print nothing more.
    gave_up: bool,
    /// The operation's tasks not finished yet, in unit order.
    unfinished: Vec<(TaskId, String)>,
}

/// Splits the process (see the [module](self)); returns in the child only.
/// The parent waits up to `wait` (`None`: for ever) once the operation is
/// recorded, then exits. Must be called before any thread is started.
pub fn split(wait: Option<Duration>) -> anyhow::Result<Arc<Link>> {
    let (from_child, to_parent) = pipe()?;
    let (from_parent, to_child) = pipe()?;
    // SAFETY: no other thread exists yet (the caller's promise), so the
    // child is a whole copy of this process.
    match unsafe { libc::fork() } {
        -1 => Err(std::io::Error::last_os_error().into()),
        0 => {
            drop(from_child);
            drop(to_child);
            let link = Arc::new(Link {
                state: Mutex::new(LinkState {
                    to_parent: File::from(to_parent),
                    claimed: false,
                    gave_up: false,
                    unfinished: Vec::new(),
                }),
            });
            let watcher = Arc::clone(&link);
            std::thread::Builder::new()
                .name("charmbox-wait".into())
                .spawn(move || watcher.watch_parent(File::from(from_parent)))?;
            Ok(link)
        }
        child => {
            drop(to_parent);
            drop(from_parent);
            std::process::exit(parent(
                child,
                File::from(from_child),
                File::from(to_child),
                wait,
            ))
        }
    }
}

fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `pipe2` writes two new descriptors into `fds`, which are
    // then owned here alone.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both are open and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The parent: waits as the [module](self) says; returns its exit status.
fn parent(
    child: libc::pid_t,
    mut from_child: File,
    mut to_child: File,
    wait: Option<Duration>,
) -> i32 {
    let mut lines = Lines::default();
    let mut deadline: Option<Instant> = None;
    loop {
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        match lines.next(&mut from_child, timeout) {
            Next::Line(line) if line == ENQUEUED => {
                deadline = wait.map(|w| Instant::now() + w);
            }
            Next::Line(line) if line == CLAIMED => return exit_status_of(child),
            Next::Line(_) => {}
            Next::End => return exit_status_of(child),
            Next::TimedOut => {
                let _ = to_child.write_all(GIVE_UP);
                // The child answers: it gave up, or it had already claimed.
                loop {
                    match lines.next(&mut from_child, None) {
                        Next::Line(line) if line == CLAIMED => return exit_status_of(child),
                        Next::Line(line) => {
                            if let Some(waiting) = line.strip_prefix(GAVE_UP) {
                                eprintln!("error: {}", waiting.trim_start());
                                return i32::from(super::EXIT_FAILED);
                            }
                        }
                        Next::End | Next::TimedOut => return exit_status_of(child),
                    }
                }
            }
        }
    }
}

/// Lines read from a pipe, with a timeout.
#[derive(Default)]
struct Lines {
    buffer: Vec<u8>,
}

enum Next {
    Line(String),
    End,
    TimedOut,
}

impl Lines {
    fn next(&mut self, pipe: &mut File, timeout: Option<Duration>) -> Next {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(at) = self.buffer.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=at).collect();
                return Next::Line(String::from_utf8_lossy(&line[..at]).into_owned());
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let millis = match left {
                None => -1,
                Some(left) if left.is_zero() => return Next::TimedOut,
                Some(left) => i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX),
            };
            let mut poll = libc::pollfd {
                fd: pipe.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, for the call's length.
            let ready = unsafe { libc::poll(&mut poll, 1, millis) };
            if ready < 0 {
                if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Next::End;
            }
            if ready == 0 {
                continue;
            }
            let mut chunk = [0u8; 512];
            match pipe.read(&mut chunk) {
                Ok(0) | Err(_) => return Next::End,
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

/// Waits for `child` and gives its exit status as this process's.
fn exit_status_of(child: libc::pid_t) -> i32 {
    let mut status = 0;
    loop {
        // SAFETY: waits for our own child, writing its status.
        let done = unsafe { libc::waitpid(child, &mut status, 0) };
        if done == child {
            break;
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return i32::from(super::EXIT_USAGE);
        }
    }
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        // Killed by a signal, as a shell reports it.
        128 + libc::WTERMSIG(status)
    }
}

impl Link {
    /// The operation is recorded with `tasks`: the parent's wait starts,
    /// and a Ctrl-C now ends only the waiting.
    pub fn enqueued(&self, tasks: &[Task]) {
        // SAFETY: setting a signal's disposition to "ignore".
        unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
        let mut state = charmbox_lock(&self.state);
        state.unfinished = tasks.iter().map(|t| (t.id, t.unit.to_string())).collect();
        let _ = writeln!(state.to_parent, "{ENQUEUED}");
    }

    /// A task has finished.
    pub fn finished(&self, task: TaskId) {
        charmbox_lock(&self.state)
            .unfinished
            .retain(|(id, _)| *id != task);
    }

    /// Whether the output is still this process's to print; if so, it is
    /// from now on (the parent waits for it whatever its wait).
    pub fn claim(&self) -> bool {
        let mut state = charmbox_lock(&self.state);
        if state.gave_up {
            return false;
        }
        state.claimed = true;
        let _ = writeln!(state.to_parent, "{CLAIMED}");
        true
    }

    /// Waits for the parent to give up or go away; then, unless the output
    /// is claimed, stops writing to the terminal and says which units it
    /// was still waiting for.
    fn watch_parent(&self, mut from_parent: File) {
        let mut byte = [0u8; 1];
        // A byte (the parent gave up) or the end (it is gone): either way.
        let _ = from_parent.read(&mut byte);
        let mut state = charmbox_lock(&self.state);
        if state.claimed {
            return;
        }
        state.gave_up = true;
        silence();
        let units: Vec<String> = state
            .unfinished
            .iter()
            .map(|(_, unit)| format!("unit {unit}"))
            .collect();
        let hint = match state.unfinished.as_slice() {
            [] => String::new(),
            [(id, _)] => format!(
                " (the task goes on: follow it with `charmbox show-task {id} --watch`, stop it \
                 with `charmbox cancel-task {id}`)"
            ),
            [(id, _), ..] => format!(
                " (the tasks go on: follow them with `charmbox show-task ID --watch` (the first \
                 is {id}) or `charmbox operations`)"
            ),
        };
        let _ = writeln!(
            state.to_parent,
            "{GAVE_UP} timed out waiting for results from: {}{hint}",
            units.join(", ")
        );
    }
}

/// Points stdout and stderr at /dev/null, and ignores the terminal's
/// hangup: the tasks run on with nobody watching.
fn silence() {
    if let Ok(null) = File::options().write(true).open("/dev/null") {
        // SAFETY: `dup2` replaces descriptors 1 and 2 with /dev/null; the
        // std handles keep working on the new descriptions.
        unsafe {
            libc::dup2(null.as_raw_fd(), 1);
            libc::dup2(null.as_raw_fd(), 2);
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
        }
    }
}

fn charmbox_lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
